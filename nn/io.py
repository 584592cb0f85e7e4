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
import os
import tempfile
from pathlib import Path
from typing import Any

from nn.activations import ACTIVATIONS
from nn.layers import MLP, Layer, Neuron, Perceptron
from nn.module import Module

FORMAT = "backprop-lab-model"
VERSION = 1
MODELS: dict[str, type[Module]] = {cls.__name__: cls for cls in (Neuron, Layer, MLP, Perceptron)}


def save(model: Module, path: str | os.PathLike) -> Path:
    """Write `model` (architecture and weights) to `path` as JSON, atomically.

    The file is written to a temporary file in the same folder and then renamed over
    `path` (`os.replace`), so a failure half-way leaves any old file intact and no
    temporary file behind. Returns the path written.
    """
    name = type(model).__name__
    if MODELS.get(name) is not type(model):
        raise TypeError(f"nn.save supports {', '.join(MODELS)}; got {name}")
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
        os.chmod(temp, _file_mode(path))
        with os.fdopen(fd, "w", encoding="utf-8") as f:
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


def _reject_constant(name: str) -> None:
    raise ValueError(f"the file holds {name}, which is not a finite number")


def _ints(x: Any) -> list[int]:
    if isinstance(x, int) and not isinstance(x, bool):
        return [x]
    items = x.values() if isinstance(x, dict) else x if isinstance(x, list) else []
    return [n for item in items for n in _ints(item)]


def _count_numbers(x: Any) -> int:
    if isinstance(x, dict):
        return sum(_count_numbers(v) for v in x.values())
    if isinstance(x, list):
        return sum(_count_numbers(v) for v in x)
    return 1


def load(path: str | os.PathLike) -> Module:
    """Rebuild the model saved by `nn.save` at `path`.

    A file that is not valid JSON, is truncated, comes from another program, has a
    newer format version, names an unknown model or holds weights that do not fit its
    architecture raises ValueError saying which; nothing in the file is executed.
    """
    path = Path(path)
    where = f"{path} is not a Backprop Lab model file"
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as error:
        raise ValueError(f"{where}: it is not UTF-8 text ({error.reason})") from None
    except RecursionError:
        raise ValueError(f"{where}: its JSON is nested too deeply") from None
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
    if name not in MODELS:
        raise ValueError(f"{where}: unknown model {name!r}; known models are {', '.join(MODELS)}")
    config, state = data.get("config"), data.get("state_dict")
    if not isinstance(config, dict) or not isinstance(state, dict):
        raise ValueError(f'{where}: "config" and "state_dict" must both be JSON objects')
    count = _count_numbers(state)
    too_big = [n for n in _ints(config) if n > count]
    if too_big:
        # Every size in a config accounts for at least that many weights: a file that claims
        # a huge layer with few weights is rejected before anything is allocated.
        raise ValueError(f"{where}: its config sizes {too_big} do not fit a state dict of {count} numbers")
    try:
        model = MODELS[name](**config)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: its {name} config {config} is invalid: {error}") from None
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
