"""Correct, written differently: the flight recorder with add_scalars (TensorBoard files each name in a subfolder
`history_<name>`), the writer as a context manager, epochs counted by hand; the norm as the square root of the sum
of squares, the gradients cleared by setting them to None by hand; the prior as a fraction of the total, counted
in a loop."""
import os


def log_history(log_dir, history):
    os.makedirs(log_dir, exist_ok=True)
    names = list(history)
    with SummaryWriter(log_dir=log_dir) as writer:
        for index in range(len(history[names[0]])):
            writer.add_scalars("history", {name: history[name][index] for name in names}, global_step=index + 1)
            writer.flush()


def gradient_norms(model, X, y, criterion):
    for param in model.parameters():
        param.grad = None
    criterion(model.forward(X), y).backward()
    return dict((name, param.grad.pow(2).sum().sqrt().item()) for name, param in model.named_parameters())


def detect_silent_failure(history, class_counts):
    total, top = 0, 0
    for count in class_counts:
        total += count
        top = max(top, count)
    accuracy_at_prior = -0.02 <= history["accuracy"][-1] - top / total <= 0.02
    return history["loss"][-1] < history["loss"][0] and accuracy_at_prior
