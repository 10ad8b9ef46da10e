"""Broken: the cell that should define evaluate defines something else. train_model calls evaluate, so exercise 6
is lost with it; the message names the missing function."""
REPLACES = "2_2_2.ex5"
LOST = ["2_2_2.ex5", "2_2_2.ex6"]
MESSAGE = "does not define `evaluate`"


def evaluate_model(model, loader):
    model.eval()
    with torch.no_grad():
        return sum((model(x).argmax(1) == y).sum().item() for x, y in loader) / len(loader.dataset)
