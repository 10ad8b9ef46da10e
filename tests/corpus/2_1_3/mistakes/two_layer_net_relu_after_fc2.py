"""Mistake: TwoLayerNet puts a ReLU after fc2 too, so no output is ever negative."""
CAUGHT_BY = {"test_forward_computes_the_two_layer_math": "none after fc2"}


class TwoLayerNet(nn.Module):
    def __init__(self, in_features, hidden_features, out_features):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.fc2 = nn.Linear(hidden_features, out_features)

    def forward(self, x):
        return torch.relu(self.fc2(torch.relu(self.fc1(x))))
