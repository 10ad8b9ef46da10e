"""Correct, written differently: MODEL_CONFIG with a list of hidden sizes and another dropout, the classifier's
Sequential built from a comprehension, evaluate counting with inference_mode over len(loader.dataset), train_model
weighting each batch's loss by its size."""
import itertools

MODEL_CONFIG = {"hidden_sizes": [256, 128], "dropout": 0.35}


class MNISTClassifier(nn.Module):
    def __init__(self, hidden_sizes=(256, 128), dropout=0.2):
        super().__init__()
        sizes = [784, *hidden_sizes]
        blocks = [[nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU(inplace=True), nn.Dropout(p=dropout)]
                  for a, b in zip(sizes, sizes[1:])]
        self.net = nn.Sequential(nn.Flatten(), *itertools.chain.from_iterable(blocks), nn.Linear(sizes[-1], 10))

    def forward(self, images):
        return self.net(images)


def evaluate(model, loader):
    model.eval()
    right = 0
    with torch.inference_mode():
        for x, y in loader:
            right += int(torch.sum(torch.max(model(x), dim=1).indices == y))
    return right / len(loader.dataset)


def train_model(config):
    torch.manual_seed(config["seed"])
    train_loader, val_loader = get_mnist_loaders(config["data_root"], config["batch_size"],
                                                 offline_split=config["offline_split"],
                                                 train_subset=config["train_subset"])
    model = MNISTClassifier(**MODEL_CONFIG)
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    loss_fn = nn.CrossEntropyLoss()
    history = {"loss": [], "accuracy": []}
    for epoch in range(config["epochs"]):
        model.train()
        seen, summed = 0, 0.0
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            summed += loss.item() * len(y)
            seen += len(y)
        history["loss"].append(summed / seen)
        history["accuracy"].append(float(evaluate(model, val_loader)))
    torch.save(model.state_dict(), config["save_path"])
    return history
