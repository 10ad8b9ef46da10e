"""Mistake: ResidualBlock keeps its branch in a plain Python list: block.parameters() cannot see it."""
CAUGHT_BY = {"test_zeroed_branch_gives_back_the_input": "nn.ModuleList",
             "test_residual_block_adds_the_input_to_the_branch": "nn.ModuleList"}


class ResidualBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.layers = [nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim)]

    def forward(self, x):
        out = x
        for layer in self.layers:
            out = layer(out)
        return x + out
