"""save/load (atomic JSON, versioned, safe on corrupt and foreign files) and to_torch."""

import json
import os
import pickle

import pytest

import nn
import nn.io


def saved_mlp(tmp_path):
    model = nn.MLP(2, [4, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    path = nn.save(model, tmp_path / "model.json")
    return model, path


# Round trips ------------------------------------------------------------------------------------


def test_save_then_load_rebuilds_the_same_mlp(tmp_path):
    model, path = saved_mlp(tmp_path)
    loaded = nn.load(path)
    assert isinstance(loaded, nn.MLP)
    assert repr(loaded) == repr(model)
    assert loaded.config() == model.config()
    assert loaded.state_dict() == model.state_dict()
    assert loaded([0.3, -0.7]).data == model([0.3, -0.7]).data


@pytest.mark.parametrize(
    "model", [nn.Neuron(3, "leaky_relu", seed=1), nn.Layer(2, 3, "sigmoid", seed=2), nn.Perceptron(2)]
)
def test_save_then_load_round_trips_every_model_class(tmp_path, model):
    path = nn.save(model, tmp_path / "m.json")
    loaded = nn.load(path)
    assert type(loaded) is type(model)
    assert loaded.config() == model.config()
    assert loaded.state_dict() == model.state_dict()


def test_saved_file_is_versioned_json_with_the_architecture(tmp_path):
    _, path = saved_mlp(tmp_path)
    data = json.loads(path.read_text())
    assert data["format"] == "backprop-lab-model"
    assert data["version"] == 1
    assert data["model"] == "MLP"
    assert data["config"] == {"nin": 2, "nouts": [4, 3, 1], "activation": "tanh", "output_activation": "sigmoid"}
    assert len(data["state_dict"]["layers.0.weight"]) == 4


def test_save_refuses_a_model_it_cannot_rebuild(tmp_path):
    class Custom(nn.Module):
        pass

    with pytest.raises(TypeError, match="nn.save supports"):
        nn.save(Custom(), tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


# Atomic writes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_save_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch, failing):
    _, path = saved_mlp(tmp_path)
    old = path.read_bytes()

    def fail(*args):
        raise OSError(f"simulated {failing} failure")

    monkeypatch.setattr(nn.io.os, failing, fail)
    with pytest.raises(OSError, match="simulated"):
        nn.save(nn.MLP(2, [5, 1], seed=3), path)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]


# Corrupt, truncated and foreign files ------------------------------------------------------------------


def valid_document(tmp_path):
    _, path = saved_mlp(tmp_path)
    return json.loads(path.read_text())


def write(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def test_load_rejects_an_empty_file(tmp_path):
    with pytest.raises(ValueError, match="not a Backprop Lab model file: invalid JSON"):
        nn.load(write(tmp_path, ""))


def test_load_rejects_a_truncated_file_and_says_so(tmp_path):
    _, path = saved_mlp(tmp_path)
    text = path.read_text()
    with pytest.raises(ValueError, match="truncated"):
        nn.load(write(tmp_path, text[: len(text) // 2]))


def test_load_rejects_text_that_is_not_json(tmp_path):
    with pytest.raises(ValueError, match="invalid JSON"):
        nn.load(write(tmp_path, "weights: [1, 2, 3]\n"))


class _Exploit:
    """Unpickling this would create a marker file: loading a pickle must never do that."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_load_never_executes_a_pickle(tmp_path):
    marker = tmp_path / "executed"
    path = write(tmp_path, pickle.dumps(_Exploit(str(marker))))
    with pytest.raises(ValueError, match="not a Backprop Lab model file"):
        nn.load(path)
    assert not marker.exists()


@pytest.mark.parametrize("content", ['{"name": "resnet", "weights": [1, 2]}', "[1, 2, 3]", '"MLP"', "null"])
def test_load_rejects_foreign_json(tmp_path, content):
    with pytest.raises(ValueError, match="written by another program"):
        nn.load(write(tmp_path, content))


def test_load_rejects_a_newer_format_version(tmp_path):
    document = valid_document(tmp_path) | {"version": 2}
    with pytest.raises(ValueError, match="unsupported format version 2"):
        nn.load(write(tmp_path, json.dumps(document)))


def test_load_rejects_an_unknown_model_name_without_importing_it(tmp_path):
    document = valid_document(tmp_path) | {"model": "os.system"}
    with pytest.raises(ValueError, match="unknown model 'os.system'"):
        nn.load(write(tmp_path, json.dumps(document)))


def test_load_rejects_an_invalid_config(tmp_path):
    document = valid_document(tmp_path) | {"config": {"nin": 2, "nouts": [4, 3, 1], "activation": "swish"}}
    with pytest.raises(ValueError, match="config .* is invalid: unknown activation 'swish'"):
        nn.load(write(tmp_path, json.dumps(document)))


def test_load_rejects_a_config_too_big_for_its_weights_before_allocating(tmp_path):
    document = valid_document(tmp_path) | {"config": {"nin": 2, "nouts": [10**9, 1]}}
    with pytest.raises(ValueError, match="do not fit a state dict"):
        nn.load(write(tmp_path, json.dumps(document)))


def test_load_rejects_weights_that_do_not_fit_the_architecture(tmp_path):
    document = valid_document(tmp_path)
    document["state_dict"]["layers.1.weight"] = [[0.0, 0.0]] * 3
    with pytest.raises(ValueError, match=r"layers.1.weight\[0\] should be a list of 4"):
        nn.load(write(tmp_path, json.dumps(document)))


def test_load_rejects_nan_weights(tmp_path):
    document = valid_document(tmp_path)
    text = json.dumps(document).replace(str(document["state_dict"]["layers.2.bias"][0]), "NaN", 1)
    with pytest.raises(ValueError, match="NaN, which is not a finite number"):
        nn.load(write(tmp_path, text))


def test_load_rejects_deeply_nested_json(tmp_path):
    with pytest.raises(ValueError, match="nested too deeply|invalid JSON"):
        nn.load(write(tmp_path, "[" * 100_000 + "]" * 100_000))


def test_load_rejects_a_file_that_is_not_utf8(tmp_path):
    with pytest.raises(ValueError, match="not UTF-8"):
        nn.load(write(tmp_path, b"\xff\xfe\x00garbage"))


def test_load_of_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nope.json")


# to_torch (optional: skipped without torch) ------------------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_to_torch_gives_the_same_outputs_with_the_same_weights(activation):
    torch = pytest.importorskip("torch")
    model = nn.MLP(3, [5, 4, 2], activation=activation, seed=0)
    net = nn.to_torch(model, dtype=torch.float64)
    assert [type(m).__name__ for m in net][:2] == ["Linear", {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid",
                                                              "leaky_relu": "LeakyReLU"}[activation]]  # fmt: skip
    assert net[0].weight.tolist() == model.state_dict()["layers.0.weight"]
    x = [0.3, -1.2, 2.0]
    assert net(torch.tensor([x], dtype=torch.float64))[0].tolist() == pytest.approx(
        [v.data for v in model(x)], rel=1e-12
    )


def test_to_torch_defaults_to_float32_and_converts_a_neuron():
    torch = pytest.importorskip("torch")
    neuron = nn.Neuron(2, activation="sigmoid", seed=0)
    net = nn.to_torch(neuron)
    assert net[0].weight.dtype == torch.float32
    assert net(torch.tensor([[0.5, -1.0]])).item() == pytest.approx(neuron([0.5, -1.0]).data, rel=1e-6)


def test_to_torch_refuses_the_threshold_perceptron():
    pytest.importorskip("torch")
    with pytest.raises(TypeError, match="Neuron, Layer and MLP"):
        nn.to_torch(nn.Perceptron(2))


def test_to_torch_without_torch_says_how_to_install(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "torch", None)
    with pytest.raises(ImportError, match=r"backprop-lab\[torch\]"):
        nn.to_torch(nn.Neuron(2))


def test_a_successful_save_leaves_no_temp_file(tmp_path):
    sub = tmp_path / "models"
    sub.mkdir()
    nn.save(nn.Neuron(2, seed=0), sub / "n.json")
    assert os.listdir(sub) == ["n.json"]


def test_save_gives_a_new_file_the_usual_permissions_and_keeps_an_old_files(tmp_path):
    umask = os.umask(0o022)
    try:
        path = nn.save(nn.Neuron(2, seed=0), tmp_path / "n.json")
        assert path.stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0o600
        path.chmod(0o640)
        nn.save(nn.Neuron(2, seed=1), path)
        assert path.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)
