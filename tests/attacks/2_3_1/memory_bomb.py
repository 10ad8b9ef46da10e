"""Allocate without end, at import and in a call."""

# ---- attack ----
def hog(*args, **kwargs):
    blocks = []
    while True:
        blocks.append(bytearray(1 << 28))


every_exercise(hog)
try:
    hog()
except MemoryError:
    pass
