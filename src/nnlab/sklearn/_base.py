"""What NNClassifier and NNRegressor share: parameters, input checks, training, state.

Every ``fit`` and ``partial_fit`` is ``nnlab.Model.fit``, the engine's one training loop: example
weights (``sample_weight`` times ``class_weight``) become its ``sample_weight`` (the engine's
weighted cost, L2 included: ``(sum w_i L_i + alpha/2 sum ||W||^2) / sum w_i``), ``partial_fit`` is
one more epoch with the optimizer's state kept, and ``warm_start`` continues the parameters with
fresh optimizer moments (scikit-learn's MLP does the same); both continue the epoch count, so a
decay schedule continues.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ..config import Hyperparameters
from ..io import load_arrays, save_arrays
from ..model import Model

__all__ = ["NNBase"]

#: scikit-learn's activation names, accepted beside nnlab's own
ACTIVATION_ALIASES = {"logistic": "sigmoid", "identity": "linear"}
#: Hyperparameters field -> estimator parameter, where the names differ
RENAMED = {
    "hidden_layers": "hidden_layer_sizes", "optimizer": "solver", "learning_rate": "learning_rate_init",
    "beta1": "beta_1", "beta2": "beta_2", "beta": "momentum", "epochs": "max_iter", "l2": "alpha",
    "patience": "n_iter_no_change", "seed": "random_state",
}
#: nnlab's output activation -> scikit-learn's name for it (``out_activation_``)
OUT_ACTIVATION = {"sigmoid": "logistic", "softmax": "softmax", "linear": "identity"}
SAME_NAME = ("activation", "initializer", "epsilon", "decay", "decay_rate", "decay_steps", "keep_prob",
             "standardize", "dtype", "verbose")


def _store(estimator, values: dict) -> None:
    """``__init__``'s one job (scikit-learn's contract): keep each parameter as given."""
    for name, value in values.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


class NNBase(BaseEstimator):
    """Shared machinery; use :class:`NNClassifier` or :class:`NNRegressor`."""

    _output_task = "regression"  # set by the subclasses

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=1e-4,
                 batch_size="auto", learning_rate_init=1e-3, decay=None, decay_rate=1.0, decay_steps=1,
                 max_iter=200, momentum=0.9, beta_1=0.9, beta_2=0.999, epsilon=1e-8, keep_prob=1.0,
                 initializer="xavier", standardize=False, dtype="float64", early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, warm_start=False, random_state=None, verbose=0):
        _store(self, locals())

    # ------------------------------------------------------------------ parameters
    def _hyperparameters(self, n_samples: int, seed: int, output: str, early_stopping: bool) -> Hyperparameters:
        """The nnlab configuration these parameters describe; errors name the estimator's parameter."""
        batch = self.batch_size
        if isinstance(batch, str) and batch == "auto":
            batch = min(200, n_samples)
        values = {field: getattr(self, param) for field, param in RENAMED.items()}
        values.update({name: getattr(self, name) for name in SAME_NAME})
        values.update(
            activation=ACTIVATION_ALIASES.get(self.activation, self.activation), output=output,
            batch_size=batch, seed=seed, patience=self.n_iter_no_change if early_stopping else None,
            restore_best=True,
        )
        try:
            return Hyperparameters(**values)
        except (TypeError, ValueError) as error:
            message = str(error)
            for field, param in RENAMED.items():
                if message.startswith(field) and field != "seed":
                    message = param + message[len(field):]
            raise type(error)(f"{type(self).__name__}: {message}") from None

    def _check_early_stopping(self, n_samples: int) -> None:
        if not isinstance(self.validation_fraction, (float, int)) or not 0 < self.validation_fraction < 1:
            raise ValueError(f"validation_fraction must be in (0, 1); got {self.validation_fraction!r}")
        if round(self.validation_fraction * n_samples) < 1 or round(self.validation_fraction * n_samples) >= n_samples:
            raise ValueError(
                f"early_stopping needs at least one validation and one training example: validation_fraction "
                f"{self.validation_fraction} of {n_samples} samples gives none"
            )

    def _seed(self) -> int:
        """nnlab's int seed: random_state itself when it is an int, else a draw from it."""
        if isinstance(self.random_state, (int, np.integer)) and not isinstance(self.random_state, bool) \
                and self.random_state >= 0:
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    # ------------------------------------------------------------------ fitting
    def _fit(self, X, y, sample_weight=None, *, incremental: bool = False, classes=None):
        continuing = hasattr(self, "model_") and (incremental or self.warm_start)
        X, y = validate_data(self, X, y, reset=not continuing, dtype=(np.float64, np.float32),
                             multi_output=self._output_task == "regression", y_numeric=self._output_task == "regression")
        if X.shape[0] < 2 and self.early_stopping and not incremental:
            raise ValueError(f"early_stopping needs at least 2 samples; got n_samples = {X.shape[0]}")
        targets, Y = self._encode(y, classes, continuing)  # nnlab Targets, labels for the Model (n_out or 1, m)
        w = self._sample_weight(sample_weight, X, y)  # None: all ones
        seed = self._seed() if not continuing else self._seed_
        early = bool(self.early_stopping) and not incremental
        hp = self._hyperparameters(X.shape[0], seed, targets.output, early)
        dev = dev_weight = None
        if early:
            self._check_early_stopping(X.shape[0])
            stratify = y if self._output_task == "classification" else None
            parts = train_test_split(X, Y.T, np.ones(len(X)) if w is None else w, test_size=self.validation_fraction,
                                     random_state=np.random.RandomState([seed, 2]), stratify=stratify)
            X, X_val, Y_rows, Y_val_rows, w_train, w_val = parts
            Y, dev = Y_rows.T, (X_val.T, Y_val_rows.T)
            w, dev_weight = (None, None) if w is None else (w_train, w_val)
        self._seed_ = seed
        model = self.model_ if continuing else Model(hp)
        model.hyperparameters = hp.replace(epochs=1) if incremental else hp  # partial_fit: one epoch
        try:
            model.fit(X.T, Y, dev=dev, on_epoch=_print_epoch if self.verbose else None, sample_weight=w,
                      dev_weight=dev_weight, warm_start=continuing, keep_optimizer=incremental,
                      classes=self._labels_ if incremental and targets.classes is not None else None)
        finally:
            model.hyperparameters = hp
        history = model.history_
        losses = list(history.train_cost)
        if incremental and continuing:
            losses = list(self.loss_curve_) + losses
        self._record(model, losses, history.dev_metric if dev is not None else None,
                     epochs=model.optimizer_state_.epoch if incremental else len(history.epoch))
        return self

    def _record(self, model, losses, validation_scores, *, epochs) -> None:
        """Set the fitted attributes (scikit-learn's names, trailing underscore)."""
        self.model_ = model
        self.loss_curve_ = [float(cost) for cost in losses]
        self.n_iter_ = epochs
        self.loss_ = self.loss_curve_[-1]
        if validation_scores is None:
            self.best_loss_ = min(self.loss_curve_)
            self.validation_scores_ = self.best_validation_score_ = None
        else:
            self.best_loss_ = None
            self.validation_scores_ = [float(score) for score in validation_scores]
            self.best_validation_score_ = max(self.validation_scores_)
        self.n_layers_ = len(model.parameters_) // 2 + 1
        self.out_activation_ = OUT_ACTIVATION[model.targets_.output]

    def _sample_weight(self, sample_weight, X, y):
        """Example weights times class weights; None when all are exactly one (the unweighted run, bit for bit)."""
        w = _check_sample_weight(sample_weight, X, dtype=np.float64) if sample_weight is not None else None
        class_weight = getattr(self, "class_weight", None)
        if class_weight is not None:
            from sklearn.utils.class_weight import compute_sample_weight

            per_class = compute_sample_weight(class_weight, y)
            w = per_class if w is None else w * per_class
        if w is None or np.all(w == 1):
            return None
        return w  # Model.fit checks the rest once (finite, non-negative, a positive sum)

    # ------------------------------------------------------------------ inference and state
    def _outputs(self, X) -> np.ndarray:
        """The network's outputs, shape (n_samples, n[L])."""
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return self.model_.predict_proba(X.T).T

    @property
    def coefs_(self) -> list:
        """``coefs_[i]`` of shape (n_in, n_out): views of ``W{i+1}.T`` (scikit-learn's orientation)."""
        check_is_fitted(self, "model_")
        params = self.model_.parameters_
        return [params[f"W{l}"].T for l in range(1, len(params) // 2 + 1)]

    @property
    def intercepts_(self) -> list:
        """``intercepts_[i]`` of shape (n_out,): views of ``b{i+1}``."""
        check_is_fitted(self, "model_")
        params = self.model_.parameters_
        return [params[f"b{l}"][:, 0] for l in range(1, len(params) // 2 + 1)]

    def save(self, path) -> None:
        """Write the fitted network to an nnlab model file (``.npz``, never pickle), readable by
        :meth:`load`, ``nnlab.Model.load`` and the CLI."""
        check_is_fitted(self, "model_")
        arrays, metadata = self.model_.to_arrays()
        metadata["sklearn"] = {
            "estimator": type(self).__name__,
            "params": {name: value for name, value in self.get_params().items() if _json_ready(value)},
            "feature_names_in": None if not hasattr(self, "feature_names_in_") else list(map(str, self.feature_names_in_)),
            "classes": _json_list(getattr(self, "classes_", None)),
            "loss_curve": self.loss_curve_, "n_outputs": getattr(self, "n_outputs_", None),
        }
        save_arrays(Path(path), arrays, metadata)

    @classmethod
    def load(cls, path):
        """An estimator from a model file written by :meth:`save` (or by ``nnlab.Model.save``)."""
        arrays, metadata = load_arrays(Path(path))
        model = Model.from_arrays(arrays, metadata, source=path)
        return cls._from_model(model, metadata.get("sklearn") or {}, source=path)

    @classmethod
    def from_model(cls, model: Model):
        """An estimator around a fitted ``nnlab.Model`` (shared, not copied); its hyperparameters
        become the estimator's parameters."""
        if not isinstance(model, Model) or model.parameters_ is None:
            raise ValueError(f"model must be a fitted nnlab.Model; got {model!r}")
        return cls._from_model(model, {}, source="model")

    @classmethod
    def _from_model(cls, model: Model, extra: dict, source):
        is_regression = model.targets_.task == "regression"
        if is_regression != (cls._output_task == "regression"):
            other = "NNRegressor" if is_regression else "NNClassifier"
            raise ValueError(f"{source} holds a {model.targets_.task} network; load it with {other}")
        params = {name: value for name, value in (extra.get("params") or {}).items() if name in cls._get_param_names()}
        if not params:  # a file of nnlab.Model: its hyperparameters under the estimator's names
            hp = model.hyperparameters
            params = {param: getattr(hp, field) for field, param in RENAMED.items() if field not in ("patience", "seed")}
            params.update({name: getattr(hp, name) for name in SAME_NAME}, random_state=hp.seed)
        if isinstance(params.get("hidden_layer_sizes"), list):
            params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
        estimator = cls(**params)
        estimator.n_features_in_ = model.layer_dims[0]
        if extra.get("feature_names_in"):
            estimator.feature_names_in_ = np.asarray(extra["feature_names_in"], dtype=object)
        estimator._restore(model, extra)
        history = model.history_
        losses = extra.get("loss_curve") or (list(history.train_cost) if history is not None else [np.nan])
        estimator._seed_ = model.hyperparameters.seed
        estimator._record(model, losses, None, epochs=len(losses))
        return estimator


def _print_epoch(epoch, history) -> None:
    """``verbose``: each epoch's training loss, as scikit-learn's MLP prints it (epochs from 1)."""
    print(f"Iteration {epoch + 1}, loss = {history.train_cost[-1]:.8f}")


def _json_ready(value) -> bool:
    return value is None or isinstance(value, (bool, int, float, str)) or (
        isinstance(value, (tuple, list)) and all(isinstance(item, (int, np.integer)) for item in value)
    )


def _json_list(values):
    if values is None:
        return None
    items = np.asarray(values).tolist()
    return items if all(isinstance(item, (bool, int, float, str)) for item in items) else None
