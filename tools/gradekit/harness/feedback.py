"""Feedback a learner can act on: failed checks become short messages in the course's terms, with numbers."""

from __future__ import annotations

import pytest

from .client import Outcome
from .wire import WireTensor


class CheckFailed(pytest.fail.Exception):
    """A check's verdict on the submission (shown as its message alone, never with a grader traceback)."""


def fail(message: str) -> None:
    """Fail the current check with `message` only: no traceback of grader internals."""
    __tracebackhide__ = True
    raise CheckFailed(msg=message, pytrace=False)


def expect(condition: bool, message: str) -> None:
    """Fail with `message` unless `condition` holds."""
    __tracebackhide__ = True
    if not condition:
        fail(message)


def each_case(answers, cases, what: str) -> list:
    """In a check: (answer, case) pairs, once the student's answers are exactly one per case; else the check fails
    (an empty or short reply would otherwise pass a loop over the answers with no case checked)."""
    __tracebackhide__ = True
    from .student import answers_missing

    problem = answers_missing(answers, cases, what)
    if problem:
        fail(problem)
    return list(zip(answers, cases))


def _where(error: dict) -> str:
    """Point at the student's line that raised, when the traceback reached their code."""
    frames = error.get("frames") or []
    if not frames:
        return ""
    last = frames[-1]
    return f"\n  at {last['file']}, line {last['line']}: {last['code']}"


def _cell_notes(cell_errors: list[dict]) -> str:
    """Mention code cells that failed to run, since a name they define is then missing."""
    if not cell_errors:
        return ""
    notes = [f"  {e['cell']}: {e['type']}: {e['message'][:200]}" for e in cell_errors[:3]]
    return "\nThese parts of your code failed to run, so what they define is missing:\n" + "\n".join(notes)


def explain(outcome: Outcome, doing: str) -> str:
    """Turn a failed probe call into the message a student reads. `doing` names what the check was calling."""
    if outcome.tampered:
        return tampered_message(outcome.tampered, doing)
    if outcome.status == "timeout" and not outcome.loaded:
        return (f"{doing}: your code did not even finish loading within {outcome.seconds:.0f} s: a graded cell (or the "
                "module's top level) runs something long, such as a training loop. Keep graded cells to definitions;"
                " run experiments in other cells or under `if __name__ == \"__main__\":`.")
    if outcome.status == "timeout":
        return (f"{doing} did not finish within {outcome.seconds:.0f} s and was stopped: look for an endless loop "
                f"(a `while` that never ends, an epoch counter that never reaches `epochs`).")
    if outcome.status == "died":
        code = outcome.exit_code
        how = f"was killed by signal {-code}" if code is not None and code < 0 else f"exited with code {code}"
        return (f"{doing}: the process running your code {how} before returning a result "
                f"(a call to os._exit or sys.exit, or a crash in native code?)." + _tail(outcome))
    if outcome.status == "broken":
        return f"{doing}: your code returned something the grader cannot read ({outcome.error.get('message')})."
    error = outcome.error
    kind, message = error.get("type", "Error"), error.get("message", "")
    if kind == "GraderError":
        return f"{doing}: the grader itself failed ({message}); please report this to course staff."
    if kind == "MissingName":
        return f"{doing}: your submission does not define `{message}`." + _cell_notes(outcome.cell_errors)
    if error.get("not_implemented"):
        return f"{doing}: {message or 'not implemented yet'}"
    if error.get("memory"):
        return f"{doing} ran out of memory (the limit is a few GiB): {kind}: {message[:300]}"
    if kind == "SystemExit":
        return f"{doing}: your code called sys.exit(); a function should return its result instead." + _where(error)
    short = message if len(message) <= 400 else message[:400].rsplit(" ", 1)[0] + " …"
    return f"{doing} raised {kind}: {short}" + _where(error) + _cell_notes(outcome.cell_errors)


def tampered_message(names: list[str], doing: str) -> str:
    """A submission replaced trusted functions (torch.allclose, a probe's helper) while being graded."""
    shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    return (f"{doing}: your code replaced {shown} while being graded; grading runs on PyTorch's own functions, "
            "so this check cannot pass. Leave library functions as they are and write your own under new names.")


def _tail(outcome: Outcome) -> str:
    """The end of what the student's code printed, when there is any."""
    text = outcome.output.strip()
    return f"\nLast output:\n{text[-600:]}" if text else ""


def same_tensor(actual: WireTensor, expected: WireTensor, what: str) -> None:
    """Fail unless two tensors have the same dtype, shape and values, saying which differs and by how much."""
    __tracebackhide__ = True
    expect(isinstance(actual, WireTensor), f"{what}: expected a tensor, got {type(actual).__name__}")
    expect(actual.shape == expected.shape, f"{what}: shape {list(actual.shape)}, expected {list(expected.shape)}")
    expect(actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype}, expected {expected.dtype}")
    expect(actual.equal(expected), f"{what}: values differ (largest difference {actual.max_abs_diff(expected):.3g})")


def close_tensor(actual: WireTensor, expected: WireTensor, what: str, *, rtol: float = 1e-5,
                 atol: float = 1e-6) -> None:
    """Fail unless two tensors have the same dtype and shape and values within tolerance (for gradients, losses,
    anything computed in another order), saying by how much they differ."""
    __tracebackhide__ = True
    expect(isinstance(actual, WireTensor), f"{what}: expected a tensor, got {type(actual).__name__}")
    expect(actual.shape == expected.shape, f"{what}: shape {list(actual.shape)}, expected {list(expected.shape)}")
    expect(actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype}, expected {expected.dtype}")
    if actual.close(expected, rtol, atol):
        return
    import numpy as np  # the judge imports numpy only once replies arrive (see Speed in the README)

    nans = int(np.isnan(actual.array.astype(np.float64)).sum())
    expect(not nans, f"{what}: {nans} of {actual.array.size} values are NaN (not a number); expected numbers")
    fail(f"{what}: values differ (largest difference {actual.max_abs_diff(expected):.3g}; "
         f"allowed {atol:g} + {rtol:g} × |expected|)")


def fmt(values, digits: int = 4) -> str:
    """Format a list of floats compactly for a message."""
    return "[" + ", ".join(f"{v:.{digits}f}" for v in values) + "]"


FIGURE_KINDS = ("lines", "bars")
_figures: list[dict] = []  # figures the running check recorded; the plugin takes them with its verdict


def figure(name: str, kind: str, *, title: str, xlabel: str = "", ylabel: str = "", series: dict | None = None,
           labels: list | None = None, values: list | None = None, threshold: float | None = None,
           threshold_label: str = "", mark_x: float | None = None, mark_label: str = "") -> None:
    """Attach a picture to the running check, shown on the feedback page whether the check passes or fails.

    `kind="lines"`: `series` maps a legend name to y values at x = 1, 2, ... (`mark_x` draws a dotted line).
    `kind="bars"`: one bar per entry of `labels` with its `values` (fractions), `threshold` a dashed pass line.
    """
    if kind not in FIGURE_KINDS:
        raise ValueError(f"figure {name!r}: kind must be one of {FIGURE_KINDS}, not {kind!r}")

    def plain(numbers) -> list:
        return [None if v is None or v != v else float(v) for v in numbers]

    spec = {"name": name, "kind": kind, "title": title, "xlabel": xlabel, "ylabel": ylabel}
    if kind == "lines":
        spec.update(series={str(k): plain(v) for k, v in (series or {}).items()}, mark_x=mark_x, mark_label=mark_label)
    else:
        if len(labels or ()) != len(values or ()):
            raise ValueError(f"figure {name!r}: {len(labels or ())} labels for {len(values or ())} values")
        spec.update(labels=[str(label) for label in labels], values=plain(values), threshold=threshold,
                    threshold_label=threshold_label)
    _figures.append(spec)


def take_figures() -> list[dict]:
    """The figures recorded since the last call, handed over once (the plugin calls this per check)."""
    taken = list(_figures)
    _figures.clear()
    return taken
