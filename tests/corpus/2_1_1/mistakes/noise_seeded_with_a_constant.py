"""Mistake: the random tensor is seeded with a fixed number instead of the seed make_tensors is given."""
CAUGHT_BY = {"test_noise_comes_from_the_seed": "seed with the seed you are given"}


def make_tensors(seed):
    torch.manual_seed(0)
    return {"from_list": torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), "labels": torch.tensor([3, 0, 7, 1]),
            "zeros": torch.zeros(3, 4), "ones": torch.ones(2, 5), "noise": torch.randn(4, 3),
            "from_numpy": torch.from_numpy(np.linspace(0, 1, 5, dtype=np.float32))}
