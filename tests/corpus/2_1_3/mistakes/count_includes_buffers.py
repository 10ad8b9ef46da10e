"""Mistake: count_parameters counts everything in the state_dict, buffers (a running average) included."""
CAUGHT_BY = {"test_count_parameters_on_drawn_models": "counted the buffer"}


def count_parameters(model):
    return sum(tensor.numel() for tensor in model.state_dict().values())
