"""Mistake: torchinfo called with the wrong input size: the batch dimension dropped (input_size[1:]), so the X-ray
is of a batch of 1."""
CAUGHT_BY = {"test_summary_shows_every_layers_output_shape": "input_size to torchinfo exactly as it is"}


def model_summary(model, input_size):
    stats = summary(model, input_size=input_size[1:], verbose=0)
    return {"total_params": stats.total_params, "trainable_params": stats.trainable_params,
            "output_shapes": [list(layer.output_size) for layer in stats.summary_list if layer.is_leaf_layer]}
