"""Correct, written differently again: layers in an nn.ModuleList, F.linear and einsum by hand, a loop over
named_parameters, new nn.Parameters for the raw weights, add_module with one shared ReLU, and a residual branch in a ModuleList."""
import torch.nn.functional as F


class TwoLayerNet(nn.Module):
    def __init__(self, in_features, hidden_features, out_features):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(in_features, hidden_features), nn.Linear(hidden_features, out_features)])

    def forward(self, x):
        x = F.relu(self.layers[0](x))
        return self.layers[1](x)


def linear_by_hand(linear, x):
    W, b = linear.weight, linear.bias
    return torch.einsum("bi,oi->bo", x, W) + b


def count_parameters(model):
    total = 0
    for _, parameter in model.named_parameters():
        total += parameter.numel()
    return int(total)


def load_raw_weights(model, W1, b1, W2, b2):
    model.fc1.weight = nn.Parameter(W1.T.clone())
    model.fc1.bias = nn.Parameter(b1.clone())
    model.fc2.weight = nn.Parameter(W2.T.clone())
    model.fc2.bias = nn.Parameter(b2.clone())
    return model


def make_mlp(sizes):
    mlp, relu = nn.Sequential(), nn.ReLU()  # one ReLU module, used between every pair of layers
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        mlp.add_module(f"linear{i}", nn.Linear(a, b))
        if i < len(sizes) - 2:
            mlp.add_module(f"relu{i}", relu)
    return mlp


class ResidualBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.branch = nn.ModuleList([nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim)])

    def forward(self, x):
        identity = x
        for layer in self.branch:
            x = layer(x)
        return x + identity
