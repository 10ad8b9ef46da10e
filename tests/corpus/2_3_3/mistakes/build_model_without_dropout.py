"""Mistake: build_model takes its dropout argument but never adds the Dropout layers: in train mode two forward
passes give the same output."""
CAUGHT_BY = {"test_train_and_eval_modes_change_the_output": "In train mode two forward passes gave the same output"}


def build_model(hidden_sizes=(512, 256), dropout=0.3, batchnorm=True):
    layers, size = [nn.Flatten()], 784
    for width in hidden_sizes:
        layers += [nn.Linear(size, width)] + ([nn.BatchNorm1d(width)] if batchnorm else []) + [nn.ReLU()]
        size = width
    return nn.Sequential(*layers, nn.Linear(size, 10))
