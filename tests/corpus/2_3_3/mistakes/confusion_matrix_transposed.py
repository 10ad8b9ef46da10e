"""Mistake: the confusion matrix has predictions as rows and true labels as columns."""
CAUGHT_BY = {"test_confusion_matrix_counts_pairs": "transposed",
             "test_confusion_matrix_on_generated_predictions": "transposed"}


def confusion_matrix(preds, labels, num_classes=10):
    matrix = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    for p, y in zip(torch.as_tensor(preds).tolist(), torch.as_tensor(labels).tolist()):
        matrix[p, y] += 1
    return matrix
