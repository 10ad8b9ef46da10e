"""Correct, written differently: a TwoLayerNet around an nn.Sequential with functional ReLU, torch.addmm, the
requires_grad filter when counting, load_state_dict for the raw weights, an OrderedDict MLP, and a residual block
whose second layer is registered first and whose sum is written in place."""
from collections import OrderedDict

import torch.nn.functional as F


class TwoLayerNet(nn.Module):
    def __init__(self, in_features, hidden_features, out_features):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_features, hidden_features), nn.ReLU(),
                                 nn.Linear(hidden_features, out_features))

    def forward(self, x):
        return self.net(x)


def linear_by_hand(linear, x):
    return torch.addmm(linear.bias, x, linear.weight.t())


def count_parameters(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def load_raw_weights(model, W1, b1, W2, b2):
    model.load_state_dict({"fc1.weight": W1.t(), "fc1.bias": b1, "fc2.weight": W2.t(), "fc2.bias": b2})
    return model


def make_mlp(sizes):
    layers = OrderedDict()
    for i in range(len(sizes) - 1):
        if i:
            layers[f"act{i}"] = nn.ReLU(inplace=True)
        layers[f"fc{i + 1}"] = nn.Linear(sizes[i], sizes[i + 1])
    return nn.Sequential(layers)


class ResidualBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.second = nn.Linear(dim, dim)
        self.first = nn.Linear(dim, dim)

    def forward(self, x):
        out = self.second(F.relu(self.first(x)))
        out += x
        return out
