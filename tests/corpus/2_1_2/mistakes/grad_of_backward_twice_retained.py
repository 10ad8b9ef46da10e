"""Mistake: grad_of rewinds twice with retain_graph=True: the two gradients add up, twice the true one."""
CAUGHT_BY = {"test_grad_of_matches_finite_differences": "exactly twice the true gradient"}


def grad_of(f, x):
    leaf = x.detach().clone().requires_grad_(True)
    value = f(leaf)
    value.backward(retain_graph=True)
    value.backward()
    return leaf.grad
