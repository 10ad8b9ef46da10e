"""Exercise 1 (2_2_3.ex1): model_summary X-rays a model with torchinfo: parameter counts and leaf output shapes."""

import pytest

from gradekit.checks import expect, fail

pytestmark = pytest.mark.exercise("2_2_3.ex1")

DOING = "model_summary(model, input_size) on a small MNIST classifier whose first Linear layer is frozen"


def summary_of(out: dict) -> dict:
    """The dict model_summary returned, once it is one."""
    __tracebackhide__ = True
    got = out["returned"]
    expect(got.get("kind") == "dict", f"model_summary returned a {got.get('kind')}, not a dict with "
                                      '"total_params", "trainable_params" and "output_shapes".')
    return got


@pytest.mark.points(2)
def test_summary_counts_total_and_trainable_parameters(run):
    """model_summary reports the model's total parameters and, apart, the trainable ones."""
    out = run("summary_probe", doing=DOING, kind="images")
    got = summary_of(out)
    total, trainable = got["total_params"], got["trainable_params"]
    expect(total == out["total"], f'"total_params" is {total}, but the model has {out["total"]:,} parameters '
                                  "(a frozen layer counts in the total too): read stats.total_params.")
    if trainable == total and total != out["trainable"]:
        fail(f'"trainable_params" is {trainable:,}, the same as the total; but the first Linear layer is frozen '
             f'(requires_grad=False), so only {out["trainable"]:,} are trainable: read stats.trainable_params.')
    expect(trainable == out["trainable"], f'"trainable_params" is {trainable}, but {out["trainable"]:,} of the '
                                          "model's parameters have requires_grad=True.")


@pytest.mark.points(2)
def test_summary_shows_every_layers_output_shape(run):
    """model_summary lists each leaf layer's output shape for the batch of the size it was handed."""
    out = run("summary_probe", doing=DOING, kind="images")
    for x_ray in (out, out["again"]):  # two batch sizes: an X-ray of a batch of one's own matches one at most
        judge_shapes(summary_of(x_ray)["output_shapes"], x_ray["shapes"], x_ray["input_size"])


def judge_shapes(got: list, want: list, size: list) -> None:
    """Fail, in the course's words, unless the X-ray's output shapes are the leaf layers' for input_size."""
    __tracebackhide__ = True
    expect(got is not None and None not in got, '"output_shapes" must be a list with one list of ints per leaf '
                                                "layer, for example [[8, 784], [8, 64], ...].")
    if got == want:
        return
    if len(got) == len(want) and all(g[1:] == w[1:] for g, w in zip(got, want) if g):
        batches = sorted({g[0] for g in got if g})
        fail(f"The X-ray was taken of a batch of {batches[0] if len(batches) == 1 else batches}, but input_size "
             f"was {tuple(size)}: a batch of {size[0]}. First layer: {got[0]} where it should be {want[0]}. Hand "
             "input_size to torchinfo exactly as it is (batch dimension first), never a size of your own.")
    if len(got) != len(want):
        fail(f"{len(got)} output shapes for a model with {len(want)} leaf layers ({want}): list the leaf layers "
             "only (layer.is_leaf_layer), not the Sequential that holds them, in the order they run.")
    first = next(i for i, (g, w) in enumerate(zip(got, want)) if g != w)
    fail(f"Output shapes {got} for input_size {tuple(size)}, but the model's leaf layers give {want}: they part at "
         f"layer {first + 1}. Call summary(model, input_size=input_size) with the size you were handed.")
