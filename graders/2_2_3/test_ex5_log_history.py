"""Exercise 5 (2_2_3.ex5): log_history records a history for TensorBoard, read back with TensorBoard's reader."""

import pytest

from gradekit.checks import expect, fail

pytestmark = pytest.mark.exercise("2_2_3.ex5")

DOING = 'log_history(log_dir, history) with "loss" and "accuracy" for 8 epochs'


def recorded(out: dict) -> dict:
    """{name: [[step, value], ...]} as TensorBoard reads it back: a tag in log_dir itself, or add_scalars' subfolder
    `<main_tag>_<name>` holding the tag `main_tag`."""
    __tracebackhide__ = True
    if out["error"]:
        fail(f"log_history raised {out['error'].get('type')}: {out['error'].get('message', '')[:300]}")
    expect(out["files"], f"log_history left no TensorBoard event file in log_dir"
                         f"{'' if out['exists'] else ' (the folder does not even exist)'}: "
                         "write with SummaryWriter(log_dir), and close() it before returning.")
    found = {}
    for key, points in out["series"].items():
        run_folder, tag = key.split("\n", 1)
        if run_folder == ".":
            found.setdefault(tag, []).extend(points)
        elif "/" not in run_folder and run_folder.startswith(tag + "_"):
            found.setdefault(run_folder[len(tag) + 1:], []).extend(points)
    return found


@pytest.mark.points(2)
def test_every_value_is_recorded_under_its_name(run):
    """TensorBoard's reader finds one scalar series per history name, holding every value."""
    out = run("recorder_probe", doing=DOING, keys=["loss", "accuracy"], epochs=8)
    found = recorded(out)
    for name, values in out["history"].items():
        expect(name in found, f"TensorBoard reads no series named {name!r} back from log_dir (it finds "
                              f"{sorted(found) or 'none'}). Log each value with add_scalar({name!r}, value, epoch).")
        got = sorted(v for _, v in found[name])
        want = sorted(values)
        expect(len(got) == len(want), f"{name!r}: {len(got)} values recorded for {len(want)} epochs.")
        expect(all(abs(a - b) <= 1e-6 * (1 + abs(b)) for a, b in zip(got, want)),
               f"{name!r}: the values read back {[round(v, 4) for v in got]} are not the history's "
               f"{[round(v, 4) for v in want]}.")


@pytest.mark.points(2)
def test_each_value_is_at_its_epochs_step(run):
    """Each value is recorded at the step of its epoch, counting from 1: a curve, not a pile of points."""
    out = run("recorder_probe", doing=DOING, keys=["loss", "accuracy"], epochs=8)
    found = recorded(out)
    for name, values in out["history"].items():
        points = sorted(found.get(name, []))
        steps = [step for step, _ in points]
        if points and set(steps) == {0}:
            fail(f"Every value of {name!r} was logged at step 0 ({len(points)} points at one step): TensorBoard has "
                 "no curve to draw. Pass the epoch as the step: add_scalar(name, value, epoch), epoch from 1.")
        want = [[epoch, value] for epoch, value in enumerate(values, start=1)]
        if steps == list(range(len(values))):
            fail(f"{name!r} is recorded at steps {steps}: the contract counts epochs from 1 "
                 "(enumerate(values, start=1)).")
        ok = len(points) == len(want) and all(s == w[0] and abs(v - w[1]) <= 1e-6 * (1 + abs(w[1]))
                                              for (s, v), w in zip(points, want))
        expect(ok, f"{name!r} read back as (step, value) {[(s, round(v, 4)) for s, v in points][:10]}; the history "
                   f"wants {[(s, round(v, 4)) for s, v in want][:10]}.")
