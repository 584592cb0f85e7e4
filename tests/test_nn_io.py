"""save/load (atomic JSON, versioned, safe on corrupt and foreign files) and to_torch."""

import json
import os
import pickle
import subprocess
import sys

import pytest

import nn
import nn.io
import nn.layers


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
    document = valid_document(tmp_path) | {"config": {"nin": 2, "nouts": [1000, 1]}}
    with pytest.raises(ValueError, match="needs 4,001 parameters, which do not fit a state dict of 31 numbers"):
        nn.load(write(tmp_path, json.dumps(document)))


def test_load_rejects_weights_that_do_not_fit_the_architecture(tmp_path):
    document = valid_document(tmp_path)
    document["state_dict"]["layers.1.weight"] = [[0.0, 0.0, 0.0]] * 4  # 4 x 3: the transpose of the 3 x 4 it needs
    with pytest.raises(ValueError, match=r"layers.1.weight should be a list of 3, got 4"):
        nn.load(write(tmp_path, json.dumps(document)))


@pytest.mark.parametrize(("literal", "shown"), [("NaN", "nan"), ("Infinity", "inf"), ("-Infinity", "-inf")])
def test_load_rejects_non_finite_weights_naming_file_and_key(tmp_path, literal, shown):
    document = valid_document(tmp_path)
    document["state_dict"]["layers.2.bias"] = [12345.5]
    path = write(tmp_path, json.dumps(document).replace("12345.5", literal))
    with pytest.raises(ValueError, match=rf"bad.json .*layers.2.bias\[0\] should be a finite number, got {shown}"):
        nn.load(path)


def test_load_rejects_deeply_nested_json(tmp_path):
    with pytest.raises(ValueError, match="nests 100000 levels deep"):
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


# Hostile and broken files: limits checked before anything is built ------------------------------------


def document_of(config, state):
    return {"format": "backprop-lab-model", "version": 1, "model": "MLP", "config": config, "state_dict": state}


def test_load_names_the_parameter_limit_and_how_to_raise_it_before_building(tmp_path, monkeypatch):
    # A few KB that claim MLP(1001, [1000]): 1,002,000 parameters, over the default limit.
    state = {"layers.0.weight": [[0] * 1001], "layers.0.bias": [0]}
    path = write(tmp_path, json.dumps(document_of({"nin": 1001, "nouts": [1000]}, state)))

    def no_values(*args, **kwargs):
        raise AssertionError("a Value was built before the size was checked")

    monkeypatch.setattr(nn.layers, "Value", no_values)
    with pytest.raises(ValueError, match=r"1,002,000 parameters, more than max_parameters=1,000,000.*"
                                         r"nn.load\(path, max_parameters=1002000\)"):  # fmt: skip
        nn.load(path)


def test_load_max_parameters_can_be_lowered_and_raised(tmp_path):
    _, path = saved_mlp(tmp_path)  # MLP(2, [4, 3, 1]): 31 parameters
    with pytest.raises(ValueError, match="31 parameters, more than max_parameters=30"):
        nn.load(path, max_parameters=30)
    assert len(nn.load(path, max_parameters=31).parameters()) == 31


def test_load_refuses_a_file_over_max_bytes_and_says_how_to_raise_it(tmp_path):
    _, path = saved_mlp(tmp_path)
    size = path.stat().st_size
    with pytest.raises(ValueError, match=rf"larger than max_bytes=100; .*nn.load\(path, max_bytes={size}\)"):
        nn.load(path, max_bytes=100)
    assert nn.load(path, max_bytes=size).config()["nouts"] == [4, 3, 1]


def test_load_refuses_a_directory(tmp_path):
    with pytest.raises(ValueError, match="not a regular file"):
        nn.load(tmp_path)


LOAD_IN_A_SUBPROCESS = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
import nn
try:
    nn.load(sys.argv[1])
except ValueError as error:
    print("ValueError:", error)
"""


@pytest.mark.parametrize("kind", ["symlink to /dev/zero", "fifo"])
def test_load_refuses_devices_and_fifos_at_once(tmp_path, kind):
    path = tmp_path / "model.json"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        os.symlink("/dev/zero", path)
    # In a child process with a memory cap and a timeout: reading /dev/zero to the end, or waiting
    # for a FIFO's writer, must not take the test run down with it.
    result = subprocess.run(
        [sys.executable, "-c", LOAD_IN_A_SUBPROCESS, str(path)], capture_output=True, text=True, timeout=60
    )
    assert "ValueError:" in result.stdout and "not a regular file" in result.stdout, result.stderr[-500:]


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("1" + "0" * 400, "should be a finite number, got an int beyond float range"),
        ("1" + "0" * 5000, "should be a finite number, got inf"),
        ("NaN", "should be a finite number, got nan"),
        ("true", "should be a number, got bool"),
        ('"0.5"', "should be a number, got str"),
    ],
    ids=["10**400", "10**5000", "NaN", "true", "string"],
)
def test_every_bad_number_in_a_file_is_a_value_error_naming_file_and_key(tmp_path, number, problem):
    document = valid_document(tmp_path)
    document["state_dict"]["layers.1.bias"][2] = 12345.5
    path = write(tmp_path, json.dumps(document).replace("12345.5", number))
    with pytest.raises(ValueError, match=rf"bad.json .*layers\.1\.bias\[2\] {problem}"):
        nn.load(path)


def test_a_bad_size_in_the_config_is_a_value_error_naming_the_key(tmp_path):
    document = valid_document(tmp_path) | {"config": {"nin": 2, "nouts": [4, "3", 1]}}
    with pytest.raises(ValueError, match="each layer size must be an int >= 1, got '3'"):
        nn.load(write(tmp_path, json.dumps(document)))


def nested(depth, leaf=0.0):
    for _ in range(depth):
        leaf = [leaf]
    return leaf


@pytest.mark.parametrize("where", ["state_dict", "config"])
def test_load_of_input_nested_900_deep_is_a_value_error_not_a_recursion_error(tmp_path, where):
    document = valid_document(tmp_path)
    if where == "state_dict":
        document["state_dict"]["layers.0.bias"] = nested(900)
    else:
        document["config"]["nouts"] = nested(900, 1)
    with pytest.raises(ValueError, match="nests 90[0-9] levels deep; a model file nests at most 16"):
        nn.load(write(tmp_path, json.dumps(document)))


def test_load_state_dict_of_a_900_deep_value_is_a_value_error():
    model = nn.Neuron(2, seed=0)
    with pytest.raises(ValueError, match=r"weight\[0\] should be a number, got list"):
        model.load_state_dict({"weight": [nested(900), 1.0], "bias": 0.0})
    with pytest.raises(ValueError, match="weight should be a list of 2, got dict"):
        model.load_state_dict({"weight": {"a": {"b": nested(900)}}, "bias": 0.0})


@pytest.mark.parametrize(
    ("number", "problem"),
    [(10**400, "beyond float range"), (float("nan"), "got nan"), (True, "got bool"), ("1", "got str")],
    ids=["10**400", "nan", "bool", "str"],
)
def test_load_state_dict_names_the_key_of_a_bad_number_and_changes_nothing(number, problem):
    model = nn.MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    state = model.state_dict()
    state["layers.0.weight"][1][0] = number
    with pytest.raises(ValueError, match=rf"layers\.0\.weight\[1\]\[0\] should be a .*{problem}"):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_save_names_a_non_finite_parameter_and_writes_nothing(tmp_path):
    model = nn.MLP(2, [3, 1], seed=0)
    model.layers[1].neurons[0].bias.data = float("nan")
    with pytest.raises(ValueError, match=r"layers\.1\.bias\[0\] should be a finite number, got nan"):
        nn.save(model, tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


def open_descriptors():
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors in /proc")
@pytest.mark.parametrize("failing", ["chmod", "fsync", "replace"])
def test_a_failed_save_leaks_no_file_descriptor(tmp_path, monkeypatch, failing):
    _, path = saved_mlp(tmp_path)
    old = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError(f"simulated {failing} failure")

    before = open_descriptors()
    monkeypatch.setattr(nn.io.os, failing, fail)
    for _ in range(3):
        with pytest.raises(OSError, match="simulated"):
            nn.save(nn.MLP(2, [5, 1], seed=3), path)
    monkeypatch.undo()
    assert open_descriptors() == before
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]
