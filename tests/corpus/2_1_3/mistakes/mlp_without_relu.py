"""Mistake: make_mlp stacks Linear layers with no ReLU between them: one linear map in disguise."""
CAUGHT_BY = {"test_make_mlp_builds_the_layer_stack": "collapse into a single linear map",
             "test_make_mlp_forward_matches_the_math": "one linear map"}


def make_mlp(sizes):
    return nn.Sequential(*[nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])
