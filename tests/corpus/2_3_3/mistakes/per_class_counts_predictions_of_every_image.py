"""Mistake: per_class_accuracy counts every image predicted as the class, not only the class's own images (the
mask left off the predictions): correct[c] is how often c was predicted, and a class can score above 100 %."""
CAUGHT_BY = {"test_per_class_accuracy_matches_a_count_by_hand": "that class's number of images",
             "test_per_class_accuracy_on_generated_predictions": "that class's number of images"}


def per_class_accuracy(model, loader, device):
    device = torch.device(device)
    model.to(device)
    model.eval()
    correct = torch.zeros(len(CLASSES), dtype=torch.long)
    total = torch.zeros(len(CLASSES), dtype=torch.long)
    with torch.no_grad():
        for images, labels in loader:
            predictions = torch.argmax(model(images.to(device)), dim=1).cpu()
            labels = torch.as_tensor(labels).cpu()
            for c in range(len(CLASSES)):
                mask = labels == c
                total[c] += mask.sum()
                correct[c] += (predictions == c).sum()
    return {name: correct[c].item() / total[c].item() if total[c] > 0 else float("nan")
            for c, name in enumerate(CLASSES)}
