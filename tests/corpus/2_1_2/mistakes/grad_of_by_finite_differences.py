"""Mistake: grad_of measures finite differences itself instead of asking autograd: close enough, but f never sees
a recording tensor (press Record is never pressed)."""
CAUGHT_BY = {"test_grad_of_on_0_dim_and_2_dim_points_by_one_recording": "press Record"}


def grad_of(f, x):
    base = x.detach().to(torch.float64)
    flat = torch.zeros(base.numel(), dtype=torch.float64)
    for i in range(base.numel()):
        step = torch.zeros(base.numel(), dtype=torch.float64)
        step[i] = 1e-6
        step = step.reshape(base.shape)
        flat[i] = (f(base + step) - f(base - step)) / 2e-6
    return flat.reshape(x.shape).to(x.dtype)
