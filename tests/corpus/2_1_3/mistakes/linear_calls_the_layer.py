"""Mistake: linear_by_hand just calls the layer, so it shows nothing of w*x + b (right numbers, wrong exercise)."""
CAUGHT_BY = {"test_linear_by_hand_uses_the_weight_and_bias_not_the_layer": "called the layer itself"}


def linear_by_hand(linear, x):
    return linear(x)
