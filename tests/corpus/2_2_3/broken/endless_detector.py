"""Broken: detect_silent_failure waits for a loss that never changes; the worker is stopped at its time limit, only
exercise 6 is lost."""
LOST = ["2_2_3.ex6"]
MESSAGE = "did not finish"
EXTRA_ARGS = ["--time-limit-factor", "0.15"]


def detect_silent_failure(history, class_counts):
    index = 0
    while history["loss"][index] == history["loss"][index]:
        index = (index + 1) % len(history["loss"])
    return False
