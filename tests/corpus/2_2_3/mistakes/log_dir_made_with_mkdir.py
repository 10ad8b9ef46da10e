"""Mistake: log_history makes log_dir itself with os.mkdir before opening the writer: fine for a folder whose
parent exists, but os.mkdir makes one level only, so runs/<name>/flight raises (SummaryWriter makes every level)."""
CAUGHT_BY = {"test_recorder_writes_three_series_into_a_new_nested_folder": "raised FileNotFoundError"}

import os


def log_history(log_dir, history):
    if not os.path.isdir(log_dir):
        os.mkdir(log_dir)
    writer = SummaryWriter(log_dir)
    for name, values in history.items():
        for epoch, value in enumerate(values, start=1):
            writer.add_scalar(name, value, epoch)
    writer.close()
