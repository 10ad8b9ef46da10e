"""Exercise 1 (2_1_2.ex1): grad_of(f, x) by autograd, checked against finite differences; x left untouched."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradekit.checks import expect, fail, fmt, grading_settings

pytestmark = pytest.mark.exercise("2_1_2.ex1")

OPS = ["sin", "cos", "exp", "tanh", "square", "cube", "sigmoid", "softplus", "log1p_square"]
# Sizes and signs drawn apart, so the simplest example Hypothesis tries first is still a function with a slope.
signs = st.sampled_from([1, -1])
coefficients = st.tuples(st.floats(min_value=0.25, max_value=2), signs).map(lambda p: round(p[0] * p[1], 3))
points = st.tuples(st.floats(min_value=0.125, max_value=2, width=32), signs).map(lambda p: p[0] * p[1])


@st.composite
def function_at_a_point(draw, shapes) -> dict:
    """A drawn scalar function (sum of coef * op(a * x + c) plus couplings) and a point x of a drawn shape."""
    shape = draw(st.sampled_from(shapes))
    size = 1
    for dim in shape:
        size *= dim
    terms = draw(st.lists(st.fixed_dictionaries({
        "op": st.sampled_from(OPS), "coef": coefficients, "a": coefficients.map(lambda v: round(v * 0.75, 3)),
        "c": coefficients.map(lambda v: round(v / 4, 3))}), min_size=1, max_size=3))
    x = draw(st.lists(points, min_size=size, max_size=size))
    return {"spec": {"terms": terms, "couple": draw(coefficients) / 4, "pair": draw(coefficients) / 4},
            "shape": list(shape), "x": x}


def cases(shapes, count: int = 8):
    return st.lists(function_at_a_point(shapes), min_size=count, max_size=count)


def formula(spec: dict) -> str:
    """The drawn function as a learner reads it."""
    parts = [f"{t['coef']:g}·{t['op']}({t['a']:g}·x + {t['c']:g})" for t in spec["terms"]]
    return " + ".join(f"sum({p})" for p in parts) + f" + {spec['couple']:g}·(sum x)² + {spec['pair']:g}·sum(x·roll(x))"


def twice(got, want) -> str:
    """The words for a gradient exactly twice the true one (two rewinds added up), else nothing."""
    nonzero = abs(want.array) > 1e-2
    if nonzero.any() and abs((got.array[nonzero] / want.array[nonzero]) - 2).max() < 1e-2:
        return (" Yours is exactly twice the true gradient: backward() ran twice and the gradients added up (they "
                "accumulate until cleared).")
    return ""


def judge_gradients(out: dict) -> None:
    """Each case's gradient against the finite differences, with the numbers of the first that is off."""
    __tracebackhide__ = True
    expect("error" not in out, f"grad_of(f, x) failed: {out.get('error') or out.get('raw')}")
    for row in out["rows"]:
        expect("grad" in row, f"grad_of(f, x) returned {row['returned']}, not a tensor. A gradient that is None means "
                              "the .grad read was not a leaf's: only tensors you created with requires_grad=True "
                              "(press Record) get a .grad on backward(); `x.double()` or `x * 1.0` are not leaves.")
        got, want, x = row["grad"], row["expected"], row["x"]
        expect(got.shape == want.shape, f"grad_of(f, x) for x of shape {list(x.shape)} returned a gradient of "
                                        f"shape {list(got.shape)}: a gradient has the shape of x.")
        expect(got.dtype == want.dtype, f"grad_of(f, x) returned a {got.dtype} gradient for a {x.dtype} x: keep "
                                        "x's dtype.")
        if not got.close(want, rtol=1e-3, atol=1e-3):
            ratio = twice(got, want)
            fail(f"f(x) = {formula(row['spec'])} at x = {fmt(x.array.ravel().tolist(), 3)}: "
                 f"grad_of gave {fmt(got.array.ravel().tolist(), 4)}, finite differences give "
                 f"{fmt(want.array.ravel().tolist(), 4)}.{ratio}")


def with_specs(out: dict, drawn: list) -> dict:
    if "rows" in out:
        for row, case in zip(out["rows"], drawn):
            row["spec"] = case["spec"]
    return out


@pytest.mark.points(2)
@grading_settings(2)
@given(drawn=cases([(1,), (3,), (5,)], count=12))
def test_grad_of_matches_finite_differences(run, drawn):
    """grad_of(f, x) gives the gradient that finite differences measure, for functions and points the grader draws."""
    judge_gradients(with_specs(run("grad_cases", doing="grad_of(f, x)", cases=drawn), drawn))


@pytest.mark.points(1)
def test_grad_of_leaves_the_callers_x_untouched(run):
    """grad_of leaves the caller's x as it was (not recording, no .grad, same values), and gives the same answer twice."""
    out = run("grad_twice", doing="grad_of(f, x) twice on one x", n=4)
    expect("error" not in out, f"grad_of(f, x) failed: {out.get('error') or out.get('raw')}")
    for name in ("first", "second"):
        expect(not out[f"x_requires_grad_after_{name}"],
               f"After the {name} call of grad_of the caller's x records (requires_grad=True): you pressed Record "
               "on the caller's tensor. Work on a recording copy: x.detach().clone().requires_grad_(True).")
        expect(out[f"x_grad_after_{name}"] is None,
               f"After the {name} call of grad_of the caller's x holds a .grad "
               f"{fmt(out[f'x_grad_after_{name}'].array.tolist()) if out[f'x_grad_after_{name}'] is not None else ''}: "
               "the rewind wrote into the caller's tensor. Work on a recording copy of x.")
        expect(not out[f"x_changed_after_{name}"], f"The {name} call of grad_of changed the values of the caller's x.")
    first, second = out["first"], out["second"]
    expect(not isinstance(first, str), f"grad_of(f, x) returned {first}, not a tensor.")
    expect(out["first_grad_fn"] is None and not out["first_requires_grad"],
           f"grad_of returned a tensor that is part of a graph (grad_fn={out['first_grad_fn']}): return the leaf's "
           ".grad, which records nothing.")
    expect(first.close(out["expected"], rtol=1e-3, atol=1e-3),
           f"grad_of gave {fmt(first.array.tolist())}, finite differences give {fmt(out['expected'].array.tolist())}: "
           "an untouched x only counts with the right gradient." + twice(first, out["expected"]))
    if not second.close(first, rtol=1e-5, atol=1e-6):
        fail(f"grad_of on the same x gave {fmt(first.array.tolist())}, then {fmt(second.array.tolist())}: the "
             "second gradient was added to the first (gradients accumulate). Use a fresh recording copy of x "
             "for every call.")
