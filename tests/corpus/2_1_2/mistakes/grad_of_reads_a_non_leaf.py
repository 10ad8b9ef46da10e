"""Mistake: grad_of converts the recording copy to float64 after requires_grad: the converted tensor is not a leaf,
its .grad stays None."""
CAUGHT_BY = {"test_grad_of_matches_finite_differences": "only tensors you created with requires_grad=True"}


def grad_of(f, x):
    leaf = x.detach().clone().requires_grad_(True).to(torch.float64)
    f(leaf).backward()
    return leaf.grad
