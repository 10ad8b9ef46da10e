"""Plain data across the judge/worker boundary: JSON for structure, raw bytes for tensors, never pickle.

The worker encodes (it has torch); the judge decodes into `WireTensor` (numpy only), so no object the
submission built ever exists in the judge: only numbers, strings, lists, dicts and arrays of known dtype.
"""

from __future__ import annotations

import json
import math
import os
import struct
from dataclasses import dataclass

import numpy as np

MAX_FRAME = 512 * 1024 * 1024
_NUMPY_DTYPES = {
    "float64": np.float64, "float32": np.float32, "float16": np.float16, "int64": np.int64,
    "int32": np.int32, "int16": np.int16, "int8": np.int8, "uint8": np.uint8, "bool": np.bool_,
}
_BFLOAT16 = "bfloat16"


class WireError(ValueError):
    """Data that cannot cross the boundary: an unknown type, a tensor subclass, a malformed frame."""


@dataclass(frozen=True)
class WireTensor:
    """A tensor as the judge sees it: dtype name, shape, device it lived on, values as a numpy array."""

    dtype: str
    shape: tuple[int, ...]
    device: str
    array: np.ndarray

    def equal(self, other: "WireTensor") -> bool:
        """Exact equality of dtype, shape and every value (NaN never equals)."""
        return self.dtype == other.dtype and self.shape == other.shape and bool(np.array_equal(self.array, other.array))

    def max_abs_diff(self, other: "WireTensor") -> float:
        """The largest absolute difference between two same-shaped tensors."""
        if self.shape != other.shape:
            return math.inf
        if not self.array.size:
            return 0.0
        return float(np.max(np.abs(self.array.astype(np.float64) - other.array.astype(np.float64))))


# ---- worker side -------------------------------------------------------------------------------

def encode(value) -> tuple[dict, list[bytes]]:
    """Turn a probe's result (plain data and torch tensors) into a JSON-able tree and a list of blobs."""
    blobs: list[bytes] = []

    def walk(item, depth: int):
        if depth > 64:
            raise WireError("data nested deeper than 64 levels")
        if item is None or type(item) in (bool, int, str):
            return item
        if type(item) is float:
            return item if math.isfinite(item) else {"$float": repr(item)}
        if type(item) in (list, tuple):
            return [walk(x, depth + 1) for x in item]
        if type(item) is dict:
            return {"$dict": [[walk(k, depth + 1), walk(v, depth + 1)] for k, v in item.items()]}
        return _encode_array(item, blobs)

    return {"value": walk(value, 0)}, blobs


def _encode_array(item, blobs: list[bytes]) -> dict:
    """Encode a torch tensor or numpy array as raw little-endian bytes; reject everything else."""
    if isinstance(item, np.ndarray) and type(item) is np.ndarray:
        array, device, dtype = np.ascontiguousarray(item), "cpu", str(item.dtype)
    else:
        import torch

        if not isinstance(item, torch.Tensor):
            raise WireError(f"cannot send a {type(item).__module__}.{type(item).__qualname__} to the grader")
        device = str(item.device)
        plain = item.detach().cpu()
        if type(plain) is torch.nn.Parameter:
            plain = plain.data
        if type(plain) is not torch.Tensor:
            raise WireError(f"a tensor subclass ({type(item).__qualname__}) is not a plain torch.Tensor")
        dtype = str(plain.dtype).removeprefix("torch.")
        plain = plain.contiguous()
        if dtype == _BFLOAT16:
            array = plain.view(torch.int16).numpy()
        elif dtype in _NUMPY_DTYPES:
            array = plain.numpy()
        else:
            raise WireError(f"tensors of dtype {dtype} cannot be sent to the grader")
    if dtype not in _NUMPY_DTYPES and dtype != _BFLOAT16:
        raise WireError(f"arrays of dtype {dtype} cannot be sent to the grader")
    blobs.append(array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes())
    return {"$tensor": len(blobs) - 1, "dtype": dtype, "shape": list(array.shape), "device": device}


# ---- judge side --------------------------------------------------------------------------------

def decode(tree: dict, blobs: list[bytes]):
    """Rebuild plain data from an encoded tree, checking every tensor's dtype, shape and byte count."""

    def walk(item, depth: int):
        if depth > 64:
            raise WireError("data nested deeper than 64 levels")
        if item is None or type(item) in (bool, int, float, str):
            return item
        if type(item) is list:
            return [walk(x, depth + 1) for x in item]
        if type(item) is dict and set(item) == {"$float"}:
            return float(item["$float"])
        if type(item) is dict and set(item) == {"$dict"}:
            pairs = [walk(pair, depth + 1) for pair in item["$dict"]]
            return {_hashable(k): v for k, v in pairs}
        if type(item) is dict and "$tensor" in item:
            return _decode_array(item, blobs)
        raise WireError(f"malformed value of type {type(item).__name__} in a worker's reply")

    return walk(tree.get("value"), 0)


def _hashable(key):
    """Dict keys come back as lists where they were tuples; make them usable as keys again."""
    return tuple(_hashable(k) for k in key) if type(key) is list else key


def _decode_array(item: dict, blobs: list[bytes]) -> WireTensor:
    """Check and rebuild one tensor from its blob."""
    index, dtype, shape = item["$tensor"], item["dtype"], tuple(item["shape"])
    if type(index) is not int or not 0 <= index < len(blobs) or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError("malformed tensor header in a worker's reply")
    numel = math.prod(shape)
    raw = blobs[index]
    if dtype == _BFLOAT16:
        if len(raw) != 2 * numel:
            raise WireError("tensor bytes do not match its shape")
        halves = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        array = halves.view(np.float32).reshape(shape)
    elif dtype in _NUMPY_DTYPES:
        np_dtype = np.dtype(_NUMPY_DTYPES[dtype]).newbyteorder("<")
        if len(raw) != np_dtype.itemsize * numel:
            raise WireError("tensor bytes do not match its shape")
        array = np.frombuffer(raw, dtype=np_dtype).reshape(shape).astype(_NUMPY_DTYPES[dtype])
    else:
        raise WireError(f"unknown tensor dtype {dtype!r} in a worker's reply")
    return WireTensor(dtype=dtype, shape=shape, device=str(item.get("device", "cpu")), array=array)


def encode_args(value) -> tuple[dict, list[bytes]]:
    """Encode the judge's inputs for a probe (numpy arrays and plain data)."""
    return encode(value)


def decode_args(tree: dict, blobs: list[bytes]):
    """In the worker: rebuild probe inputs, turning arrays into torch tensors."""
    import torch

    def convert(item):
        if isinstance(item, WireTensor):
            return torch.from_numpy(np.array(item.array, copy=True)) if item.dtype != _BFLOAT16 else \
                torch.from_numpy(np.array(item.array, copy=True)).to(torch.bfloat16)
        if type(item) is list:
            return [convert(x) for x in item]
        if type(item) is dict:
            return {k: convert(v) for k, v in item.items()}
        return item

    return convert(decode(tree, blobs))


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


def read_frame(fd: int) -> tuple[dict, list[bytes]]:
    """Receive one frame written by `write_frame`, refusing oversized or malformed ones."""
    (size,) = struct.unpack("<Q", read_exactly(fd, 8))
    if size > MAX_FRAME:
        raise WireError("frame header too large")
    header = json.loads(read_exactly(fd, size))
    sizes = header.pop("$blobs", [])
    if type(sizes) is not list or sum(sizes) > MAX_FRAME or not all(type(n) is int and n >= 0 for n in sizes):
        raise WireError("malformed blob sizes")
    return header, [read_exactly(fd, n) for n in sizes]


def parse_frame(data: bytes) -> tuple[dict, list[bytes]]:
    """Parse a complete frame already in memory (what the zygote collected from a worker)."""
    if len(data) < 8:
        raise WireError("truncated frame")
    (size,) = struct.unpack("<Q", data[:8])
    if size > len(data) - 8:
        raise WireError("truncated frame")
    header = json.loads(data[8:8 + size])
    sizes = header.pop("$blobs", [])
    if type(sizes) is not list or not all(type(n) is int and n >= 0 for n in sizes):
        raise WireError("malformed blob sizes")
    blobs, offset = [], 8 + size
    for n in sizes:
        if offset + n > len(data):
            raise WireError("truncated frame")
        blobs.append(data[offset:offset + n])
        offset += n
    return header, blobs


class FrameReader:
    """Collect frames from a descriptor without blocking past what `select` said is there."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()

    def read_available(self) -> tuple[list[tuple[dict, list[bytes]]], bool]:
        """Read once; return the complete frames now buffered and whether the descriptor is still open."""
        chunk = os.read(self.fd, 1 << 20)
        self.buffer.extend(chunk)
        frames = []
        while len(self.buffer) >= 8:
            (size,) = struct.unpack("<Q", self.buffer[:8])
            if size > MAX_FRAME:
                raise WireError("frame header too large")
            if len(self.buffer) < 8 + size:
                break
            header = json.loads(bytes(self.buffer[8:8 + size]))
            total = 8 + size + sum(header.get("$blobs", []))
            if len(self.buffer) < total:
                break
            frames.append(parse_frame(bytes(self.buffer[:total])))
            del self.buffer[:total]
        return frames, bool(chunk)
