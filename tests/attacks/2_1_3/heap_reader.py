"""Every exercise answers with what it finds in the caller's frames or the heap: a tensor of the right shape that
looks like an expected output, a count, a state_dict of the grader's. Honest work: nothing (the starter)."""
import gc
import sys

import torch

# ---- attack ----


def _shaped_like(shape):
    """A tensor of `shape` found in the caller's frames first, then anywhere in the heap, that is not an input."""
    frame = sys._getframe(2)
    places = []
    while frame is not None:
        places += list(frame.f_locals.values())
        frame = frame.f_back
    for value in places + gc.get_objects():
        try:
            if isinstance(value, dict):
                for key in ("expected", "want", "answer", "reference"):
                    found = value.get(key)
                    if torch.is_tensor(found) and tuple(found.shape) == tuple(shape):
                        return found
        except Exception:  # noqa: BLE001
            continue
    return torch.zeros(shape)


def _answer(*args, **kwargs):
    tensors = [a for a in args if torch.is_tensor(a)]
    if tensors:
        return _shaped_like(tensors[0].shape[:-1] + (3,))
    for value in gc.get_objects():
        if isinstance(value, dict) and isinstance(value.get("count"), int):
            return value["count"]
    return args[0] if args and isinstance(args[0], torch.nn.Module) else torch.nn.Sequential()


every_exercise(_answer)  # noqa: F821 - from the lesson's prelude
