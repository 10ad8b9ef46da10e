"""Exercise 4 (2_1_1.ex4): to_device moves a tensor; time_matmul and cpu_vs_device measure, honestly."""

import pytest

from gradekit.checks import expect, fail

pytestmark = pytest.mark.exercise("2_1_1.ex4")

DOING = "to_device, time_matmul and cpu_vs_device"
QUEUED = ("GPU work is asynchronous: Python gets control back before the GPU has finished, so a clock read without "
          "waiting times how fast work was queued, not how fast it ran. When device.type == 'cuda', call "
          "torch.cuda.synchronize() before you start the clock and again before you stop it.")


def three(info: dict) -> str:
    return f"shape {tuple(info['shape'])}, dtype torch.{info['dtype']}, device {info['device']}"


def student_error(out: dict, doing: str) -> str:
    error = out["error"]
    if error.get("stub"):
        return f"{doing}: {error['message']}"
    where = f"\n  at {error['where']}" if error.get("where") else ""
    return f"{doing} raised {error['type']}: {error['message'][:300]}{where}"


def seconds_of(value, what: str) -> float:
    __tracebackhide__ = True
    if isinstance(value, dict) and value.get("tensor"):
        return value["value"]
    if not isinstance(value, float):
        fail(f"{what} returned {value.get('repr')} (a {value.get('type')}); return the seconds as a float.")
    return value


def on_the_gpu_or_cpu(doing: str, out: dict, where: str) -> None:
    __tracebackhide__ = True
    if out["error"] is None:
        return
    message = out["error"]["message"]
    if out["error"].get("stub"):
        fail(f"{doing}: {message}")
    if where == "cpu" and ("NVIDIA" in message or "CUDA" in message or "cuda" in message):
        fail(f"{doing} failed ({out['error']['type']}: {message[:160]}): synchronize only "
             "when device.type == 'cuda'.")
    fail(student_error(out, doing))


def spent_the_time(seconds: float, out: dict, worker_wall: float, doing: str) -> None:
    """The mean time returned fits the time the call took: measured in the student's process (the mean, not the
    total), and by the worker from outside (no time reported that was never spent)."""
    __tracebackhide__ = True
    repeats = out["repeats"]
    expect(seconds <= 1.5 * out["took"] / repeats + 0.002,
           f"{doing} returned {seconds * 1000:.1f} ms, but the whole call took {out['took'] * 1000:.1f} ms for "
           f"{repeats} products: return the mean time of one product (total / repeats), in seconds.")
    expect(seconds * repeats <= worker_wall + 0.002,
           f"{doing} returned {seconds * 1000:.1f} ms per product, {seconds * repeats * 1000:.1f} ms for {repeats}, "
           f"but the grader saw the call take {worker_wall * 1000:.1f} ms in all: report the time you measured.")


@pytest.mark.points(1)
@pytest.mark.parametrize("form", ["device", "string"])
def test_to_device_returns_the_tensor_on_the_device(run, form):
    """to_device(t, device) returns t on that device with the same values, shape and dtype."""
    out = run("device_work", doing=DOING)
    moved, original = out["to_device"][form], out["original"]
    device_arg = f'"{moved["asked"]}"' if form == "string" else f"torch.device('{moved['asked']}')"
    doing = f"to_device(t, {device_arg})"
    if moved["error"] is not None:
        fail(f"{doing}: {moved['error']['message']}" if moved["error"].get("stub") else student_error(moved, doing))
    got = moved["returned"]
    expect(got["tensor"], f"{doing} returned a {got.get('type')} ({got.get('repr')}), not a tensor.")
    want = {**original, "device": "cuda:0"}
    differ = [name for name in ("shape", "dtype", "device") if got[name] != want[name]]
    if differ == ["device"] and moved["same_object"]:
        fail(f"{doing} returned t itself, still on {got['device']}. t.to(device) does not move t: it returns a new "
             "tensor on the device. Return that one.")
    if differ:
        fail(f"{doing} returned {three(got)}; expected {three(want)}. The {' and the '.join(differ)} "
             f"{'differs' if len(differ) == 1 else 'differ'}.")
    expect(got["values"].equal(original["values"]), f"{doing}: the values changed on the way (largest difference "
                                                    f"{got['values'].max_abs_diff(original['values']):.3g}).")


@pytest.mark.points(2)
def test_time_matmul_waits_for_the_gpu(run):
    """time_matmul on the GPU returns the mean time of a product that really ran, not of work queued."""
    work = run("device_work", doing=DOING)
    timings = {**work["time_matmul"], "worker_wall": work["worker_wall"]}
    out = timings["accelerator"]
    doing = f"time_matmul(a, b, device=cuda, repeats={out['repeats']})"
    on_the_gpu_or_cpu(doing, out, "accelerator")
    seconds = seconds_of(out["result"], doing)
    products = out["products"]
    expect(products["cuda"] >= out["repeats"],
           f"{doing} ran {products['cuda']} matrix products on the GPU ({products['cpu']} on the CPU); time "
           f"{out['repeats']} products of a and b, moved to the device first.")
    if seconds < 0.8 * out["device_ms"] / 1000:
        fail(f"{doing} returned {seconds * 1000:.3f} ms per product, but on this GPU each product takes "
             f"{out['device_ms']:.1f} ms to finish. {QUEUED}")
    spent_the_time(seconds, out, timings["worker_wall"], doing)


@pytest.mark.points(1)
def test_time_matmul_runs_on_a_cpu_only_machine(run):
    """time_matmul works on a machine without a GPU and returns the mean time of one product there."""
    work = run("device_work", doing=DOING)
    timings = {**work["time_matmul"], "worker_wall": work["worker_wall"]}
    out = timings["cpu"]
    doing = f"time_matmul(a, b, device=cpu, repeats={out['repeats']}) on a machine without a GPU"
    on_the_gpu_or_cpu(doing, out, "cpu")
    seconds = seconds_of(out["result"], doing)
    products = out["products"]
    expect(products["cpu"] >= out["repeats"], f"{doing} ran {products['cpu']} matrix products; time "
                                              f"{out['repeats']} products of a and b.")
    expect(seconds >= 0.8 * out["cpu_ms"] / 1000,
           f"{doing} returned {seconds * 1000:.3f} ms per product, but each product took {out['cpu_ms']:.1f} ms: "
           "start the clock before the products and stop it after them.")
    spent_the_time(seconds, out, timings["worker_wall"], doing)


@pytest.mark.points(2)
def test_cpu_vs_device_measures_both(run):
    """cpu_vs_device returns {"cpu": ..., "device": ...}, each timing measured where it says."""
    work = run("device_work", doing=DOING)
    timings = {**work["cpu_vs_device"], "worker_wall": work["worker_wall"]}
    out = timings["accelerator"]
    doing = f"cpu_vs_device(n=16, device=cuda, repeats={out['repeats']})"
    on_the_gpu_or_cpu(doing, out, "accelerator")
    result = out["result"]
    if "keys" not in result:
        fail(f"{doing} returned {result['repr']} (a {result['type']}); return a dict "
             '{"cpu": seconds, "device": seconds}.')
    expect(sorted(result["keys"]) == ["cpu", "device"], f'{doing} returned the keys {sorted(result["keys"])}; '
                                                        'expected "cpu" and "device".')
    values = result["values"]
    cpu, device = seconds_of(values["cpu"], f"{doing}['cpu']"), seconds_of(values["device"], f"{doing}['device']")
    products = out["products"]
    expect(products["cpu"] >= out["repeats"] and products["cuda"] >= out["repeats"],
           f"{doing} ran {products['cpu']} products on the CPU and {products['cuda']} on the GPU; each timing needs "
           f"{out['repeats']} products of its own.")
    if device < 0.8 * out["device_ms"] / 1000:
        swapped = " (are the two timings swapped?)" if cpu >= 0.8 * out["device_ms"] / 1000 else ""
        fail(f"{doing}['device'] is {device * 1000:.3f} ms per product, but on this GPU each product takes "
             f"{out['device_ms']:.1f} ms to finish{swapped}. {QUEUED}")
    expect(cpu >= 0.8 * out["cpu_ms"] / 1000,
           f"{doing}['cpu'] is {cpu * 1000:.3f} ms per product, but each product on the CPU took "
           f"{out['cpu_ms']:.1f} ms: measure the CPU timing too.")
    spent_the_time(cpu + device, out, timings["worker_wall"], f"{doing} (cpu + device)")
