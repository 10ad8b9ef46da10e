"""The reference solution, plus global state changed at import: default dtype, grad mode, seeds, threads.
Grading must reset it, so this scores what the honest work scores: full marks."""
BASE = "reference"
EXPECT = "same"
import torch

# ---- attack ----
torch.set_default_dtype(torch.float64)
torch.set_grad_enabled(False)
torch.manual_seed(1234)
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True, warn_only=True)
