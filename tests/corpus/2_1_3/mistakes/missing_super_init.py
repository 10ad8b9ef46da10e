"""Mistake: TwoLayerNet's __init__ never calls super().__init__(), so assigning the first layer fails."""
CAUGHT_BY = {"test_layers_are_registered_in_init": "super().__init__()",
             "test_forward_computes_the_two_layer_math": "super().__init__()"}


class TwoLayerNet(nn.Module):
    def __init__(self, in_features, hidden_features, out_features):
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.fc2 = nn.Linear(hidden_features, out_features)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))
