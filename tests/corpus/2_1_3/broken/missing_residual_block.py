"""Broken: the cell that should define ResidualBlock defines something else; the message names the missing class."""
REPLACES = "2_1_3.ex6"
LOST = ["2_1_3.ex6"]
MESSAGE = "does not define `ResidualBlock`"


class SkipBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc = nn.Linear(dim, dim)

    def forward(self, x):
        return x + self.fc(x)
