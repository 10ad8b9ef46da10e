# The attacker's shared tools, a cell before every lesson's attacks: where the process's pipes and sockets are,
# what in its heap looks like an expected value, a frame forged with the harness's own wire module.
import gc as _gc
import os as _os

import torch as _torch


def descriptors():
    """Every pipe and socket this process holds, beyond stdin, stdout and stderr."""
    found = []
    for name in _os.listdir("/proc/self/fd"):
        try:
            if int(name) > 2 and _os.readlink(f"/proc/self/fd/{name}").startswith(("pipe:", "socket:")):
                found.append(int(name))
        except OSError:
            continue
    return found


def found_values(wanted):
    """Every dict value in the heap under one of the `wanted` keys: what looks like a grader's expected answer."""
    found = {}
    for value in _gc.get_objects():
        if isinstance(value, dict):
            for key in wanted:
                if key in value and key not in found:
                    found[key] = value[key]
    return found


def forge(claims):
    """Write a frame claiming success with `claims` as the result to every pipe and socket, and one saying the
    submission loaded."""
    from gradekit.harness import wire

    ok = {"status": "ok", "sandbox": "namespaces", "cell_errors": [], "tampered": [], "seconds": 0.1}
    for fd in descriptors():
        try:
            tree, blobs = wire.encode(claims)
            wire.write_frame(fd, {**ok, "result": tree}, blobs)
            wire.write_frame(fd, {"loaded": True, "phase": "loaded"})
        except Exception:  # noqa: BLE001
            continue


def forge_on_every_alarm(claims):
    """Forge the reply from a SIGALRM handler every 10 ms while the grader waits; return a stub for every
    exercise that forges once more before it returns."""
    import signal

    def again(*_):
        forge(claims)
        signal.setitimer(signal.ITIMER_REAL, 0.01)

    signal.signal(signal.SIGALRM, again)
    signal.setitimer(signal.ITIMER_REAL, 0.01)

    def stub(*args, **kwargs):
        again()

    return stub


class Blinder(_torch.Tensor):
    """A tensor whose detach() empties every list that looks like the integrity guard's report."""

    def detach(self, *args, **kwargs):  # noqa: D102
        for value in _gc.get_objects():
            if isinstance(value, list) and value and all(isinstance(x, str) and "." in x for x in value):
                value.clear()
        return _torch.Tensor.detach(self.as_subclass(_torch.Tensor))


def take_over_steps(answer):
    """Take over this process's end of the worker's channel while the submission loads: say it loaded, then answer
    every step the worker asks for with `answer(request, blobs)` (plain data; what it raises is the step's failure),
    never running the grader's step code here."""
    from gradekit.harness import wire

    channel = next(fd for fd in descriptors() if _os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"))
    wire.write_frame(channel, {"loaded": True, "cell_errors": [], "tampered": []})
    while True:
        try:
            request, blobs = wire.read_frame(channel)
        except Exception:  # noqa: BLE001 - the worker hung up
            _os._exit(0)
        try:
            tree, out = wire.encode(answer(request, blobs))
            header = {"status": "ok", "result": tree}
        except Exception as error:  # noqa: BLE001 - the step's own failure, as the honest process reports it
            header, out = {"status": "error", "error": {"type": type(error).__name__, "message": str(error)}}, []
        wire.write_frame(channel, header, out)


def answer_every_step(value):
    """Answer every step with `value`, whatever it asked (take_over_steps)."""
    take_over_steps(lambda request, blobs: value)


def _hollow(value):
    """`value` with its shape kept and nothing in it: lists emptied, numbers NaN or -1, truth flipped, text and
    tensors empty, dict keys kept."""
    if isinstance(value, dict):
        return {key: _hollow(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return []
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return -1
    if isinstance(value, float):
        return float("nan")
    if isinstance(value, str):
        return ""
    if isinstance(value, _torch.Tensor):
        return _torch.empty(0, dtype=value.dtype)
    return value


def relay_every_step(module_globals, change=lambda value: value):
    """Answer every step with what the grader's own step returns on this submission, run here by the attacker,
    passed through `change`."""
    import types
    from pathlib import Path

    from gradekit.harness import student, wire
    from gradekit.harness.worker import Namespace

    module = types.SimpleNamespace(**module_globals)
    folder = Path(module_globals.get("__file__") or ".").resolve().parent

    def relayed(request, blobs):
        step = student.find_step(request.get("step", ""))
        return change(step(Namespace(module, [], folder), **wire.decode_args(request.get("args") or {}, blobs)))

    take_over_steps(relayed)


def hollow_every_step(module_globals):
    """The grader's own step results, hollowed (its keys kept, every list empty, every number, text, tensor and
    truth value spoiled): a check that still passes checked nothing of the student's answer."""
    relay_every_step(module_globals, _hollow)
