"""Mistake: train_model saves the whole pickled model instead of its state_dict (architecture in code, values in
file); the grader's weights-only loader refuses it."""
CAUGHT_BY = {"test_train_model_returns_the_history_and_saves_the_model": "pickled model"}


def train_model(config):
    torch.manual_seed(config["seed"])
    train_loader, val_loader = get_mnist_loaders(config["data_root"], config["batch_size"], config["offline_split"],
                                                 config["train_subset"])
    model = MNISTClassifier(**MODEL_CONFIG)
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    criterion = nn.CrossEntropyLoss()
    history = {"loss": [], "accuracy": []}
    for _ in range(config["epochs"]):
        model.train()
        total, batches = 0.0, 0
        for inputs, targets in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(inputs), targets)
            loss.backward()
            optimizer.step()
            total += loss.item()
            batches += 1
        history["loss"].append(total / batches)
        history["accuracy"].append(evaluate(model, val_loader))
    torch.save(model, config["save_path"])  # the whole object, pickled
    return history
