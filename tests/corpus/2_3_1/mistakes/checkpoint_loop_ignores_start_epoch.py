"""Mistake: train_with_checkpoints always counts from epoch 1 and ignores start_epoch, so a resumed run trains and
numbers the epochs before the crash again."""
CAUGHT_BY = {"test_resumed_run_numbers_its_epochs": "expected 6 to 10",
             "test_crash_and_resume_with_your_own_loop": "uninterrupted val losses"}


def train_with_checkpoints(model, optimizer, criterion, train_loader, val_loader, epochs, checkpoint_dir,
                           every=5, start_epoch=1):
    checkpoint_dir = Path(checkpoint_dir)
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    history, best_val = [], float("inf")
    for epoch in range(1, epochs + 1):
        train_loss = train_one_epoch(model, train_loader, optimizer, criterion)
        val_loss = evaluate(model, val_loader, criterion)
        history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss})
        if epoch % every == 0:
            save_checkpoint(checkpoint_dir / f"epoch_{epoch}.pt", model, optimizer, epoch, val_loss)
        if val_loss < best_val:
            best_val = val_loss
            save_checkpoint(checkpoint_dir / "best.pt", model, optimizer, epoch, val_loss)
    return history
