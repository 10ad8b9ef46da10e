# The attacker's toolkit, a cell before every attack: make every exercise of 2.3.1 do one thing.
def every_exercise(attack):
    """Put `attack` in place of every function and method the 2.3.1 checks call."""
    global save_model, load_model, save_checkpoint, train_with_checkpoints, resume, train_with_early_stopping
    global EarlyStopping
    save_model = load_model = save_checkpoint = train_with_checkpoints = resume = attack
    train_with_early_stopping = attack

    class EarlyStopping:  # noqa: F811 - replacing the starter's class is the point
        def __init__(self, *args, **kwargs):
            attack(*args, **kwargs)

        def step(self, *args, **kwargs):
            return attack(*args, **kwargs)
