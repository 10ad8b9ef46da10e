"""Broken: fit_line_raw never ends (a while loop whose counter never moves) and ignores SIGALRM."""
LOST = ["2_1_2.ex3"]
MESSAGE = "did not finish"
EXTRA_ARGS = ["--time-limit-factor", "0.15"]
import signal

signal.signal(signal.SIGALRM, signal.SIG_IGN)


def fit_line_raw(X, y, lr, steps):
    step = 0
    while step < steps:
        pass
