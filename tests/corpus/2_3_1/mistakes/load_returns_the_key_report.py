"""Mistake: load_model returns what model.load_state_dict(...) returns (a report of missing and unexpected keys),
not the model."""
CAUGHT_BY = {"test_load_model_restores_the_values": "returns a report of keys, not the model",
             "test_round_trip_predictions_match": "did not return a model"}


def load_model(model, path, device="cpu"):
    model.to(device)
    model.eval()
    return model.load_state_dict(torch.load(path, map_location=device, weights_only=True))
