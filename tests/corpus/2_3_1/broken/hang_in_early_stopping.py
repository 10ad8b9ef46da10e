"""Broken: EarlyStopping.step never returns and ignores SIGALRM; the worker is killed at the time limit."""
LOST = ["2_3_1.ex4"]
MESSAGE = "did not finish"
EXTRA_ARGS = ["--time-limit-factor", "0.15"]
import signal

signal.signal(signal.SIGALRM, signal.SIG_IGN)


class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        self.patience, self.min_delta, self.best_loss, self.counter = patience, min_delta, float("inf"), 0

    def step(self, val_loss):
        while True:
            pass
