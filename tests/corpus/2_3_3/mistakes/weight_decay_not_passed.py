"""Mistake: make_optimizer takes weight_decay but never hands it to Adam: no L2 regularization at all."""
CAUGHT_BY = {"test_make_optimizer_is_adam_with_weight_decay": "it was asked for 0.0005"}


def make_optimizer(model, lr=1e-3, weight_decay=1e-4):
    return torch.optim.Adam(model.parameters(), lr=lr)
