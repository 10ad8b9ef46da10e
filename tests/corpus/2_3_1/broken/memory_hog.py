"""Broken: load_model allocates far more memory than allowed; the worker's limit stops it, nothing else is lost."""
LOST = ["2_3_1.ex1"]
MESSAGE = "memory"
EXTRA_ARGS = ["--worker-memory-gb", "1"]


def load_model(model, path, device="cpu"):
    hog = torch.ones(1024, 1024, 1024)  # 4 GiB
    return model
