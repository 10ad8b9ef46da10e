"""Mistake: the X-ray taken of a batch of 8 (the notebook's PlumbingNet example) whatever input_size says: its
batch dimension replaced by a size of one's own."""
CAUGHT_BY = {"test_summary_shows_every_layers_output_shape": "never a size of your own"}


def model_summary(model, input_size):
    stats = summary(model, input_size=(8, *input_size[1:]), verbose=0)
    return {"total_params": stats.total_params, "trainable_params": stats.trainable_params,
            "output_shapes": [list(layer.output_size) for layer in stats.summary_list if layer.is_leaf_layer]}
