"""Correct, written differently: build_model returns a custom nn.Module (not an nn.Sequential) that flattens with
x.view(x.size(0), -1) and applies F.relu and F.dropout(..., training=self.training) in its forward; its layers are
registered under the indices an nn.Sequential would give them, so the reference's best_model.pt loads into it.
The accuracy checks judge it on the trusted rebuild, which must infer the functional steps."""
import torch.nn.functional as F


class FashionClassifier(nn.Module):
    def __init__(self, hidden_sizes=(512, 256), dropout=0.3, batchnorm=True):
        super().__init__()
        self.p, self.blocks, index, size = dropout, [], 1, 28 * 28
        for width in hidden_sizes:
            self.add_module(str(index), nn.Linear(size, width))
            if batchnorm:
                self.add_module(str(index + 1), nn.BatchNorm1d(width))
            self.blocks.append((str(index), str(index + 1) if batchnorm else None))
            index, size = index + (4 if batchnorm else 3), width
        self.add_module(str(index), nn.Linear(size, 10))
        self.head = str(index)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        for linear, norm in self.blocks:
            x = self._modules[linear](x)
            if norm is not None:
                x = self._modules[norm](x)
            x = F.dropout(F.relu(x), self.p, self.training)
        return self._modules[self.head](x)


def build_model(hidden_sizes=(512, 256), dropout=0.3, batchnorm=True):
    return FashionClassifier(tuple(hidden_sizes), dropout, batchnorm)
