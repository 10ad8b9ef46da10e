"""Mistake: MNISTClassifier ends with nn.Softmax, so it returns probabilities, not the raw logits
nn.CrossEntropyLoss expects (its training stalls too)."""
CAUGHT_BY = {"test_classifier_outputs_raw_logits": "softmax before CrossEntropyLoss",
             "test_training_works_not_just_the_loss_going_down": "training stalls"}


class MNISTClassifier(nn.Module):
    def __init__(self, hidden_sizes=(256, 128), dropout=0.2):
        super().__init__()
        layers, previous = [nn.Flatten()], 784
        for size in hidden_sizes:
            layers += [nn.Linear(previous, size), nn.BatchNorm1d(size), nn.ReLU(), nn.Dropout(dropout)]
            previous = size
        layers += [nn.Linear(previous, 10), nn.Softmax(dim=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
