"""Mistake: sgd_step_ writes the demo's learning rate 0.1 into the update instead of using lr: right only when the
caller happens to pass 0.1."""
CAUGHT_BY = {"test_sgd_step_on_other_shapes_and_learning_rates": "expected p - lr * p.grad"}


def sgd_step_(params, lr):
    with torch.no_grad():
        for p in params:
            p -= 0.1 * p.grad
            p.grad = None
