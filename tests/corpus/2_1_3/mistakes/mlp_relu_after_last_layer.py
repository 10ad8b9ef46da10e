"""Mistake: make_mlp puts a ReLU after every Linear layer, the last one included."""
CAUGHT_BY = {"test_make_mlp_builds_the_layer_stack": "relu after the last layer",
             "test_make_mlp_forward_matches_the_math": "relu after the last layer",
             "test_make_mlp_on_drawn_sizes": "expected"}


def make_mlp(sizes):
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers)
