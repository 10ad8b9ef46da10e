"""Mistake: count_parameters counts parameter tensors, not the numbers in them."""
CAUGHT_BY = {"test_count_parameters_counts_every_learnable_number": "number of parameter tensors",
             "test_count_parameters_on_drawn_models": "parameters"}


def count_parameters(model):
    return len(list(model.parameters()))
