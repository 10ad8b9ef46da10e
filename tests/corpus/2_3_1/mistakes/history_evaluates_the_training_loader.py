"""Mistake: the history's val_loss is evaluate(model, train_loader, ...): the loss on the training batches, not the
validation loss."""
CAUGHT_BY = {"test_history_reports_the_real_validation_loss": "evaluates to"}


def train_with_checkpoints(model, optimizer, criterion, train_loader, val_loader, epochs, checkpoint_dir,
                           every=5, start_epoch=1):
    checkpoint_dir = Path(checkpoint_dir)
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    history, best_val = [], float("inf")
    for epoch in range(start_epoch, epochs + 1):
        train_loss = train_one_epoch(model, train_loader, optimizer, criterion)
        val_loss = evaluate(model, train_loader, criterion)
        history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss})
        if epoch % every == 0:
            save_checkpoint(checkpoint_dir / f"epoch_{epoch}.pt", model, optimizer, epoch, val_loss)
        if val_loss < best_val:
            best_val = val_loss
            save_checkpoint(checkpoint_dir / "best.pt", model, optimizer, epoch, val_loss)
    return history
