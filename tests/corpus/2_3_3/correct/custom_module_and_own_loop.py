"""Correct, written differently: the model as an nn.Sequential subclass built from blocks with F-free layers,
Adam via keyword arguments, and a pipeline with its own loop that keeps the best weights in memory,
saves them once at the end and evaluates with inference_mode."""
import copy


class Block(nn.Sequential):
    """Linear → (BatchNorm1d) → ReLU → Dropout."""


class FashionNet(nn.Sequential):
    def __init__(self, hidden_sizes=(512, 256), dropout=0.3, batchnorm=True):
        layers, size = [nn.Flatten()], 28 * 28
        for width in hidden_sizes:
            layers.append(nn.Linear(size, width))
            if batchnorm:
                layers.append(nn.BatchNorm1d(width))
            layers += [nn.ReLU(inplace=True), nn.Dropout(p=dropout)]
            size = width
        super().__init__(*layers, nn.Linear(size, 10))


def build_model(hidden_sizes=(512, 256), dropout=0.3, batchnorm=True):
    return FashionNet(tuple(hidden_sizes), dropout, batchnorm)


def make_optimizer(model, lr=1e-3, weight_decay=1e-4):
    return torch.optim.Adam(params=list(model.parameters()), lr=lr, weight_decay=weight_decay)


def run_pipeline(config):
    settings = {"epochs": 10, "patience": 3, "batch_size": 64, "lr": 1e-3, "weight_decay": 1e-4, "val_size": 5000,
                "seed": 0, "train_subset": None, "test_subset": None, "checkpoint_path": "best_model.pt",
                "hidden_sizes": (512, 256), "dropout": 0.3, "batchnorm": True, "data_root": None, "device": None}
    settings.update({k: v for k, v in config.items() if k in settings})
    device = torch.device(settings["device"] or ("cuda" if torch.cuda.is_available() else "cpu"))
    torch.manual_seed(settings["seed"])
    train, val, test = get_dataloaders(settings["data_root"], settings["batch_size"], settings["val_size"],
                                       settings["seed"], train_subset=settings["train_subset"],
                                       test_subset=settings["test_subset"])
    model = build_model(settings["hidden_sizes"], settings["dropout"], settings["batchnorm"]).to(device)
    optimizer = make_optimizer(model, settings["lr"], settings["weight_decay"])
    criterion = nn.CrossEntropyLoss()
    best_state, best_loss, best_epoch, stale = None, float("inf"), 0, 0
    for epoch in range(1, settings["epochs"] + 1):
        model.train()
        for images, labels in train:
            optimizer.zero_grad()
            criterion(model(images.to(device)), labels.to(device)).backward()
            optimizer.step()
        model.eval()
        with torch.inference_mode():
            losses = [criterion(model(x.to(device)), y.to(device)).item() * len(y) for x, y in val]
        val_loss = sum(losses) / len(val.dataset)
        if val_loss < best_loss:
            best_state, best_loss, best_epoch, stale = copy.deepcopy(model.state_dict()), val_loss, epoch, 0
        else:
            stale += 1
            if stale == settings["patience"]:
                break
    model.load_state_dict(best_state)
    torch.save(best_state, settings["checkpoint_path"])
    model.eval()
    correct = 0
    with torch.inference_mode():
        for images, labels in test:
            correct += (model(images.to(device)).argmax(1).cpu() == labels).sum().item()
    return {"test_accuracy": correct / len(test.dataset), "per_class": per_class_accuracy(model, test, device),
            "best_epoch": best_epoch, "checkpoint": str(settings["checkpoint_path"])}
