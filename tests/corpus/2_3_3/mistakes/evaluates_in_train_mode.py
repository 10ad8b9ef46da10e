"""Mistake: per-class accuracy computed in train mode and with gradients recorded."""
CAUGHT_BY = {"test_per_class_accuracy_evaluates_in_eval_mode_without_gradients": "train mode"}


def per_class_accuracy(model, loader, device):
    correct, total = [0] * 10, [0] * 10
    for images, labels in loader:
        predictions = model(images.to(device)).argmax(dim=1).cpu()
        for p, y in zip(predictions.tolist(), labels.tolist()):
            total[y] += 1
            correct[y] += int(p == y)
    return {name: correct[c] / total[c] if total[c] else float("nan") for c, name in enumerate(CLASSES)}
