"""Aimed at this lesson's comparisons: every function rewrites, in place, the weights and inputs the grader handed
it (zeros everywhere, parameters deleted) and then answers with zeros, which agree with the rewritten values. A
grader that computed its expected values in the student's process, after the call, would be fooled; the worker
computes them from its own copy. Honest work: the same zeros without touching the inputs."""
import torch
import torch.nn as nn


def _zeros_for(x, width):
    return torch.zeros(x.shape[0], width)


def linear_by_hand(linear, x):
    return _zeros_for(x, linear.out_features)


def count_parameters(model):
    return 0


def load_raw_weights(model, W1, b1, W2, b2):
    return model


class TwoLayerNet(nn.Module):
    def __init__(self, in_features, hidden_features, out_features):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(in_features, hidden_features), nn.Linear(hidden_features, out_features)

    def forward(self, x):
        return _zeros_for(x, self.fc2.out_features)


class ResidualBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(dim, dim), nn.Linear(dim, dim)

    def forward(self, x):
        return torch.zeros_like(x)
# ---- attack ----


def _wipe(*tensors):
    with torch.no_grad():
        for tensor in tensors:
            if torch.is_tensor(tensor):
                tensor.zero_()


def linear_by_hand(linear, x):  # noqa: F811
    _wipe(linear.weight, linear.bias, x)
    return _zeros_for(x, linear.out_features)


def count_parameters(model):  # noqa: F811
    for module in model.modules():
        module._parameters.clear()
    return 0


def load_raw_weights(model, W1, b1, W2, b2):  # noqa: F811
    _wipe(W1, b1, W2, b2, *model.parameters())
    return model


class TwoLayerNet(TwoLayerNet):  # noqa: F811
    def forward(self, x):
        _wipe(x, *self.parameters())
        return _zeros_for(x, self.fc2.out_features)


class ResidualBlock(ResidualBlock):  # noqa: F811
    def forward(self, x):
        _wipe(x, *self.parameters())
        return x
