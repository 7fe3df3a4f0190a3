"""The Model API: fit / predict / predict_proba / score / evaluate / save / load on small data."""

from __future__ import annotations

import json
import math
import warnings
import zipfile

import numpy as np
import pytest

from nnlab.config import Hyperparameters
from nnlab.data import make_blobs, make_moons
from nnlab.engine import gradient_check
from nnlab.engine.network import model_forward
from nnlab.errors import ModelFileError, NNLabError, TrainingDiverged
from nnlab.model import Model


# --------------------------------------------------------------------------- data


@pytest.fixture(scope="module")
def moons():
    return make_moons(n_samples=200, noise=0.2, seed=0)


@pytest.fixture(scope="module")
def moons_dev():
    return make_moons(n_samples=200, noise=0.2, seed=1)


@pytest.fixture(scope="module")
def blobs():
    return make_blobs(n_samples=150, centers=3, seed=0)


@pytest.fixture(scope="module")
def sine():
    """y = sin(x) + noise on [-3, 3]."""
    rs = np.random.RandomState(0)
    x = rs.uniform(-3, 3, size=(1, 300))
    return x, np.sin(x) + 0.1 * rs.randn(1, 300)


def _same_parameters(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def _same_history(a, b) -> None:
    a, b = a.as_dict(), b.as_dict()
    assert a.keys() == b.keys()
    for name in a:  # NaN (no dev set) compares equal here
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def _nbytes(parameters: dict) -> int:
    return sum(v.nbytes for v in parameters.values())


MOONS_NET = dict(hidden_layers=(8,), activation="tanh", learning_rate=0.5, epochs=300, seed=0)


# --------------------------------------------------------------------------- construction


def test_model_takes_hyperparameters_and_keyword_overrides():
    hp = Hyperparameters(hidden_layers=(3,), learning_rate=0.2)
    model = Model(hp, epochs=7)
    assert model.hyperparameters == hp.replace(epochs=7)
    assert Model(hp).hyperparameters is hp
    assert Model().hyperparameters == Hyperparameters()


def test_model_rejects_unknown_and_invalid_settings():
    with pytest.raises(ValueError, match="learning_rat"):
        Model(learning_rat=0.1)
    with pytest.raises(ValueError, match="keep_prob"):
        Model(keep_prob=0)
    with pytest.raises(TypeError, match="Hyperparameters"):
        Model({"epochs": 3})


# --------------------------------------------------------------------------- fit / predict / score


def test_binary_fit_predict_score_evaluate(moons):
    X, Y = moons
    model = Model(**MOONS_NET).fit(X, Y)
    assert model.fit(X, Y) is model  # fit returns self (and can be called again)
    assert model.layer_dims == [2, 8, 1]
    proba = model.predict_proba(X)
    assert proba.shape == (1, 200) and proba.dtype == np.float64
    assert ((proba > 0) & (proba < 1)).all()
    predictions = model.predict(X)
    assert predictions.shape == (1, 200)
    assert set(np.unique(predictions)) <= {0, 1}
    np.testing.assert_array_equal(predictions, (proba > 0.5).astype(int))
    accuracy = model.score(X, Y)
    assert accuracy == pytest.approx(np.mean(predictions == Y))
    assert accuracy > 0.9

    report = model.evaluate(X, Y)
    assert report["metric_name"] == "accuracy"
    assert report["metric"] == accuracy
    assert report["m"] == 200
    assert report["classes"] == [0, 1]
    confusion = np.array(report["confusion"])
    assert confusion.sum() == 200
    assert np.trace(confusion) == round(accuracy * 200)
    assert confusion[1].sum() == np.sum(Y == 1)  # rows: true class
    expected_cost = -np.mean(Y * np.log(proba) + (1 - Y) * np.log(1 - proba))
    assert report["cost"] == pytest.approx(expected_cost, rel=1e-12)


def test_multiclass_blobs(blobs):
    X, Y = blobs
    assert np.unique(Y).tolist() == [0, 1, 2]
    model = Model(hidden_layers=(8,), activation="tanh", learning_rate=0.5, epochs=200).fit(X, Y)
    assert model.targets_.task == "multiclass"
    assert model.layer_dims == [2, 8, 3]
    proba = model.predict_proba(X)
    assert proba.shape == (3, 150)
    np.testing.assert_allclose(proba.sum(axis=0), 1.0)
    predictions = model.predict(X)
    np.testing.assert_array_equal(predictions, np.argmax(proba, axis=0).reshape(1, -1))
    assert model.score(X, Y) > 0.9
    report = model.evaluate(X, Y)
    assert report["classes"] == [0, 1, 2]
    assert np.array(report["confusion"]).shape == (3, 3)


def test_multiclass_accepts_one_hot_labels(blobs):
    X, Y = blobs
    one_hot = np.eye(3)[:, Y[0]]
    a = Model(hidden_layers=(4,), epochs=20).fit(X, Y)
    b = Model(hidden_layers=(4,), epochs=20).fit(X, one_hot)
    assert _same_parameters(a.parameters_, b.parameters_)
    assert a.score(X, Y) == b.score(X, one_hot)


def test_regression_sine_reaches_r2_above_0_9(sine):
    x, y = sine
    model = Model(hidden_layers=(16,), activation="tanh", optimizer="adam", learning_rate=0.05, epochs=400).fit(x, y)
    assert model.targets_.task == "regression"
    predictions = model.predict(x)
    assert predictions.shape == (1, 300) and predictions.dtype == np.float64
    r2 = model.score(x, y)
    assert r2 > 0.9
    assert r2 == pytest.approx(1 - np.sum((predictions - y) ** 2) / np.sum((y - y.mean()) ** 2))
    report = model.evaluate(x, y)
    assert report["metric_name"] == "r2"
    assert report["cost"] == pytest.approx(np.mean((predictions - y) ** 2) / 2, rel=1e-12)  # (1/2m) sum (a - y)^2
    assert "confusion" not in report


def test_multi_output_regression(sine):
    x, y = sine
    Y = np.vstack([y, np.cos(x)])
    model = Model(hidden_layers=(16,), optimizer="adam", learning_rate=0.05, epochs=300).fit(x, Y)
    assert model.layer_dims == [1, 16, 2]
    assert model.predict(x).shape == (2, 300)
    assert model.score(x, Y) > 0.9


@pytest.mark.parametrize(
    "labels",
    [np.array(["cat", "dog"]), np.array([3, 7]), np.array([-1, 1]), np.array(["no", "yes"], dtype=object).astype(str)],
)
def test_predictions_come_back_in_the_users_labels(moons, labels):
    X, Y = moons
    user_Y = labels[Y]  # (1, m) of the user's labels
    model = Model(**MOONS_NET).fit(X, user_Y)
    predictions = model.predict(X)
    assert predictions.dtype.kind == labels.dtype.kind
    assert set(np.unique(predictions)) <= set(labels.tolist())
    # same network as with 0/1 labels (the smaller label is the negative class)
    reference = Model(**MOONS_NET).fit(X, Y)
    np.testing.assert_array_equal(predictions, labels[reference.predict(X)])
    assert model.score(X, user_Y) == reference.score(X, Y)
    assert model.evaluate(X, user_Y)["classes"] == sorted(labels.tolist())


def test_three_string_classes(blobs):
    X, Y = blobs
    names = np.array(["ant", "bee", "cow"])
    model = Model(hidden_layers=(8,), learning_rate=0.5, epochs=100).fit(X, names[Y])
    predictions = model.predict(X)
    assert set(np.unique(predictions)) <= set(names)
    assert model.score(X, names[Y]) > 0.9


def test_labels_may_be_a_plain_vector(moons):
    X, Y = moons
    a = Model(hidden_layers=(4,), epochs=10).fit(X, Y)
    b = Model(hidden_layers=(4,), epochs=10).fit(X, Y.ravel())
    assert _same_parameters(a.parameters_, b.parameters_)
    assert a.score(X, Y.ravel()) == a.score(X, Y)


def test_logistic_regression_has_one_layer(moons):
    X, Y = moons
    model = Model(hidden_layers=(), learning_rate=1.0, epochs=100).fit(X, Y)
    assert model.layer_dims == [2, 1]
    assert sorted(model.parameters_) == ["W1", "b1"]
    assert model.score(X, Y) > 0.8


def test_output_override_softmax_for_two_classes(moons):
    X, Y = moons
    model = Model(hidden_layers=(8,), output="softmax", learning_rate=0.5, epochs=200).fit(X, Y)
    assert model.layer_dims[-1] == 2
    assert model.predict_proba(X).shape == (2, 200)
    assert model.score(X, Y) > 0.85


def test_on_epoch_is_called_once_per_epoch(moons):
    X, Y = moons
    seen = []
    Model(hidden_layers=(3,), epochs=6).fit(X, Y, on_epoch=lambda epoch, history: seen.append((epoch, len(history.epoch))))
    assert seen == [(e, e + 1) for e in range(6)]


def test_fit_again_starts_from_scratch(moons, blobs):
    X, Y = moons
    model = Model(hidden_layers=(4,), epochs=30)
    first = model.fit(X, Y).parameters_
    model.fit(*blobs)
    assert model.layer_dims == [2, 4, 3]
    model.fit(X, Y)
    assert _same_parameters(first, model.parameters_)


# --------------------------------------------------------------------------- history


def test_history_has_one_entry_per_epoch_with_dev(moons, moons_dev):
    X, Y = moons
    model = Model(hidden_layers=(8,), learning_rate=0.5, epochs=25).fit(X, Y, dev=moons_dev)
    h = model.history_
    for name, values in h.as_dict().items():
        assert len(values) == 25, name
    assert h.epoch == list(range(25))
    assert h.learning_rate == [0.5] * 25
    assert np.isfinite(h.train_cost).all() and np.isfinite(h.dev_cost).all()
    assert all(0 <= a <= 1 for a in h.train_metric + h.dev_metric)
    assert h.train_cost[-1] < h.train_cost[0]
    # dev values are the last epoch's parameters, scored without L2 (l2=0 here)
    report = model.evaluate(*moons_dev)
    assert h.dev_cost[-1] == pytest.approx(report["cost"], rel=1e-12)
    assert h.dev_metric[-1] == report["metric"]
    assert model.best_epoch_ == 24 and model.stopped_early_ is False


def test_history_full_batch_train_cost_is_the_cost_before_each_update(moons):
    X, Y = moons
    one = Model(hidden_layers=(4,), epochs=1).fit(X, Y)
    two = Model(hidden_layers=(4,), epochs=2).fit(X, Y)
    assert two.history_.train_cost[0] == one.history_.train_cost[0]
    assert two.history_.train_cost[1] == pytest.approx(one.evaluate(X, Y)["cost"], rel=1e-12)


def test_history_dev_is_nan_without_a_dev_set(moons):
    X, Y = moons
    h = Model(hidden_layers=(4,), epochs=5, batch_size=32).fit(X, Y).history_
    assert len(h.train_cost) == len(h.train_metric) == len(h.dev_cost) == len(h.dev_metric) == 5
    assert np.isfinite(h.train_cost).all() and np.isfinite(h.train_metric).all()
    assert all(math.isnan(v) for v in h.dev_cost + h.dev_metric)


def test_history_records_the_decayed_learning_rate(moons):
    X, Y = moons
    h = Model(hidden_layers=(4,), epochs=4, learning_rate=0.4, decay="inverse_time", decay_rate=1.0).fit(X, Y).history_
    assert h.learning_rate == pytest.approx([0.4, 0.2, 0.4 / 3, 0.1])


def test_regression_history_metric_is_r2(sine):
    x, y = sine
    h = Model(hidden_layers=(8,), optimizer="adam", learning_rate=0.05, epochs=50).fit(x, y, dev=(x, y)).history_
    assert h.train_metric[-1] > h.train_metric[0]
    assert h.dev_metric[-1] <= 1


# --------------------------------------------------------------------------- reproducibility


SEEDED = dict(hidden_layers=(16, 8), activation="relu", optimizer="adam", learning_rate=0.01, epochs=15)


@pytest.mark.parametrize(
    "options",
    [{}, {"batch_size": 16}, {"keep_prob": 0.8}, {"batch_size": 16, "keep_prob": 0.7, "l2": 0.1}],
    ids=["full-batch", "mini-batch", "dropout", "mini-batch+dropout+l2"],
)
def test_same_seed_gives_bit_identical_parameters(moons, options):
    X, Y = moons
    a = Model(seed=3, **SEEDED, **options).fit(X, Y)
    b = Model(seed=3, **SEEDED, **options).fit(X, Y)
    assert _same_parameters(a.parameters_, b.parameters_)
    _same_history(a.history_, b.history_)
    c = Model(seed=4, **SEEDED, **options).fit(X, Y)
    for key in ("W1", "W2", "W3"):
        assert not np.array_equal(a.parameters_[key], c.parameters_[key]), key


def test_shuffling_and_dropout_change_the_result(moons):
    """The seed drives the shuffles and masks too: same init, different stream -> different run."""
    X, Y = moons
    full = Model(seed=3, **SEEDED).fit(X, Y)
    dropped = Model(seed=3, keep_prob=0.8, **SEEDED).fit(X, Y)
    batched = Model(seed=3, batch_size=16, **SEEDED).fit(X, Y)
    assert not np.array_equal(full.parameters_["W1"], dropped.parameters_["W1"])
    assert not np.array_equal(full.parameters_["W1"], batched.parameters_["W1"])


def test_fit_leaves_the_global_random_state_alone(moons):
    X, Y = moons
    np.random.seed(123)
    before = np.random.get_state()
    Model(seed=3, batch_size=16, keep_prob=0.8, **SEEDED).fit(X, Y)
    after = np.random.get_state()
    assert before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2:] == after[2:]


def test_the_global_random_state_does_not_change_the_result(moons):
    X, Y = moons
    np.random.seed(1)
    a = Model(seed=3, batch_size=16, keep_prob=0.8, **SEEDED).fit(X, Y)
    np.random.seed(2)
    b = Model(seed=3, batch_size=16, keep_prob=0.8, **SEEDED).fit(X, Y)
    assert _same_parameters(a.parameters_, b.parameters_)


# --------------------------------------------------------------------------- dtype


@pytest.mark.parametrize("options", [{}, {"batch_size": 32, "keep_prob": 0.9, "optimizer": "adam", "l2": 0.01}])
def test_float32_runs_end_to_end_in_float32(moons, options):
    X, Y = moons
    model = Model(hidden_layers=(8, 4), dtype="float32", learning_rate=0.1, epochs=30, **options).fit(X, Y, dev=(X, Y))
    assert {v.dtype for v in model.parameters_.values()} == {np.dtype(np.float32)}
    assert model.predict_proba(X).dtype == np.float32
    assert model.predict_proba(X.astype(np.float32)).dtype == np.float32
    assert np.isfinite(model.history_.train_cost).all()
    reference = Model(hidden_layers=(8, 4), learning_rate=0.1, epochs=30, **options).fit(X, Y)
    assert {v.dtype for v in reference.parameters_.values()} == {np.dtype(np.float64)}
    assert _nbytes(model.parameters_) * 2 == _nbytes(reference.parameters_)
    # same run up to rounding: float32 starts from the float64 draws, rounded
    np.testing.assert_allclose(model.predict_proba(X), reference.predict_proba(X), atol=1e-3)


def test_float32_regression_and_multiclass(sine, blobs):
    for X, Y in (sine, blobs):
        model = Model(hidden_layers=(8,), dtype="float32", epochs=10).fit(X, Y)
        assert model.predict_proba(X).dtype == np.float32
        assert model.parameters_["W1"].dtype == np.float32


# --------------------------------------------------------------------------- divergence


def _diverging_classifier():
    X, Y = make_moons(n_samples=300, noise=0.2, seed=0)
    return X * 100, Y, dict(hidden_layers=(8,), activation="relu", learning_rate=1e6, epochs=200)


def _diverging_regression():
    rs = np.random.RandomState(0)
    x = rs.uniform(-3, 3, size=(1, 300))
    return x, 100 * np.sin(x), dict(hidden_layers=(8,), learning_rate=1e6, epochs=200)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow warnings are a separate test below
@pytest.mark.parametrize("case", [_diverging_classifier, _diverging_regression], ids=["classifier", "regression"])
def test_divergence_raises_training_diverged_and_keeps_finite_parameters(case):
    X, Y, options = case()
    model = Model(**options)
    with pytest.raises(TrainingDiverged) as info:
        model.fit(X, Y)
    error = info.value
    assert isinstance(error, NNLabError) and isinstance(error, ValueError)
    message = str(error)
    assert f"epoch {error.epoch}" in message
    assert 0 <= error.epoch < options["epochs"]
    assert error.learning_rate == 1e6
    assert "1e+06" in message
    assert "smaller learning rate" in message
    assert model.parameters_ is not None
    assert sorted(model.parameters_) == ["W1", "W2", "b1", "b2"]
    for key, value in model.parameters_.items():
        assert np.isfinite(value).all(), f"{key} holds non-finite values after TrainingDiverged"
    assert error.parameters is not None
    for key, value in error.parameters.items():
        assert np.isfinite(value).all(), f"error.parameters[{key!r}] holds non-finite values"


@pytest.mark.parametrize("case", [_diverging_classifier, _diverging_regression], ids=["classifier", "regression"])
def test_divergence_is_reported_by_the_error_alone_not_by_numpy_warnings(case):
    """A diverging run ends in one TrainingDiverged, without a burst of overflow RuntimeWarnings."""
    X, Y, options = case()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(TrainingDiverged):
            Model(**options).fit(X, Y)


# --------------------------------------------------------------------------- early stopping


@pytest.fixture(scope="module")
def overfitting():
    """40 noisy training points, a large dev set, plain gradient descent: the dev cost falls, then rises."""
    train = make_moons(n_samples=40, noise=0.3, seed=1)
    dev = make_moons(n_samples=400, noise=0.3, seed=2)
    options = dict(hidden_layers=(32,), activation="tanh", learning_rate=1.0, epochs=3000, patience=5)
    return train, dev, options


def test_early_stopping_stops_and_restores_the_best_epoch(overfitting):
    train, dev, options = overfitting
    model = Model(**options).fit(*train, dev=dev)
    h = model.history_
    epochs_run = len(h.epoch)
    assert model.stopped_early_ is True
    assert epochs_run < options["epochs"]
    assert model.best_epoch_ == int(np.argmin(h.dev_cost))
    assert model.best_epoch_ > 20  # a real minimum, not a first-epoch wobble
    assert epochs_run == model.best_epoch_ + options["patience"] + 1  # stopped after `patience` epochs without improvement
    assert min(h.dev_cost[model.best_epoch_ + 1:]) >= h.dev_cost[model.best_epoch_]
    # the restored parameters are the best epoch's (dev cost has no L2 term: l2=0)
    assert model.evaluate(*dev)["cost"] == pytest.approx(h.dev_cost[model.best_epoch_], rel=1e-12)
    assert model.evaluate(*dev)["metric"] == h.dev_metric[model.best_epoch_]


def test_early_stopping_without_restore_keeps_the_last_epoch(overfitting):
    train, dev, options = overfitting
    best = Model(**options).fit(*train, dev=dev)
    last = Model(**options, restore_best=False).fit(*train, dev=dev)
    h = last.history_
    assert last.stopped_early_ is True
    assert h.as_dict() == best.history_.as_dict()
    assert last.best_epoch_ == len(h.epoch) - 1
    assert last.evaluate(*dev)["cost"] == pytest.approx(h.dev_cost[-1], rel=1e-12)
    assert h.dev_cost[-1] > h.dev_cost[best.best_epoch_]
    assert not np.array_equal(last.parameters_["W1"], best.parameters_["W1"])


def test_early_stopping_needs_a_dev_set(moons):
    with pytest.raises(ValueError, match="dev"):
        Model(hidden_layers=(3,), epochs=5, patience=2).fit(*moons)


def test_early_stopping_that_never_triggers_runs_every_epoch(moons, moons_dev):
    X, Y = moons
    model = Model(hidden_layers=(8,), learning_rate=0.1, epochs=30, patience=50).fit(X, Y, dev=moons_dev)
    assert model.stopped_early_ is False
    assert len(model.history_.epoch) == 30
    assert model.best_epoch_ == int(np.argmin(model.history_.dev_cost))


def test_early_stopping_with_l2_compares_the_regularized_dev_cost(overfitting):
    train, dev, options = overfitting
    model = Model(**{**options, "l2": 0.05}).fit(*train, dev=dev)
    assert model.best_epoch_ == int(np.argmin(model.history_.dev_cost))
    W = [model.parameters_[k] for k in ("W1", "W2")]
    l2_term = 0.05 / (2 * dev[0].shape[1]) * sum(np.sum(w**2) for w in W)
    assert model.evaluate(*dev)["cost"] + l2_term == pytest.approx(model.history_.dev_cost[model.best_epoch_], rel=1e-10)


# --------------------------------------------------------------------------- save / load


def _round_trip(model, path):
    model.save(path)
    return Model.load(path)


@pytest.mark.parametrize(
    "case",
    ["binary", "strings", "multiclass", "regression", "float32", "no-scaler", "early-stopped"],
)
def test_save_load_predicts_identically(tmp_path, moons, moons_dev, blobs, sine, case):
    X, Y = moons
    dev = None
    options = dict(hidden_layers=(6,), learning_rate=0.3, epochs=40)
    if case == "strings":
        Y = np.array(["cat", "dog"])[Y]
    elif case == "multiclass":
        X, Y = blobs
    elif case == "regression":
        X, Y = sine
    elif case == "float32":
        options["dtype"] = "float32"
    elif case == "no-scaler":
        options["standardize"] = False
    elif case == "early-stopped":
        dev, options = moons_dev, {**options, "patience": 2, "learning_rate": 5.0, "epochs": 500}
    model = Model(**options).fit(X, Y, dev=dev)
    loaded = _round_trip(model, tmp_path / "model.npz")

    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.predict(X).dtype == model.predict(X).dtype
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.predict_proba(X).dtype == model.predict_proba(X).dtype
    assert loaded.score(X, Y) == model.score(X, Y)
    assert loaded.evaluate(X, Y) == model.evaluate(X, Y)
    assert loaded.hyperparameters == model.hyperparameters
    assert loaded.layer_dims == model.layer_dims
    assert _same_parameters(loaded.parameters_, model.parameters_)
    assert {k: v.dtype for k, v in loaded.parameters_.items()} == {k: v.dtype for k, v in model.parameters_.items()}
    assert loaded.targets_.task == model.targets_.task
    assert loaded.targets_.n_outputs == model.targets_.n_outputs
    if model.targets_.classes is None:
        assert loaded.targets_.classes is None
    else:
        np.testing.assert_array_equal(loaded.targets_.classes, model.targets_.classes)
        assert loaded.targets_.classes.dtype.kind == model.targets_.classes.dtype.kind
    if model.scaler_ is None:
        assert loaded.scaler_ is None
    else:
        assert np.array_equal(loaded.scaler_.mean, model.scaler_.mean)
        assert np.array_equal(loaded.scaler_.std, model.scaler_.std)
    _same_history(loaded.history_, model.history_)
    assert loaded.best_epoch_ == model.best_epoch_
    assert loaded.stopped_early_ == model.stopped_early_


def test_saved_file_is_an_npz_readable_without_pickle(tmp_path, moons):
    model = Model(hidden_layers=(3,), epochs=5).fit(*moons)
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as archive:
        assert {"W1", "b1", "W2", "b2"} <= set(archive.files)


def test_save_needs_a_fitted_model(tmp_path):
    with pytest.raises(ValueError, match="not fitted"):
        Model().save(tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()


def _tamper_array(source, target):
    with np.load(source) as archive:
        members = {name: archive[name] for name in archive.files}
    members["W1"] = members["W1"] + 1e-3
    np.savez(target, **members)


def _tamper_metadata(source, target):
    with np.load(source) as archive:
        members = {name: archive[name] for name in archive.files}
    metadata = json.loads(members["__metadata__"].tobytes())
    metadata["hyperparameters"]["activation"] = "relu"
    metadata["hidden_activation"] = "relu"
    members["__metadata__"] = np.frombuffer(json.dumps(metadata).encode(), dtype=np.uint8)
    np.savez(target, **members)


def _flip_a_byte(source, target):
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo("W1.npy")
    start = data.find(b"\x93NUMPY", info.header_offset)
    data[start + info.file_size - 3] ^= 0xFF  # inside W1's numbers
    target.write_bytes(bytes(data))


def _truncate(source, target):
    target.write_bytes(source.read_bytes()[:-200])


def _not_a_model(source, target):
    target.write_bytes(b"W1,b1\n1,2\n")


def _other_npz(source, target):
    np.savez(target, W1=np.ones((2, 2)))


@pytest.mark.parametrize(
    "tamper", [_tamper_array, _flip_a_byte, _truncate, _not_a_model, _other_npz, _tamper_metadata],
)
def test_loading_a_tampered_file_raises_model_file_error(tmp_path, moons, tamper):
    model = Model(hidden_layers=(3,), epochs=5).fit(*moons)
    model.save(tmp_path / "good.npz")
    tamper(tmp_path / "good.npz", tmp_path / "bad.npz")
    with pytest.raises(ModelFileError) as info:
        Model.load(tmp_path / "bad.npz")
    assert "bad.npz" in str(info.value)


def test_loading_a_missing_file_raises_model_file_error(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        Model.load(tmp_path / "missing.npz")


# --------------------------------------------------------------------------- input errors


@pytest.fixture(scope="module")
def fitted(moons):
    return Model(hidden_layers=(4,), epochs=10).fit(*moons)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score", "evaluate"])
def test_wrong_feature_count_names_x_and_the_expected_count(fitted, method):
    X_bad = np.zeros((3, 5))
    args = (X_bad,) if method.startswith("predict") else (X_bad, np.zeros((1, 5)))
    with pytest.raises(ValueError) as info:
        getattr(fitted, method)(*args)
    message = str(info.value)
    assert "X" in message and "2 features" in message and "(3, 5)" in message


def test_wrong_feature_count_without_standardization(moons):
    model = Model(hidden_layers=(4,), epochs=3, standardize=False).fit(*moons)
    with pytest.raises(ValueError, match="2 features"):
        model.predict(np.zeros((3, 5)))


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score", "evaluate", "save"])
def test_unfitted_model_raises_a_clear_error(tmp_path, moons, method):
    X, Y = moons
    args = {"predict": (X,), "predict_proba": (X,), "score": (X, Y), "evaluate": (X, Y), "save": (tmp_path / "m.npz",)}
    with pytest.raises(ValueError, match="not fitted") as info:
        getattr(Model(), method)(*args[method])
    assert "fit" in str(info.value)


def test_unfitted_layer_dims_raises_a_clear_error():
    with pytest.raises(ValueError, match="not fitted"):
        Model().layer_dims  # noqa: B018
    assert "not fitted" in repr(Model())


def test_example_count_mismatch_in_fit_is_a_clear_error(moons):
    X, Y = moons
    with pytest.raises(ValueError) as info:
        Model(epochs=3).fit(X, Y[:, :150])
    message = str(info.value)
    assert "200" in message and "150" in message and "X" in message and "Y" in message


def test_example_count_mismatch_in_score_is_a_clear_error(fitted, moons):
    X, Y = moons
    with pytest.raises(ValueError, match="200.*150|150.*200"):
        fitted.score(X, Y[:, :150])


def test_dev_label_count_mismatch_names_the_dev_arrays(moons):
    X, Y = moons
    with pytest.raises(ValueError) as info:
        Model(epochs=3).fit(X, Y, dev=(X, Y[:, :10]))
    message = str(info.value)
    assert "Y_dev" in message and "X_dev" in message and "200" in message and "10" in message


@pytest.mark.parametrize("standardize", [True, False])
def test_dev_feature_count_mismatch_names_x_dev(moons, standardize):
    X, Y = moons
    with pytest.raises(ValueError) as info:
        Model(epochs=3, standardize=standardize).fit(X, Y, dev=(X[:1], Y))
    assert "X_dev" in str(info.value)


def test_dev_must_be_a_pair(moons):
    X, Y = moons
    with pytest.raises(TypeError, match="dev"):
        Model(epochs=3).fit(X, Y, dev=X)


def test_dev_labels_outside_the_training_classes_are_named(moons):
    X, Y = moons
    with pytest.raises(ValueError, match="outside the known classes"):
        Model(epochs=3).fit(X, Y, dev=(X[:, :3], np.array([[0, 1, 5]])))


@pytest.mark.parametrize(
    "X, error, words",
    [
        (np.zeros((2, 0)), ValueError, "at least one"),
        (np.array([[0.0, np.nan], [1.0, 2.0]]), ValueError, "finite"),
        (np.array([["a", "b"], ["c", "d"]]), TypeError, "numeric"),
        (np.zeros(4), ValueError, "2-D"),
    ],
)
def test_bad_inputs_are_clear_errors(X, error, words):
    with pytest.raises(error, match=words) as info:
        Model(epochs=2).fit(X, np.array([[0, 1, 0, 1]])[:, : max(np.shape(X)[-1], 1)])
    assert "X" in str(info.value)


def test_nan_in_prediction_inputs_is_a_clear_error(fitted):
    with pytest.raises(ValueError, match="finite"):
        fitted.predict(np.array([[0.0], [np.nan]]))


# --------------------------------------------------------------------------- standardization and mutation


def test_standardization_is_fitted_on_the_training_data_only(moons):
    X, Y = moons
    X_dev = X * 5 + 3
    model = Model(hidden_layers=(3,), epochs=2).fit(X, Y, dev=(X_dev, Y))
    np.testing.assert_allclose(model.scaler_.mean, X.mean(axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(model.scaler_.std, X.std(axis=1, keepdims=True), rtol=1e-12)
    assert not np.allclose(model.scaler_.mean, X_dev.mean(axis=1, keepdims=True))
    # the network sees standardized inputs
    Z = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    AL, _ = model_forward(Z, model.parameters_, "tanh", "sigmoid")
    np.testing.assert_allclose(model.predict_proba(X), AL, rtol=1e-12)


def test_standardize_false_feeds_the_raw_inputs(moons):
    X, Y = moons
    model = Model(hidden_layers=(3,), epochs=2, standardize=False).fit(X, Y)
    assert model.scaler_ is None
    AL, _ = model_forward(X, model.parameters_, "tanh", "sigmoid")
    np.testing.assert_array_equal(model.predict_proba(X), AL)


def test_standardization_makes_training_scale_invariant(moons):
    X, Y = moons
    a = Model(hidden_layers=(4,), epochs=20).fit(X, Y)
    b = Model(hidden_layers=(4,), epochs=20).fit(X * 1000 - 7, Y)
    np.testing.assert_allclose(a.parameters_["W1"], b.parameters_["W1"], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_fit_predict_do_not_mutate_the_inputs(moons, dtype):
    X, Y = moons
    X, Y = X.copy(), np.array(["a", "b"])[Y]
    X_dev, Y_dev = X[:, :50].copy(), Y[:, :50].copy()
    copies = [a.copy() for a in (X, Y, X_dev, Y_dev)]
    model = Model(hidden_layers=(4,), epochs=5, batch_size=16, keep_prob=0.8, dtype=dtype).fit(X, Y, dev=(X_dev, Y_dev))
    model.predict(X)
    model.score(X_dev, Y_dev)
    for original, copy in zip((X, Y, X_dev, Y_dev), copies):
        np.testing.assert_array_equal(original, copy)


def test_fit_does_not_mutate_float32_inputs(moons):
    X, Y = moons
    X32 = X.astype(np.float32)
    copy = X32.copy()
    Model(hidden_layers=(4,), epochs=5, dtype="float32").fit(X32, Y)
    np.testing.assert_array_equal(X32, copy)


def test_integer_inputs_are_accepted(moons):
    X, Y = moons
    X_int = np.round(X * 100).astype(np.int64)
    model = Model(hidden_layers=(4,), epochs=20).fit(X_int, Y)
    assert model.predict_proba(X_int).dtype == np.float64


# --------------------------------------------------------------------------- optimizers and gradient check


def _logistic_optimum(X, Y, lambd, iterations=30):
    """Newton's method on the L2-regularized logistic cost (bias unpenalized): the reference minimum."""
    n, m = X.shape
    A = np.vstack([X, np.ones((1, m))])  # (n + 1, m)
    theta = np.zeros(n + 1)
    penalty = np.r_[np.full(n, lambd / m), 0.0]
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-theta @ A))
        gradient = A @ (p - Y[0]) / m + penalty * theta
        hessian = (A * (p * (1 - p))) @ A.T / m + np.diag(penalty)
        theta -= np.linalg.solve(hessian, gradient)
    return _logistic_cost(X, Y, theta[:n].reshape(1, -1), theta[n], lambd)


def _logistic_cost(X, Y, W, b, lambd):
    z = (W @ X + b)[0]
    m = X.shape[1]
    return float(np.mean(np.logaddexp(0, z) - Y[0] * z) + lambd / (2 * m) * np.sum(W**2))


@pytest.mark.parametrize(
    "optimizer, learning_rate",
    [("gd", 1.0), ("momentum", 0.5), ("rmsprop", 0.01), ("adam", 0.05)],
)
def test_every_optimizer_reaches_the_convex_minimum(optimizer, learning_rate):
    """Logistic regression (hidden_layers=()) with L2: a strictly convex cost with one minimum."""
    X, Y = make_moons(n_samples=200, noise=0.3, seed=0)
    X = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    lambd = 0.5
    optimum = _logistic_optimum(X, Y, lambd)
    model = Model(
        hidden_layers=(), optimizer=optimizer, learning_rate=learning_rate, epochs=400, l2=lambd, standardize=False
    ).fit(X, Y)
    reached = _logistic_cost(X, Y, model.parameters_["W1"], model.parameters_["b1"][0, 0], lambd)
    initial = model.history_.train_cost[0]
    assert initial > optimum + 0.05
    assert reached == pytest.approx(optimum, abs=1e-4)
    # the last recorded training cost is the regularized cost the optimizer minimizes
    assert model.history_.train_cost[-1] == pytest.approx(reached, abs=1e-3)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop", "adam"])
def test_every_optimizer_with_mini_batches_gets_close(optimizer):
    X, Y = make_moons(n_samples=200, noise=0.3, seed=0)
    X = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    optimum = _logistic_optimum(X, Y, 0.0)
    model = Model(hidden_layers=(), optimizer=optimizer, learning_rate=0.01 if optimizer in ("rmsprop", "adam") else 0.5,
                  batch_size=32, epochs=150, standardize=False).fit(X, Y)
    reached = _logistic_cost(X, Y, model.parameters_["W1"], model.parameters_["b1"][0, 0], 0.0)
    assert reached < optimum + 0.01


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_the_models_l2_path_passes_the_gradient_check(task, moons, blobs, sine):
    """The model's network, L2 on and dropout off, at its trained parameters."""
    X, Y = {"binary": moons, "multiclass": blobs, "regression": sine}[task]
    X, Y = X[:, :30], Y[:, :30]
    model = Model(hidden_layers=(5, 3), activation="tanh", l2=0.7, keep_prob=1.0, epochs=20, learning_rate=0.1).fit(X, Y)
    X_in = model.scaler_.transform(X)
    Y_in = model.targets_.encode(Y)
    check = gradient_check(
        model.parameters_, X_in, Y_in, hidden="tanh", output=model.targets_.output, lambd=0.7, keep_prob=1.0
    )
    assert check.difference < 1e-7, check.worst()


def test_fit_validates_its_arrays_once_and_trusts_them_in_the_loop(monkeypatch):
    # Model.fit checks X and Y at its boundary, then runs the engine's loop without checking
    # them again: the engine's own array checks must not run at all.
    from nnlab.engine import training

    def not_again(*args, **kwargs):
        raise AssertionError("the engine re-validated arrays the Model had validated")

    monkeypatch.setattr(training, "check_inputs", not_again)
    monkeypatch.setattr(training, "check_labels", not_again)
    rs = np.random.RandomState(0)
    X, y = rs.randn(3, 60), (rs.rand(60) > 0.5).astype(int)
    model = Model(hidden_layers=(4,), epochs=5, batch_size=16, patience=2).fit(X, y, dev=(X[:, :20], y[:20]))
    assert len(model.history_.epoch) >= 3
    with pytest.raises(AssertionError, match="re-validated"):  # the public loop does validate
        training.train(X, y[None].astype(float), model.parameters_, epochs=1, learning_rate=0.1)


def test_non_finite_weights_are_refused_once_at_load_and_predictions_trust_them(moons):
    # the model's arrays are checked where they enter (from_arrays), not at every prediction
    model = Model(hidden_layers=(3,), epochs=5).fit(*moons)
    arrays, metadata = model.to_arrays()
    arrays["W1"] = arrays["W1"].copy()
    arrays["W1"][0, 0] = np.nan
    with pytest.raises(ModelFileError, match=r"W1 must contain only finite values"):
        Model.from_arrays(arrays, metadata, source="nan.npz")
    arrays["W1"] = np.ones(arrays["W1"].shape, dtype=np.int64)
    with pytest.raises(ModelFileError, match=r"W1 must be a floating-point array; got dtype int64"):
        Model.from_arrays(arrays, metadata, source="int.npz")
    X = moons[0]
    np.testing.assert_array_equal(model.predict_proba(X), nnlab_model_forward(X, model))


def nnlab_model_forward(X, model):
    from nnlab.engine import model_forward

    X_in = model.scaler_.transform(X) if model.scaler_ is not None else X
    return model_forward(X_in.astype(model.dtype), model.parameters_, model.hyperparameters.activation,
                         model.targets_.output)[0]


# --------------------------------------------------------------------------- weights and warm starts
SMALL_RUN = dict(hidden_layers=(5,), activation="tanh", learning_rate=0.05, epochs=30, seed=3)


@pytest.mark.parametrize("standardize", [False, True])
def test_integer_sample_weights_are_repeated_examples(blobs, standardize):
    X, Y = blobs
    X, Y = X[:, :40], Y[..., :40]
    w = np.arange(40) % 3
    hp = Hyperparameters(**SMALL_RUN, standardize=standardize, l2=0.1)
    weighted = Model(hp).fit(X, Y, sample_weight=w)
    repeated = Model(hp).fit(np.repeat(X, w, axis=1), np.repeat(Y, w, axis=-1))
    np.testing.assert_allclose(weighted.history_.train_cost, repeated.history_.train_cost, rtol=1e-9)
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-8, atol=1e-12)
    if standardize:
        np.testing.assert_allclose(weighted.scaler_.mean, repeated.scaler_.mean, rtol=1e-12)


@pytest.mark.parametrize("batch_size", [None, 32])
def test_warm_start_continues_one_run_to_the_bit(moons, batch_size):
    X, Y = moons
    hp = Hyperparameters(**{**SMALL_RUN, "epochs": 4}, optimizer="adam", batch_size=batch_size, standardize=True,
                         decay="inverse_time", decay_rate=0.3)
    whole = Model(hp.replace(epochs=8)).fit(X, Y)
    model = Model(hp).fit(X, Y)
    model.fit(X, Y, warm_start=True)
    assert model.history_.epoch == [4, 5, 6, 7] and model.optimizer_state_.epoch == 8
    assert model.history_.learning_rate == whole.history_.learning_rate[4:]
    assert model.history_.train_cost == whole.history_.train_cost[4:]
    assert _same_parameters(model.parameters_, whole.parameters_)
    fresh = Model(hp).fit(X, Y).fit(X, Y, warm_start=True, keep_optimizer=False)
    assert fresh.history_.epoch == [4, 5, 6, 7] and not _same_parameters(fresh.parameters_, whole.parameters_)


def test_warm_start_on_an_unfitted_model_is_a_fresh_fit(moons):
    X, Y = moons
    hp = Hyperparameters(**SMALL_RUN)
    assert _same_parameters(Model(hp).fit(X, Y, warm_start=True).parameters_, Model(hp).fit(X, Y).parameters_)


def test_classes_name_labels_the_data_lacks(blobs):
    X, Y = blobs
    first = np.flatnonzero(np.ravel(Y) != 2)
    model = Model(**SMALL_RUN).fit(X[:, first], np.ravel(Y)[first][None, :], classes=[0, 1, 2])
    assert model.targets_.n_outputs == 3 and model.targets_.classes.tolist() == [0, 1, 2]
    with pytest.raises(ValueError):
        Model(**SMALL_RUN).fit(X, np.ravel(Y)[None, :], classes=[0, 1])
    with pytest.raises(ValueError, match="classes is for classification"):
        Model(**SMALL_RUN, output="linear").fit(X, np.ravel(Y)[None, :].astype(float), classes=[0.0, 1.0])


def test_bad_weights_are_named(moons, moons_dev):
    X, Y = moons
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(200,\)"):
        Model(**SMALL_RUN).fit(X, Y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="dev_weight needs a dev set"):
        Model(**SMALL_RUN).fit(X, Y, dev_weight=np.ones(200))
    with pytest.raises(ValueError, match="dev_weight must be non-negative"):
        Model(**SMALL_RUN).fit(X, Y, dev=moons_dev, dev_weight=-np.ones(200))


def test_a_warm_start_keeps_the_fitted_preprocessing(moons):
    """A warm start continues the model as fitted: a DataFrame to a model fitted on arrays (and an
    array to one fitted on a DataFrame) is refused, and a new preprocessor is refused by name."""
    pd = pytest.importorskip("pandas")
    from nnlab.data.preprocess import Preprocessor

    X, Y = moons
    frame = pd.DataFrame(X.T, columns=["a", "b"])
    labels = pd.Series(np.ravel(Y))
    on_arrays = Model(**SMALL_RUN).fit(X, Y)
    with pytest.raises(TypeError, match="fitted on arrays"):
        on_arrays.fit(frame, labels, warm_start=True)
    assert on_arrays.preprocessor_ is None
    on_arrays.predict(X)  # still the array model it was
    on_frame = Model(**SMALL_RUN).fit(frame, labels)
    with pytest.raises(TypeError, match="fitted on a DataFrame"):
        on_frame.fit(X, Y, warm_start=True)
    fitted = on_frame.preprocessor_
    with pytest.raises(ValueError, match="preprocessor"):
        on_frame.fit(frame, labels, warm_start=True, preprocessor=Preprocessor())
    assert on_frame.preprocessor_ is fitted
    on_frame.fit(frame, labels, warm_start=True, dev=(frame, labels))
    assert on_frame.history_.epoch[0] == SMALL_RUN["epochs"] and on_frame.preprocessor_ is fitted


def test_object_labels_mean_the_same_from_a_table_or_an_array(moons):
    """An object Series of numbers is numbers on the DataFrame path as on the array path: the same
    classes, and a regression on object floats trains."""
    pd = pytest.importorskip("pandas")
    X, Y = moons
    frame = pd.DataFrame(X.T, columns=["a", "b"])
    labels = pd.Series(np.ravel(Y).astype(int).tolist(), dtype=object)
    from_frame = Model(**SMALL_RUN).fit(frame, labels)
    from_array = Model(**SMALL_RUN).fit(X, labels.to_numpy())
    np.testing.assert_array_equal(from_frame.targets_.classes, from_array.targets_.classes)
    assert from_frame.targets_.classes.dtype == from_array.targets_.classes.dtype
    assert from_frame.targets_.classes.dtype.kind != "U"
    values = pd.Series((X[0] + 2 * X[1]).tolist(), dtype=object)
    regression = Model(**SMALL_RUN, output="linear").fit(frame, values, task="regression")
    assert regression.targets_.task == "regression"
    assert np.isfinite(regression.predict(frame)).all()
