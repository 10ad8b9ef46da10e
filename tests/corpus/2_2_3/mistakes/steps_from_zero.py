"""Mistake: the epochs counted from 0 (enumerate(values)), where the contract counts them from 1."""
CAUGHT_BY = {"test_each_value_is_at_its_epochs_step": "counts epochs from 1"}


def log_history(log_dir, history):
    writer = SummaryWriter(log_dir)
    for name, values in history.items():
        for epoch, value in enumerate(values):
            writer.add_scalar(name, value, epoch)
    writer.close()
