"""fit, evaluate and predict: the training loop (epochs of mini-batch updates)."""

import pytest

import nn
from autograd import Value


def small_problem(seed=0):
    X, y = nn.datasets.make_moons(40, noise=0.1, seed=seed)
    model = nn.MLP(2, [8, 1], seed=seed)
    return X, y, model, nn.Adam(model.parameters(), lr=0.05), nn.DataLoader(X, y, batch_size=10, seed=seed)


def test_mlp_2_16_16_1_reaches_97_percent_on_moons():
    # The README's run (about 1 s): Adam, lr 0.05, batches of 20, 30 epochs.
    X, y = nn.datasets.make_moons(100, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], activation="relu", seed=0)
    history = nn.fit(
        model, nn.bce_with_logits, nn.Adam(model.parameters(), lr=0.05), nn.DataLoader(X, y, 20, seed=0), 30
    )
    assert nn.accuracy(y, nn.predict(model, X)) >= 0.97
    assert history["accuracy"][-1] >= 0.97
    assert history["loss"][-1] < history["loss"][0] / 5


def test_fit_history_has_one_loss_and_metric_per_epoch():
    X, y, model, optimizer, loader = small_problem()
    history = nn.fit(model, nn.bce_with_logits, optimizer, loader, epochs=3, metrics=["accuracy", "f1"])
    assert list(history) == ["loss", "accuracy", "f1"]
    assert all(len(values) == 3 for values in history.values())
    assert all(isinstance(v, float) for values in history.values() for v in values)


def test_fit_gives_loss_fn_the_batch_outputs_and_targets():
    X, y, model, optimizer, loader = small_problem()
    calls = []

    def loss_fn(outputs, targets):
        calls.append((len(outputs), list(targets)))
        assert all(isinstance(o, Value) for o in outputs)
        return nn.bce_with_logits(outputs, targets)

    nn.fit(model, loss_fn, optimizer, loader, epochs=1)
    assert [n for n, _ in calls] == [10, 10, 10, 10]
    assert sorted(t for _, targets in calls for t in targets) == sorted(y)


def test_fit_loss_is_the_sample_weighted_mean_of_batch_losses():
    X, y, model, _, _ = small_problem()
    # lr 0: the model never changes, so the epoch loss equals the full-data loss.
    optimizer = nn.SGD(model.parameters(), lr=0.0)
    history = nn.fit(model, nn.bce_with_logits, optimizer, nn.DataLoader(X, y, 16, seed=0), epochs=1)
    assert history["loss"][0] == pytest.approx(nn.bce_with_logits([model(x) for x in X], y).data)


def test_fit_updates_the_parameters():
    X, y, model, optimizer, loader = small_problem()
    before = model.state_dict()
    nn.fit(model, nn.bce_with_logits, optimizer, loader, epochs=1)
    assert model.state_dict() != before


def test_fit_callback_sees_each_epoch_and_true_stops_training():
    X, y, model, optimizer, loader = small_problem()
    seen = []

    def callback(epoch, logs):
        seen.append((epoch, sorted(logs)))
        return epoch == 2

    history = nn.fit(model, nn.bce_with_logits, optimizer, loader, epochs=10, callback=callback)
    assert seen == [(1, ["accuracy", "loss"]), (2, ["accuracy", "loss"])]
    assert len(history["loss"]) == 2


def test_fit_with_validation_adds_val_entries():
    X, y, model, optimizer, loader = small_problem()
    Xv, yv = nn.datasets.make_moons(20, noise=0.1, seed=9)
    validation = nn.DataLoader(Xv, yv, 20, shuffle=False)
    history = nn.fit(model, nn.bce_with_logits, optimizer, loader, epochs=2, validation=validation)
    assert sorted(history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history["val_loss"][-1] == pytest.approx(nn.evaluate(model, nn.bce_with_logits, validation)["loss"])


def test_fit_for_regression_with_no_metrics():
    X = [[x / 10, 0.0] for x in range(10)]
    y = [2 * x[0] + 1 for x in X]
    model = nn.MLP(2, [1])
    history = nn.fit(model, nn.mse, nn.SGD(model.parameters(), lr=0.2), nn.DataLoader(X, y, 10), 200, metrics=())
    assert list(history) == ["loss"]
    assert history["loss"][-1] < 1e-4
    assert model.layers[0].neurons[0].w[0].data == pytest.approx(2.0, abs=0.05)


def test_fit_trains_a_multiclass_model_with_cross_entropy():
    X, y = nn.datasets.make_blobs(60, centers=[[-4.0, 0.0], [4.0, 0.0], [0.0, 4.0]], std=0.5, seed=0)
    model = nn.MLP(2, [8, 3], seed=0)
    history = nn.fit(model, nn.cross_entropy, nn.Adam(model.parameters(), 0.05), nn.DataLoader(X, y, 20, seed=0), 10)
    assert history["accuracy"][-1] == 1.0
    assert nn.predict(model, X) == y


def test_fit_without_a_terminal_draws_no_progress_bar(capsys):
    X, y, model, optimizer, loader = small_problem()
    nn.fit(model, nn.bce_with_logits, optimizer, loader, epochs=1, progress=True)
    assert capsys.readouterr().err == ""


def test_fit_in_a_terminal_draws_a_tqdm_bar_unless_progress_is_false(capsys, monkeypatch):
    monkeypatch.setattr("nn.train._interactive", lambda: True)
    X, y, model, optimizer, loader = small_problem()
    nn.fit(model, nn.bce_with_logits, optimizer, loader, epochs=2, progress=True)
    assert "8/8" in capsys.readouterr().err  # 2 epochs x 4 batches
    nn.fit(model, nn.bce_with_logits, optimizer, loader, epochs=2, progress=False)
    assert capsys.readouterr().err == ""


def test_fit_rejects_an_unknown_metric_name():
    X, y, model, optimizer, loader = small_problem()
    with pytest.raises(ValueError, match="unknown metrics"):
        nn.fit(model, nn.bce_with_logits, optimizer, loader, epochs=1, metrics=["auc"])


def test_predict_reads_a_raw_score_at_0_a_sigmoid_at_half_and_a_list_by_argmax():
    raw = nn.Neuron(1, activation="linear")
    raw.load_state_dict({"weight": [1.0], "bias": 0.0})
    assert nn.predict(raw, [[-0.2], [0.2]]) == [0, 1]
    prob = nn.Neuron(1, activation="sigmoid")
    prob.load_state_dict({"weight": [1.0], "bias": 0.0})
    assert nn.predict(prob, [[-0.2], [0.2]]) == [0, 1]  # sigmoid(-0.2) = 0.45, sigmoid(0.2) = 0.55
    assert nn.to_label([Value(0.1), Value(3.0), Value(-1.0)]) == 1


def test_fit_scores_one_hot_targets_by_their_argmax():
    X, y = nn.datasets.make_blobs(30, centers=[[-4.0, 0.0], [4.0, 0.0], [0.0, 4.0]], std=0.5, seed=0)
    one_hot = [[float(label == k) for k in range(3)] for label in y]
    model = nn.MLP(2, [8, 3], seed=0)
    optimizer = nn.Adam(model.parameters(), 0.05)
    history = nn.fit(model, nn.categorical_cross_entropy, optimizer, nn.DataLoader(X, one_hot, 10, seed=0), 10)
    assert history["accuracy"][-1] == nn.accuracy(y, nn.predict(model, X)) == 1.0
