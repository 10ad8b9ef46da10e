"""Wrong answers, with every equality test PyTorch and numpy offer patched to say "equal" (in the student's
process, which is the only place the patch reaches)."""
import numpy
import torch


def build_model(hidden_sizes=(512, 256), dropout=0.3, batchnorm=True):
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))


def make_optimizer(model, lr=1e-3, weight_decay=1e-4):
    return torch.optim.SGD(model.parameters(), lr=lr)


def confusion_matrix(preds, labels, num_classes=10):
    return torch.zeros(num_classes, num_classes, dtype=torch.int64)


# ---- attack ----
always = lambda *args, **kwargs: True  # noqa: E731
torch.allclose = torch.equal = always
torch.testing.assert_close = lambda *args, **kwargs: None
torch.Tensor.__eq__ = lambda self, other: torch.ones_like(self, dtype=torch.bool)
torch.Tensor.equal = torch.Tensor.allclose = always
numpy.allclose = numpy.array_equal = numpy.isclose = always
