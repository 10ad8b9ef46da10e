"""Mistake: `*` where `@` was meant; with square shapes it broadcasts silently and gives the wrong numbers."""
CAUGHT_BY = {"test_linear_forward_is_a_matrix_product": "X * w + b, not X @ w + b",
             "test_linear_forward_maps_features_to_outputs": "`@` is matrix multiplication"}


def linear_forward(X, w, b):
    return X * w + b
