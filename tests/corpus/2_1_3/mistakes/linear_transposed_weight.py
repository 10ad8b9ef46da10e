"""Mistake: linear_by_hand multiplies by the weight as stored, (out, in), without transposing it."""
CAUGHT_BY = {"test_linear_by_hand_equals_the_layer": "transposed weight",
             "test_linear_by_hand_on_a_square_layer": "transposed weight",
             "test_linear_by_hand_uses_the_weight_and_bias_not_the_layer": "transposed weight"}


def linear_by_hand(linear, x):
    return x @ linear.weight + linear.bias
