"""Broken: a training loop left at the module's top level never ends; every check says so, none crashes."""
LOST = ["2_3_1.ex1", "2_3_1.ex2", "2_3_1.ex3", "2_3_1.ex4"]
MESSAGE = "did not even finish loading"
EXTRA_ARGS = ["--time-limit-factor", "0.1"]

while True:
    pass
