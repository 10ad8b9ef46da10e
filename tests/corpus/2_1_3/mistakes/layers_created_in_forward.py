"""Mistake: TwoLayerNet creates its layers inside forward: nothing is registered, and the weights change each call."""
CAUGHT_BY = {"test_layers_are_registered_in_init": "inside forward",
             "test_forward_computes_the_two_layer_math": "inside forward"}


class TwoLayerNet(nn.Module):
    def __init__(self, in_features, hidden_features, out_features):
        super().__init__()
        self.sizes = (in_features, hidden_features, out_features)

    def forward(self, x):
        fc1 = nn.Linear(self.sizes[0], self.sizes[1])
        fc2 = nn.Linear(self.sizes[1], self.sizes[2])
        return fc2(torch.relu(fc1(x)))
