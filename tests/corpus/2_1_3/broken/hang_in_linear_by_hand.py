"""Broken: linear_by_hand never returns and ignores SIGALRM; the worker is killed at the time limit."""
LOST = ["2_1_3.ex2"]
MESSAGE = "did not finish"
EXTRA_ARGS = ["--time-limit-factor", "0.2"]
import signal

signal.signal(signal.SIGALRM, signal.SIG_IGN)


def linear_by_hand(linear, x):
    while True:
        pass
