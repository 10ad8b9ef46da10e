"""Broken: the portable script's cell has a syntax error; only exercise 4 is lost, the other cells still run."""
REPLACES = "2_3_2.ex4"
LOST = ["2_3_2.ex4"]
MESSAGE = "SyntaxError"
def train_portable(model, optimizer, criterion, train_loader, epochs, checkpoint_path, device=None)
    return []
