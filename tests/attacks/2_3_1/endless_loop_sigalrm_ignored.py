"""An endless loop that ignores SIGALRM and SIGTERM, the signals a timeout decorator relies on."""
import signal

# ---- attack ----
signal.signal(signal.SIGALRM, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)


def resume(path, model, optimizer, device="cpu"):
    while True:
        pass
