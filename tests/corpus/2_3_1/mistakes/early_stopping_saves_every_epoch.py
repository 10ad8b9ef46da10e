"""Mistake: train_with_early_stopping saves the model to checkpoint_path after every epoch, so the file (and the
weights restored from it) hold the last epoch, not the best."""
CAUGHT_BY = {"test_best_model_is_saved_to_checkpoint_path": "whenever the validation loss improves",
             "test_training_restores_the_best_weights": "restore the best weights"}


def train_with_early_stopping(model, optimizer, criterion, train_loader, val_loader, max_epochs, patience,
                              checkpoint_path):
    stopper = EarlyStopping(patience)
    history = []
    for epoch in range(1, max_epochs + 1):
        train_loss = train_one_epoch(model, train_loader, optimizer, criterion)
        val_loss = evaluate(model, val_loader, criterion)
        history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss})
        torch.save(model.state_dict(), checkpoint_path)
        if stopper.step(val_loss):
            break
    model.load_state_dict(torch.load(checkpoint_path, weights_only=True))
    return history
