"""Mistake: ResidualBlock applies a ReLU after the sum, so a zeroed branch no longer gives back the input."""
CAUGHT_BY = {"test_zeroed_branch_gives_back_the_input": "relu after the sum",
             "test_residual_block_adds_the_input_to_the_branch": "relu(x + branch(x))"}


class ResidualBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.branch = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))

    def forward(self, x):
        return torch.relu(x + self.branch(x))
