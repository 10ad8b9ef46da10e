# The attacker's toolkit, a cell before every attack: make every exercise of 2.1.2 do one thing.
def every_exercise(attack):
    """Put `attack` in place of every function the 2.1.2 checks call."""
    global grad_of, sgd_step_, fit_line_raw, log_predictions
    grad_of = sgd_step_ = fit_line_raw = log_predictions = attack
