"""Mistake: the residual adds the hidden activation, not the block's input, to the branch's output."""
CAUGHT_BY = {"test_zeroed_branch_gives_back_the_input": "the block's input",
             "test_residual_block_adds_the_input_to_the_branch": "wrong tensor"}


class ResidualBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc1 = nn.Linear(dim, dim)
        self.fc2 = nn.Linear(dim, dim)

    def forward(self, x):
        hidden = torch.relu(self.fc1(x))
        return hidden + self.fc2(hidden)
