"""NNClassifier and NNRegressor: nnlab networks with scikit-learn's estimator contract.

X is (n_samples, n_features), one example per row, as scikit-learn has it; the estimators hand
the engine its (n_features, n_samples) transpose (a view, no copy).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets

from ..labels import Targets
from ._base import NNBase, _store

__all__ = ["NNClassifier", "NNRegressor"]

_PARAMETERS_DOC = """
    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Units per hidden layer; ``()`` is logistic (or linear) regression.
    activation : {"relu", "tanh", "sigmoid", "leaky_relu", "linear"}, default="relu"
        Hidden activation; scikit-learn's "logistic" and "identity" are accepted too.
    solver : {"adam", "gd", "momentum", "rmsprop"}, default="adam"
        nnlab's optimizer ("gd" is plain mini-batch gradient descent).
    alpha : float, default=1e-4
        L2 strength: ``J += alpha / (2 sum w) * sum ||W||^2`` (scikit-learn's and nnlab's ``l2``).
    batch_size : int, "auto" or None, default="auto"
        "auto" is ``min(200, n_samples)``; None is full batch.
    learning_rate_init : float, default=1e-3
        The (initial) learning rate.
    decay : {None, "inverse_time", "step"}, default=None
        Learning-rate schedule per epoch, with ``decay_rate`` and ``decay_steps``.
    max_iter : int, default=200
        Epochs (passes over the training data).
    momentum, beta_1, beta_2, epsilon : float
        Optimizer constants (momentum; Adam; RMSprop uses ``beta_2``).
    keep_prob : float in (0, 1], default=1.0
        Inverted dropout on the hidden layers; 1 disables it.
    initializer : {"xavier", "he", "scaled", "random", "zeros"} or None, default="xavier"
        Glorot (normal, variance ``2 / (n_in + n_out)``, the variance of scikit-learn's
        Glorot-uniform draw); None picks He for relu-like activations, Xavier otherwise.
    standardize : bool, default=False
        Standardize inputs inside the model (kept in its file). False, as scikit-learn's MLP:
        put a ``StandardScaler`` in a Pipeline instead, and ``coefs_[0]`` acts on X itself.
    dtype : {"float64", "float32"}, default="float64"
        Training and inference dtype, end to end.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` (stratified for classifiers) and stop once the
        validation cost has not improved for ``n_iter_no_change`` epochs; the best epoch's
        parameters are kept.
    warm_start : bool, default=False
        ``fit`` continues from the current parameters (fresh optimizer moments, as scikit-learn's
        MLP; the epoch count and a decay schedule continue).
    random_state : int, RandomState or None, default=None
        Initial weights, shuffling, dropout and the validation split.
    verbose : int, default=0
        1: print each epoch's training loss ("Iteration 1, loss = ..."), as scikit-learn's MLP does.
"""

_ATTRIBUTES_DOC = """
    Attributes
    ----------
    model_ : nnlab.Model
        The fitted network (``save``-able, usable by nnlab's CLI).
    coefs_, intercepts_ : list of ndarray
        ``coefs_[i]`` of shape (n_in, n_out) and ``intercepts_[i]`` of shape (n_out,): views of
        ``W{i+1}.T`` and ``b{i+1}``.
    n_features_in_, feature_names_in_ : int, ndarray of str
    loss_curve_ : list of float
        Training cost (with L2) per epoch; ``loss_``, ``best_loss_`` (None with early stopping).
    validation_scores_, best_validation_score_ : list of float, float, or None
        With early stopping: accuracy or R² of the held-out part per epoch (weighted with
        ``sample_weight``; for several targets, R² of the residuals summed over the columns,
        nnlab's metric, where scikit-learn averages the columns' R²).
    n_iter_, n_layers_ : int
    out_activation_ : {"logistic", "softmax", "identity"}
        The output layer, in scikit-learn's names.
"""


class NNClassifier(ClassifierMixin, NNBase):
    __doc__ = (
        "A fully connected network classifier (sigmoid output for two classes, softmax for more).\n"
        + _PARAMETERS_DOC
        + """    class_weight : dict, "balanced" or None, default=None
        Weights per class, multiplying ``sample_weight``.
"""
        + _ATTRIBUTES_DOC
        + """    classes_ : ndarray of shape (n_classes,)
        The labels, sorted, in the dtype they came in (strings included).
"""
    )
    _output_task = "classification"

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=1e-4,
                 class_weight=None, batch_size="auto", learning_rate_init=1e-3, decay=None, decay_rate=1.0,
                 decay_steps=1, max_iter=200, momentum=0.9, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 keep_prob=1.0, initializer="xavier", standardize=False, dtype="float64", early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, warm_start=False, random_state=None, verbose=0):
        _store(self, locals())

    def fit(self, X, y, sample_weight=None):
        """Train on X (n_samples, n_features) and labels y (n_samples,); returns self."""
        return self._fit(X, y, sample_weight)

    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One more epoch on (X, y); ``classes`` (all labels) is needed on the first call."""
        if not hasattr(self, "model_") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit (all the labels y may hold)")
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _encode(self, y, classes, continuing):
        check_classification_targets(y)
        if not continuing:
            all_classes = np.unique(y if classes is None else np.asarray(classes))
            if all_classes.size < 2:
                raise ValueError(f"{type(self).__name__} needs at least 2 classes; got 1 class: {all_classes.tolist()}")
            self.classes_, self._labels_ = all_classes, _model_labels(all_classes)
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(f"y holds labels not in classes {self.classes_.tolist()}: {np.unique(y[unknown]).tolist()[:5]}")
        n_classes = self.classes_.size
        targets = Targets("binary" if n_classes == 2 else "multiclass", self._labels_, 1 if n_classes == 2 else n_classes)
        return targets, self._labels_[np.searchsorted(self.classes_, y)].reshape(1, -1)

    def _restore(self, model, extra) -> None:
        self._labels_ = model.targets_.classes
        classes = extra.get("classes")
        self.classes_ = np.asarray(classes) if classes is not None else model.targets_.classes

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes) (two columns for binary)."""
        AL = self._outputs(X)  # (n_samples, n[L]); checks that the estimator is fitted
        return np.column_stack([1 - AL[:, 0], AL[:, 0]]) if self.classes_.size == 2 else AL

    def predict_log_proba(self, X):
        """``log(predict_proba(X))``."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Labels, shape (n_samples,), in the user's own labels."""
        outputs = self._outputs(X)  # checks that the estimator is fitted
        return self.classes_[self.model_.targets_.class_indices(outputs.T)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags


class NNRegressor(RegressorMixin, NNBase):
    __doc__ = (
        "A fully connected network regressor (linear output, mean squared error), one or several targets.\n"
        + _PARAMETERS_DOC + _ATTRIBUTES_DOC + """    n_outputs_ : int
"""
    )
    _output_task = "regression"

    def fit(self, X, y, sample_weight=None):
        """Train on X (n_samples, n_features) and targets y (n_samples,) or (n_samples, n_outputs)."""
        return self._fit(X, y, sample_weight)

    def partial_fit(self, X, y, sample_weight=None):
        """One more epoch on (X, y)."""
        return self._fit(X, y, sample_weight, incremental=True)

    def _encode(self, y, classes, continuing):
        Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1).T  # (n_outputs, n_samples)
        if continuing and Y.shape[0] != self.n_outputs_:
            raise ValueError(f"y must have {self.n_outputs_} target column(s), as before; got {Y.shape[0]}")
        self.n_outputs_ = Y.shape[0]
        return Targets("regression", None, Y.shape[0]), Y

    def _restore(self, model, extra) -> None:
        self.n_outputs_ = model.layer_dims[-1]

    def predict(self, X):
        """Predicted values, shape (n_samples,) for one target, else (n_samples, n_outputs)."""
        outputs = self._outputs(X)
        return outputs[:, 0] if outputs.shape[1] == 1 else outputs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # several target columns: one linear output unit each
        return tags


def _model_labels(classes: np.ndarray) -> np.ndarray:
    """Labels the nnlab Model keeps (ints or strings, sorted like ``classes``), so its file and the
    CLI speak the user's labels; class indices where no such form keeps the order."""
    if classes.dtype.kind in "iub" or (classes.dtype.kind == "f" and np.all(classes == np.round(classes))):
        labels = classes.astype(np.int64)
    elif classes.dtype.kind in "UO" and all(isinstance(label, str) for label in classes):
        labels = classes.astype(str)
    else:
        labels = np.arange(classes.size)
    return labels if np.array_equal(np.unique(labels), labels) else np.arange(classes.size)
