"""The course's given code (2.3's MNISTNet, 2.1.4's SmallNet), as trusted copies for probes: graders never depend on the
student's copy of it."""

from __future__ import annotations

import torch
import torch.nn as nn


class MNISTNet(nn.Module):
    """The course's MNIST MLP: 784 → 256 → 128 → 10 with ReLU and Dropout(0.2) (layers fc1, fc2, fc3)."""

    def __init__(self) -> None:
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)
        self.relu = nn.ReLU()
        self.dropout = nn.Dropout(0.2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.flatten(x)
        x = self.dropout(self.relu(self.fc1(x)))
        x = self.dropout(self.relu(self.fc2(x)))
        return self.fc3(x)


class SmallNet(nn.Module):
    """2.1.4's given network: in_features → hidden (Tanh, Dropout) → out_features."""

    def __init__(self, in_features: int = 1, hidden: int = 16, out_features: int = 1, dropout: float = 0.1) -> None:
        super().__init__()
        self.hidden = nn.Linear(in_features, hidden)
        self.act = nn.Tanh()
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.drop(self.act(self.hidden(x))))
