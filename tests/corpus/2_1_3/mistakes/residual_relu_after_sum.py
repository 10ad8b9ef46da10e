"""Mistake: ResidualBlock applies a ReLU after the sum: relu(x + branch(x)) clips every negative output."""
CAUGHT_BY = {"test_zeroed_branch_gives_back_the_input": "a ReLU after the sum",
             "test_residual_block_adds_the_input_to_the_branch": "relu(x + branch(x))"}


class ResidualBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc1 = nn.Linear(dim, dim)
        self.fc2 = nn.Linear(dim, dim)

    def forward(self, x):
        return torch.relu(x + self.fc2(torch.relu(self.fc1(x))))
