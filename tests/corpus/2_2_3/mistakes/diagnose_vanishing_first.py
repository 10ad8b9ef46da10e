"""Mistake: diagnose asks about vanishing before exploding: a network with both a huge and a tiny norm reads as
"vanishing", where the rule says "exploding" first."""
CAUGHT_BY = {"test_diagnose_follows_the_stated_thresholds": "made to read 'both'"}


def diagnose(norms):
    if min(norms.values()) < VANISHING_BELOW:
        return "vanishing"
    if max(norms.values()) > EXPLODING_ABOVE:
        return "exploding"
    return "healthy"
