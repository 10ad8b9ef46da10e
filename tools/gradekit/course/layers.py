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
