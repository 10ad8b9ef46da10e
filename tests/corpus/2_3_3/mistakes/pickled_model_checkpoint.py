"""Mistake: the pipeline pickles the whole model instead of its state_dict."""
CAUGHT_BY = {"test_pipeline_runs_end_to_end_and_returns_the_contract": "architecture in code, values in file"}


def run_pipeline(config):
    device = torch.device(config.get("device") or ("cuda" if torch.cuda.is_available() else "cpu"))
    torch.manual_seed(config.get("seed", 0))
    train, val, test = get_dataloaders(config.get("data_root"), config.get("batch_size", 64),
                                       config.get("val_size", 5000), config.get("seed", 0),
                                       train_subset=config.get("train_subset"), test_subset=config.get("test_subset"))
    model = build_model(config.get("hidden_sizes", (512, 256)), config.get("dropout", 0.3),
                        config.get("batchnorm", True)).to(device)
    optimizer = make_optimizer(model, config.get("lr", 1e-3), config.get("weight_decay", 1e-4))
    path = config.get("checkpoint_path", "best_model.pt")
    best, best_epoch, waited = float("inf"), 1, 0
    for epoch in range(1, config.get("epochs", 20) + 1):
        train_one_epoch(model, train, optimizer, device)
        val_loss, _ = evaluate(model, val, device)
        if val_loss < best:
            best, best_epoch, waited = val_loss, epoch, 0
            torch.save(model, path)
        else:
            waited += 1
            if waited >= config.get("patience", 3):
                break
    model = torch.load(path, weights_only=False)
    _, accuracy = evaluate(model, test, device)
    return {"test_accuracy": accuracy, "per_class": per_class_accuracy(model, test, device),
            "best_epoch": best_epoch, "checkpoint": path}
