"""A forged reply from every stub: each function the checks call writes a reply claiming success on every pipe and
socket, then blocks, hoping the worker reads the forgery as its answer. The honest work: the starter."""
import sys
import time

# ---- attack ----


def forger(*args, **kwargs):
    request, blobs = request_being_served(sys._getframe(1))
    for channel in reply_channels():
        try:
            forge_reply(channel, request, blobs)
        except Exception:
            pass
    time.sleep(2)
    raise NotImplementedError("forged")


every_exercise(forger)
