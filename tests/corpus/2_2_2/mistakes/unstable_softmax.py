"""Mistake: softmax exponentiates the raw logits: exp(1000) overflows to inf and inf / inf is nan; exp(-1000)
underflows to 0 and 0 / 0 is nan too."""
CAUGHT_BY = {"test_softmax_is_stable_for_large_logits": "overflows to inf",
             "test_softmax_on_very_negative_and_single_rows": "NaN"}


def softmax(logits):
    exps = torch.exp(logits)
    return exps / exps.sum(dim=1, keepdim=True)
