"""Mistake: mnist_transform reads the image's pixels by hand (torch.tensor(list(image.getdata()))) and normalizes
them itself, as [28, 28]: the channel dimension ToTensor() puts first is missing."""
CAUGHT_BY = {"test_each_image_becomes_one_float_tensor": "expected [1, 28, 28]"}


def mnist_transform():
    def to_normalized(image):
        pixels = torch.tensor(list(image.getdata()), dtype=torch.float32).reshape(28, 28)
        return (pixels / 255 - 0.1307) / 0.3081

    return to_normalized
