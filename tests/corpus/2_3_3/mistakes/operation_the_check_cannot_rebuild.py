"""Mistake: an operation the course never used, between two layers (the hidden activations doubled by hand).
The accuracy checks judge a trusted rebuild of the network from the course's layers; a model it cannot
express is refused with a message saying what it accepts, never evaluated on trust."""
CAUGHT_BY = {"test_best_model_reaches_88_percent": "could not be checked",
             "test_hardest_classes_are_your_models_three_lowest": "could not be checked",
             "test_build_model_layers_in_order": "nn.Flatten (or x.view(x.size(0), -1)), nn.Linear"}


class Doubling(nn.Sequential):
    def forward(self, x):
        for index, layer in enumerate(self):
            x = layer(x)
            if index == 1:
                x = x * 2
        return x


def build_model(hidden_sizes=(512, 256), dropout=0.3, batchnorm=True):
    layers, size = [nn.Flatten()], 784
    for width in hidden_sizes:
        layers += [nn.Linear(size, width)] + ([nn.BatchNorm1d(width)] if batchnorm else [])
        layers += [nn.ReLU(), nn.Dropout(dropout)]
        size = width
    return Doubling(*layers, nn.Linear(size, 10))
