"""Mistake: sgd_step_ updates the parameters in place while recording (no torch.no_grad()): PyTorch refuses."""
CAUGHT_BY = {"test_sgd_step_updates_in_place_and_params_stay_leaves": "with torch.no_grad():"}


def sgd_step_(params, lr):
    for p in params:
        p -= lr * p.grad
        p.grad = None
