"""Broken: the exercise 1 cell defines make_tensors but not describe; the message names the missing function."""
REPLACES = "2_1_1.ex1"
LOST = ["2_1_1.ex1"]
MESSAGE = "does not define `describe`"


def make_tensors(seed):
    torch.manual_seed(seed)
    return {"from_list": torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), "labels": torch.tensor([3, 0, 7, 1]),
            "zeros": torch.zeros(3, 4), "ones": torch.ones(2, 5), "noise": torch.randn(4, 3),
            "from_numpy": torch.from_numpy(np.linspace(0, 1, 5, dtype=np.float32))}
