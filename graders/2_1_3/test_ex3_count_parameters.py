"""Exercise 3 (2_1_3.ex3): count_parameters returns the number of learnable numbers, as an int."""

import pytest

from gradekit.checks import expect, fail

pytestmark = pytest.mark.exercise("2_1_3.ex3")


def judged(returned: dict, expected: dict, model: str) -> None:
    """The verdict on one count, naming the usual miscounts."""
    doing = f"count_parameters({model})"
    error = returned["error"]
    if error is not None:
        fail(f"{doing} raised {error['type']}: {error['message']}{error['where']}")
    value = returned["value"]
    if type(value) is not int:
        fail(f"{doing} returned {value!r} (a {returned['type']}); return a Python int: sum(p.numel() for p in "
             "model.parameters()) is one.")
    if value == expected["count"]:
        return
    if value == expected["tensors"]:
        fail(f"{doing} returned {value}, the number of parameter tensors; the model has {expected['count']} "
             "parameters. Count numbers, not tensors: add up each tensor's numel().")
    if value == expected["weights_only"]:
        fail(f"{doing} returned {value}: the weights only. The biases are parameters too: the model has "
             f"{expected['count']}.")
    if value == expected["with_buffers"]:
        fail(f"{doing} returned {value}: that counts the buffers too (everything in the state_dict). Only "
             f"model.parameters() are learnable: the model has {expected['count']}.")
    fail(f"{doing} returned {value}; the model has {expected['count']} parameters (the sum of numel() over "
         "model.parameters()).")


@pytest.mark.points(2)
def test_count_parameters_counts_every_learnable_number(run):
    """count_parameters(model) is the total size of the model's parameters, weights and biases of every layer."""
    out = run("count_parameters_of_secret_sizes", doing="count_parameters(model)")
    sizes = out["sizes"]
    shown = f"a model of Linear layers {' → '.join(str(n) for n in sizes)}"
    expect(len(out["returned"]) == 1, "count_parameters was not called.")
    judged(out["returned"][0], out["expected"][0], shown)
