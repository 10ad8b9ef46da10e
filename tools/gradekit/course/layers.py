"""The layers a trusted rebuild reports (`gradekit.course.rebuild`), named as the course names them: for the judge's
checks of a learner's network (2.2.2's classifier, 2.3.3's models). Plain data only: the judge imports no torch."""

from __future__ import annotations

LAYERS = ("Flatten", "Linear", "BatchNorm1d", "ReLU", "Dropout", "Softmax", "LogSoftmax")


def described(layers: list[dict]) -> list[str]:
    """The course's layer kinds in execution order (a subclass counts as its base), with sizes and p."""
    out = []
    for layer in layers:
        kind = next((base for base in layer["bases"] if base in LAYERS), None)
        if kind == "Linear":
            out.append(f"Linear {layer['in_features']}→{layer['out_features']}")
        elif kind == "Dropout":
            out.append(f"Dropout {layer['p']:g}")
        elif kind:
            out.append(kind)
    return out


def every_layer(layers: list[dict]) -> list[str]:
    """described(layers), keeping also the layers it leaves out (an activation other than the course's ReLU:
    Tanh, Sigmoid, GELU...), by their own name: a model that swaps or adds one must not read as the course's."""
    out = []
    for layer in layers:
        out += described([layer]) or [str(layer["bases"][0])] if layer.get("bases") else []
    return out
