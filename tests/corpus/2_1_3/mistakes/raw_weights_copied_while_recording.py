"""Mistake: load_raw_weights copies into the parameters in place with recording on (no torch.no_grad())."""
CAUGHT_BY = {"test_module_gives_the_raw_forward_numbers": "torch.no_grad()",
             "test_loaded_weights_stay_trainable_parameters": "torch.no_grad()"}


def load_raw_weights(model, W1, b1, W2, b2):
    model.fc1.weight.copy_(W1.T)
    model.fc1.bias.copy_(b1)
    model.fc2.weight.copy_(W2.T)
    model.fc2.bias.copy_(b2)
    return model
