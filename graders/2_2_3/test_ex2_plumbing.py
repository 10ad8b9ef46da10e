"""Exercise 2 (2_2_3.ex2): fixed_network fixes PlumbingNet's one wrong number."""

import pytest

from gradekit.checks import expect, fail

pytestmark = pytest.mark.exercise("2_2_3.ex2")


@pytest.mark.points(2)
def test_fixed_network_runs_on_a_batch_of_images(run):
    """fixed_network() is a PlumbingNet whose head takes what the body hands it, and it runs on MNIST images."""
    out = run("plumbing_probe", doing="fixed_network(), then a batch of 28x28 images through it")
    expect(out["type"] == "PlumbingNet", f"fixed_network() returned a {out['type']}; return the given PlumbingNet "
                                         "with the right head_in (the design is fine: change one number).")
    if out["head_in"] != out["body_out"]:
        fail(f"The head is Linear({out['head_in']}, 10), but the body hands it {out['body_out']} features per image "
             f"(torchinfo's X-ray of model.body shows [batch, {out['body_out']}] at its last layer). Shape errors are "
             "plumbing problems, not design flaws: one number, head_in, must match.")
    expect(out["runs"] and not out["problem"], f"The fixed network did not run on a batch of images: "
                                               f"{out['problem'] or out.get('output_shape')}.")
