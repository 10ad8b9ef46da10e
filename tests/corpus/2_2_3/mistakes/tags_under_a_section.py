"""Mistake: each value logged under a tag of one's own, "train/<name>" (as in TensorBoard tutorials), not under
its history name: TensorBoard finds no series named "loss"."""
CAUGHT_BY = {"test_every_value_is_recorded_under_its_name": "reads no series named"}


def log_history(log_dir, history):
    writer = SummaryWriter(log_dir)
    for name, values in history.items():
        for epoch, value in enumerate(values, start=1):
            writer.add_scalar(f"train/{name}", value, epoch)
    writer.close()
