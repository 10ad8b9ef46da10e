"""Mistake: load_raw_weights assigns plain tensors to the layers' weights, which nn.Module refuses."""
CAUGHT_BY = {"test_module_gives_the_raw_forward_numbers": "nn.Parameter",
             "test_square_network_is_not_fooled_by_untransposed_weights": "nn.Parameter",
             "test_loaded_weights_stay_trainable_parameters": "nn.Parameter"}


def load_raw_weights(model, W1, b1, W2, b2):
    model.fc1.weight = W1.T
    model.fc1.bias = b1
    model.fc2.weight = W2.T
    model.fc2.bias = b2
    return model
