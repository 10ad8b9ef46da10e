"""Mistake: grad_of rewinds the same recording twice (a second backward() to be sure): PyTorch refuses."""
CAUGHT_BY = {"test_grad_of_matches_finite_differences": "backward() was called twice on one recording",
             "test_grad_of_leaves_the_callers_x_untouched": "backward() was called twice on one recording"}


def grad_of(f, x):
    leaf = x.detach().clone().requires_grad_(True)
    value = f(leaf)
    value.backward()
    value.backward()
    return leaf.grad
