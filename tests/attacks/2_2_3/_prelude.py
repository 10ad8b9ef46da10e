# The attacker's toolkit, a cell before every attack: make every exercise of 2.2.3 do one thing.
def every_exercise(attack):
    """Put `attack` in place of every function the 2.2.3 checks call."""
    global model_summary, fixed_network, gradient_norms, diagnose, log_history, detect_silent_failure
    model_summary = fixed_network = gradient_norms = diagnose = log_history = detect_silent_failure = attack
