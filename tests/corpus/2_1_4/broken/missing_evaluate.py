"""Broken: the cell that should define evaluate defines something else; the message names the missing function."""
REPLACES = "2_1_4.ex3"
LOST = ["2_1_4.ex3"]
MESSAGE = "does not define `evaluate`"


def evaluate_model(model, X, y, criterion):
    model.eval()
    with torch.no_grad():
        return criterion(model(X), y).item()
