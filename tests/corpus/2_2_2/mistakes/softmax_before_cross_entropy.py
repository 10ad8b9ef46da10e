"""Mistake: train_model feeds softmax(logits) to nn.CrossEntropyLoss, which applies log-softmax itself. The loss can
never fall below log(1 + 9/e) ≈ 1.46 and training stalls: the check shows the loss curve beside the course's."""
CAUGHT_BY = {"test_training_works_not_just_the_loss_going_down": "training stalls"}


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
            loss = criterion(softmax(model(inputs)), targets)  # probabilities where logits belong
            loss.backward()
            optimizer.step()
            total += loss.item()
            batches += 1
        history["loss"].append(total / batches)
        history["accuracy"].append(evaluate(model, val_loader))
    torch.save(model.state_dict(), config["save_path"])
    return history
