# The attacker's toolkit, a cell before every attack: make every exercise of 2.1.3 do one thing.
def every_exercise(attack):
    """Put `attack` in place of every function the 2.1.3 checks call, and in every method of their modules."""
    global linear_by_hand, count_parameters, load_raw_weights, make_mlp, TwoLayerNet, ResidualBlock
    linear_by_hand = count_parameters = load_raw_weights = make_mlp = attack

    class Attacked(nn.Module):  # noqa: F821 - nn comes from the lesson's given code
        def __init__(self, *args, **kwargs):
            super().__init__()
            attack(*args, **kwargs)

        def forward(self, *args, **kwargs):
            return attack(*args, **kwargs)

    TwoLayerNet = ResidualBlock = Attacked
