"""Hidden checks of lesson 2.1.3 (course staff and CI only): architectures drawn in the worker, another dtype."""

import pytest

from gradekit.checks import close_tensor, expect, fail, fmt


def layer_names(layers: list) -> str:
    return ", ".join(f"{k}({a}, {b})" if a is not None else f"{k}()" for k, a, b in layers)


@pytest.mark.exercise("2_1_3.ex5")
@pytest.mark.points(1)
def test_make_mlp_on_drawn_sizes(run):
    """make_mlp builds the right stack for any list of sizes, a single Linear layer for two sizes included."""
    for out in run("generated_mlps", doing="make_mlp(sizes) on sizes drawn by the grader"):
        doing = f"make_mlp({out['sizes']})"
        if out.get("build_error") is not None:
            fail(f"{doing} raised {out['build_error']['type']}: {out['build_error']['message']}")
        expect(out["is_sequential"], f"{doing} returned a {out['type']}, not an nn.Sequential.")
        expect(out["layers"] == out["expected_layers"],
               f"{doing} holds [{layer_names(out['layers'])}]; expected [{layer_names(out['expected_layers'])}].")
        if out.get("run_error") is not None:
            fail(f"{doing}(x) raised {out['run_error']['type']}: {out['run_error']['message']}")
        expect(out["first"] is not None, f"{doing}(x) returned a {out['returned_type']}, not a tensor.")
        close_tensor(out["first"], out["expected"], f"{doing}(x) with the grader's weights", rtol=1e-5, atol=1e-5)


@pytest.mark.exercise("2_1_3.ex3")
@pytest.mark.points(1)
def test_count_parameters_on_drawn_models(run):
    """count_parameters counts parameters only, nested layers included, buffers left out, for any model."""
    out = run("generated_counts", doing="count_parameters(model) on models drawn by the grader")
    for spec, returned, expected in zip(out["specs"], out["returned"], out["expected"]):
        doing = f"count_parameters(a model of Linear layers {spec['sizes']}{' with a buffer' if spec['buffer'] else ''})"
        error = returned["error"]
        if error is not None:
            fail(f"{doing} raised {error['type']}: {error['message']}")
        value = returned["value"]
        expect(type(value) is int, f"{doing} returned {value!r}, not an int.")
        if value != expected["count"]:
            buffers = " (it counted the buffer, which no optimizer updates)" \
                if value == expected["with_buffers"] and spec["buffer"] else ""
            fail(f"{doing} returned {value}; the model has {expected['count']} parameters{buffers}.")


@pytest.mark.exercise("2_1_3.ex2")
@pytest.mark.points(1)
def test_linear_by_hand_keeps_float64(run):
    """linear_by_hand on a float64 layer computes in float64, as linear(x) does: shape, dtype, device first."""
    out = run("float64_linear", doing="linear_by_hand(nn.Linear(5, 2, dtype=torch.float64), x)")
    if out["error"] is not None:
        fail(f"linear_by_hand on a float64 layer raised {out['error']['type']}: {out['error']['message']}")
    got, want = out["returned"], out["expected"]
    expect(got is not None, f"linear_by_hand returned a {out['returned_type']}, not a tensor.")
    expect(got.dtype == want.dtype, f"linear_by_hand on a float64 layer returned {got.dtype}; linear(x) gives "
                                    f"{want.dtype}. Keep the layer's dtype: no .float() or new tensors.")
    if not got.close(want, 1e-9, 1e-9):
        fail(f"linear_by_hand on a float64 layer gives {fmt(got.array[0])}, linear(x) {fmt(want.array[0])}.")
    close_tensor(got, want, "linear_by_hand(float64 layer, x)", rtol=1e-9, atol=1e-9)
