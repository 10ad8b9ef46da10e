"""A simulated CUDA device so GPU lessons can be graded by running student code on CPU-only machines.

Inside ``simulated_cuda()`` tensors moved to ``"cuda"`` keep their data on the CPU but report
``device == cuda:0`` and refuse, with PyTorch's own error, to meet a CPU tensor in an op; the
``torch.cuda`` basics answer as for one GPU; autocast, GradScaler, ``torch.save``/``torch.load``
behave as on a GPU. Where a real GPU is present the context changes nothing. Typical use::

    with accelerator() as device:        # the real GPU, or the simulated one
        losses = student.train(model, loader, device)   # forgetting labels.to(device) raises

The simulation patches process-wide state (``torch.cuda.*``, ``torch.accelerator.*``, ``torch.load``)
while active, so use it from one thread at a time, and run student code inside it (code that
checked ``torch.cuda.is_available()`` before entering has already chosen the CPU).
"""

from __future__ import annotations

import contextlib
import pickle
import time
import types
from collections import OrderedDict
from typing import Any, Callable, Iterator

import torch
from torch.overrides import TorchFunctionMode
from torch.utils import _device as _device_module

__all__ = ["accelerator", "cpu_only", "is_simulated", "save_as_cuda", "simulated_cuda", "unwrap"]

_CPU = torch.device("cpu")
_CUDA = torch.device("cuda", 0)
_SAME_DEVICE = "Expected all tensors to be on the same device"
_DEVICE_NAME = "Simulated CUDA device (CPU-backed, gradekit)"
_PRESERVE = torch.preserve_format
_DisableTorchFunction = torch._C.DisableTorchFunction
_set_tensor_data = torch._C.TensorBase.data.__set__
_aten = torch.ops.aten


class _SimTensor(torch.Tensor):
    """A tensor whose data lives in a CPU tensor (``_elem``) but which reports device cuda:0."""

    _elem: torch.Tensor
    __torch_function__ = torch._C._disabled_torch_function_impl  # the mode does this work

    @staticmethod
    def __new__(cls, elem: torch.Tensor) -> _SimTensor:
        # The wrapper is a storage-less CPU tensor: autograd and CPU autocast treat it as CPU,
        # every op on it reaches __torch_dispatch__, and no CUDA driver is ever touched.
        r = torch.Tensor._make_wrapper_subclass(
            cls, elem.size(), strides=elem.stride(), storage_offset=elem.storage_offset(),
            dtype=elem.dtype, layout=elem.layout, device=_CPU, requires_grad=False,
        )
        r._elem = elem
        return r

    @classmethod
    def __torch_dispatch__(cls, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        """Run the op on the CPU data, refusing plain CPU operands the way CUDA kernels do."""
        # Our mode would otherwise intercept every metadata query made here.
        with _DisableTorchFunction():
            key = id(func)
            special = _DISPATCH_SPECIAL.get(key)
            if special is not None:
                return special(func, args, kwargs or {})
            uargs, bad = _unwrap_seq(args)
            if kwargs:
                ukwargs, bad_kw = _unwrap_kwargs(kwargs)
                bad = bad or bad_kw
            else:
                ukwargs = {}
            if bad and key not in _CROSS_DEVICE_OK:
                _check_devices(func, args, kwargs or {})
            out = func(*uargs, **ukwargs)
            t = type(out)
            if t is torch.Tensor:
                if uargs and out is uargs[0]:
                    return args[0]
                if ukwargs and out is ukwargs.get("out"):
                    return kwargs["out"]  # type: ignore[index]
                return _SimTensor(out)
            if t is tuple or t is list:
                return t(_wrap_output(o, args, uargs) for o in out)
            return out

    @property
    def device(self) -> torch.device:  # type: ignore[override]
        """cuda:0, like a tensor on the first GPU."""
        return _CUDA

    @property
    def is_cuda(self) -> bool:  # type: ignore[override]
        """True, like a tensor on a GPU."""
        return True

    @property
    def is_cpu(self) -> bool:  # type: ignore[override]
        """False, like a tensor on a GPU."""
        return False

    @property
    def data(self) -> torch.Tensor:  # type: ignore[override]
        """A detached simulated tensor sharing this one's memory, as ``Tensor.data`` is."""
        return _SimTensor(self._elem.detach())

    @data.setter
    def data(self, value: torch.Tensor) -> None:
        """Point this tensor at new data; plain CPU data turns it into a CPU tensor, as ``set_data`` would."""
        if type(value) is _SimTensor:
            _set_tensor_data(self, _SimTensor(value._elem))
            self._elem = value._elem
        else:
            _become(self, value)

    def get_device(self) -> int:  # type: ignore[override]
        """0, the index of the simulated GPU."""
        return 0

    def type(self, dtype: Any = None, non_blocking: bool = False, **kwargs: Any) -> Any:  # type: ignore[override]
        """``'torch.cuda.FloatTensor'``-style names, and conversions to such types, as for a CUDA tensor."""
        with _DisableTorchFunction():
            if dtype is None:
                return "torch.cuda." + self._elem.type().split(".", 1)[1]
            if isinstance(dtype, torch.dtype):
                return _convert(self, None, dtype, False, _PRESERVE)
            name = dtype if isinstance(dtype, str) else f"{dtype.__module__}.{dtype.__name__}"
            target = torch.empty(0).type(name.replace(".cuda.", ".")).dtype
        return _convert(self, _CUDA if ".cuda." in name else _CPU, target, False, _PRESERVE)

    def item(self) -> Any:  # type: ignore[override]
        """The Python number, as ``.item()`` gives for a CUDA tensor."""
        with _DisableTorchFunction():
            return self._elem.item()

    def tolist(self) -> Any:  # type: ignore[override]
        """Nested Python lists, as ``.tolist()`` gives for a CUDA tensor."""
        with _DisableTorchFunction():
            return self._elem.tolist()

    def numpy(self, *, force: bool = False) -> Any:  # type: ignore[override]
        """Refuse (unless ``force=True``), as PyTorch does for a CUDA tensor."""
        if force:
            return self._elem.detach().clone().numpy()
        raise TypeError(
            "can't convert cuda:0 device type tensor to numpy. "
            "Use Tensor.cpu() to copy the tensor to host memory first."
        )

    def cpu(self, memory_format: torch.memory_format = _PRESERVE) -> torch.Tensor:  # type: ignore[override]
        """Copy to a plain CPU tensor, keeping the autograd connection."""
        return _convert(self, _CPU, None, False, memory_format)

    def cuda(self, device: Any = None, non_blocking: bool = False,  # type: ignore[override]
             memory_format: torch.memory_format = _PRESERVE) -> torch.Tensor:
        """This tensor itself (it is already on the GPU), as real ``.cuda()`` does."""
        _check_index(_CUDA if device is None else device)
        return _convert(self, _CUDA, None, False, memory_format)

    def to(self, *args: Any, **kwargs: Any) -> torch.Tensor:  # type: ignore[override]
        """``Tensor.to`` with the simulated GPU as the ``cuda`` device."""
        return _convert(self, *_parse_to(args, kwargs))

    def __repr__(self, *, tensor_contents: Any = None) -> str:
        """The repr a CUDA tensor would have, device='cuda:0' included."""
        return _sim_repr(self)

    def __format__(self, format_spec: str) -> str:
        """Format 0-dim tensors as their value, like ``f"{loss:.4f}"`` on a CUDA tensor."""
        if self.dim() == 0:
            return self._elem.item().__format__(format_spec)
        return object.__format__(self, format_spec)

    def __reduce_ex__(self, proto: Any) -> tuple:
        """Pickle as a tensor whose storage is tagged cuda:0, exactly as a GPU tensor pickles."""
        if getattr(self, "_is_param", False):
            data = _SimTensor(self._elem)
            return (torch._utils._rebuild_parameter, (data, self.requires_grad, OrderedDict()))
        return _cuda_tagged_reduce(self._elem, self.requires_grad)

    def __copy__(self) -> _SimTensor:
        """A new simulated tensor sharing this one's data, as ``copy.copy`` gives for a CUDA tensor."""
        new = _SimTensor(self._elem.detach())
        if self.requires_grad:
            new.requires_grad_()
        new.__dict__.update((k, v) for k, v in self.__dict__.items() if k != "_elem")
        return new

    def __deepcopy__(self, memo: dict) -> _SimTensor:
        """Copy data and attributes into a new simulated tensor (``copy.deepcopy(model)``)."""
        import copy

        if id(self) in memo:
            return memo[id(self)]
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.")
        new = _SimTensor(self._elem.clone(memory_format=_PRESERVE))
        memo[id(self)] = new
        if self.requires_grad:
            new.requires_grad_()
        if self.grad is not None:
            new.grad = copy.deepcopy(self.grad, memo)
        for key, value in self.__dict__.items():
            if key != "_elem":
                setattr(new, key, copy.deepcopy(value, memo))
        return new

    def __tensor_flatten__(self) -> tuple[list[str], None]:
        """Name the inner tensor; this makes ``Module.to`` swap parameters in place (keeping identity)."""
        return ["_elem"], None

    @staticmethod
    def __tensor_unflatten__(inner: dict, ctx: Any, outer_size: Any, outer_stride: Any) -> _SimTensor:
        """Rebuild from the inner tensor named by ``__tensor_flatten__``."""
        return _SimTensor(inner["_elem"])


def is_simulated(t: Any) -> bool:
    """Whether ``t`` is a tensor on the simulated GPU (so graders can tell simulation from a real GPU)."""
    return isinstance(t, _SimTensor)


def unwrap(t: torch.Tensor) -> torch.Tensor:
    """The plain CPU tensor holding a simulated tensor's data (shared memory, no autograd link)."""
    return t._elem if type(t) is _SimTensor else t


# ---------------------------------------------------------------- dispatch helpers


def _unwrap_seq(seq: Any) -> tuple[list, bool]:
    """Unwrapped copy of an argument list, and whether a plain non-scalar tensor is among it."""
    out = []
    bad = False
    for a in seq:
        t = type(a)
        if t is _SimTensor:
            out.append(a._elem)
        elif t is list or t is tuple:
            inner, inner_bad = _unwrap_seq(a)
            out.append(inner)
            bad = bad or inner_bad
        else:
            if not bad and isinstance(a, torch.Tensor) and a.dim() != 0:
                bad = True
            out.append(a)
    return out, bad


def _unwrap_kwargs(kwargs: dict) -> tuple[dict, bool]:
    """``_unwrap_seq`` for keyword arguments."""
    values, bad = _unwrap_seq(list(kwargs.values()))
    return dict(zip(kwargs.keys(), values)), bad


def _wrap_output(o: Any, args: tuple, uargs: list) -> Any:
    """Wrap one output of an op, returning the caller's own tensor where the op returned an input."""
    if type(o) is torch.Tensor:
        if uargs and o is uargs[0]:
            return args[0]
        return _SimTensor(o)
    return o


def _arg_tensors(func: Any, args: tuple, kwargs: dict) -> list[tuple[str, int, torch.Tensor]]:
    """(argument name, position, tensor) for every tensor argument of an op, in schema order."""
    schema_args = func._schema.arguments
    found = []
    named = [(schema_args[i].name if i < len(schema_args) else f"arg{i}", i, a) for i, a in enumerate(args)]
    named += [(k, -1, v) for k, v in kwargs.items()]
    for name, pos, value in named:
        for v in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(v, torch.Tensor):
                found.append((name, pos, v))
    return found


def _check_devices(func: Any, args: tuple, kwargs: dict) -> None:
    """Raise PyTorch's device-mismatch error unless every plain tensor is allowed to be on the CPU."""
    index_pos = _INDEX_ARG.get(func, -2)
    first: str | None = None
    for name, pos, t in _arg_tensors(func, args, kwargs):
        if type(t) is _SimTensor:
            dev = "cuda:0"
        elif t.dim() == 0 and t.device.type == "cpu":
            continue  # CPU scalars may meet CUDA tensors
        elif pos == index_pos:
            continue  # CPU index tensors may index a CUDA tensor
        else:
            dev = str(t.device)
        if first is None:
            first = dev
        elif dev != first:
            if torch.Tag.pointwise in func.tags:
                msg = f"{_SAME_DEVICE}, but found at least two devices, {first} and {dev}!"
            else:
                schema = func._schema
                method = schema.name.split("::")[-1]
                if schema.overload_name:
                    method += "_" + schema.overload_name
                msg = (f"{_SAME_DEVICE}, but got {name} is on {dev}, different from other tensors "
                       f"on {first} (when checking argument in method wrapper_CUDA_{method})")
            raise RuntimeError(msg)


def _d_to_copy(func: Any, args: tuple, kwargs: dict) -> torch.Tensor:
    """``aten._to_copy`` reached from C++: convert dtype/layout but stay on the simulated GPU."""
    kw = {k: v for k, v in kwargs.items() if k not in ("device", "pin_memory")}
    return _SimTensor(func(args[0]._elem, **kw))


def _d_meta_inplace(func: Any, args: tuple, kwargs: dict) -> Any:
    """Refuse in-place shape changes that would leave the wrapper's sizes stale."""
    raise NotImplementedError(
        f"simcuda: {func} on a simulated CUDA tensor is only supported inside simulated_cuda() "
        "and without autograd; use the out-of-place version"
    )


# Keyed by id(): hashing an OpOverload runs Python code, and these lookups happen on every op.
_DISPATCH_SPECIAL: dict[int, Callable[..., Any]] = {id(_aten._to_copy.default): _d_to_copy}
_META_INPLACE_NAMES = ("unsqueeze_", "squeeze_", "t_", "transpose_", "swapdims_", "swapaxes_",
                       "resize_", "resize_as_", "as_strided_", "set_")
for _name in _META_INPLACE_NAMES:
    _packet = getattr(_aten, _name, None)
    if _packet is not None:
        for _overload in _packet.overloads():
            _DISPATCH_SPECIAL[id(getattr(_packet, _overload))] = _d_meta_inplace
_CROSS_DEVICE_OK = frozenset(id(op) for op in (_aten.copy_.default, _aten._copy_from.default,
                                               _aten._copy_from_and_resize.default))
_INDEX_ARG = {  # op -> position of the indices argument, which may stay on the CPU
    _aten.index.Tensor: 1, _aten.index_put_.default: 1, _aten.index_put.default: 1,
    _aten._index_put_impl_.default: 1, _aten._unsafe_index.Tensor: 1,
}


# ---------------------------------------------------------------- moving between devices


class _ToSim(torch.autograd.Function):
    """CPU -> simulated GPU copy whose backward brings the gradient back to the CPU."""

    @staticmethod
    def forward(ctx: Any, t: torch.Tensor, dtype: torch.dtype | None, mf: torch.memory_format) -> torch.Tensor:
        with _DisableTorchFunction():
            return _SimTensor(t.to(dtype=dtype or t.dtype, memory_format=mf, copy=True))

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple:
        return unwrap(grad), None, None


class _ToCPU(torch.autograd.Function):
    """Simulated GPU -> CPU copy whose backward sends the gradient back to the simulated GPU."""

    @staticmethod
    def forward(ctx: Any, t: torch.Tensor, dtype: torch.dtype | None, mf: torch.memory_format) -> torch.Tensor:
        with _DisableTorchFunction():
            return t._elem.to(dtype=dtype or t.dtype, memory_format=mf, copy=True)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple:
        return (grad if type(grad) is _SimTensor else _SimTensor(grad)), None, None


_device_cache: dict[Any, torch.device] = {}


def _as_device(dev: Any) -> torch.device:
    """``dev`` (str, int, torch.device) as a torch.device, cached because it is on the hot path."""
    if type(dev) is torch.device:
        return dev
    d = _device_cache.get(dev)
    if d is None:
        d = _device_cache[dev] = torch.device(dev)
    return d


def _check_index(dev: Any) -> torch.device:
    """``dev`` as a device, refusing GPUs other than the single simulated one as CUDA would."""
    d = _as_device(dev)
    if d.type == "cuda" and d.index not in (None, 0):
        raise RuntimeError("CUDA error: invalid device ordinal")
    return d


def _parse_to(args: tuple, kwargs: dict) -> tuple:
    """(device, dtype, copy, memory_format) from ``Tensor.to``'s many signatures."""
    copy = bool(kwargs.get("copy", False))
    if "copy" in kwargs:
        kwargs = {k: v for k, v in kwargs.items() if k != "copy"}
    if len(args) >= 2 and type(args[-1]) is bool and type(args[-2]) is bool:
        copy, args = args[-1], args[:-1]  # trailing (non_blocking, copy)
    if args and isinstance(args[0], torch.Tensor):
        other = args[0]
        device = _CUDA if type(other) is _SimTensor else other.device
        mf = kwargs.get("memory_format")
        return device, other.dtype, copy, _PRESERVE if mf is None else mf
    with _DisableTorchFunction():  # our mode would rewrite its device= keyword
        device, dtype, _non_blocking, mf = torch._C._nn._parse_to(*args, **kwargs)
    return device, dtype, copy, _PRESERVE if mf is None else mf


def _call_to(t: torch.Tensor, dtype: torch.dtype | None, copy: bool, mf: torch.memory_format) -> torch.Tensor:
    """Plain ``Tensor.to`` without a device (dtype/format change), bypassing the mode."""
    with _DisableTorchFunction():
        return torch._C.TensorBase.to(t, dtype=dtype or t.dtype, copy=copy, memory_format=mf)


def _convert(t: torch.Tensor, device: Any, dtype: torch.dtype | None, copy: bool,
             mf: torch.memory_format) -> torch.Tensor:
    """``t.to(device, dtype, copy=copy, memory_format=mf)`` with cuda meaning the simulated GPU."""
    sim = type(t) is _SimTensor
    target = sim if device is None else _check_index(device)
    if target is True or (target is not False and target.type == "cuda"):
        if sim:
            if (dtype is None or dtype == t.dtype) and not copy and mf is _PRESERVE:
                return t
            return _call_to(t, dtype, copy, mf)
        if t.requires_grad and torch.is_grad_enabled():
            return _ToSim.apply(t, dtype, mf)
        with _DisableTorchFunction():
            return _SimTensor(t.to(dtype=dtype or t.dtype, memory_format=mf, copy=True))
    if not sim:
        return _call_to(t, dtype, copy, mf) if target is False else \
            torch._C.TensorBase.to(t, target, dtype=dtype or t.dtype, copy=copy, memory_format=mf)
    if target is not False and target.type != "cpu":
        return unwrap(t).to(target, dtype=dtype, copy=True, memory_format=mf)
    if t.requires_grad and torch.is_grad_enabled():
        return _ToCPU.apply(t, dtype, mf)
    with _DisableTorchFunction():
        return t._elem.to(dtype=dtype or t.dtype, memory_format=mf, copy=True)


def _to_sim_tree(out: Any) -> Any:
    """Factory results made on the CPU, moved (without copying) onto the simulated GPU."""
    if type(out) is torch.Tensor or type(out) is torch.nn.Parameter:
        if out.requires_grad:
            return _SimTensor(out.detach()).requires_grad_()
        return _SimTensor(out)
    if type(out) is tuple or type(out) is list:
        return type(out)(_to_sim_tree(o) for o in out)
    return out


def _to_plain_tree(out: Any) -> Any:
    """Results that must be CPU tensors (an explicit ``device="cpu"``), unwrapped."""
    if type(out) is _SimTensor:
        return out._elem
    if type(out) is tuple or type(out) is list:
        return type(out)(_to_plain_tree(o) for o in out)
    return out


def _sim_repr(t: _SimTensor) -> str:
    """``repr`` of the CPU data with the suffixes a CUDA tensor shows."""
    text = torch._tensor_str._str(t._elem)
    extra = []
    if t.grad_fn is not None:
        extra.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        extra.append("requires_grad=True")
    head, _, _ = text.rpartition(")")
    # The device goes right after the values, before dtype= and the like.
    cut = min((i for i in (head.find(", size="), head.find(", dtype=")) if i >= 0), default=len(head))
    body = head[:cut] + ", device='cuda:0'" + head[cut:] + "".join(", " + e for e in extra) + ")"
    return ("Parameter containing:\n" + body) if getattr(t, "_is_param", False) else body


# ---------------------------------------------------------------- the torch-function mode


def _h_to(func: Any, args: tuple, kwargs: dict) -> torch.Tensor:
    """``Tensor.to``: plain -> simulated GPU on a cuda target, simulated -> plain on cpu."""
    return _convert(args[0], *_parse_to(args[1:], kwargs))


def _h_cuda(func: Any, args: tuple, kwargs: dict) -> torch.Tensor:
    """``Tensor.cuda``: copy onto the simulated GPU."""
    device = args[1] if len(args) > 1 else kwargs.get("device")
    _check_index(_CUDA if device is None else device)
    return _convert(args[0], _CUDA, None, False, kwargs.get("memory_format", _PRESERVE))


def _h_cpu(func: Any, args: tuple, kwargs: dict) -> torch.Tensor:
    """``Tensor.cpu``: copy off the simulated GPU."""
    return _convert(args[0], _CPU, None, False, kwargs.get("memory_format", _PRESERVE))


def _h_type_as(func: Any, args: tuple, kwargs: dict) -> torch.Tensor:
    """``Tensor.type_as``: follows the other tensor's device too, as on a GPU."""
    other = args[1] if len(args) > 1 else kwargs["other"]
    return _convert(args[0], _CUDA if type(other) is _SimTensor else other.device, other.dtype, False, _PRESERVE)


def _with_device(func: Any, args: tuple, kwargs: dict, device: Any) -> Any:
    """Call a factory-like ``func`` whose ``device`` is given: cuda means the simulated GPU."""
    target = _check_index(device)
    if target.type == "cuda":
        return _to_sim_tree(func(*args, **{**kwargs, "device": _CPU}))
    if target.type == "cpu":
        return _to_plain_tree(func(*args, **kwargs))
    return func(*args, **kwargs)


def _h_new_tensor(func: Any, args: tuple, kwargs: dict) -> torch.Tensor:
    """``Tensor.new_tensor`` on a simulated tensor makes a simulated tensor (unless told a device)."""
    if kwargs.get("device") is not None:
        return _with_device(func, args, kwargs, kwargs["device"])
    out = func(*args, **kwargs)
    return _to_sim_tree(out) if type(args[0]) is _SimTensor else out


def _h_pin_memory(func: Any, args: tuple, kwargs: dict) -> torch.Tensor:
    """``Tensor.pin_memory``: a no-op here (pinning needs a driver and changes no values)."""
    if type(args[0]) is _SimTensor:
        raise RuntimeError("cannot pin 'torch.cuda.FloatTensor' only dense CPU tensors can be pinned")
    return args[0]


def _h_numpy(func: Any, args: tuple, kwargs: dict) -> Any:
    """``Tensor.numpy`` called unbound on a simulated tensor refuses as on a GPU."""
    if type(args[0]) is _SimTensor:
        return args[0].numpy()
    return func(*args, **kwargs)


def _h_meta_inplace(func: Any, args: tuple, kwargs: dict) -> torch.Tensor:
    """In-place shape changes (``unsqueeze_`` ...): apply to the data, then refresh the wrapper."""
    self = args[0]
    if type(self) is not _SimTensor:
        return func(*args, **kwargs)
    if self.requires_grad and torch.is_grad_enabled():
        return _d_meta_inplace(func, args, kwargs)
    elem = self._elem.detach()  # a fresh alias: other tensors sharing the data keep their shape
    func(elem, *(unwrap(a) for a in args[1:]), **kwargs)
    _set_tensor_data(self, _SimTensor(elem))
    self._elem = elem
    return self


def _swap_unchecked(t1: torch.Tensor, t2: torch.Tensor) -> None:
    """``torch.utils.swap_tensors`` without its check that nothing else (e.g. a live graph) holds t1."""
    for name in ("__class__", "__dict__"):
        tmp = getattr(t1, name)
        setattr(t1, name, getattr(t2, name))
        setattr(t2, name, tmp)
    torch._C._swap_tensor_impl(t1, t2)


def _become(t: torch.Tensor, value: torch.Tensor) -> None:
    """Make the Python object ``t`` hold ``value``'s data (and class), keeping its identity, like ``set_data``."""
    is_param = isinstance(t, torch.nn.Parameter)
    with torch.no_grad():
        new = value.detach() if type(value) is not torch.nn.Parameter else value.data
        if is_param:
            new = torch.nn.Parameter(new, t.requires_grad)
        elif t.requires_grad:
            new.requires_grad_()
    _swap_unchecked(t, new)


def _swap_tensors(t1: torch.Tensor, t2: torch.Tensor) -> None:
    """``torch.utils.swap_tensors``, tolerating a live autograd graph when moving to or from the simulated GPU.

    Real ``Module.to("cuda")`` mutates parameters in place (``set_data``) and so works while an old
    graph still references them; the swap that keeps simulated parameters' identity must match that.
    """
    try:
        _ORIGINAL_SWAP(t1, t2)
    except RuntimeError as error:
        if "use_count" not in str(error) or not (type(t1) is _SimTensor or type(t2) is _SimTensor):
            raise
        _swap_unchecked(t1, t2)


_ORIGINAL_SWAP = torch.utils.swap_tensors


def _h_compatible_shallow_copy(func: Any, args: tuple, kwargs: dict) -> bool:
    """Simulated and plain tensors cannot share ``set_data``: ``Module._apply`` must swap or replace."""
    if (type(args[0]) is _SimTensor) != (type(args[1]) is _SimTensor):
        return False
    return func(*args, **kwargs)


def _h_set_data(func: Any, args: tuple, kwargs: dict) -> None:
    """``plain.data = simulated``: the tensor moves to the simulated GPU in place, as ``set_data`` would."""
    self, value = args
    if type(self) is not _SimTensor and type(value) is _SimTensor:
        _become(self, value)
        return None
    return func(*args, **kwargs)


_FUNC_HANDLERS: dict[Any, Callable[..., Any]] = {
    torch._has_compatible_shallow_copy_type: _h_compatible_shallow_copy,
    torch._C.TensorBase.data.__set__: _h_set_data,
    torch.Tensor.to: _h_to,
    torch.Tensor.cuda: _h_cuda,
    torch.Tensor.cpu: _h_cpu,
    torch.Tensor.type_as: _h_type_as,
    torch.Tensor.new_tensor: _h_new_tensor,
    torch.Tensor.pin_memory: _h_pin_memory,
    torch.Tensor.numpy: _h_numpy,
}
for _name in _META_INPLACE_NAMES:
    if _name != "set_":
        _FUNC_HANDLERS[getattr(torch.Tensor, _name)] = _h_meta_inplace


def _contains_sim(seq: Any) -> bool:
    """Whether a simulated tensor is among the arguments (one level of lists deep)."""
    for a in seq:
        t = type(a)
        if t is _SimTensor:
            return True
        if (t is list or t is tuple) and any(type(x) is _SimTensor for x in a):
            return True
    return False


_BCE_UNSAFE = (
    "torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n"
    "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
    "In this case, combine the two layers using torch.nn.functional.binary_cross_entropy_with_logits\n"
    "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
    "safe to autocast."
)
_F = torch.nn.functional
# Ops CUDA autocast runs in float32 but CPU autocast leaves in the low precision: cast their inputs up.
_AUTOCAST_FP32 = frozenset({
    _F.softmax, _F.log_softmax, torch.softmax, torch.log_softmax, torch.Tensor.softmax,
    torch.Tensor.log_softmax, _F.mse_loss, _F.l1_loss, _F.smooth_l1_loss, _F.huber_loss,
    _F.binary_cross_entropy_with_logits, _F.kl_div, _F.layer_norm, _F.group_norm, _F.softplus,
    _F.cosine_similarity, torch.exp, torch.Tensor.exp, torch.log, torch.Tensor.log, torch.pow,
    torch.Tensor.pow, torch.Tensor.__pow__, torch.sum, torch.Tensor.sum, torch.cumsum,
    torch.Tensor.cumsum, torch.prod, torch.Tensor.prod, torch.logsumexp, torch.Tensor.logsumexp,
    torch.norm, torch.Tensor.norm,
})


def _fp32(a: Any) -> Any:
    """A low-precision floating simulated tensor cast to float32; anything else unchanged."""
    if type(a) is _SimTensor and a.dtype in (torch.float16, torch.bfloat16):
        return a.float()
    return a


def _autocast_call(func: Any, args: tuple, kwargs: dict) -> Any:
    """Run ``func`` under CPU autocast with the CUDA autocast dtype when it touches simulated tensors."""
    if torch.is_autocast_enabled("cpu") or not (_contains_sim(args) or _contains_sim(kwargs.values())):
        return func(*args, **kwargs)
    if func is _F.binary_cross_entropy:
        raise RuntimeError(_BCE_UNSAFE)
    if func in _AUTOCAST_FP32:
        args = tuple(_fp32(a) for a in args)
        kwargs = {k: _fp32(v) for k, v in kwargs.items()}
    prev_dtype = torch.get_autocast_dtype("cpu")
    torch.set_autocast_dtype("cpu", torch.get_autocast_dtype("cuda"))
    torch.set_autocast_enabled("cpu", True)
    try:
        return func(*args, **kwargs)
    finally:
        torch.set_autocast_enabled("cpu", False)
        torch.set_autocast_dtype("cpu", prev_dtype)


class _SimMode(TorchFunctionMode):
    """Routes ``device="cuda"`` factories, ``.to``/``.cuda``/``.cpu`` and CUDA autocast to the simulation."""

    def __torch_function__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        """Every torch call in the context passes here first, so keep the common path short."""
        if kwargs is None:
            kwargs = {}
        handler = _FUNC_HANDLERS.get(func)
        if handler is not None:
            return handler(func, args, kwargs)
        device = kwargs.get("device") if kwargs else None
        if device is None and _device_module.CURRENT_DEVICE is not None:
            # torch.set_default_device puts its mode below ours, so apply it here.
            if func in _device_module._device_constructors():
                device = _device_module.CURRENT_DEVICE
                kwargs = {**kwargs, "device": device}
        if device is not None:
            return _with_device(func, args, kwargs, device)
        if torch.is_autocast_enabled("cuda"):
            return _autocast_call(func, args, kwargs)
        return func(*args, **kwargs)


# ---------------------------------------------------------------- saving and loading


def _cuda_tagged_reduce(t: torch.Tensor, requires_grad: bool) -> tuple:
    """What pickling ``t`` gives, but with its storage tagged cuda:0 as if ``t`` lived on a GPU."""
    func, args = t._reduce_ex_internal(2)
    storage = args[0]
    if not isinstance(storage, torch.storage.TypedStorage):
        # Newer dtypes pickle an UntypedStorage, a persistent object we must not tag; a byte
        # view of it pickles identically (same type, size and dtype in the file).
        storage = torch.storage.TypedStorage(wrap_storage=storage, dtype=torch.uint8, _internal=True)
    storage._fake_device = _CUDA
    return func, (storage, args[1], args[2], args[3], requires_grad, *args[5:])


class _CudaTaggingPickler(pickle.Pickler):
    """Pickler that writes every plain CPU tensor as if it lived on cuda:0."""

    def reducer_override(self, obj: Any) -> Any:
        """The cuda-tagged reduction for dense CPU tensors and parameters; the default for the rest."""
        if not isinstance(obj, torch.Tensor) or type(obj) is _SimTensor:
            return NotImplemented
        if obj.layout != torch.strided or obj.is_quantized or obj.device.type != "cpu":
            return NotImplemented
        if isinstance(obj, torch.nn.Parameter):
            return (torch._utils._rebuild_parameter, (obj.detach(), obj.requires_grad, OrderedDict()))
        if type(obj) is not torch.Tensor:
            return NotImplemented
        return _cuda_tagged_reduce(obj, obj.requires_grad)


_CUDA_TAGGING_PICKLE = types.ModuleType("gradekit_cuda_tagging_pickle")
_CUDA_TAGGING_PICKLE.Pickler = _CudaTaggingPickler  # type: ignore[attr-defined]


def save_as_cuda(obj: Any, path: Any) -> None:
    """``torch.save`` ``obj`` with every tensor storage tagged cuda:0, making a genuine GPU-saved file from CPU data."""
    torch.save(obj, path, pickle_module=_CUDA_TAGGING_PICKLE)


def _location_map(map_location: Any) -> Callable[[str], str] | None:
    """How ``map_location`` maps a saved location, or None where the original loader should handle it."""
    if map_location is None:
        return lambda loc: loc
    if isinstance(map_location, (str, torch.device, int)):
        target = _check_index(map_location)
        if target.type == "cuda":
            return lambda loc: "cuda:0"
        return None
    if isinstance(map_location, dict):
        return lambda loc: str(map_location.get(loc, loc))
    return None


def _load_onto_sim(f: Any, map_location: Any = None, *args: Any, **kwargs: Any) -> Any:
    """``torch.load`` where a cuda location means the simulated GPU (as on a machine with one)."""
    location_map = _location_map(map_location)
    if location_map is None:
        return _ORIGINAL_LOAD(f, map_location, *args, **kwargs)
    cuda_storages: dict[int, Any] = {}

    def restore(storage: Any, location: str) -> Any:
        loc = location_map(location)
        if loc.startswith("cuda"):
            if _as_device(loc).index not in (None, 0):
                raise RuntimeError(
                    f"Attempting to deserialize object on CUDA device {_as_device(loc).index} but "
                    "torch.cuda.device_count() is 1. Please use torch.load with map_location to map "
                    "your storages to an existing device."
                )
            cuda_storages[storage._cdata] = storage
            return storage
        if loc == "cpu":
            return storage
        return torch.serialization.default_restore_location(storage, loc)

    obj = _ORIGINAL_LOAD(f, restore, *args, **kwargs)
    return _simulate_loaded(obj, cuda_storages, {}) if cuda_storages else obj


def _simulate_loaded(obj: Any, cuda_storages: dict[int, Any], memo: dict[int, Any]) -> Any:
    """Move the tensors of a loaded object whose storages were saved on cuda onto the simulated GPU."""
    key = id(obj)
    if key in memo:
        return memo[key]
    result = obj
    if isinstance(obj, torch.Tensor):
        if (type(obj) is not _SimTensor and obj.layout == torch.strided
                and obj.untyped_storage()._cdata in cuda_storages):
            result = _SimTensor(obj.detach())
            if isinstance(obj, torch.nn.Parameter):
                result = torch.nn.Parameter(result, obj.requires_grad)
            elif obj.requires_grad:
                result.requires_grad_()
    elif isinstance(obj, dict):
        for k in list(obj):
            obj[k] = _simulate_loaded(obj[k], cuda_storages, memo)
    elif type(obj) is list:
        obj[:] = [_simulate_loaded(v, cuda_storages, memo) for v in obj]
    elif isinstance(obj, tuple):
        items = [_simulate_loaded(v, cuda_storages, memo) for v in obj]
        result = type(obj)(*items) if hasattr(obj, "_fields") else type(obj)(items)
    elif isinstance(obj, torch.nn.Module):
        obj._apply(lambda t: _simulate_loaded(t, cuda_storages, memo).detach())
    memo[key] = result
    return result


_ORIGINAL_LOAD = torch.load


# ---------------------------------------------------------------- torch.cuda stand-ins


class _SimEvent:
    """Stand-in for ``torch.cuda.Event``: the simulated GPU is synchronous, so perf_counter times it."""

    def __init__(self, enable_timing: bool = False, blocking: bool = False, interprocess: bool = False,
                 external: bool = False) -> None:
        self.enable_timing = enable_timing
        self._time: float | None = None

    def record(self, stream: Any = None) -> None:
        """Timestamp now."""
        self._time = time.perf_counter()

    def synchronize(self) -> None:
        """Nothing to wait for."""

    def wait(self, stream: Any = None) -> None:
        """Nothing to wait for."""

    def query(self) -> bool:
        """Always complete."""
        return True

    def elapsed_time(self, end_event: _SimEvent) -> float:
        """Milliseconds between this event's record and ``end_event``'s, like the real one."""
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError("Both events must be created with argument 'enable_timing=True'.")
        if self._time is None or end_event._time is None:
            raise RuntimeError("Both events must be recorded before calculating elapsed time.")
        return (end_event._time - self._time) * 1000.0


class _SimStream:
    """Stand-in for the current stream: synchronous, never capturing a graph."""

    device = _CUDA

    def is_capturing(self) -> bool:
        """No CUDA graph is ever being captured."""
        return False

    def synchronize(self) -> None:
        """Nothing to wait for."""

    def query(self) -> bool:
        """Always idle."""
        return True

    def wait_stream(self, stream: Any) -> None:
        """Nothing to wait for."""

    def wait_event(self, event: Any) -> None:
        """Nothing to wait for."""

    def record_event(self, event: Any = None) -> Any:
        """Record (and return) an event now."""
        event = event or _SimEvent()
        event.record()
        return event


class _SimDeviceContext:
    """Stand-in for ``torch.cuda.device(i)``: there is one device, so it only checks the index."""

    def __init__(self, device: Any) -> None:
        _one_device(device)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_PROPERTIES = types.SimpleNamespace(
    name=_DEVICE_NAME, major=8, minor=0, total_memory=16 * 2**30, multi_processor_count=1,
    is_integrated=False, is_multi_gpu_board=False,
)


def _one_device(device: Any = None) -> None:
    """Accept only the simulated device (or none)."""
    if device is not None and not (isinstance(device, int) and device in (-1, 0)):
        _check_index(device)


def _cuda_patches() -> list[tuple[Any, str, Any]]:
    """(owner, attribute, replacement) for everything the simulation swaps in while active."""
    from torch.utils.data._utils import pin_memory as _pin_module

    def zero(device: Any = None) -> int:
        _one_device(device)
        return 0

    def nothing(device: Any = None) -> None:
        _one_device(device)

    def device_name(device: Any = None) -> str:
        _one_device(device)
        return _DEVICE_NAME

    def capability(device: Any = None) -> tuple[int, int]:
        _one_device(device)
        return (8, 0)

    def properties(device: Any = None) -> Any:
        _one_device(device)
        return _PROPERTIES

    def stream(device: Any = None) -> _SimStream:
        _one_device(device)
        return _SimStream()

    cuda, acc = torch.cuda, torch.accelerator
    return [(owner, name, _own_copy(value)) for owner, name, value in [
        (cuda, "is_available", lambda: True),
        (cuda, "device_count", lambda: 1),
        (cuda, "current_device", lambda: 0),
        (cuda, "set_device", nothing),
        (cuda, "synchronize", nothing),
        (cuda, "get_device_name", device_name),
        (cuda, "get_device_capability", capability),
        (cuda, "get_device_properties", properties),
        (cuda, "is_bf16_supported", lambda including_emulation=True: True),
        (cuda, "empty_cache", lambda: None),
        (cuda, "memory_allocated", zero),
        (cuda, "max_memory_allocated", zero),
        (cuda, "memory_reserved", zero),
        (cuda, "max_memory_reserved", zero),
        (cuda, "reset_peak_memory_stats", nothing),
        (cuda, "current_stream", stream),
        (cuda, "default_stream", stream),
        (cuda, "Event", _SimEvent),
        (cuda, "device", _SimDeviceContext),
        (acc, "is_available", lambda: True),
        (acc, "current_accelerator", lambda check_available=False: torch.device("cuda")),
        (acc, "device_count", lambda: 1),
        (acc, "current_device_index", lambda: 0),
        (acc, "current_device_idx", lambda: 0),
        (acc, "set_device_index", nothing),
        (acc, "set_device_idx", nothing),
        (acc, "synchronize", nothing),
        (acc, "current_stream", stream),
        (torch, "load", _load_onto_sim),
        (torch.utils, "swap_tensors", _swap_tensors),
        # DataLoader(pin_memory=True) pins in a helper thread the mode cannot see; pinning is a no-op here.
        (_pin_module, "pin_memory", lambda data, device=None: data),
    ]]


def _own_copy(value: Any) -> Any:
    """A function of its own for each patched name. Building an optimizer imports torch._dynamo (a second, so the
    simulation leaves it to code that needs it), whose import files every function of torch.cuda under one rule:
    one stand-in under two names (synchronize and set_device) would fail its import with "Duplicate torch object"."""
    if not isinstance(value, types.FunctionType):
        return value
    copy = types.FunctionType(value.__code__, value.__globals__, value.__name__, value.__defaults__,
                              value.__closure__)
    copy.__kwdefaults__, copy.__qualname__ = value.__kwdefaults__, value.__qualname__
    return copy


def _remove_mode(mode: TorchFunctionMode) -> None:
    """Take ``mode`` off the torch-function mode stack even if the body left modes of its own above it."""
    above = []
    while torch._C._len_torch_function_stack() > 0:
        top = torch._C._pop_torch_function_stack()
        if top is mode:
            break
        above.append(top)
    for other in reversed(above):
        torch._C._push_on_torch_function_stack(other)


_MISSING = object()
_active = False


@contextlib.contextmanager
def simulated_cuda() -> Iterator[bool]:
    """Simulate one CUDA GPU on the CPU for the body (yields True), or leave a real GPU alone (yields False)."""
    global _active
    if _active or torch.cuda.is_available():
        yield _active
        return
    patches = _cuda_patches()
    saved = [(owner, name, owner.__dict__.get(name, _MISSING)) for owner, name, _ in patches]
    default_device = _device_module.CURRENT_DEVICE
    _active = True
    mode = _SimMode()
    pushed = False
    try:
        for owner, name, value in patches:
            setattr(owner, name, value)
        torch._C._push_on_torch_function_stack(mode)
        pushed = True
        yield True
    finally:
        if pushed:
            _remove_mode(mode)
        if _device_module.CURRENT_DEVICE != default_device:  # a torch.set_default_device("cuda") in the body
            torch.set_default_device(default_device)
        for owner, name, value in reversed(saved):
            if value is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, value)
        _active = False


@contextlib.contextmanager
def accelerator() -> Iterator[torch.device]:
    """The ``torch.device`` graders should train on: a real GPU if present, else the simulated one."""
    with simulated_cuda():
        yield torch.device("cuda")


NO_DRIVER = ("Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed a "
             "driver from http://www.nvidia.com/Download/index.aspx")


def _no_driver(*args, **kwargs):
    raise RuntimeError(NO_DRIVER)


@contextlib.contextmanager
def cpu_only() -> Iterator[torch.device]:
    """This process as a machine without a GPU: torch.cuda says none is available, even where one is."""
    patches = [(torch.cuda, "is_available", lambda: False), (torch.cuda, "device_count", lambda: 0),
               (torch.cuda, "synchronize", _no_driver), (torch.accelerator, "is_available", lambda: False),
               (torch.accelerator, "current_accelerator", lambda check_available=False: None),
               (torch.accelerator, "device_count", lambda: 0)]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    try:
        for owner, name, value in patches:
            setattr(owner, name, value)
        yield torch.device("cpu")
    finally:
        for owner, name, value in reversed(saved):
            setattr(owner, name, value)
