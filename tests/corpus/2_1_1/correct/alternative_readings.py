"""Correct, written differently: a seeded Generator, explicit dtypes, describe with a plain tuple and size(),
torch.matmul and flatten(1), torch.as_tensor for sharing and a copied array for the copy, CUDA events with a
warm-up on the GPU, a string device, a dict built step by step."""


def make_tensors(seed):
    generator = torch.Generator().manual_seed(seed)
    tensors = {}
    tensors["from_list"] = torch.tensor([[1, 2, 3], [4, 5, 6]], dtype=torch.float32)
    tensors["labels"] = torch.tensor(np.array([3, 0, 7, 1]), dtype=torch.long)
    tensors["zeros"] = torch.zeros((3, 4), dtype=torch.float32)
    tensors["ones"] = torch.ones(size=(2, 5))
    tensors["noise"] = torch.randn(4, 3, generator=generator)
    tensors["from_numpy"] = torch.from_numpy(np.linspace(0.0, 1.0, num=5).astype(np.float32))
    return tensors


def describe(t):
    return tuple(t.size()), t.dtype, t.device


def linear_forward(X, w, b):
    return torch.matmul(X, w).add(b)


def flatten_images(x):
    return x.flatten(1)


def shares_memory_with(a):
    return torch.as_tensor(a)


def copy_of(a):
    return torch.from_numpy(a.copy())


def to_device(t, device):
    return t.to(device=torch.device(device))


def time_matmul(a, b, device, repeats=20):
    device = torch.device(device)
    a, b = a.to(device), b.to(device)
    a @ b  # warm-up, outside the clock
    if device.type != "cuda":
        start = time.perf_counter()
        for _ in range(repeats):
            torch.mm(a, b)
        return (time.perf_counter() - start) / repeats
    begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    begin.record()
    for _ in range(repeats):
        torch.mm(a, b)
    end.record()
    end.synchronize()
    return begin.elapsed_time(end) / 1000 / repeats


def cpu_vs_device(n, device, repeats=20):
    x = torch.randn(n, n, dtype=torch.float32)
    result = {}
    result["device"] = time_matmul(x, x, str(device), repeats)
    result["cpu"] = time_matmul(x, x, torch.device("cpu"), repeats)
    return result
