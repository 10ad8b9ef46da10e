"""Mistake: the pulse read on the last parameter only (nearest the loss), where vanishing gradients do not show."""
CAUGHT_BY = {"test_diagnose_tells_the_three_networks_apart": "far from the loss"}


def diagnose(norms):
    last = list(norms.values())[-1]
    if last > 1e3:
        return "exploding"
    if last < 1e-6:
        return "vanishing"
    return "healthy"
