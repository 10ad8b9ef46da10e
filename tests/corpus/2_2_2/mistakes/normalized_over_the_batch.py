"""Mistake: softmax and cross_entropy normalize over dimension 0, the batch, instead of dimension 1, the classes:
each column sums to 1, not each row (a batch of one row becomes all ones), and the loss's log-probabilities are
not the rows' own."""
CAUGHT_BY = {"test_softmax_matches_torch_softmax_on_drawn_logits": "not over the batch",
             "test_softmax_on_very_negative_and_single_rows": "values differ",
             "test_cross_entropy_equals_nn_cross_entropy_loss": "nn.CrossEntropyLoss gives",
             "test_cross_entropy_on_a_large_secret_batch": "values differ"}


def softmax(logits):
    shifted = logits - logits.max(dim=1, keepdim=True).values
    exps = torch.exp(shifted)
    return exps / exps.sum(dim=0, keepdim=True)


def cross_entropy(logits, targets):
    log_probs = logits - torch.logsumexp(logits, dim=0, keepdim=True)
    return -log_probs.gather(1, targets.long().unsqueeze(1)).mean()
