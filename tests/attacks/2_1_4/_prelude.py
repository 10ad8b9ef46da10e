# The attacker's toolkit, a cell before every attack: make every exercise of 2.1.4 do one thing.
def every_exercise(attack):
    """Put `attack` in place of every function the 2.1.4 checks call."""
    global make_optimizer, train, evaluate
    make_optimizer = train = evaluate = attack
