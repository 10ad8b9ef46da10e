"""Mistake: sgd_step_ updates but leaves the gradients behind: the next backward() adds to them."""
CAUGHT_BY = {"test_sgd_step_clears_the_gradients": "gradients accumulate until cleared"}


def sgd_step_(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
