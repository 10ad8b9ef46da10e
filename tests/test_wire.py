"""The judge/worker boundary: plain data and tensors round-trip exactly; anything else is refused. And how the
judge compares what crossed it: `same_tensor` exactly, `close_tensor` within tolerance."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from gradekit.checks import close_tensor, same_tensor
from gradekit.harness import wire
from gradekit.harness.feedback import CheckFailed


def round_trip(value):
    tree, blobs = wire.encode(value)
    read, write = os.pipe()
    wire.write_frame(write, {"result": tree}, blobs)
    os.close(write)
    header, got_blobs = wire.read_frame(read)
    os.close(read)
    return wire.decode(header["result"], got_blobs)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64,
                                   torch.uint8, torch.bool])
def test_tensors_round_trip_with_dtype_shape_and_values(dtype):
    tensor = (torch.arange(12, dtype=torch.float32).reshape(3, 4) - 5).to(dtype)
    got = round_trip({"t": tensor})["t"]
    assert isinstance(got, wire.WireTensor)
    assert got.dtype == str(dtype).removeprefix("torch.") and got.shape == (3, 4)
    np.testing.assert_array_equal(got.array, tensor.float().numpy() if dtype == torch.bfloat16 else tensor.numpy())


def test_plain_data_round_trips_including_nan_and_tuple_keys():
    value = {"a": [1, 2.5, None, True, "x"], (1, 2): float("inf"), "nan": float("nan")}
    got = round_trip(value)
    assert got["a"] == [1, 2.5, None, True, "x"] and got[(1, 2)] == float("inf") and got["nan"] != got["nan"]


def test_a_tensor_subclass_is_refused():
    class Liar(torch.Tensor):
        pass

    with pytest.raises(wire.WireError, match="subclass"):
        wire.encode(torch.zeros(2).as_subclass(Liar))


def test_arbitrary_objects_are_refused():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

    with pytest.raises(wire.WireError, match="cannot send"):
        wire.encode([AlwaysEqual()])


def test_a_tensor_whose_bytes_do_not_match_its_shape_is_refused():
    tree, blobs = wire.encode(torch.zeros(4))
    with pytest.raises(wire.WireError, match="shape"):
        wire.decode(tree, [blobs[0][:-4]])


def test_an_unknown_marker_is_refused():
    with pytest.raises(wire.WireError):
        wire.decode({"value": {"$pickle": "gASV"}}, [])


def test_a_truncated_frame_is_refused():
    read, write = os.pipe()
    os.write(write, b"\x10\x00\x00\x00\x00\x00\x00\x00{")
    os.close(write)
    with pytest.raises(EOFError):
        wire.read_frame(read)
    os.close(read)


def wire_tensor(values, dtype: str = "float32") -> wire.WireTensor:
    """A tensor as the judge receives it, built directly from numbers."""
    array = np.asarray(values, dtype=np.float64 if dtype == "float64" else np.float32)
    return wire.WireTensor(dtype=dtype, shape=tuple(array.shape), device="cpu", array=array)


def test_close_tensor_passes_within_tolerance():
    expected = wire_tensor([1.0, -2.0, 1000.0])
    close_tensor(wire_tensor([1.0 + 5e-7, -2.0 - 1e-6, 1000.0 + 5e-3]), expected, "grad of w")  # atol + rtol·|x|
    close_tensor(wire_tensor([1.0, 2.0]), wire_tensor([1.05, 2.1]), "loss", rtol=0.06)
    with pytest.raises(CheckFailed):
        same_tensor(wire_tensor([1.0 + 5e-7]), wire_tensor([1.0]), "grad of w")  # exact comparison is stricter


@pytest.mark.parametrize("got, largest", [([1.0, -2.0, 1000.1], "0.1"), ([1.001, -2.0, 1000.0], "0.001")])
def test_close_tensor_fails_outside_tolerance_saying_by_how_much(got, largest):
    with pytest.raises(CheckFailed) as failed:
        close_tensor(wire_tensor(got), wire_tensor([1.0, -2.0, 1000.0]), "grad of w")
    message = str(failed.value)
    assert message.startswith("grad of w: values differ (largest difference ")
    assert f"difference {largest}" in message and "allowed 1e-06 + 1e-05 × |expected|" in message


@pytest.mark.parametrize("got, expected", [([float("nan"), 1.0], [0.0, 1.0]), ([float("nan"), 1.0], [float("nan"), 1.0])])
def test_close_tensor_never_accepts_nan_and_says_so(got, expected):
    with pytest.raises(CheckFailed, match=r"^loss: 1 of 2 values are NaN \(not a number\); expected numbers$"):
        close_tensor(wire_tensor(got), wire_tensor(expected), "loss")


@pytest.mark.parametrize("got, expected", [([float("inf")], [1e30]), ([1.0], [float("inf")]),
                                           ([float("inf")], [float("-inf")])])
def test_close_tensor_never_accepts_a_wrong_infinity(got, expected):
    with pytest.raises(CheckFailed, match=r"^loss: values differ \(largest difference inf;"):
        close_tensor(wire_tensor(got), wire_tensor(expected), "loss")


def test_close_tensor_accepts_the_same_infinity():
    close_tensor(wire_tensor([float("-inf"), 2.0]), wire_tensor([float("-inf"), 2.0]), "log-probabilities")


def test_close_tensor_names_a_wrong_shape_before_values():
    with pytest.raises(CheckFailed, match=r"^logits: shape \[4\], expected \[2, 2\]$"):
        close_tensor(wire_tensor([1.0, 2.0, 3.0, 4.0]), wire_tensor([[1.0, 2.0], [3.0, 4.0]]), "logits")


def test_close_tensor_names_a_wrong_dtype_even_when_the_values_agree():
    with pytest.raises(CheckFailed, match=r"^logits: dtype float64, expected float32$"):
        close_tensor(wire_tensor([1.0, 2.0], "float64"), wire_tensor([1.0, 2.0]), "logits")


@pytest.mark.parametrize("got", [[1.0, 2.0], 3.0, None])
def test_close_tensor_refuses_what_is_not_a_tensor(got):
    with pytest.raises(CheckFailed, match=r"^weights: expected a tensor, got "):
        close_tensor(got, wire_tensor([1.0, 2.0]), "weights")
def test_the_judge_imports_neither_numpy_nor_hypothesis_before_it_needs_them():
    """A grading run's fixed cost: the check API loads without numpy (imported once the pool is starting, for the
    replies' tensors) and without Hypothesis (only checks that draw their inputs use it)."""
    import subprocess
    import sys

    code = ("import sys; import gradekit.checks, gradekit.harness.plugin; "
            "print(sorted(m for m in ('numpy', 'hypothesis') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_tensor_decodes_in_a_process_that_had_not_imported_numpy():
    import subprocess
    import sys

    code = ("from gradekit.harness import wire; import sys; assert 'numpy' not in sys.modules; "
            "tree = {'value': {'$tensor': 0, 'dtype': 'float32', 'shape': [2], 'device': 'cpu'}}; "
            "t = wire.decode(tree, [bytes(8)]); print(t.shape, t.dtype, t.array.tolist())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "(2,) float32 [0.0, 0.0]"


@pytest.mark.parametrize("answers", [[], {}, None, [1], [1, 2, 3], "ab", {"a": 1, "b": 2}])
def test_answers_count_only_when_there_is_one_per_case(answers):
    """What comes back from the student's process is the student's word, its shape too: an empty, short, long or
    wrongly typed reply to the grader's two cases fails the check (each_case) or the probe (one_per_case), rather
    than passing a loop over the answers with no case checked."""
    from gradekit.checks import each_case
    from gradekit.probe import StudentBroken, one_per_case

    cases = [{"n": 1}, {"n": 2}]
    with pytest.raises(CheckFailed, match="asked about 2 cases and .* came back"):
        each_case(answers, cases, "count_parameters(model)")
    with pytest.raises(StudentBroken, match="count_parameters"):
        one_per_case(answers, cases, "count_parameters(model)")
    assert each_case(("x", "y"), cases, "f") == [("x", cases[0]), ("y", cases[1])]
    assert one_per_case(["x", "y"], cases, "f") == ["x", "y"]


def test_a_secret_case_is_redrawn_until_each_wrong_answer_stands_apart():
    """drawn_apart skips the draws on which a named mistake gives the right answer (a ReLU after the last layer on
    outputs that are all positive) and refuses to go on when no draw separates them."""
    from gradekit.probe import drawn_apart

    draws = iter([torch.tensor([1.0, 2.0]), torch.tensor([0.5, 0.001]), torch.tensor([1.0, -0.5])])
    case = drawn_apart(lambda: next(draws), lambda x: x, lambda x: [torch.relu(x)])
    assert case.tolist() == [1.0, -0.5]
    with pytest.raises(AssertionError, match="no case in 3 draws"):
        drawn_apart(lambda: torch.ones(2), lambda x: x, lambda x: [torch.relu(x)], tries=3)
    assert drawn_apart(lambda: torch.ones(2), lambda x: x, lambda x: [torch.ones(3)]).tolist() == [1.0, 1.0]
