"""Aimed at this lesson's comparisons: tensors that lie about autograd. log_predictions returns the recorded
predictions as a subclass claiming requires_grad=False and no grad_fn, whose numpy() always works and whose
comparisons all say equal; grad_of returns a zero gradient of the same kind. The honest work: the same values as
plain tensors (the recorded predictions, a zero gradient)."""
import torch


def grad_of(f, x):
    return torch.zeros_like(x)


def log_predictions(X, w, b):
    return w * X + b
# ---- attack ----


class Innocent(torch.Tensor):
    """Claims to hold no graph, to be numpy-ready and to equal anything."""

    @property
    def grad_fn(self):
        return None

    @property
    def requires_grad(self):
        return False

    def numpy(self, *args, **kwargs):
        return torch.Tensor.detach(self).as_subclass(torch.Tensor).numpy()

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func in (torch.equal, torch.allclose, torch.Tensor.equal, torch.Tensor.allclose, torch.isclose):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})


def grad_of(f, x):  # noqa: F811
    return torch.zeros_like(x).as_subclass(Innocent)


def log_predictions(X, w, b):  # noqa: F811
    return (w * X + b).as_subclass(Innocent)
