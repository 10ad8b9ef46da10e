"""Exercise 1 (2_1_1.ex1): make_tensors builds the table's tensors; describe names shape, dtype, device."""

import pytest

from gradekit.checks import expect, fail, fmt

pytestmark = pytest.mark.exercise("2_1_1.ex1")

CONSTANT_KEYS = ["from_list", "labels", "zeros", "ones", "from_numpy"]
MICROMETER = ("The course's default is float32: float64 for deep learning is a rough sketch with a micrometer "
              "(twice the memory, slower, and no better for approximate gradients).")


def three(info: dict) -> str:
    """Shape, dtype, device of a tensor as the lesson says them."""
    return f"shape {tuple(info['shape'])}, dtype torch.{info['dtype']}, device {info['device']}"


def attributes_agree(got: dict, want: dict, what: str) -> None:
    """Fail naming all three attributes, and which of them differ: shape, dtype, device — check these first."""
    __tracebackhide__ = True
    if not got["tensor"]:
        fail(f"{what} is a {got['type']} ({got['repr']}), not a tensor.")
    differ = [name for name in ("shape", "dtype", "device") if got[name] != want[name]]
    if not differ:
        return
    advice = ""
    if "dtype" in differ and want["dtype"] == "int64" and got["dtype"].startswith("float"):
        advice = (" Class labels are whole numbers and stay int64: torch.tensor([3, 0, 7, 1]) without decimal "
                  "points (nn.CrossEntropyLoss wants int64 labels).")
    elif "dtype" in differ and got["dtype"] == "float64" and want["dtype"] == "float32":
        advice = (" torch.from_numpy keeps NumPy's dtype, and NumPy's default float is float64: make the array "
                  f"float32 first. {MICROMETER}" if what.endswith("['from_numpy']") else f" {MICROMETER}")
    fail(f"{what}: {three(got)}; expected {three(want)}. The {' and the '.join(differ)} "
         f"{'differs' if len(differ) == 1 else 'differ'}.{advice}")


def entries(out: dict) -> dict:
    __tracebackhide__ = True
    if out.get("error"):
        error = out["error"]
        fail(f"make_tensors(seed): {error['message']}" if error.get("stub") else
             f"make_tensors(seed) raised {error['type']}: {error['message'][:300]}"
             + (f"\n  at {error['where']}" if error.get("where") else ""))
    expect(out["type"] == "dict", f"make_tensors(seed) returned a {out['type']}; return a dict of tensors.")
    missing = [key for key in out["expected"] if key not in out["entries"]]
    expect(not missing, f"make_tensors(seed) has no {missing}; its keys are {list(out['entries'])}, expected "
                        f"{list(out['expected'])}.")
    return out["entries"]


@pytest.mark.points(2)
def test_make_tensors_has_the_tables_shapes_dtypes_and_values(run):
    """make_tensors returns the table's tensors, each with its shape, dtype, device and values."""
    out = run("exercise_one", doing="make_tensors(seed) and describe(t)", count=3)["made"]
    made = entries(out)
    for key in CONSTANT_KEYS:
        got, want = made[key], out["expected"][key]
        attributes_agree(got, want, f"make_tensors(seed)[{key!r}]")
        expect(got["values"].equal(want["values"]),
               f"make_tensors(seed)[{key!r}] holds {got['values'].array.tolist()}; expected "
               f"{want['values'].array.tolist()}.")


@pytest.mark.points(1)
def test_noise_comes_from_the_seed(run):
    """make_tensors(seed)['noise'] is torch.randn(4, 3) right after torch.manual_seed(seed)."""
    out = run("exercise_one", doing="make_tensors(seed) and describe(t)", count=3)["made"]
    got, want = entries(out)["noise"], out["expected"]["noise"]
    attributes_agree(got, want, "make_tensors(seed)['noise']")
    if not got["values"].equal(want["values"]):
        fail(f"make_tensors({out['seed']})['noise'] starts {fmt(got['values'].array.reshape(-1)[:3].tolist())}; "
             f"torch.manual_seed({out['seed']}) then torch.randn(4, 3) starts "
             f"{fmt(want['values'].array.reshape(-1)[:3].tolist())}. Seed with the seed you are given, right "
             "before torch.randn, so the same seed always gives the same tensor.")


def check_described(answers: list) -> None:
    """Fail unless every answer of describe is the tensor's (shape, dtype, device), naming which of the three is
    wrong."""
    __tracebackhide__ = True
    for answer, case in answers:
        tensor = f"a tensor with shape {tuple(case['shape'])}, dtype torch.{case['dtype']}, device {case['device']}"
        if answer.get("error"):
            error = answer["error"]
            if error.get("stub"):
                fail(f"describe(t): {error['message']}")
            fail(f"describe(t) for {tensor} raised {error['type']}: {error['message'][:200]}"
                 + (f"\n  at {error['where']}" if error.get("where") else ""))
        expect(answer["ok"], f"describe(t) returned {answer.get('repr')} (a {answer.get('type')}); return the tuple "
                             "(t.shape, t.dtype, t.device).")
        wrong = [name for name in ("shape", "dtype", "device") if answer[name] != case[name]]
        if wrong:
            fail(f"For {tensor}, describe(t) returned shape {answer['shape']}, dtype {answer['dtype']}, device "
                 f"{answer['device']}: the {' and the '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} wrong. "
                 "Read all three from t itself: (t.shape, t.dtype, t.device), a torch.Size, a torch.dtype and a "
                 "torch.device.")


@pytest.mark.points(1)
def test_describe_returns_shape_dtype_device(run):
    """describe(t) returns (shape, dtype, device): the three attributes to check first."""
    check_described(run("exercise_one", doing="make_tensors(seed) and describe(t)", count=3)["described"]["cpu"])
