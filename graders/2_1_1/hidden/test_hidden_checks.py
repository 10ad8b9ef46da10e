"""Hidden checks of lesson 2.1.1 (course staff and CI only): the GPU, another memory layout, a CPU-only machine."""

import pytest

from gradekit.checks import expect, fail


@pytest.mark.exercise("2_1_1.ex1")
@pytest.mark.points(1)
def test_describe_reads_the_device_from_the_tensor(run):
    """describe(t) reports the device a tensor lives on, also when that is not the CPU."""
    for answer, case in run("exercise_one", doing="make_tensors(seed) and describe(t)", count=3)["described"]["meta"]:
        if answer.get("error"):
            fail(f"describe(t) for a tensor on the {case['device']} device: {answer['error']['type']}: "
                 f"{answer['error']['message'][:200]}")
        expect(answer["ok"], f"describe(t) for a tensor on the {case['device']} device returned "
                             f"{answer.get('repr') or answer.get('error')}; return (t.shape, t.dtype, t.device).")
        got = (answer["shape"], answer["dtype"], answer["device"])
        if got != (case["shape"], case["dtype"], case["device"]):
            fail(f"For a tensor with shape {tuple(case['shape'])}, dtype torch.{case['dtype']}, device "
                 f"{case['device']}, describe(t) returned shape {got[0]}, dtype {got[1]}, device {got[2]}: read the "
                 "three attributes from t itself (t.shape, t.dtype, t.device); a tensor on the GPU says cuda:0.")


@pytest.mark.exercise("2_1_1.ex2")
@pytest.mark.points(1)
def test_flatten_images_accepts_channels_last(run):
    """flatten_images gives the same rows for a batch stored channels-last (one channel of a colour batch, cut to
    28 x 28: not contiguous, so view refuses it)."""
    out = run("exercise_two", doing="linear_forward(X, w, b) and flatten_images(x)")["flatten"]["channels_last"]
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
    out = run("device_work", doing="to_device, time_matmul and cpu_vs_device")["cpu_vs_device"]["cpu"]
    if out["error"] is not None:
        fail(f"cpu_vs_device(..., device=cpu) on a machine without a GPU raised {out['error']['type']}: "
             f"{out['error']['message'][:200]}" + ("" if out["error"].get("stub") else
                                                   ". Synchronize only when device.type == 'cuda'."))
    result = out["result"]
    expect("keys" in result and sorted(result["keys"]) == ["cpu", "device"]
           and sorted(result.get("values") or {}) == ["cpu", "device"],
           f'cpu_vs_device returned {result.get("keys") or result.get("repr")}; expected '
           '{"cpu": seconds, "device": seconds}.')
    values = [v["value"] if isinstance(v, dict) and v.get("tensor") else v for v in result["values"].values()]
    expect(all(isinstance(v, float) and v >= 0.8 * out["cpu_ms"] / 1000 for v in values),
           f"cpu_vs_device(..., device=cpu) returned {values}, but each product took {out['cpu_ms']:.1f} ms: both "
           "timings must be measured.")
    expect(out["products"]["cpu"] >= 2 * out["repeats"], "cpu_vs_device did not time both runs.")
