"""Exercise 2 (2_1_1.ex2): linear_forward computes X @ w + b; flatten_images reshapes [B, 1, 28, 28] to [B, 784]."""

import pytest

from gradekit.checks import close_tensor, expect, fail

pytestmark = pytest.mark.exercise("2_1_1.ex2")

MATMUL = ("`*` multiplies element by element (and broadcasts when the shapes allow it); `@` is matrix "
          "multiplication: each output is a row of X times a column of w. Write X @ w + b.")


def three(info: dict) -> str:
    return f"shape {tuple(info['shape'])}, dtype torch.{info['dtype']}, device {info['device']}"


def same_three(got: dict, want: dict, what: str) -> None:
    """Fail naming shape, dtype and device, and which of them differ."""
    __tracebackhide__ = True
    if not got["tensor"]:
        fail(f"{what} returned a {got['type']} ({got['repr']}), not a tensor.")
    differ = [name for name in ("shape", "dtype", "device") if got[name] != want[name]]
    if differ:
        fail(f"{what} returned {three(got)}; expected {three(want)}. The {' and the '.join(differ)} "
             f"{'differs' if len(differ) == 1 else 'differ'}.")


def student_error(out: dict, doing: str) -> str:
    error = out["error"]
    if error.get("stub"):
        return f"{doing}: {error['message']}"
    where = f"\n  at {error['where']}" if error.get("where") else ""
    return f"{doing} raised {error['type']}: {error['message'][:300]}{where}"


@pytest.mark.points(2)
def test_linear_forward_is_a_matrix_product(run):
    """linear_forward(X, w, b) computes X @ w + b for a batch, even when X * w would broadcast."""
    out = run("exercise_two", doing="linear_forward(X, w, b) and flatten_images(x)")["linear"]["square"]
    doing = "linear_forward(X, w, b) with X [4, 4], w [4, 4], b [4]"
    if out["error"] is not None:
        fail(student_error(out, doing))
    got, want = out["returned"], out["expected"]
    same_three(got, want, doing)
    if not got["values"].close(want["values"], 1e-5, 1e-5):
        if got["values"].close(out["elementwise"]["values"], 1e-5, 1e-5):
            fail(f"{doing}: the shape is right ({list(got['shape'])}) but the values are X * w + b, not X @ w + b "
                 f"(largest difference {got['values'].max_abs_diff(want['values']):.3g}). Square shapes broadcast "
                 f"silently, so check values, not only shapes. {MATMUL}")
        close_tensor(got["values"], want["values"], doing, rtol=1e-5, atol=1e-5)


@pytest.mark.points(1)
def test_linear_forward_maps_features_to_outputs(run):
    """linear_forward maps a batch [B, F] to [B, K] through w [F, K] and b [K]."""
    out = run("exercise_two", doing="linear_forward(X, w, b) and flatten_images(x)")["linear"]["rectangular"]
    doing = "linear_forward(X, w, b) with X [5, 3], w [3, 2], b [2]"
    if out["error"] is not None:
        hint = f". {MATMUL}" if "must match the size" in out["error"]["message"] else ""
        fail(student_error(out, doing) + hint)
    same_three(out["returned"], out["expected"], doing)
    close_tensor(out["returned"]["values"], out["expected"]["values"], doing, rtol=1e-5, atol=1e-5)


@pytest.mark.points(1)
@pytest.mark.parametrize("batch", [3, 1])
def test_flatten_images_keeps_the_batch(run, batch):
    """flatten_images turns [B, 1, 28, 28] into [B, 784] for any batch size."""
    out = run("exercise_two", doing="linear_forward(X, w, b) and flatten_images(x)")["flatten"][f"batch of {batch}"]
    doing = f"flatten_images(x) with x [{batch}, 1, 28, 28]"
    if out["error"] is not None:
        fail(student_error(out, doing))
    got, want = out["returned"], out["expected"]
    if got["tensor"] and got["shape"] != want["shape"]:
        fail(f"{doing} returned shape {tuple(got['shape'])}; expected ({batch}, 784): one row of 784 pixels per image. "
             "Keep the batch dimension (x.shape[0]) and flatten the rest; never write the batch size as a number.")
    same_three(got, want, doing)
    expect(got["values"].equal(want["values"]), f"{doing}: the shape is right but the pixels are in another order "
                                                "(largest difference "
                                                f"{got['values'].max_abs_diff(want['values']):.3g}); reshape keeps "
                                                "row-major order, as nn.Flatten does.")


@pytest.mark.points(1)
def test_flatten_images_accepts_a_non_contiguous_batch(run):
    """flatten_images works on a batch that is not contiguous in memory (reshape, not view)."""
    out = run("exercise_two", doing="linear_forward(X, w, b) and flatten_images(x)")["flatten"]["transposed"]
    doing = "flatten_images(x) with x = images.transpose(2, 3), a view that is not contiguous"
    if out["error"] is not None:
        if "view" in out["error"]["message"]:
            fail(f"{doing} raised {out['error']['type']}: {out['error']['message'][:160]} — `view` only works when "
                 "the tensor's memory is laid out contiguously; `reshape` works on any tensor (it copies when it "
                 "must). Use reshape.")
        fail(student_error(out, doing))
    got, want = out["returned"], out["expected"]
    same_three(got, want, doing)
    expect(got["values"].equal(want["values"]), f"{doing}: the pixels come out in another order (largest difference "
                                                f"{got['values'].max_abs_diff(want['values']):.3g}).")
