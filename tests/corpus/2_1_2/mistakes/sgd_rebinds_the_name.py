"""Mistake: sgd_step_ writes p = p - lr * p.grad: the name p gets a new tensor, the parameter does not move."""
CAUGHT_BY = {"test_sgd_step_updates_in_place_and_params_stay_leaves": "did not move"}


def sgd_step_(params, lr):
    with torch.no_grad():
        for p in params:
            p.grad, grad = None, p.grad
            p = p - lr * grad
