"""Mistake: grad_of presses Record on the caller's own x and returns its .grad: x records afterwards, and a second
call adds to the first gradient."""
CAUGHT_BY = {"test_grad_of_leaves_the_callers_x_untouched": "the caller's x records"}


def grad_of(f, x):
    x.requires_grad_(True)
    f(x).backward()
    return x.grad
