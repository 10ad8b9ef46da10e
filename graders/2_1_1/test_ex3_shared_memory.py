"""Exercise 3 (2_1_1.ex3): shares_memory_with shares the array's memory; copy_of does not."""

import pytest

from gradekit.checks import expect, fail

pytestmark = pytest.mark.exercise("2_1_1.ex3")


def returned_tensor(out: dict, call: str) -> dict:
    __tracebackhide__ = True
    if out["error"] is not None:
        error = out["error"]
        if error.get("stub"):
            fail(f"{call}: {error['message']}")
        fail(f"{call} raised {error['type']}: {error['message'][:300]}"
             + (f"\n  at {error['where']}" if error.get("where") else ""))
    before = out["before"]
    expect(before["tensor"], f"{call} returned a {before.get('type')} ({before.get('repr')}), not a tensor.")
    original = out["original"]
    if before["shape"] != original["shape"] or before["dtype"] != original["dtype"]:
        fail(f"{call} on an array of shape {tuple(original['shape'])} and dtype {out['array_dtype']} returned shape "
             f"{tuple(before['shape'])}, dtype torch.{before['dtype']}; keep the array's shape and dtype "
             "(changing the dtype, with .float() for instance, makes a copy).")
    expect(before["values"].equal(original["values"]), f"{call} returned values that are not the array's "
                                                       f"(largest difference "
                                                       f"{before['values'].max_abs_diff(original['values']):.3g}).")
    return out["after"]


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_shares_memory_with_follows_the_array(run, dtype):
    """The tensor from shares_memory_with(a) changes when the array a changes: they share memory."""
    out = run("memory_after_change", doing="shares_memory_with(a) and copy_of(a)")["shares_memory_with"][dtype]
    after = returned_tensor(out, f"shares_memory_with(a) ({dtype} array)")
    if after["values"].equal(out["original"]["values"]):
        fail(f"After the {dtype} array changed in place, the tensor from shares_memory_with(a) still holds the old "
             "values: it is a copy. torch.tensor (and torch.Tensor, .clone(), a dtype conversion) always copies; "
             "torch.from_numpy(a) shares the array's memory.")
    expect(after["values"].equal(out["changed"]["values"]),
           "After the array changed in place, the tensor from shares_memory_with(a) holds neither the old nor the "
           "new values.")


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_copy_of_keeps_its_own_values(run, dtype):
    """The tensor from copy_of(a) keeps its values when the array a changes: it is a copy."""
    out = run("memory_after_change", doing="shares_memory_with(a) and copy_of(a)")["copy_of"][dtype]
    after = returned_tensor(out, f"copy_of(a) ({dtype} array)")
    if after["values"].equal(out["changed"]["values"]):
        fail(f"After the {dtype} array changed in place, the tensor from copy_of(a) changed with it: it shares the "
             "array's memory (torch.from_numpy and torch.as_tensor share). torch.tensor(a) copies.")
    expect(after["values"].equal(out["original"]["values"]),
           "After the array changed in place, the tensor from copy_of(a) no longer holds the array's old values.")
