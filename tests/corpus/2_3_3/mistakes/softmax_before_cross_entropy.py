"""Mistake: a Softmax at the end of the model, before CrossEntropyLoss."""
CAUGHT_BY = {"test_model_outputs_raw_logits": "softmax before CrossEntropyLoss"}


def build_model(hidden_sizes=(512, 256), dropout=0.3, batchnorm=True):
    layers, size = [nn.Flatten()], 784
    for width in hidden_sizes:
        layers += [nn.Linear(size, width)] + ([nn.BatchNorm1d(width)] if batchnorm else [])
        layers += [nn.ReLU(), nn.Dropout(dropout)]
        size = width
    return nn.Sequential(*layers, nn.Linear(size, 10), nn.Softmax(dim=1))
