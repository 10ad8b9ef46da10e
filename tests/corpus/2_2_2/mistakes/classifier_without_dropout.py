"""Mistake: MNISTClassifier takes its dropout argument but never adds the Dropout layers: in train mode two forward
passes give the same output."""
CAUGHT_BY = {"test_classifier_runs_the_layers_in_order": "per hidden size Linear → BatchNorm1d → ReLU → Dropout",
             "test_dropout_works_in_train_mode_only": "is there a Dropout with p > 0"}


class MNISTClassifier(nn.Module):
    def __init__(self, hidden_sizes=(256, 128), dropout=0.2):
        super().__init__()
        layers, previous = [nn.Flatten()], 784
        for size in hidden_sizes:
            layers += [nn.Linear(previous, size), nn.BatchNorm1d(size), nn.ReLU()]
            previous = size
        layers.append(nn.Linear(previous, 10))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
