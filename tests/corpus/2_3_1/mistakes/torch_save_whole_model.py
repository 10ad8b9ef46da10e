"""Mistake: `torch.save(model)` pickles the whole module instead of its state_dict."""
CAUGHT_BY = {"test_save_model_writes_a_state_dict": "architecture in code, values in file"}


def save_model(model, path):
    torch.save(model, path)
