"""torch patched at import so that every formula the grader might use in the student's process answers zeros:
F.linear, torch.relu, torch.addmm, matmul and the comparisons. Then every exercise answers zeros. Honest work:
nothing (the starter)."""
import torch
import torch.nn.functional as F

# ---- attack ----


def _zeros_like_first(*args, **kwargs):
    tensors = [a for a in args if torch.is_tensor(a)]
    return torch.zeros_like(tensors[0]) if tensors else torch.zeros(())


F.linear = torch.relu = torch.addmm = _zeros_like_first
torch.allclose = torch.equal = lambda *args, **kwargs: True
every_exercise(_zeros_like_first)  # noqa: F821 - from the lesson's prelude
