"""Mistake: cpu_vs_device times the device itself, with torch.cuda.synchronize() on every device; a machine without
a GPU has no CUDA to wait for (time_matmul, which it no longer calls for the device, was right)."""
CAUGHT_BY = {"test_cpu_vs_device_on_a_cpu_only_machine": "synchronize only when"}


def cpu_vs_device(n, device, repeats=20):
    x = torch.randn(n, n)
    on_device = x.to(device)
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        on_device @ on_device
    torch.cuda.synchronize()
    return {"cpu": time_matmul(x, x, "cpu", repeats), "device": (time.perf_counter() - start) / repeats}
