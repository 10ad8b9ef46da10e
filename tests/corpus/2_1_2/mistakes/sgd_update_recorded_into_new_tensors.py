"""Mistake: sgd_step_ puts p - lr * p.grad into the list outside torch.no_grad(): recorded new tensors, no
longer leaves, and the parameters themselves never move."""
CAUGHT_BY = {"test_sgd_step_updates_in_place_and_params_stay_leaves": "no longer a leaf"}


def sgd_step_(params, lr):
    for i, p in enumerate(params):
        params[i] = p - lr * p.grad
        p.grad = None
