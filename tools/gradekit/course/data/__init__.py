"""The data the project carries (MNIST's original test set): where it is, and torchvision's folder layout built from it."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

MNIST_FILES = Path(__file__).resolve().parent / "mnist"
MNIST_TEST_FILES = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def mnist_data_root(target: Path) -> Path:
    """`target/MNIST/raw/` holding MNIST's test files, packed and unpacked, so torchvision's MNIST class runs offline."""
    raw = Path(target) / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name in MNIST_TEST_FILES:
        packed = MNIST_FILES / f"{name}.gz"
        if not (raw / f"{name}.gz").exists():
            shutil.copy(packed, raw / f"{name}.gz")
        if not (raw / name).exists():
            with gzip.open(packed, "rb") as source, open(raw / name, "wb") as plain:
                shutil.copyfileobj(source, plain)
    return Path(target)
