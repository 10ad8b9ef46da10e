"""Mistake: the MNIST normalization constants kept for Fashion-MNIST."""
CAUGHT_BY = {"test_normalization_uses_fashion_mnist_statistics": "MNIST's 0.1307/0.3081"}

TRANSFORM = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
