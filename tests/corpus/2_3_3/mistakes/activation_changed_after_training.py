"""Mistake: ReLU swapped for Tanh in both models (the provided BaselineMLP too) after best_model.pt was trained, and
the pipeline never re-run: the file's values, learned for ReLU, now fill a Tanh network (architecture in code,
values in file: the two no longer match), which classifies far fewer test images right."""
CAUGHT_BY = {"test_baseline_is_the_mnist_architecture": "the provided baseline is the MNIST network",
             "test_best_model_reaches_85_percent": "partial credit needs 85.0%",
             "test_best_model_reaches_88_percent": "full credit needs 88.0%",
             "test_best_fc_model_reaches_89_5_percent": "needs 89.5%"}


class BaselineMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(28 * 28, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)
        self.act = nn.Tanh()

    def forward(self, x):
        x = self.flatten(x)
        x = self.act(self.fc1(x))
        x = self.act(self.fc2(x))
        return self.fc3(x)


def build_model(hidden_sizes=(512, 256), dropout=0.3, batchnorm=True):
    layers, size = [nn.Flatten()], 784
    for width in hidden_sizes:
        layers += [nn.Linear(size, width)] + ([nn.BatchNorm1d(width)] if batchnorm else [])
        layers += [nn.Tanh(), nn.Dropout(dropout)]
        size = width
    return nn.Sequential(*layers, nn.Linear(size, 10))
