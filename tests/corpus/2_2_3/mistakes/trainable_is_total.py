"""Mistake: every parameter counted as trainable (the frozen layer's too)."""
CAUGHT_BY = {"test_summary_counts_total_and_trainable_parameters": "frozen"}


def model_summary(model, input_size):
    stats = summary(model, input_size=input_size, verbose=0)
    return {"total_params": stats.total_params, "trainable_params": stats.total_params,
            "output_shapes": [list(layer.output_size) for layer in stats.summary_list if layer.is_leaf_layer]}
