"""Saving and loading models as JSON, and the graduation path to PyTorch.

A model file is plain JSON, so loading it can never run code (no pickle):

    {"format": "backprop-lab-model", "version": 1,
     "model": "MLP", "config": {"nin": 2, "nouts": [16, 16, 1], ...},
     "state_dict": {"layers.0.weight": [[...], ...], "layers.0.bias": [...], ...}}

`config` holds the constructor arguments, so `load` rebuilds the architecture by
itself; the class comes from a fixed table of `nn` classes, never from the file.
"""

from __future__ import annotations

import json
import math
import os
import re
import reprlib
import stat
import tempfile
from itertools import accumulate
from pathlib import Path
from typing import Any

from nn.activations import ACTIVATIONS
from nn.checks import finite_number_problem
from nn.layers import MLP, Layer, Neuron, Perceptron
from nn.module import Module

FORMAT = "backprop-lab-model"
VERSION = 1
MODELS: dict[str, type[Module]] = {cls.__name__: cls for cls in (Neuron, Layer, MLP, Perceptron)}

# What `load` accepts unless told otherwise. An MLP(784, [128, 10]) has about 100,000
# parameters and saves to about 2 MB; these limits stop a small or hostile file from making
# millions of Values (or reading /dev/zero) before anything is checked.
MAX_PARAMETERS = 1_000_000
MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 16  # a model file nests 4 deep (document, state dict, weight, row)
_LONGEST_INT = 4000  # digits; Python refuses to parse ints beyond 4300 digits

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def save(model: Module, path: str | os.PathLike) -> Path:
    """Write `model` (architecture and weights) to `path` as JSON, atomically.

    The file is written to a temporary file in the same folder and then renamed over
    `path` (`os.replace`), so a failure half-way leaves any old file intact and no
    temporary file behind. A parameter that is NaN or infinite (a diverged training run)
    raises ValueError naming it, and nothing is written. Returns the path written.
    """
    name = type(model).__name__
    if MODELS.get(name) is not type(model):
        raise TypeError(f"nn.save supports {', '.join(MODELS)}; got {name}")
    for key, p in model.named_parameters():
        problem = finite_number_problem(key, p.data)
        if problem:
            raise ValueError(f"nn.save: {problem}; nothing was written (did training diverge? try a lower lr)")
    text = json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "model": name,
            "config": model.config(),
            "state_dict": model.state_dict(),
        },
        allow_nan=False,
    )
    path = Path(path)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # The descriptor is owned by the file object at once, so any failure below closes it.
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            os.chmod(temp, _file_mode(path))
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def _file_mode(path: Path) -> int:
    """The permissions the saved file should get: the old file's, else what open() would give."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _read_model_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of `path`, which must be a regular file of at most `max_bytes` bytes.

    Opened without blocking (a FIFO would wait for a writer forever) and checked with fstat
    before a byte is read, so a device such as /dev/zero, a FIFO or a directory fails at once.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{path} is not a regular file, so not a model file; nn.load reads files nn.save wrote")
        too_big = (
            f"{path} is larger than max_bytes={max_bytes:,}; if you trust it, "
            f"raise the limit: nn.load(path, max_bytes={max(info.st_size, max_bytes + 1)})"
        )
        if info.st_size > max_bytes:
            raise ValueError(too_big)
        chunks, size = [], 0
        while chunk := os.read(fd, min(1 << 20, max_bytes + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:  # the file grew after fstat
                raise ValueError(too_big)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _nesting(raw: bytes) -> int:
    """How deep the JSON text `raw` nests its arrays and objects, counted without parsing (no recursion)."""
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def _parse_int(text: str) -> int | float:
    """An int from the file; one too long to parse is infinite (the number checks then name its key)."""
    if len(text) > _LONGEST_INT:
        return -math.inf if text.startswith("-") else math.inf
    return int(text)


def _count_numbers(x: Any) -> int:
    """How many numbers (leaves) the nested lists and dicts `x` hold, walked with a stack."""
    count, stack = 0, [x]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:
            count += 1
    return count


def load(path: str | os.PathLike, *, max_parameters: int = MAX_PARAMETERS, max_bytes: int = MAX_BYTES) -> Module:
    """Rebuild the model saved by `nn.save` at `path`.

    A file that is not valid JSON, is truncated, comes from another program, has a
    newer format version, names an unknown model or holds weights that do not fit its
    architecture raises ValueError saying which; nothing in the file is executed.
    Every bad number (NaN, infinite, 10**400, true, "1") is a ValueError naming the file
    and the key.

    Before anything is built, the file must be a regular file of at most `max_bytes`
    bytes, and the model its config describes at most `max_parameters` parameters; raise
    either limit for a bigger model you trust: `nn.load(path, max_parameters=5_000_000)`.
    """
    path = Path(path)
    where = f"{path} is not a Backprop Lab model file"
    raw = _read_model_file(path, max_bytes)
    depth = _nesting(raw)
    if depth > MAX_DEPTH:
        raise ValueError(f"{where}: its JSON nests {depth} levels deep; a model file nests at most {MAX_DEPTH}")
    try:
        # NaN and Infinity are read as floats: the state-dict check rejects them naming their key.
        data = json.loads(raw.decode("utf-8"), parse_constant=float, parse_int=_parse_int)
    except UnicodeDecodeError as error:
        raise ValueError(f"{where}: it is not UTF-8 text ({error.reason})") from None
    except json.JSONDecodeError as error:
        hint = " (the file looks truncated)" if error.pos >= len(raw.rstrip()) else ""
        raise ValueError(f"{where}: invalid JSON{hint}: {error.msg} at line {error.lineno}") from None
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f'{where}: it has no "format": {FORMAT!r} field (written by another program?)')
    version = data.get("version")
    if type(version) is not int or version != VERSION:
        raise ValueError(
            f"{path}: unsupported format version {version!r}; this Backprop Lab reads version {VERSION} "
            "(a newer Backprop Lab may have written it)"
        )
    name = data.get("model")
    if not isinstance(name, str) or name not in MODELS:
        raise ValueError(f"{where}: unknown model {reprlib.repr(name)}; known models are {', '.join(MODELS)}")
    config, state = data.get("config"), data.get("state_dict")
    if not isinstance(config, dict) or not isinstance(state, dict):
        raise ValueError(f'{where}: "config" and "state_dict" must both be JSON objects')
    cls = MODELS[name]
    invalid = f"{where}: its {name} config {reprlib.repr(config)} is invalid"
    try:
        size = cls.count_parameters(**config)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{invalid}: {error}") from None
    if size > max_parameters:
        raise ValueError(
            f"{path}: its {name} has {size:,} parameters, more than max_parameters={max_parameters:,}; "
            f"if you trust the file, raise the limit: nn.load(path, max_parameters={size})"
        )
    numbers = _count_numbers(state)
    if numbers < size:
        raise ValueError(
            f"{where}: its config needs {size:,} parameters, which do not fit a state dict of {numbers:,} numbers"
        )
    try:
        model = cls(**config)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{invalid}: {error}") from None
    try:
        model.load_state_dict(state)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    return model


def _torch_activation(name: str, torch_nn: Any) -> list:
    """The `torch.nn` module for activation `name`, as a list: empty for linear."""
    activation = ACTIVATIONS[name]
    return [] if activation.torch is None else [getattr(torch_nn, activation.torch)(**activation.torch_args)]


def to_torch(model: Module, dtype: Any = None) -> Any:
    """The same network as a `torch.nn.Sequential` with the same weights.

    Each `Layer` becomes `torch.nn.Linear` followed by its activation module (none for
    linear). `dtype` defaults to torch's default (float32); pass `torch.float64` to keep
    every weight exact. Needs PyTorch: `pip install "backprop-lab[torch]"`.

    >>> net = nn.to_torch(model)
    >>> net(torch.tensor([[0.5, -1.0]]))
    """
    try:
        import torch
    except ImportError:
        raise ImportError('nn.to_torch needs PyTorch: pip install "backprop-lab[torch]"') from None
    # (activation, torch.nn.Linear-shaped state) per layer; a neuron is a layer of one.
    if isinstance(model, MLP):
        layers = [(layer.activation, layer.state_dict()) for layer in model.layers]
    elif isinstance(model, Layer):
        layers = [(model.activation, model.state_dict())]
    elif isinstance(model, Neuron):
        state = model.state_dict()
        layers = [(model.activation, {"weight": [state["weight"]], "bias": [state["bias"]]})]
    else:
        raise TypeError(f"nn.to_torch converts Neuron, Layer and MLP models, not {type(model).__name__}")
    modules = []
    for activation, state in layers:
        weight = torch.tensor(state["weight"], dtype=torch.float64)
        linear = torch.nn.Linear(weight.shape[1], weight.shape[0], dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(weight)
            linear.bias.copy_(torch.tensor(state["bias"], dtype=torch.float64))
        modules += [linear, *_torch_activation(activation, torch.nn)]
    return torch.nn.Sequential(*modules)
