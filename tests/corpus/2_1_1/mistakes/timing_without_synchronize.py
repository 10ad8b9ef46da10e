"""Mistake: the clock is read without waiting for the GPU: it times how fast work was queued."""
CAUGHT_BY = {"test_time_matmul_waits_for_the_gpu": "asynchronous", "test_cpu_vs_device_measures_both": "queued"}


def time_matmul(a, b, device, repeats=20):
    a, b = a.to(device), b.to(device)
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return (time.perf_counter() - start) / repeats
