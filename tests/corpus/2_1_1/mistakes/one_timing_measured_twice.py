"""Mistake: cpu_vs_device times the device twice and reports one of them as the CPU."""
CAUGHT_BY = {"test_cpu_vs_device_measures_both": "each timing needs"}


def cpu_vs_device(n, device, repeats=20):
    x = torch.randn(n, n)
    on_device = time_matmul(x, x, device, repeats)
    return {"cpu": time_matmul(x, x, device, repeats), "device": on_device}
