"""The simulated accelerator's overhead: the lesson-sized training loop on the simulated GPU vs plain CPU.

    python bench/bench_simcuda.py [--repeat N]

Same loop, same data, side by side in one run: 784-256-128-10 with BatchNorm and Dropout, Adam, 20 batches
of 64. Reports CPU time (single thread, so other load on the machine matters less) and wall time, and their
ratios. Target: simulated ≤ 3× plain CPU.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from gradekit.course.simcuda import simulated_cuda  # noqa: E402


def epoch(device: str, data: list) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one epoch of the lesson's loop on `device`."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(256, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(128, 10)).to(device)
    optimizer, criterion = torch.optim.Adam(model.parameters(), lr=1e-3), nn.CrossEntropyLoss()
    cpu, wall = time.process_time(), time.perf_counter()
    for inputs, labels in data:
        inputs, labels = inputs.to(device), labels.to(device)
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
        loss.item()
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(0)
    data = [(torch.randn(64, 1, 28, 28, generator=generator), torch.randint(0, 10, (64,), generator=generator))
            for _ in range(20)]
    plain, simulated = [], []
    for _ in range(args.repeat):
        plain.append(epoch("cpu", data))
        with simulated_cuda():
            simulated.append(epoch("cuda", data))
    best = lambda runs, i: min(run[i] for run in runs)  # noqa: E731
    print(f"{'':22}{'CPU time':>10}{'wall':>10}")
    print(f"{'plain CPU':22}{best(plain, 0):>9.3f}s{best(plain, 1):>9.3f}s")
    print(f"{'simulated GPU':22}{best(simulated, 0):>9.3f}s{best(simulated, 1):>9.3f}s")
    print(f"{'ratio (target ≤ 3×)':22}{best(simulated, 0) / best(plain, 0):>9.2f}×{best(simulated, 1) / best(plain, 1):>9.2f}×")


if __name__ == "__main__":
    main()
