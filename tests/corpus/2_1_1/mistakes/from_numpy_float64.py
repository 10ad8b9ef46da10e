"""Mistake: torch.from_numpy on NumPy's default float64 array, where the table asks for float32."""
CAUGHT_BY = {"test_make_tensors_has_the_tables_shapes_dtypes_and_values": "rough sketch with a micrometer"}


def make_tensors(seed):
    torch.manual_seed(seed)
    return {"from_list": torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), "labels": torch.tensor([3, 0, 7, 1]),
            "zeros": torch.zeros(3, 4), "ones": torch.ones(2, 5), "noise": torch.randn(4, 3),
            "from_numpy": torch.from_numpy(np.linspace(0, 1, 5))}
