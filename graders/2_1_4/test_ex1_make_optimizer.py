"""Exercise 1 (2_1_4.ex1): make_optimizer builds SGD or Adam over the parameters it is given."""

import pytest

from gradekit.checks import close_tensor, each_case, expect, fail, same_tensor

pytestmark = pytest.mark.exercise("2_1_4.ex1")

LR = 0.1
DOING = 'make_optimizer(name, params, lr=0.1), then step() and zero_grad() three times'


def stepped(out: dict, name: str) -> dict:
    """The optimizer's record for `name`, once it is known to have been built and stepped."""
    __tracebackhide__ = True
    result = out[name]
    if result["error"] is not None:
        error = result["error"]
        fail(f'make_optimizer("{name}", params, lr={LR}) or its step()/zero_grad() raised {error.get("type")}: '
             f'{error.get("message", "")[:300]}')
    return result


def moved(out: dict, name: str) -> None:
    """Fail, in the course's words, when the optimizer did not step the tensors make_optimizer was handed."""
    __tracebackhide__ = True
    result = stepped(out, name)
    got = result["got"]
    first = got["after"][0] if got["after"] else []
    untouched = all(a.equal(s) for a, s in zip(first, out["start"]))
    if not got["holds_given"] or untouched:
        fail(f'make_optimizer("{name}", params, lr={LR}) returned a {got["type"]} holding {got["held"]} tensor(s) '
             f'that are not the {len(out["start"])} in `params`, and after step() the given parameters are unchanged'
             f'{" (as they started)" if untouched else ""}. Build the optimizer on `params`: an optimizer built on '
             "another model's parameters steps that other model, and yours never learns.")


@pytest.mark.points(1)
def test_optimizer_steps_the_parameters_it_was_given(run):
    """make_optimizer builds the optimizer on the params it is given, and step() moves exactly those."""
    out = run("optimizer_steps", doing=DOING, lr=LR)
    for name in ("sgd", "adam"):
        moved(out, name)
        expect(stepped(out, name)["got"]["cleared"],
               f'After zero_grad() the parameters handed to make_optimizer("{name}", ...) still hold gradients.')


@pytest.mark.points(1)
def test_sgd_is_plain_gradient_descent(run):
    """make_optimizer("sgd", ...) steps exactly param -= lr * grad: no momentum, nothing else."""
    out = run("optimizer_steps", doing=DOING, lr=LR)
    moved(out, "sgd")
    got, expected = out["sgd"]["got"]["after"], out["sgd"]["expected"]
    expect(len(got) == len(expected), f"{len(got)} steps recorded, expected {len(expected)}.")
    for step, (mine, want) in enumerate(zip(got, expected), start=1):
        for index, (a, b) in enumerate(each_case(mine, want, f'make_optimizer("sgd", ...), step {step}')):
            if not a.equal(b):
                gap = a.max_abs_diff(b)
                why = (" The first step is right and the later ones are not: that is momentum (or another setting) "
                       "at work. SGD for this course is plain: torch.optim.SGD(params, lr=lr), nothing else."
                       if step > 1 else f" Each step must move a parameter by exactly -lr * grad, with lr={LR}.")
                fail(f'make_optimizer("sgd", params, lr={LR}): after step {step}, parameter {index} differs from '
                     f"param - lr * grad by up to {gap:.3g}.{why}")
            same_tensor(a, b, f"parameter {index} after SGD step {step}")


@pytest.mark.points(2)
def test_adam_uses_the_course_defaults(run):
    """make_optimizer("adam", ...) is Adam with lr and the course's defaults: betas (0.9, 0.999), eps 1e-8."""
    out = run("optimizer_steps", doing=DOING, lr=LR)
    moved(out, "adam")
    got, expected = out["adam"]["got"]["after"], out["adam"]["expected"]
    expect(len(got) == len(expected), f"{len(got)} steps recorded, expected {len(expected)}.")
    for step, (mine, want) in enumerate(zip(got, expected), start=1):
        for index, (a, b) in enumerate(each_case(mine, want, f'make_optimizer("adam", ...), step {step}')):
            if not a.close(b, rtol=1e-5, atol=1e-6):
                fail(f'make_optimizer("adam", params, lr={LR}): after step {step}, parameter {index} differs from '
                     f"Adam's update (momentum + RMSProp + bias correction, betas=(0.9, 0.999), eps=1e-8) by up to "
                     f"{a.max_abs_diff(b):.3g}. Use torch.optim.Adam(params, lr=lr) and leave its defaults alone.")
            close_tensor(a, b, f"parameter {index} after Adam step {step}", rtol=1e-5, atol=1e-6)
