"""NNClassifier / NNRegressor: the issue's cases, the weighted math, and the scikit-learn ecosystem."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the sklearn extra is not installed")
pd = pytest.importorskip("pandas", reason="pandas is not installed")

import joblib  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.calibration import CalibratedClassifierCV  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.datasets import load_iris, make_regression  # noqa: E402
from sklearn.experimental import enable_halving_search_cv  # noqa: E402,F401
from sklearn.model_selection import (  # noqa: E402
    GridSearchCV, HalvingGridSearchCV, RandomizedSearchCV, cross_val_predict, cross_val_score,
)
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

from nnlab import Model  # noqa: E402
from nnlab.data.scaling import Standardizer  # noqa: E402
from nnlab.sklearn import NNClassifier, NNRegressor  # noqa: E402

SMALL = dict(hidden_layer_sizes=(10,), max_iter=150, learning_rate_init=0.01, random_state=0)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True, as_frame=True)
    names = pd.Series(np.array(["setosa", "versicolor", "virginica"], dtype=object)[y], name="species", dtype=object)
    return X, names


# ---------------------------------------------------------------- the cases
@pytest.mark.parametrize("dtype", [object, "string"])
def test_rows_are_examples_and_pandas_string_labels_come_back(iris, dtype):
    X, names = iris
    names = names.astype(dtype)
    clf = NNClassifier(**SMALL).fit(X, names)
    assert clf.predict(X).shape == (150,) and set(clf.predict(X)) <= set(names)
    assert clf.predict_proba(X).shape == (150, 3)
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1)
    assert clf.score(X, names) > 0.9
    assert list(clf.feature_names_in_) == list(X.columns)
    assert clf.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    assert [c.shape for c in clf.coefs_] == [(4, 10), (10, 3)] and [b.shape for b in clf.intercepts_] == [(10,), (3,)]
    assert np.shares_memory(clf.coefs_[0], clf.model_.parameters_["W1"])  # views of W, b
    assert len(clf.loss_curve_) == clf.n_iter_ == 150


def test_square_X_trains_on_rows():
    rs = np.random.RandomState(0)
    X = rs.randn(40, 40)
    y = (X[:, 0] > 0).astype(int)  # depends on feature 0 of each row only
    clf = NNClassifier(**SMALL).fit(X, y)
    assert clf.n_features_in_ == 40 and clf.coefs_[0].shape == (40, 10)
    assert clf.score(X, y) == 1.0


def test_wrong_feature_count_and_1d_X_and_sparse_are_refused_clearly(iris):
    X, names = iris
    clf = NNClassifier(**SMALL).fit(X.to_numpy(), names)
    with pytest.raises(ValueError, match="X has 3 features, but NNClassifier is expecting 4"):
        clf.predict(X.to_numpy()[:, :3])
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        NNClassifier(**SMALL).fit(X.to_numpy()[:, 0], names)
    scipy_sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="[Ss]parse data was passed"):
        NNClassifier(**SMALL).fit(scipy_sparse.csr_matrix(X.to_numpy()), names)


def test_binary_gives_two_probability_columns():
    X = np.array([[0.0], [1.0], [2.0], [3.0]] * 5)
    y = np.array(["no", "no", "yes", "yes"] * 5)
    clf = NNClassifier(**SMALL).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (20, 2)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))


def test_whole_number_targets_stay_a_regression():
    X, y = make_regression(n_samples=80, n_features=3, noise=1.0, random_state=0)
    y = np.round(y / 10).astype(int)  # whole numbers, a dozen distinct values
    reg = NNRegressor(**SMALL).fit(X, y)
    assert reg.model_.targets_.task == "regression"
    assert reg.predict(X).dtype.kind == "f" and reg.predict(X).shape == (80,)
    assert reg.score(X, y) > 0.8


def test_bad_parameters_name_the_estimator_parameter():
    with pytest.raises(ValueError, match="alpha must"):
        NNClassifier(alpha=-1).fit([[0.0], [1.0]], [0, 1])
    with pytest.raises(ValueError, match="solver must be one of"):
        NNRegressor(solver="lbfgs").fit([[0.0], [1.0]], [0.0, 1.0])
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        NNClassifier().partial_fit([[0.0], [1.0]], [0, 1])


# ---------------------------------------------------------------- weights
# (the weighted cost's gradient is checked in the engine's tests: tests/test_training.py)
def test_weighted_standardizer_counts_weights_as_repeats(rng):
    X = rng.randn(6, 3) * [1, 1e300, 0]
    w = np.array([0, 1, 2, 3, 1, 2])
    weighted, repeated = Standardizer().fit(X.T, sample_weight=w), Standardizer().fit(np.repeat(X, w, axis=0).T)
    np.testing.assert_allclose(weighted.mean, repeated.mean, rtol=1e-12)
    np.testing.assert_allclose(weighted.std, repeated.std, rtol=1e-12)


def test_weighted_fit_is_model_fit_with_weights(iris):
    X, names = iris
    w = np.linspace(0.5, 2.0, len(X))
    clf = NNClassifier(**SMALL).fit(X, names, sample_weight=w)
    labels = clf._labels_[np.searchsorted(clf.classes_, names)][None, :]
    model = Model(clf.model_.hyperparameters).fit(X.to_numpy().T, labels, sample_weight=w)
    np.testing.assert_array_equal(clf.model_.parameters_["W1"], model.parameters_["W1"])
    assert clf.loss_curve_ == model.history_.train_cost


@pytest.mark.parametrize("standardize", [False, True])
def test_integer_weights_equal_repeated_rows(iris, standardize):
    X, names = iris
    X, names = X.to_numpy()[::3], names.to_numpy()[::3]  # 50 rows: full batch, so no shuffling
    w = np.arange(50) % 3
    repeated = NNClassifier(**SMALL, standardize=standardize).fit(np.repeat(X, w, axis=0), np.repeat(names, w))
    weighted = NNClassifier(**SMALL, standardize=standardize).fit(X, names, sample_weight=w)
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-6)


def test_class_weight_balanced_shifts_the_minority_class():
    rs = np.random.RandomState(0)
    X = np.r_[rs.randn(180, 2), rs.randn(20, 2) + 1.0]
    y = np.r_[np.zeros(180, int), np.ones(20, int)]
    plain = NNClassifier(**SMALL).fit(X, y)
    balanced = NNClassifier(**SMALL, class_weight="balanced").fit(X, y)
    assert (balanced.predict(X) == 1).sum() > (plain.predict(X) == 1).sum()


# ---------------------------------------------------------------- incremental
def test_partial_fit_continues_and_warm_start_continues(iris):
    X, names = iris
    clf = NNClassifier(**SMALL)
    for _ in range(3):
        clf.partial_fit(X, names, classes=["setosa", "versicolor", "virginica"])
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3 and clf.loss_curve_[2] < clf.loss_curve_[0]
    warm = NNClassifier(**{**SMALL, "max_iter": 20}, warm_start=True).fit(X, names)
    first = warm.coefs_[0].copy()
    warm.fit(X, names)
    assert warm.loss_curve_[0] < NNClassifier(**{**SMALL, "max_iter": 20}).fit(X, names).loss_curve_[0]
    assert not np.array_equal(first, warm.coefs_[0])


def test_early_stopping_keeps_validation_scores(iris):
    X, names = iris
    clf = NNClassifier(**{**SMALL, "max_iter": 3000}, early_stopping=True, n_iter_no_change=5).fit(X, names)
    assert clf.n_iter_ < 3000 and len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_) and clf.best_loss_ is None


# ---------------------------------------------------------------- ecosystem
def test_pipeline_with_column_transformer_and_pandas_output(iris):
    X, names = iris
    X = X.assign(colour=np.where(X["sepal width (cm)"] > 3, "dark", "light"))
    pre = ColumnTransformer([("num", StandardScaler(), list(X.columns[:4])),
                             ("cat", OneHotEncoder(sparse_output=False), ["colour"])])
    pipe = make_pipeline(pre, NNClassifier(**SMALL)).set_output(transform="pandas")
    pipe.fit(X, names)
    assert pipe.score(X, names) > 0.9
    assert pipe[-1].feature_names_in_.tolist()[-2:] == ["cat__colour_dark", "cat__colour_light"]


def test_searches_and_cross_validation_run_in_parallel(iris):
    X, names = iris
    pipe = make_pipeline(StandardScaler(), NNClassifier(**SMALL))
    assert cross_val_score(pipe, X, names, cv=3, n_jobs=2).mean() > 0.85
    assert cross_val_predict(pipe, X, names, cv=3).shape == (150,)
    grid = GridSearchCV(pipe, {"nnclassifier__alpha": [1e-4, 1e-2]}, cv=3, n_jobs=2).fit(X, names)
    assert grid.best_score_ > 0.85
    rand = RandomizedSearchCV(pipe, {"nnclassifier__hidden_layer_sizes": [(5,), (10,), (20,)]},
                              n_iter=2, cv=3, n_jobs=2, random_state=0).fit(X, names)
    assert rand.best_score_ > 0.85
    halving = HalvingGridSearchCV(NNClassifier(**SMALL), {"max_iter": [20, 150]}, resource="n_samples",
                                  min_resources=60, cv=3, random_state=0).fit(X, names)
    assert halving.best_params_["max_iter"] == 150


def test_calibration_and_clone(iris):
    X, names = iris
    clf = NNClassifier(**SMALL, class_weight={"setosa": 2.0})
    assert clone(clf).get_params() == clf.get_params()
    calibrated = CalibratedClassifierCV(clf, cv=3).fit(X, names)
    assert calibrated.predict_proba(X).shape == (150, 3) and calibrated.score(X, names) > 0.85


def test_regressor_in_a_pipeline_multi_output():
    X, y = make_regression(n_samples=100, n_features=4, n_targets=2, random_state=0)
    pipe = make_pipeline(StandardScaler(), NNRegressor(**{**SMALL, "max_iter": 400})).fit(X, y)
    assert pipe.predict(X).shape == (100, 2) and pipe.score(X, y) > 0.9


# ---------------------------------------------------------------- persistence
def test_saved_model_file_loads_back_into_an_estimator(iris, tmp_path):
    X, names = iris
    clf = NNClassifier(**SMALL).fit(X, names)
    clf.save(tmp_path / "iris.npz")
    back = NNClassifier.load(tmp_path / "iris.npz")
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    assert back.get_params() == clf.get_params() and list(back.feature_names_in_) == list(X.columns)
    # the same file is an ordinary nnlab model, with the user's labels
    model = Model.load(tmp_path / "iris.npz")
    assert model.predict(X.to_numpy().T)[0].tolist() == clf.predict(X).tolist()


def test_a_plain_nnlab_model_file_loads_as_an_estimator(tmp_path):
    X, y = make_regression(n_samples=60, n_features=3, random_state=0)
    Model(hidden_layers=(6,), output="linear", epochs=50).fit(X.T, y).save(tmp_path / "m.npz")
    reg = NNRegressor.load(tmp_path / "m.npz")
    assert reg.hidden_layer_sizes == (6,) and reg.predict(X).shape == (60,)


def test_a_fitted_model_wraps_and_the_wrong_estimator_is_named(iris, tmp_path):
    X, names = iris
    model = Model(hidden_layers=(5,), epochs=30).fit(X.to_numpy().T, names.to_numpy().astype(str))
    clf = NNClassifier.from_model(model)
    assert clf.classes_.tolist() == ["setosa", "versicolor", "virginica"] and clf.hidden_layer_sizes == (5,)
    np.testing.assert_array_equal(clf.predict(X.to_numpy()), model.predict(X.to_numpy().T)[0])
    model.save(tmp_path / "iris.npz")
    with pytest.raises(ValueError, match="holds a multiclass network; load it with NNClassifier"):
        NNRegressor.load(tmp_path / "iris.npz")
    with pytest.raises(ValueError, match="must be a fitted nnlab.Model"):
        NNClassifier.from_model(Model())


def test_pickle_and_joblib_round_trip(iris, tmp_path):
    X, names = iris
    clf = NNClassifier(**SMALL).fit(X, names)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(clf)).predict(X), clf.predict(X))
    joblib.dump(clf, tmp_path / "clf.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "clf.joblib").predict_proba(X), clf.predict_proba(X))


def test_partial_fit_epochs_are_one_fit_to_the_bit(iris):
    X, names = iris
    clf = NNClassifier(**SMALL, decay="inverse_time", decay_rate=0.5)
    for _ in range(3):
        clf.partial_fit(X, names, classes=["setosa", "versicolor", "virginica"])
    whole = NNClassifier(**{**SMALL, "max_iter": 3}, decay="inverse_time", decay_rate=0.5).fit(X, names)
    assert clf.loss_curve_ == whole.loss_curve_ and clf.n_iter_ == whole.n_iter_ == 3
    for mine, theirs in zip(clf.coefs_ + clf.intercepts_, whole.coefs_ + whole.intercepts_):
        np.testing.assert_array_equal(mine, theirs)


def test_partial_fit_first_batch_may_lack_a_class(iris):
    X, names = iris
    some = (names != "virginica").to_numpy()
    clf = NNClassifier(**SMALL).partial_fit(X[some], names[some], classes=["setosa", "versicolor", "virginica"])
    assert clf.predict_proba(X).shape == (150, 3)
    clf.partial_fit(X, names)
    assert set(clf.predict(X)) <= {"setosa", "versicolor", "virginica"} and clf.n_iter_ == 2
