"""Mistake: early stopping saves the best model but never loads it back."""
CAUGHT_BY = {"test_training_restores_the_best_weights": "restore the best weights"}


def train_with_early_stopping(model, optimizer, criterion, train_loader, val_loader, max_epochs, patience,
                              checkpoint_path):
    stopper = EarlyStopping(patience)
    history, best = [], float("inf")
    for epoch in range(1, max_epochs + 1):
        train_loss = train_one_epoch(model, train_loader, optimizer, criterion)
        val_loss = evaluate(model, val_loader, criterion)
        history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss})
        if val_loss < best:
            best = val_loss
            torch.save(model.state_dict(), checkpoint_path)
        if stopper.step(val_loss):
            break
    return history
