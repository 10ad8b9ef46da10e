"""Tests for gradekit.course.simcuda, the simulated CUDA device used to grade GPU lessons without a GPU."""

from __future__ import annotations

import copy
import io
import time
import zipfile
from pathlib import Path
from typing import Callable, Iterator

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from gradekit.course.simcuda import accelerator, is_simulated, save_as_cuda, simulated_cuda, unwrap

REAL_CUDA = torch.cuda.is_available()
sim_only = pytest.mark.skipif(REAL_CUDA, reason="checks simulation internals; a real GPU is present")
SAME_DEVICE = "Expected all tensors to be on the same device"
CUDA_ON_CPU_MACHINE = "Attempting to deserialize object on a CUDA device"


@pytest.fixture
def device() -> Iterator[torch.device]:
    """The CUDA device (real or simulated) for the duration of one test."""
    with accelerator() as dev:
        yield dev


def make_mlp(seed: int = 0) -> nn.Module:
    """The lesson's MLP shape, shrunk: Flatten, Linear, BatchNorm1d, ReLU, Dropout."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Flatten(), nn.Linear(12, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.25), nn.Linear(16, 3)
    )


def batches(n: int = 4, size: int = 8) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Seeded CPU batches of 1x3x4 'images' and labels in 0..2."""
    g = torch.Generator().manual_seed(123)
    return [(torch.randn(size, 1, 3, 4, generator=g), torch.randint(0, 3, (size,), generator=g)) for _ in range(n)]


def train(device: torch.device | str, move_labels: bool = True, move_inputs: bool = True,
          move_model: bool = True, opt_factory: Callable = lambda ps: torch.optim.Adam(ps, lr=0.01)) -> tuple:
    """A student-style training loop; returns (losses, correct counts, model)."""
    model = make_mlp()
    if move_model:
        model = model.to(device)
    opt = opt_factory(model.parameters())
    criterion = nn.CrossEntropyLoss()
    losses, correct = [], []
    torch.manual_seed(7)
    model.train()
    for inputs, labels in batches():
        if move_inputs:
            inputs = inputs.to(device)
        if move_labels:
            labels = labels.to(device)
        opt.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        correct.append((outputs.argmax(dim=1) == labels).sum().item())
    return losses, correct, model


def assert_device_error(excinfo: pytest.ExceptionInfo) -> None:
    """The error is PyTorch's own device-mismatch RuntimeError."""
    assert excinfo.type is RuntimeError
    assert str(excinfo.value).startswith(SAME_DEVICE), str(excinfo.value)


def function_modes() -> int:
    """How many torch-function modes are active."""
    return len(torch.overrides._get_current_function_mode_stack())


# ---------------------------------------------------------------- the context itself


def test_cuda_api_answers_inside_and_is_restored_after() -> None:
    originals = (torch.cuda.is_available, torch.load, torch.utils.swap_tensors, torch.accelerator.is_available)
    modes = function_modes()
    with simulated_cuda() as simulated:
        assert simulated is not REAL_CUDA
        assert torch.cuda.is_available() is True
        assert torch.cuda.device_count() >= 1
        assert torch.cuda.current_device() == 0
        assert isinstance(torch.cuda.get_device_name(), str)
        assert torch.cuda.synchronize() is None
        assert isinstance(torch.cuda.is_bf16_supported(), bool)
        assert torch.accelerator.is_available() is True
        assert torch.accelerator.current_accelerator().type == "cuda"
        if simulated:
            assert torch.cuda.device_count() == 1 and torch.accelerator.device_count() == 1
            assert "imulated" in torch.cuda.get_device_name(0)
            assert function_modes() == modes + 1
    assert torch.cuda.is_available() is REAL_CUDA
    assert (torch.cuda.is_available, torch.load, torch.utils.swap_tensors, torch.accelerator.is_available) == originals
    assert function_modes() == modes


def test_everything_is_restored_when_the_body_raises() -> None:
    modes, load = function_modes(), torch.load
    with pytest.raises(ValueError, match="student bug"):
        with simulated_cuda():
            torch.zeros(2, device="cuda")
            raise ValueError("student bug")
    assert torch.cuda.is_available() is REAL_CUDA
    assert function_modes() == modes and torch.load is load
    assert not is_simulated(torch.zeros(2).to(torch.float64))


@sim_only
def test_torch_dynamo_is_left_to_code_that_needs_it() -> None:
    """The simulation imports no torch._dynamo (a second of every 2.1.1 grading); an optimizer built inside it
    imports it there, and that import, which files every torch.cuda function under one rule, must still work."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent('''
        import sys, torch
        from gradekit.course.simcuda import simulated_cuda
        with simulated_cuda():
            x = torch.ones(3, device="cuda") * 2
            torch.cuda.synchronize()
            print("torch._dynamo" in sys.modules)
            model = torch.nn.Linear(3, 1).to("cuda")
            optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
            model(x.unsqueeze(0)).sum().backward()
            optimizer.step()
            print("torch._dynamo" in sys.modules, model.weight.device)
        print(torch.cuda.is_available())
    ''')
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "True", "cuda:0", "False"]


@sim_only
def test_nested_contexts_keep_simulating_until_the_outer_exits() -> None:
    with simulated_cuda() as outer:
        with simulated_cuda() as inner:
            assert outer and inner
        assert is_simulated(torch.ones(1, device="cuda"))
        assert torch.cuda.is_available()
    assert not torch.cuda.is_available()


@sim_only
def test_with_a_real_gpu_the_context_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    load, modes = torch.load, function_modes()
    with simulated_cuda() as simulated:
        assert simulated is False
        assert torch.load is load and function_modes() == modes
    with accelerator() as dev:
        assert dev == torch.device("cuda")


@sim_only
def test_modes_and_default_device_left_behind_by_the_body_are_handled() -> None:
    class Leftover(torch.overrides.TorchFunctionMode):
        def __torch_function__(self, func: Callable, types: object, args: tuple = (),
                               kwargs: dict | None = None) -> object:
            return func(*args, **(kwargs or {}))

    leftover = Leftover()
    with simulated_cuda():
        torch.set_default_device("cuda")
        assert is_simulated(torch.zeros(2)) and is_simulated(nn.Linear(2, 2).weight)
        leftover.__enter__()  # never exited by the body
    try:
        assert torch.overrides._get_current_function_mode_stack() == [leftover]
        assert torch.zeros(2).device.type == "cpu"  # the body's default device does not leak out
    finally:
        leftover.__exit__(None, None, None)
    assert function_modes() == 0


# ---------------------------------------------------------------- tensors and modules on the device


@pytest.mark.parametrize("move", [
    lambda t: t.to("cuda"), lambda t: t.cuda(), lambda t: t.to(torch.device("cuda:0")),
    lambda t: t.to(torch.device("cuda")), lambda t: t.to("cuda", torch.float64),
    lambda t: t.to(device="cuda", non_blocking=True), lambda t: t.cuda(0),
], ids=["to-str", "cuda", "to-device0", "to-device", "to-dtype", "to-kw", "cuda0"])
def test_moving_a_tensor_to_cuda_and_back(device: torch.device, move: Callable) -> None:
    cpu = torch.arange(6.0).reshape(2, 3)
    moved = move(cpu)
    assert moved.device.type == "cuda" and moved.is_cuda
    assert moved.get_device() == 0
    assert is_simulated(moved) is not REAL_CUDA
    moved.add_(1)  # a copy, not a view of the CPU tensor
    assert torch.equal(cpu, torch.arange(6.0).reshape(2, 3))
    for back in (moved.cpu(), moved.to("cpu"), moved.to(torch.device("cpu"))):
        assert type(back) is torch.Tensor and back.device.type == "cpu"
        assert torch.equal(back, (torch.arange(6.0) + 1).reshape(2, 3).to(back.dtype))
    assert moved.to(device) is moved and moved.cuda() is moved


def test_gradients_flow_across_device_moves(device: torch.device) -> None:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x.to(device) * 2).sum().backward()
    assert x.grad.device.type == "cpu" and x.grad.tolist() == [2.0, 2.0, 2.0]
    w = torch.ones(2, device=device, requires_grad=True)
    (w.cpu() * 3).sum().backward()
    assert w.grad.device.type == "cuda" and w.grad.tolist() == [3.0, 3.0]


@sim_only
def test_simulated_tensors_stay_usable_after_the_context() -> None:
    with simulated_cuda():
        model = make_mlp().cuda().eval()
        x = torch.randn(2, 1, 3, 4, device="cuda")
    assert next(model.parameters()).device.type == "cuda"
    out = model(x)
    assert out.device.type == "cuda" and out.cpu().shape == (2, 3)
    with pytest.raises(RuntimeError, match=SAME_DEVICE):
        model(torch.randn(2, 1, 3, 4))
    model.cpu()
    assert model(torch.randn(2, 1, 3, 4)).device.type == "cpu"


@pytest.mark.parametrize("factory", [
    lambda d: torch.zeros(2, 3, device=d), lambda d: torch.ones(4, device=d),
    lambda d: torch.empty(3, device=d), lambda d: torch.randn(2, 2, device=d),
    lambda d: torch.rand(5, device=d), lambda d: torch.arange(5, device=d),
    lambda d: torch.full((2,), 3.0, device=d), lambda d: torch.tensor([1, 2, 3], device=d),
    lambda d: torch.zeros_like(torch.ones(3), device=d), lambda d: torch.eye(3, device=d),
    lambda d: torch.randint(0, 9, (4,), device=d), lambda d: torch.linspace(0, 1, 5, device=d),
    lambda d: torch.ones(2).new_zeros(3, device=d), lambda d: torch.tensor(2.5, device=d),
], ids=["zeros", "ones", "empty", "randn", "rand", "arange", "full", "tensor", "zeros_like", "eye",
        "randint", "linspace", "new_zeros", "scalar"])
@pytest.mark.parametrize("spelling", ["cuda", "cuda:0", "device"])
def test_factories_with_a_cuda_device(device: torch.device, factory: Callable, spelling: str) -> None:
    t = factory(device if spelling == "device" else spelling)
    assert t.device == torch.device("cuda", 0)
    assert is_simulated(t) is not REAL_CUDA
    assert torch.zeros_like(t).device.type == "cuda"
    assert (t.new_tensor([1.0]) if t.is_floating_point() else t.new_zeros(1)).device.type == "cuda"


def test_model_to_device_moves_parameters_and_buffers(device: torch.device) -> None:
    model = make_mlp()
    weight = model[1].weight
    assert model.to(device) is model
    assert next(model.parameters()).device.type == "cuda"
    assert all(p.device.type == "cuda" for p in model.parameters())
    assert all(b.device.type == "cuda" for b in model.buffers())  # BatchNorm running stats
    assert model[1].weight is weight and isinstance(weight, nn.Parameter) and weight.requires_grad
    model.cpu()
    assert all(type(p) is nn.Parameter and p.device.type == "cpu" for p in model.parameters())
    assert all(type(b) is torch.Tensor and b.device.type == "cpu" for b in model.buffers())
    model.cuda()
    assert model[2].running_var.device.type == "cuda"


def test_optimizer_created_before_the_move_still_trains_the_model(device: torch.device) -> None:
    model = make_mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    model.to(device)
    before = [p.detach().clone() for p in model.parameters()]
    x, y = batches()[0]
    F.cross_entropy(model(x.to(device)), y.to(device)).backward()
    opt.step()
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_model_moves_while_an_old_graph_is_alive(device: torch.device) -> None:
    model = make_mlp().eval()
    sanity_check = model(batches()[0][0])  # keeps an autograd graph referencing the weights
    model.to(device)
    assert sanity_check.requires_grad and next(model.parameters()).device.type == "cuda"
    assert model(batches()[0][0].to(device)).device.type == "cuda"


def test_course_ops_give_the_cpu_results(device: torch.device) -> None:
    x, y = batches()[0]
    lin, bn = nn.Linear(12, 5), nn.BatchNorm1d(5)

    def ops(x: torch.Tensor, y: torch.Tensor, lin: nn.Module, bn: nn.Module) -> list[torch.Tensor]:
        h = bn(torch.relu(lin(nn.Flatten()(x))))
        logits = nn.Dropout(0.5).eval()(h)[:, :3]
        probs = F.softmax(logits, dim=1)
        preds = logits.argmax(dim=1)
        return [h, probs, nn.CrossEntropyLoss()(logits, y), preds, (preds == y).sum(), probs.mean(),
                probs.sum(dim=0), torch.cat([probs, probs]), torch.stack([probs, probs], dim=2),
                probs[2:5, 1], probs[probs > 0.3], probs[torch.tensor([0, 2])], logits.max(dim=1).values]

    expected = ops(x, y, lin, bn)
    got = ops(x.to(device), y.to(device), copy.deepcopy(lin).to(device), copy.deepcopy(bn).to(device))
    for e, g in zip(expected, got):
        assert g.device.type == "cuda"
        torch.testing.assert_close(g.cpu(), e, rtol=0 if not REAL_CUDA else 1e-5, atol=0 if not REAL_CUDA else 1e-5)
    assert (got[3] == y.to(device)).sum().item() == (expected[3] == y).sum().item()


def test_cpu_scalars_and_cpu_indices_may_meet_cuda_tensors(device: torch.device) -> None:
    t = torch.arange(6.0, device=device)
    assert (t * torch.tensor(2.0)).device.type == "cuda"
    assert torch.equal(t[torch.tensor([0, 5])].cpu(), torch.tensor([0.0, 5.0]))
    t[1:3] = torch.tensor([9.0, 9.0])  # cross-device copy_
    assert t[1:3].tolist() == [9.0, 9.0]


def test_item_tolist_numpy_and_printing_behave_like_cuda(device: torch.device) -> None:
    loss = torch.tensor([[0.25, 0.5]], device=device).sum()
    assert loss.item() == 0.75 and isinstance(loss.item(), float)
    assert torch.arange(3, device=device).tolist() == [0, 1, 2]
    assert float(loss) == 0.75 and int(torch.tensor(3, device=device)) == 3
    assert f"{loss:.3f}" == "0.750"
    assert "device='cuda:0'" in repr(loss) and "device='cuda:0'" in str(torch.zeros(2, dtype=torch.int32, device=device))
    with pytest.raises(TypeError, match=r"can't convert cuda:0 device type tensor to numpy\. Use Tensor\.cpu\(\)"):
        loss.numpy()
    assert loss.cpu().numpy() == pytest.approx(0.75)


def test_type_names_and_conversions(device: torch.device) -> None:
    t = torch.ones(2, device=device)
    assert t.type() == "torch.cuda.FloatTensor"
    assert t.type(torch.float64).type() == "torch.cuda.DoubleTensor"
    assert t.type("torch.cuda.LongTensor").dtype == torch.int64
    labels = torch.tensor([1, 0]).type_as(t)
    assert labels.device.type == "cuda" and labels.dtype == torch.float32
    assert t.new_tensor([3.0]).device.type == "cuda" and t.new_tensor([3.0], device="cpu").device.type == "cpu"


def test_in_place_shape_changes(device: torch.device) -> None:
    labels = torch.arange(4.0, device=device)
    labels.unsqueeze_(1)
    assert labels.shape == (4, 1) and (labels * torch.ones(4, 1, device=device)).shape == (4, 1)
    labels.squeeze_()
    assert labels.shape == (4,) and labels.sum().item() == 6.0
    alias = labels.data
    alias.unsqueeze_(0)  # only the alias changes shape
    assert alias.shape == (1, 4) and labels.shape == (4,)


def test_dataloader_with_pin_memory(device: torch.device) -> None:
    data = TensorDataset(torch.randn(10, 3), torch.arange(10))
    seen = 0
    for xb, yb in DataLoader(data, batch_size=4, pin_memory=True):
        assert xb.to(device, non_blocking=True).device.type == "cuda"
        seen += len(yb)
    assert seen == 10


def test_timing_with_synchronize_and_events(device: torch.device) -> None:
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    t0 = time.perf_counter()
    start.record()
    torch.randn(64, 64, device=device).matmul(torch.randn(64, 64, device=device))
    end.record()
    torch.cuda.synchronize()
    assert time.perf_counter() - t0 >= 0 and start.elapsed_time(end) >= 0


@sim_only
def test_is_simulated_and_unwrap() -> None:
    with simulated_cuda():
        t = torch.ones(3, device="cuda")
        plain = unwrap(t)
        assert is_simulated(t) and not is_simulated(plain) and type(plain) is torch.Tensor
        plain.add_(1)  # shares memory
        assert t.tolist() == [2.0, 2.0, 2.0]
    assert unwrap(plain) is plain and not is_simulated(3)


def test_copies_keep_the_device(device: torch.device) -> None:
    model = make_mlp().to(device)
    best = copy.deepcopy(model.state_dict())
    assert all(v.device.type == "cuda" for v in best.values())
    shallow = copy.copy(model[1].weight)
    assert shallow.device.type == "cuda" and isinstance(shallow, nn.Parameter)
    clone = copy.deepcopy(model)
    for p, q in zip(model.parameters(), clone.parameters()):
        assert q.device.type == "cuda" and isinstance(q, nn.Parameter) and q.requires_grad and q is not p
        assert torch.equal(p.cpu(), q.cpu())


# ---------------------------------------------------------------- training and the classic mistakes


def test_training_loop_matches_the_cpu_run(device: torch.device) -> None:
    cpu_losses, cpu_correct, cpu_model = train("cpu")
    losses, correct, model = train(device)
    assert next(model.parameters()).device.type == "cuda"
    assert len(losses) == len(cpu_losses) and all(loss > 0 for loss in losses)
    if not REAL_CUDA:  # a real GPU draws other dropout masks
        assert losses == cpu_losses and correct == cpu_correct  # bit-identical
        for p, q in zip(cpu_model.state_dict().values(), model.state_dict().values()):
            assert torch.equal(p, q.cpu())


def test_forgotten_labels_to_device_raises_the_real_error(device: torch.device) -> None:
    with pytest.raises(RuntimeError) as excinfo:
        train(device, move_labels=False)
    assert_device_error(excinfo)


def test_forgotten_inputs_to_device_raises_the_real_error(device: torch.device) -> None:
    with pytest.raises(RuntimeError) as excinfo:
        train(device, move_inputs=False)
    assert_device_error(excinfo)


def test_model_never_moved_raises_the_real_error(device: torch.device) -> None:
    with pytest.raises(RuntimeError) as excinfo:
        train(device, move_model=False)
    assert_device_error(excinfo)


def test_error_messages_have_pytorchs_wording(device: torch.device) -> None:
    logits, labels = torch.randn(4, 3, device=device), torch.tensor([0, 1, 2, 0])
    with pytest.raises(RuntimeError, match=r"got target is on cpu, different from other tensors on cuda:0"):
        F.cross_entropy(logits, labels)
    with pytest.raises(RuntimeError, match=r"found at least two devices, cuda:0 and cpu!"):
        logits.argmax(1) == labels
    with pytest.raises(RuntimeError, match=r"got mat1 is on cpu, different from other tensors on cuda:0"):
        nn.Linear(3, 2).to(device)(torch.randn(4, 3))
    with pytest.raises(RuntimeError, match=SAME_DEVICE):
        torch.cat([logits, torch.zeros(1, 3)])


@sim_only
def test_hard_coded_cuda_works_inside_but_fails_on_a_cpu_machine() -> None:
    def hard_coded() -> float:
        model = make_mlp().cuda()
        x, y = batches()[0]
        return F.cross_entropy(model(x.to("cuda")), y.to("cuda")).item()

    with simulated_cuda():
        assert hard_coded() > 0
    with pytest.raises((RuntimeError, AssertionError)):  # no driver / torch built without CUDA
        hard_coded()


# ---------------------------------------------------------------- optimizers


@pytest.mark.parametrize("foreach", [False, True])
@pytest.mark.parametrize("opt_cls, kwargs, state_keys", [
    (torch.optim.SGD, {"momentum": 0.9}, ["momentum_buffer"]),
    (torch.optim.Adam, {}, ["exp_avg", "exp_avg_sq"]),
    (torch.optim.AdamW, {"weight_decay": 0.1}, ["exp_avg", "exp_avg_sq"]),
])
def test_optimizers_on_the_device(device: torch.device, opt_cls: type, kwargs: dict, state_keys: list[str],
                                  foreach: bool) -> None:
    def factory(ps: object) -> torch.optim.Optimizer:
        return opt_cls(ps, lr=0.01, foreach=foreach, **kwargs)

    cpu_losses, _, _ = train("cpu", opt_factory=factory)
    losses, _, model = train(device, opt_factory=factory)
    if not REAL_CUDA:  # a real GPU draws other dropout masks
        assert losses == cpu_losses
    opt = factory(model.parameters())
    F.cross_entropy(model(batches()[0][0].to(device)), batches()[0][1].to(device)).backward()
    opt.step()
    state = opt.state[next(model.parameters())]
    assert [state[k].device.type for k in state_keys] == ["cuda"] * len(state_keys)


def test_optimizer_rejects_state_left_on_the_cpu(device: torch.device) -> None:
    model = nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters(), foreach=False)
    model(torch.randn(2, 3)).sum().backward()
    opt.step()  # state created on the CPU
    model.to(device)
    model(torch.randn(2, 3, device=device)).sum().backward()
    with pytest.raises(RuntimeError) as excinfo:
        opt.step()
    assert_device_error(excinfo)


# ---------------------------------------------------------------- saving and loading


def saved_locations(path: Path) -> set[str]:
    """The storage location tags in a torch.save zip file."""
    with zipfile.ZipFile(path) as z:
        pickled = z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))
    return {tag for tag in ("cuda:0", "cpu") if tag.encode() in pickled}


def test_state_dict_is_on_the_device(device: torch.device) -> None:
    state = make_mlp().to(device).state_dict()
    assert {v.device.type for v in state.values()} == {"cuda"}
    assert "2.running_mean" in state


def test_save_inside_writes_a_cuda_checkpoint(device: torch.device, tmp_path: Path) -> None:
    losses, _, model = train(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(batches()[0][0].to(device)).sum().backward()
    opt.step()
    torch.save(model.state_dict(), tmp_path / "weights.pt")
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3, "loss": losses[-1]},
               tmp_path / "checkpoint.pt")
    assert saved_locations(tmp_path / "weights.pt") == {"cuda:0"}
    expected = {k: v.cpu() for k, v in model.state_dict().items()}

    for kwargs in ({}, {"map_location": "cuda"}, {"map_location": device}, {"weights_only": True}):
        loaded = torch.load(tmp_path / "weights.pt", **kwargs)
        assert {v.device.type for v in loaded.values()} == {"cuda"}, kwargs
        assert all(torch.equal(loaded[k].cpu(), expected[k]) for k in expected)
    assert all(type(v) is torch.Tensor for v in torch.load(tmp_path / "weights.pt", map_location="cpu").values())

    checkpoint = torch.load(tmp_path / "checkpoint.pt")
    assert checkpoint["epoch"] == 3 and checkpoint["loss"] == losses[-1]
    assert checkpoint["optimizer"]["state"][0]["momentum_buffer"].device.type == "cuda"
    fresh = make_mlp(seed=1).to(device)
    fresh.load_state_dict(checkpoint["model"])
    assert all(torch.equal(fresh.state_dict()[k].cpu(), expected[k]) for k in expected)
    opt2 = torch.optim.SGD(fresh.parameters(), lr=0.1, momentum=0.9)
    opt2.load_state_dict(checkpoint["optimizer"])
    assert opt2.state[next(fresh.parameters())]["momentum_buffer"].device.type == "cuda"


@sim_only
def test_cuda_checkpoint_fails_outside_without_map_location(tmp_path: Path) -> None:
    with simulated_cuda():
        model = make_mlp().cuda()
        torch.save(model.state_dict(), tmp_path / "weights.pt")
        torch.save(model, tmp_path / "model.pt")
        expected = {k: unwrap(v).clone() for k, v in model.state_dict().items()}
    with pytest.raises(RuntimeError, match=CUDA_ON_CPU_MACHINE):
        torch.load(tmp_path / "weights.pt")
    for where in ("cpu", torch.device("cpu"), {"cuda:0": "cpu"}):
        loaded = torch.load(tmp_path / "weights.pt", map_location=where, weights_only=True)
        assert all(type(v) is torch.Tensor for v in loaded.values())
        assert all(torch.equal(loaded[k], expected[k]) for k in expected)
    whole = torch.load(tmp_path / "model.pt", map_location="cpu", weights_only=False)
    assert type(whole[1].weight) is nn.Parameter and torch.equal(whole[1].weight, expected["1.weight"])
    with simulated_cuda():
        whole = torch.load(tmp_path / "model.pt", weights_only=False)
        assert isinstance(whole[1].weight, nn.Parameter) and whole[1].weight.device.type == "cuda"
        assert whole(torch.randn(2, 1, 3, 4, device="cuda")).device.type == "cuda"


@sim_only
def test_save_as_cuda_tags_a_cpu_checkpoint(tmp_path: Path) -> None:
    model = make_mlp()
    checkpoint = {"model": model.state_dict(), "epoch": 2, "param": nn.Parameter(torch.ones(2))}
    save_as_cuda(checkpoint, tmp_path / "ck.pt")
    assert saved_locations(tmp_path / "ck.pt") == {"cuda:0"}
    with pytest.raises(RuntimeError, match=CUDA_ON_CPU_MACHINE):
        torch.load(tmp_path / "ck.pt")
    loaded = torch.load(tmp_path / "ck.pt", map_location="cpu", weights_only=True)
    assert loaded["epoch"] == 2 and type(loaded["param"]) is nn.Parameter
    assert all(torch.equal(loaded["model"][k], v) for k, v in model.state_dict().items())
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)  # an ordinary save afterwards stays on the CPU
    assert b"cuda:0" not in buffer.getvalue()
    with simulated_cuda():
        inside = torch.load(tmp_path / "ck.pt")
        assert inside["model"]["1.weight"].device.type == "cuda" and isinstance(inside["param"], nn.Parameter)
        assert torch.equal(inside["model"]["1.weight"].cpu(), model.state_dict()["1.weight"])


# ---------------------------------------------------------------- mixed precision


@pytest.mark.parametrize("autocast", [
    lambda: torch.autocast("cuda"), lambda: torch.autocast(device_type="cuda", dtype=torch.float16),
    lambda: torch.amp.autocast("cuda"),
], ids=["autocast", "autocast-fp16", "amp-autocast"])
def test_autocast_runs_linear_layers_in_float16(device: torch.device, autocast: Callable) -> None:
    model = make_mlp().to(device)
    seen: list[torch.dtype] = []
    model[1].register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
    x, y = batches()[0]
    with autocast():
        logits = model(x.to(device))
        loss = F.cross_entropy(logits, y.to(device))
        probs = F.softmax(logits, dim=1)
    model(x.to(device))
    assert seen == [torch.float16, torch.float32]
    assert (logits.dtype, loss.dtype, probs.dtype) == (torch.float16, torch.float32, torch.float32)
    loss.backward()
    assert model[1].weight.grad.dtype == torch.float32


def test_autocast_refuses_bce_like_cuda(device: torch.device) -> None:
    with torch.autocast("cuda"), pytest.raises(RuntimeError, match="unsafe to autocast"):
        F.binary_cross_entropy(torch.rand(4, device=device), torch.ones(4, device=device))


def scaled_step(device: torch.device, inject_inf: bool = False,
                growth_interval: int = 1) -> tuple[list[torch.Tensor], list[torch.Tensor], torch.amp.GradScaler]:
    """One GradScaler-managed SGD step; returns (params before, params after, scaler)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 3)).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cuda", init_scale=1024.0, growth_interval=growth_interval)
    x, y = batches()[0]
    with torch.autocast("cuda"):
        loss = F.cross_entropy(model(x.flatten(1).to(device)), y.to(device))
    scaler.scale(loss).backward()
    if inject_inf:
        model[0].weight.grad[0, 0] = float("inf")
    before = [p.detach().cpu() for p in model.parameters()]
    scaler.step(opt)
    scaler.update()
    return before, [p.detach().cpu() for p in model.parameters()], scaler


def test_grad_scaler_normal_step_matches_an_unscaled_step(device: torch.device) -> None:
    _, after, scaler = scaled_step(device)
    assert scaler.get_scale() == 2048.0  # grew after one good step
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 3)).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = batches()[0]
    with torch.autocast("cuda"):
        loss = F.cross_entropy(model(x.flatten(1).to(device)), y.to(device))
    loss.backward()
    opt.step()
    for got, want in zip(after, model.parameters()):
        torch.testing.assert_close(got, want.detach().cpu(), rtol=1e-6, atol=1e-7)


def test_grad_scaler_skips_the_step_on_inf_and_backs_off(device: torch.device) -> None:
    before, after, scaler = scaled_step(device, inject_inf=True)
    assert all(torch.equal(b, a) for b, a in zip(before, after))
    assert scaler.get_scale() == 512.0


def test_grad_scaler_unscale_before_clipping(device: torch.device) -> None:
    torch.manual_seed(0)
    model = nn.Linear(12, 3).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cuda", init_scale=256.0)
    x, y = batches()[0]
    loss = F.cross_entropy(model(x.flatten(1).to(device)), y.to(device))
    scaler.scale(loss).backward()
    scaler.unscale_(opt)
    unscaled = model.weight.grad.detach().cpu()
    norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1e-3)
    assert norm.device.type == "cuda" and model.weight.grad.norm().item() <= 1.01e-3
    scaler.step(opt)
    scaler.update()
    model.zero_grad()
    F.cross_entropy(model(x.flatten(1).to(device)), y.to(device))  # still usable
    torch.manual_seed(0)
    reference = nn.Linear(12, 3)
    F.cross_entropy(reference(x.flatten(1)), y).backward()
    torch.testing.assert_close(unscaled, reference.weight.grad, rtol=1e-5, atol=1e-6)
