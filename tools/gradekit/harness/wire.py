"""Plain data across process boundaries: JSON for structure, raw bytes for tensors and files, never pickle.

Every frame that crosses (judge ⇄ pool, pool ⇄ worker, worker ⇄ the student's process) is read as hostile:
sizes, depths and types are checked, and anything malformed becomes a `WireError`, never another exception.
The judge decodes tensors into `WireTensor` (numpy only), so no object the submission built ever exists there.
numpy is imported on first use: the judge starts its worker pool before it (see plugin.py), then warms it up.
"""

from __future__ import annotations

import json
import math
import os
import struct
import sys
from dataclasses import dataclass

MAX_HEADER = 16 * 1024 * 1024  # JSON: numbers and strings; tensors and files travel as raw blobs
MAX_BLOBS = 256 * 1024 * 1024
MAX_FRAME = MAX_HEADER + MAX_BLOBS
MAX_DEPTH = 64
_NUMPY_DTYPES = ("float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "bool")
_BFLOAT16 = "bfloat16"


def _numpy():
    """numpy, imported the first time a tensor crosses (frames of plain data never need it)."""
    import numpy

    return numpy


class WireError(ValueError):
    """Data that cannot cross the boundary: an unknown type, a tensor subclass, a malformed or oversized frame."""


@dataclass(frozen=True)
class Limits:
    """How much one frame may carry: JSON header bytes and blob bytes."""

    header: int = MAX_HEADER
    blobs: int = MAX_BLOBS


@dataclass(frozen=True)
class WireTensor:
    """A tensor as the judge sees it: dtype name, shape, device it lived on, values as a numpy array."""

    dtype: str
    shape: tuple[int, ...]
    device: str
    array: "numpy.ndarray"

    def equal(self, other: "WireTensor") -> bool:
        """Exact equality of dtype, shape and every value (NaN never equals)."""
        return self.dtype == other.dtype and self.shape == other.shape and bool(_numpy().array_equal(self.array,
                                                                                                     other.array))

    def max_abs_diff(self, other: "WireTensor") -> float:
        """The largest absolute difference between two same-shaped tensors."""
        if self.shape != other.shape:
            return math.inf
        if not self.array.size:
            return 0.0
        np = _numpy()
        return float(np.max(np.abs(self.array.astype(np.float64) - other.array.astype(np.float64))))

    def close(self, other: "WireTensor", rtol: float, atol: float) -> bool:
        """Same shape, and every value within atol + rtol * |other| (NaN never close; infinities must match)."""
        if self.shape != other.shape:
            return False
        np = _numpy()
        return bool(np.allclose(self.array.astype(np.float64), other.array.astype(np.float64),
                                rtol=rtol, atol=atol, equal_nan=False))


# ---- encoding (worker side) ----------------------------------------------------------------------

def encode(value, limits: Limits = Limits()) -> tuple[dict, list[bytes]]:
    """Turn plain data, tensors, numpy arrays and bytes into a JSON-able tree and a list of blobs."""
    blobs: list[bytes] = []
    total = [0]

    def blob(data: bytes) -> int:
        total[0] += len(data)
        if total[0] > limits.blobs:
            raise WireError(f"more than {limits.blobs >> 20} MiB of tensors and files to send")
        blobs.append(data)
        return len(blobs) - 1

    def walk(item, depth: int):
        if depth > MAX_DEPTH:
            raise WireError(f"data nested deeper than {MAX_DEPTH} levels")
        kind = type(item)
        if item is None or kind in (bool, int, str):
            return item
        if kind is float:
            return item if math.isfinite(item) else {"$float": repr(item)}
        if kind in (list, tuple):
            return [walk(x, depth + 1) for x in item]
        if kind is dict:
            return {"$dict": [[walk(k, depth + 1), walk(v, depth + 1)] for k, v in item.items()]}
        if kind is bytes:
            return {"$bytes": blob(item)}
        if kind is WireTensor:  # the judge hands a value it received to another call
            return _encode_array(item.array.astype("float32") if item.dtype == _BFLOAT16 else item.array, blob)
        return _encode_array(item, blob)

    return {"value": walk(value, 0)}, blobs


def _simulated_tensor_class():
    """gradekit's simulated-GPU tensor class, when that module is loaded (its tensors are sent as cuda:0)."""
    module = sys.modules.get("gradekit.course.simcuda")
    return getattr(module, "_SimTensor", None)


def _encode_array(item, blob) -> dict:
    """Encode a tensor or numpy array as raw little-endian bytes; refuse everything else before calling into it."""
    kind = type(item)
    np = sys.modules.get("numpy")  # an ndarray exists only where numpy was imported
    if np is not None and kind is np.ndarray:
        array, device, dtype = np.ascontiguousarray(item), "cpu", str(item.dtype)
    else:
        torch = sys.modules.get("torch")
        if torch is None or kind not in (torch.Tensor, torch.nn.Parameter, _simulated_tensor_class()):
            if torch is not None and isinstance(item, torch.Tensor):
                raise WireError(f"a tensor subclass ({kind.__qualname__}) is not a plain torch.Tensor")
            raise WireError(f"cannot send a {kind.__module__}.{kind.__qualname__} to the grader")
        device = str(item.device)
        plain = item._elem if kind is _simulated_tensor_class() else item
        plain = torch.Tensor.detach(plain)
        plain = torch.Tensor.contiguous(torch.Tensor.cpu(plain)) if plain.device.type != "cpu" \
            else torch.Tensor.contiguous(plain)
        dtype = str(plain.dtype).removeprefix("torch.")
        if dtype == _BFLOAT16:
            array = plain.view(torch.int16).numpy()
        elif dtype in _NUMPY_DTYPES:
            array = plain.numpy()
        else:
            raise WireError(f"tensors of dtype {dtype} cannot be sent to the grader")
    if dtype not in _NUMPY_DTYPES and dtype != _BFLOAT16:
        raise WireError(f"arrays of dtype {dtype} cannot be sent to the grader")
    index = blob(array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes())
    return {"$tensor": index, "dtype": dtype, "shape": list(array.shape), "device": device}


# ---- decoding (judge and worker side) -------------------------------------------------------------

def decode(tree: dict, blobs: list[bytes]):
    """Rebuild plain data from an encoded tree, checking every tensor's dtype, shape and byte count."""
    try:
        return _decode(tree, blobs)
    except WireError:
        raise
    except Exception as error:  # noqa: BLE001 - a hostile tree may raise anything while being walked
        raise WireError(f"malformed data ({type(error).__name__})") from None


def _decode(tree: dict, blobs: list[bytes]):
    def walk(item, depth: int):
        if depth > MAX_DEPTH:
            raise WireError(f"data nested deeper than {MAX_DEPTH} levels")
        kind = type(item)
        if item is None or kind in (bool, int, float, str):
            return item
        if kind is list:
            return [walk(x, depth + 1) for x in item]
        if kind is dict and set(item) == {"$float"} and type(item["$float"]) is str:
            return float(item["$float"])
        if kind is dict and set(item) == {"$dict"} and type(item["$dict"]) is list:
            pairs = [walk(pair, depth + 1) for pair in item["$dict"]]
            if not all(type(pair) is list and len(pair) == 2 for pair in pairs):
                raise WireError("malformed mapping in a reply")
            return {_hashable(k): v for k, v in pairs}
        if kind is dict and set(item) == {"$bytes"} and type(item["$bytes"]) is int:
            if not 0 <= item["$bytes"] < len(blobs):
                raise WireError("malformed bytes in a reply")
            return bytes(blobs[item["$bytes"]])
        if kind is dict and "$tensor" in item:
            return _decode_array(item, blobs)
        raise WireError(f"malformed value of type {kind.__name__} in a reply")

    if type(tree) is not dict:
        raise WireError("a reply without a value")
    return walk(tree.get("value"), 0)


def _hashable(key):
    """Dict keys come back as lists where they were tuples; make them usable as keys again."""
    if type(key) is list:
        return tuple(_hashable(k) for k in key)
    if key is None or type(key) in (bool, int, float, str):
        return key
    raise WireError(f"a mapping key of type {type(key).__name__} in a reply")


def _decode_array(item: dict, blobs: list[bytes]) -> WireTensor:
    """Check and rebuild one tensor from its blob."""
    index, dtype, shape = item.get("$tensor"), item.get("dtype"), item.get("shape")
    if type(index) is not int or not 0 <= index < len(blobs) or type(shape) is not list \
            or len(shape) > 32 or not all(type(n) is int and n >= 0 for n in shape) or type(dtype) is not str:
        raise WireError("malformed tensor header in a reply")
    shape = tuple(shape)
    numel = math.prod(shape)
    raw = blobs[index]
    np = _numpy()
    if dtype == _BFLOAT16:
        if len(raw) != 2 * numel:
            raise WireError("tensor bytes do not match its shape")
        halves = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        array = halves.view(np.float32).reshape(shape)
    elif dtype in _NUMPY_DTYPES:
        np_dtype = np.dtype(dtype).newbyteorder("<")
        if len(raw) != np_dtype.itemsize * numel:
            raise WireError("tensor bytes do not match its shape")
        array = np.frombuffer(raw, dtype=np_dtype).reshape(shape).astype(np.dtype(dtype))
    else:
        raise WireError(f"unknown tensor dtype {dtype!r} in a reply")
    return WireTensor(dtype=dtype, shape=shape, device=str(item.get("device", "cpu"))[:32], array=array)


def to_torch(value):
    """Plain data with every WireTensor turned into a torch tensor (bfloat16 kept), for trusted code."""
    import torch

    if isinstance(value, WireTensor):
        tensor = torch.from_numpy(_numpy().array(value.array, copy=True))
        return tensor.to(torch.bfloat16) if value.dtype == _BFLOAT16 else tensor
    if type(value) is list:
        return [to_torch(x) for x in value]
    if type(value) is dict:
        return {k: to_torch(v) for k, v in value.items()}
    return value


def encode_args(value) -> tuple[dict, list[bytes]]:
    """Encode the judge's inputs for a probe (numpy arrays, bytes and plain data)."""
    return encode(value)


def decode_args(tree: dict, blobs: list[bytes]):
    """In the worker: rebuild probe inputs, turning arrays into torch tensors."""
    return to_torch(decode(tree, blobs))


# ---- frames over a file descriptor ---------------------------------------------------------------

def frame_bytes(header: dict, blobs: list[bytes] = ()) -> bytes:
    """One frame as bytes: header length, header (with the blob lengths), then the blobs."""
    head = json.dumps({**header, "$blobs": [len(b) for b in blobs]}).encode()
    return struct.pack("<Q", len(head)) + head + b"".join(blobs)


def write_frame(fd: int, header: dict, blobs: list[bytes] = ()) -> None:
    """Send one frame, blocking until it is all written."""
    view = memoryview(frame_bytes(header, blobs))
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_exactly(fd: int, count: int) -> bytes:
    """Read `count` bytes or raise EOFError when the other side closed first."""
    chunks, left = [], count
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _header(data: bytes, limits: Limits) -> tuple[dict, list[int]]:
    """Parse a frame's JSON header and its blob sizes, refusing anything malformed or over the limits."""
    if len(data) > limits.header:
        raise WireError(f"a frame header over {limits.header >> 20} MiB")
    try:
        header = json.loads(data)
    except (ValueError, RecursionError, UnicodeDecodeError) as error:
        raise WireError(f"a malformed frame header ({type(error).__name__})") from None
    if type(header) is not dict:
        raise WireError("a frame header that is not a mapping")
    sizes = header.pop("$blobs", [])
    if type(sizes) is not list or not all(type(n) is int and n >= 0 for n in sizes) or sum(sizes) > limits.blobs:
        raise WireError("malformed or oversized blob sizes")
    return header, sizes


def read_frame(fd: int, limits: Limits = Limits()) -> tuple[dict, list[bytes]]:
    """Receive one frame written by `write_frame`, refusing oversized or malformed ones."""
    (size,) = struct.unpack("<Q", read_exactly(fd, 8))
    if size > limits.header:
        raise WireError("frame header too large")
    header, sizes = _header(read_exactly(fd, size), limits)
    return header, [read_exactly(fd, n) for n in sizes]


def parse_frame(data: bytes, limits: Limits = Limits()) -> tuple[dict, list[bytes]]:
    """Parse a complete frame already in memory."""
    if len(data) < 8:
        raise WireError("truncated frame")
    (size,) = struct.unpack("<Q", data[:8])
    if size > len(data) - 8:
        raise WireError("truncated frame")
    header, sizes = _header(data[8:8 + size], limits)
    blobs, offset = [], 8 + size
    for n in sizes:
        if offset + n > len(data):
            raise WireError("truncated frame")
        blobs.append(data[offset:offset + n])
        offset += n
    return header, blobs


class FrameReader:
    """Collect whole frames from a descriptor without blocking past what `select` said is there."""

    def __init__(self, fd: int, limits: Limits = Limits()) -> None:
        self.fd = fd
        self.limits = limits
        self.buffer = bytearray()

    def read_available(self) -> tuple[list[tuple[dict, list[bytes]]], bool]:
        """Read once; return the complete frames now buffered and whether the descriptor is still open."""
        chunk = os.read(self.fd, 1 << 20)
        self.buffer.extend(chunk)
        return self.frames(), bool(chunk)

    def frames(self) -> list[tuple[dict, list[bytes]]]:
        """The complete frames in the buffer, taken out of it; a malformed one raises WireError."""
        found = []
        while len(self.buffer) >= 8:
            (size,) = struct.unpack("<Q", self.buffer[:8])
            if size > self.limits.header:
                raise WireError("frame header too large")
            if len(self.buffer) < 8 + size:
                break
            header, sizes = _header(bytes(self.buffer[8:8 + size]), self.limits)
            total = 8 + size + sum(sizes)
            if len(self.buffer) < total:
                break
            data = bytes(self.buffer[8 + size:total])
            blobs, offset = [], 0
            for n in sizes:
                blobs.append(data[offset:offset + n])
                offset += n
            found.append((header, blobs))
            del self.buffer[:total]
        return found
