"""Hidden checks of lesson 2.1.1 (course staff and CI only): other devices, layouts and machines."""

import pytest

from gradekit.checks import expect, fail


@pytest.mark.exercise("2_1_1.ex1")
@pytest.mark.points(1)
def test_describe_names_the_gpu(run):
    """describe(t) reports the GPU for a tensor that lives there."""
    out = run("described", doing="describe(t) for tensors on the GPU", count=3, on_gpu=True)
    for answer, shape, dtype in zip(out["answers"], out["shapes"], out["dtypes"]):
        expect(answer["ok"], f"describe(t) returned {answer.get('repr')}; return (t.shape, t.dtype, t.device).")
        got = (answer["shape"], answer["dtype"], answer["device"])
        if got != (shape, dtype, out["device"]):
            fail(f"For a tensor with shape {tuple(shape)}, dtype torch.{dtype}, device {out['device']}, describe(t) "
                 f"returned shape {got[0]}, dtype {got[1]}, device {got[2]}: read the three attributes from t itself "
                 "(t.shape, t.dtype, t.device).")


@pytest.mark.exercise("2_1_1.ex2")
@pytest.mark.points(1)
def test_flatten_images_accepts_channels_last(run):
    """flatten_images gives the same rows for a batch stored channels-last."""
    out = run("flattened", doing="flatten_images(x)", batch=2, layout="channels_last")
    if out["error"] is not None:
        fail(f"flatten_images(x) with x stored channels-last raised {out['error']['type']}: "
             f"{out['error']['message'][:200]}. Use reshape, which works whatever the memory layout.")
    got, want = out["returned"], out["expected"]
    expect(got["tensor"] and got["shape"] == want["shape"], f"flatten_images(x) returned shape {got.get('shape')}; "
                                                            f"expected {want['shape']}.")
    expect(got["values"].equal(want["values"]), "flatten_images(x) on a channels-last batch put the pixels in another "
                                                "order than nn.Flatten.")


@pytest.mark.exercise("2_1_1.ex4")
@pytest.mark.points(1)
def test_cpu_vs_device_on_a_cpu_only_machine(run):
    """cpu_vs_device(n, "cpu") on a machine without a GPU measures both timings on the CPU."""
    out = run("compared", doing="cpu_vs_device(n=8, device=cpu, repeats=5) on a machine without a GPU", where="cpu",
              n=8, repeats=5, cpu_ms=2.0, device_ms=0.0)
    if out["error"] is not None:
        fail(f"cpu_vs_device(..., device=cpu) on a machine without a GPU raised {out['error']['type']}: "
             f"{out['error']['message'][:200]}. Synchronize only when device.type == 'cuda'.")
    result = out["out"]["result"]
    expect(isinstance(result, dict) and sorted(result) == ["cpu", "device"],
           f'cpu_vs_device returned {result}; expected {{"cpu": seconds, "device": seconds}}.')
    values = [v["value"] if isinstance(v, dict) and v.get("tensor") else v for v in result.values()]
    expect(all(isinstance(v, float) and v >= 0.8 * out["cpu_ms"] / 1000 for v in values),
           f"cpu_vs_device(..., device=cpu) returned {result}, but each product took {out['cpu_ms']:.1f} ms: both "
           "timings must be measured.")
    expect(out["out"]["products"]["cpu"] >= 2 * out["repeats"], "cpu_vs_device did not time both runs.")
