"""Mistake: add_scalar without a step: every value is logged at step 0."""
CAUGHT_BY = {"test_each_value_is_at_its_epochs_step": "logged at step 0"}


def log_history(log_dir, history):
    writer = SummaryWriter(log_dir)
    for name, values in history.items():
        for value in values:
            writer.add_scalar(name, value)
    writer.close()
