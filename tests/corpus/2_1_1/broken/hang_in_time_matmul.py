"""Broken: time_matmul never returns and ignores SIGALRM; the worker is killed at the time limit."""
LOST = ["2_1_1.ex4"]
MESSAGE = "did not finish"
EXTRA_ARGS = ["--time-limit-factor", "0.15"]
import signal

signal.signal(signal.SIGALRM, signal.SIG_IGN)


def time_matmul(a, b, device, repeats=20):
    while True:
        pass
