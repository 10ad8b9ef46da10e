"""Mistake: time_matmul returns the total of all repeats, not the mean time of one product."""
CAUGHT_BY = {"test_time_matmul_waits_for_the_gpu": "total / repeats",
             "test_time_matmul_runs_on_a_cpu_only_machine": "total / repeats"}


def time_matmul(a, b, device, repeats=20):
    device = torch.device(device)
    a, b = a.to(device), b.to(device)
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start
