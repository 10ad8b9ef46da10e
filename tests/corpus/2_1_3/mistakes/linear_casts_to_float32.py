"""Mistake: linear_by_hand casts everything with .float() "to be safe": a float64 layer then computes in float32,
where linear(x) keeps float64."""
CAUGHT_BY = {"test_linear_by_hand_keeps_float64": "keep the layer's dtype"}


def linear_by_hand(linear, x):
    return x.float() @ linear.weight.float().T + linear.bias.float()
