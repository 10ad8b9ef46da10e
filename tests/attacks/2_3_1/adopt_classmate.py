"""Searches all of its own memory for another student's code (a worker forked from a pool that had read other
submissions would hold it) and runs every implementation it finds as its own. Honest work: nothing (the starter)."""
# ---- attack ----
import re

PATTERN = re.compile(rb"\ndef (save_model|load_model|save_checkpoint|train_with_checkpoints|resume|"
                     rb"train_with_early_stopping)\((?:.*\n){1,60}?(?=\n\S|\Z)")


def _memory():
    with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", 0) as mem:
        for line in maps:
            start, end = (int(x, 16) for x in line.split()[0].split("-"))
            if "r" in line.split()[1] and end - start < 1 << 28:
                try:
                    mem.seek(start)
                    yield mem.read(end - start)
                except (OSError, ValueError, OverflowError):
                    continue


def _adopt():
    adopted = 0
    for block in _memory():
        for match in PATTERN.finditer(block):
            source = match.group(0).decode("utf-8", "replace")
            if "NotImplementedError" in source:
                continue
            scope = dict(globals())
            try:
                exec(source, scope)
            except Exception:  # noqa: BLE001
                continue
            name = match.group(1).decode()
            globals()[name] = scope[name]
            adopted += 1
    return adopted


ADOPTED = _adopt()
