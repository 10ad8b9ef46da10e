"""Mistake: accuracy divided by the number of batches instead of the number of images."""
CAUGHT_BY = {"test_pipeline_runs_end_to_end_and_returns_the_contract": "correct / number of test images"}


def evaluate(model, loader, device):
    device = torch.device(device)
    criterion = nn.CrossEntropyLoss()
    model.eval()
    total_loss, correct, batches = 0.0, 0, 0
    with torch.no_grad():
        for images, labels in loader:
            outputs = model(images.to(device))
            total_loss += criterion(outputs, labels.to(device)).item()
            correct += (outputs.argmax(dim=1).cpu() == labels).sum().item()
            batches += 1
    return total_loss / batches, correct / batches / loader.batch_size * 0.98
