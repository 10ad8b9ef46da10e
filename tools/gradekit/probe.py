"""What a lesson's probes (graders/<lesson>/probes.py) use: the grading rule, as an API.

A probe runs in a trusted worker. Its first argument is the `Student`, a handle on a separate process that has
loaded the submission; the probe never touches the student's objects, only what its steps return:

    @student_step                       # runs in the student's process: plain inputs in, plain data out
    def load_it(sub, path_type):
        model = sub.load_model(MNISTNet(), as_path("model.pth", path_type))
        return {"weights": model_state(model)}

    def load_model_restores(student, path_type):      # the probe: runs in the trusted worker
        original = MNISTNet(); ...                     # secret weights: `secret_seed()`
        student.put("model.pth", saved_bytes(original.state_dict()))
        out = student.call(load_it, path_type=path_type)
        return {"loaded": out["weights"], "original": model_state(original)}

A `@reference_run` probe runs the grader's own code from its arguments alone (the course's loop from a public
seed, say): no student's process is started, and a batch computes it once for every submission. A check calls it
with `run.reference("course_run", seed=7, epochs=7)`.

Whatever a step returns is the student's word, its shape too: `one_per_case(answers, cases, what)` takes a step's
answers to the grader's cases only when there is exactly one per case; `reply(value, *keys, what=..., **kinds)` a
step's dict only when it holds those keys (and values of those types); `not_asked_for(what)` is the StudentBroken
to raise for any other reply of the wrong shape. A check passes only on what the worker or the judge can
verify against values the student's process never held: inputs it could not predict (`secret_seed`), files
read back with `load_weights_only`, results of trusted code run here.
"""

from __future__ import annotations

import io
import os
import pickletools
import zipfile

from .harness.student import (Student, StudentBroken, StudentDied, StudentFailed, not_asked_for, one_per_case,
                              reference_run, reply, student_step)

__all__ = ["Student", "StudentBroken", "StudentDied", "StudentFailed", "reference_run", "student_step",
           "reply", "one_per_case", "not_asked_for", "secret_seed", "checkpoint_epochs", "drawn_apart", "saved_bytes",
           "load_weights_only", "pickled_globals"]


def secret_seed() -> int:
    """A seed the student's process cannot know or rebuild: drawn here, after it was forked."""
    return int.from_bytes(os.urandom(4), "little") & 0x7FFFFFFF


def checkpoint_epochs(seed: int, trained: range) -> tuple[int, int]:
    """From a secret seed: the epoch a checkpoint the grader hands over says it was saved after (10 to 9 999, apart
    from any count of epochs trained, so a guess at the next epoch almost never lands) and, from `trained`, the
    epochs its model was actually trained."""
    return 10 + seed % 9990, trained[(seed >> 16) % len(trained)]


def drawn_apart(draw, answer, wrong_answers, *, margin: float = 1e-2, tries: int = 500):
    """A secret case `draw()` whose right answer lies `margin` away from each wrong one: no mistake passes by luck.

    `answer(case)` is the grader's tensor; `wrong_answers(case)` the tensors the mistakes the check names would give
    on the same case (a ReLU after the last layer, say, gives the right answer whenever no output is negative).
    """
    for _ in range(tries):
        case = draw()
        right = answer(case)
        if all(wrong.shape != right.shape or float((wrong - right).abs().max()) > margin
               for wrong in wrong_answers(case)):
            return case
    raise AssertionError(f"no case in {tries} draws sets the right answer {margin} apart from every wrong one")


def saved_bytes(obj) -> bytes:
    """`torch.save(obj)` into bytes, to hand the student's code a file (`student.put`)."""
    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def load_weights_only(data: bytes, map_location: str = "cpu"):
    """Read a file the student's code wrote with the safe loader only: tensors and plain containers, no code."""
    import torch

    return torch.load(io.BytesIO(data), map_location=map_location, weights_only=True)


def pickled_globals(data: bytes) -> list[str]:
    """The classes and functions a torch.save file names ("module.name"), read without unpickling anything."""
    found: list[str] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            pickles = [archive.read(name) for name in archive.namelist() if name.endswith("data.pkl")]
    except (zipfile.BadZipFile, OSError, ValueError):
        pickles = [data]
    for blob in pickles:
        strings: list[str] = []
        try:
            for opcode, argument, _ in pickletools.genops(blob):
                if opcode.name == "GLOBAL":
                    found.append(str(argument).replace(" ", "."))
                elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
                    found.append(f"{strings[-2]}.{strings[-1]}")
                if isinstance(argument, str):
                    strings.append(argument)
        except Exception:  # noqa: BLE001 - a truncated or odd pickle: what was read so far
            continue
    return found
