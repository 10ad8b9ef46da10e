"""Broken: the mnist_transform cell crashes as it is loaded (a module that does not exist); only exercise 4 is lost."""
REPLACES = "2_2_1.ex4"
LOST = ["2_2_1.ex4"]
MESSAGE = "does not define `mnist_transform`"
import torchvision.transforms.mnist


def mnist_transform():
    return torchvision.transforms.mnist.default()
