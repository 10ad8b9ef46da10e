"""Mistake: torch.cuda.synchronize() on every device; a machine without a GPU has no CUDA to wait for."""
CAUGHT_BY = {"test_time_matmul_runs_on_a_cpu_only_machine": "synchronize only when"}


def time_matmul(a, b, device, repeats=20):
    a, b = a.to(device), b.to(device)
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats
