"""Mistake: linear_by_hand leaves out the bias: w*x without + b."""
CAUGHT_BY = {"test_linear_by_hand_equals_the_layer": "exactly the bias",
             "test_linear_by_hand_on_a_square_layer": "exactly the bias"}


def linear_by_hand(linear, x):
    return x @ linear.weight.T
