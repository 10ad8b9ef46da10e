"""Mistake: softmax exponentiates the raw logits: exp(1000) overflows to inf and inf / inf is nan."""
CAUGHT_BY = {"test_softmax_is_stable_for_large_logits": "overflows to inf"}


def softmax(logits):
    exps = torch.exp(logits)
    return exps / exps.sum(dim=1, keepdim=True)
