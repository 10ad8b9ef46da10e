"""Mistake: load_raw_weights copies the raw (in, out) matrices into nn.Linear's (out, in) weights untransposed."""
CAUGHT_BY = {"test_module_gives_the_raw_forward_numbers": "transposed weight",
             "test_square_network_is_not_fooled_by_untransposed_weights": "untransposed",
             "test_loaded_weights_stay_trainable_parameters": "transposed weight"}


def load_raw_weights(model, W1, b1, W2, b2):
    with torch.no_grad():
        model.fc1.weight.copy_(W1)
        model.fc1.bias.copy_(b1)
        model.fc2.weight.copy_(W2)
        model.fc2.bias.copy_(b2)
    return model
