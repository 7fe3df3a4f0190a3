"""The Model: an estimator holding a configuration and learned state, delegating the math.

``fit`` standardizes the inputs (statistics from the training data only), encodes the labels
(:mod:`nnlab.labels`), initializes ``W[l]``/``b[l]`` and runs the engine's one training loop
(:func:`nnlab.engine.training.train`). ``save``/``load`` keep everything needed to predict in one
``.npz`` file (:mod:`nnlab.io`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
from tqdm import tqdm

from .config import Hyperparameters
from .data.scaling import Standardizer
from .engine import initializers, losses, metrics, network
from .engine.losses import check_sample_weight
from .engine.training import History, OptimizerState, TrainOptions, check_dev_weight, train_unchecked
from .engine.validation import as_float_array, check_finite, describe
from .errors import TrainingDiverged
from . import model_file
from .io import load_arrays, save_arrays
from .labels import Targets, check_label_array, infer_targets_unchecked

__all__ = ["Model", "progress_callback"]

def progress_callback(bar: tqdm, epochs: int) -> Callable[[int, History], None]:
    """An ``on_epoch`` callback advancing a tqdm ``bar`` and showing the latest costs now and then."""
    every = max(1, epochs // 200)

    def on_epoch(epoch, history):
        bar.update(1)
        if epoch % every == 0 or epoch == epochs - 1:
            postfix = {"cost": f"{history.train_cost[-1]:.4g}"}
            if np.isfinite(history.dev_cost[-1]):
                postfix["dev"] = f"{history.dev_cost[-1]:.4g}"
            bar.set_postfix(postfix, refresh=False)

    return on_epoch


class Model:
    """A fully connected network trained by the course's general method.

    Parameters
    ----------
    hyperparameters : Hyperparameters, optional
        The whole configuration; keyword arguments override single fields.

    Attributes (after ``fit`` or ``load``)
    ----------
    parameters_ : dict
        ``"W{l}"`` of shape (n[l], n[l-1]) and ``"b{l}"`` of shape (n[l], 1).
    targets_ : Targets
        Task, output activation and classes.
    scaler_ : Standardizer or None
    preprocessor_ : Preprocessor or None
        Feature names, categories and missing values of a DataFrame given to ``fit`` (None for
        arrays); applied by ``predict`` / ``evaluate`` to DataFrames, matched by column name.
    split_ : dict or None
        The train/dev/test split the model was trained with (fractions, seed, stratification,
        number of examples), recorded by the command line; saved in the model file.
    history_ : History
        Train and dev cost and metric per epoch.
    best_epoch_, stopped_early_ : int, bool
    optimizer_state_ : OptimizerState or None
        Where the last ``fit`` left the optimizer (``fit(..., warm_start=True)`` continues it).

    Examples
    --------
    >>> from nnlab import Model
    >>> from nnlab.data import load_planar_dataset
    >>> X, Y = load_planar_dataset()
    >>> model = Model(hidden_layers=(4,), activation="tanh", learning_rate=1.2, epochs=10000)
    >>> model.fit(X, Y).score(X, Y)
    """

    def __init__(self, hyperparameters: Hyperparameters | None = None, **overrides):
        hyperparameters = hyperparameters or Hyperparameters()
        if not isinstance(hyperparameters, Hyperparameters):
            raise TypeError(f"hyperparameters must be a Hyperparameters; got {type(hyperparameters).__name__}")
        self.hyperparameters = hyperparameters.replace(**overrides) if overrides else hyperparameters
        self.parameters_: dict | None = None
        self.targets_: Targets | None = None
        self.scaler_: Standardizer | None = None
        self.preprocessor_ = None  # a fitted nnlab.data.preprocess.Preprocessor (DataFrame input)
        self.split_: dict | None = None
        self.history_: History | None = None
        self.best_epoch_: int | None = None
        self.stopped_early_ = False
        self.optimizer_state_: OptimizerState | None = None
        self._rng: np.random.RandomState | None = None  # shuffling and dropout, continued by a warm start

    # ------------------------------------------------------------------ state
    @property
    def history(self) -> History | None:
        """Train and dev cost and metric per epoch (``history_``; kept after a divergence too)."""
        return self.history_

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.hyperparameters.dtype)

    @property
    def layer_dims(self) -> list[int]:
        """``[n[0], n[1], ..., n[L]]`` of the fitted network."""
        self._check_fitted()
        L = network.n_layers(self.parameters_)
        return [self.parameters_["W1"].shape[1]] + [self.parameters_[f"W{l}"].shape[0] for l in range(1, L + 1)]

    def _check_fitted(self) -> None:
        if self.parameters_ is None:
            raise ValueError("this Model is not fitted yet: call fit(X, Y) or Model.load(path) first")

    def _inputs(self, X, name: str = "X") -> np.ndarray:
        """Validate X (2-D, finite, n[0] rows when fitted) and apply the stored standardization."""
        return self._prepare(self._check_inputs(X, name), name)

    def _check_inputs(self, X, name: str) -> np.ndarray:
        """X as a floating-point array, validated once: 2-D, at least one example, finite, and
        n[0] rows when the model knows n[0]."""
        X = as_float_array(X, name)
        if X.shape[1] == 0:
            raise ValueError(f"{name} must hold at least one example (column); got shape {X.shape}")
        check_finite(X, name)
        n_x = (
            self.parameters_["W1"].shape[1] if self.parameters_ is not None
            else self.scaler_.n_features if self.scaler_ is not None else None
        )
        if n_x is not None:
            if X.shape[0] != n_x:
                raise ValueError(
                    f"{name} must have {n_x} features (rows), as the model was trained on; got shape {X.shape} "
                    "(one example per column)"
                )
        return X

    def _prepare(self, X: np.ndarray, name: str) -> np.ndarray:
        """Checked X, standardized and in the model's dtype; each step that can overflow a finite
        X (centring and scaling; a narrower dtype) is checked after it, and only those."""
        if self.scaler_ is not None:
            with np.errstate(over="ignore", invalid="ignore"):
                X = self.scaler_.transform(X)
            if not np.isfinite(X).all():
                raise ValueError(f"{name} holds values too large to standardize (beyond about 1e308 after centring)")
        narrower = self.dtype.itemsize < X.dtype.itemsize
        with np.errstate(over="ignore"):
            X = X.astype(self.dtype, copy=False)
        if narrower and not np.isfinite(X).all():  # float32 overflows beyond about 3.4e38
            raise ValueError(f"{name} holds values too large for {self.dtype} (|x| up to {np.finfo(self.dtype).max:.3g})")
        return X

    def _targets(self, Y, X: np.ndarray, name: str = "Y", x_name: str = "X", checked: bool = False) -> np.ndarray:
        Y_encoded = (self.targets_.encode_unchecked if checked else self.targets_.encode)(Y, self.dtype)
        if Y_encoded.shape[1] != X.shape[1]:
            raise ValueError(
                f"{name} must hold one label per example of {x_name}: {x_name} has {X.shape[1]} examples, "
                f"{name} has {Y_encoded.shape[1]}"
            )
        return Y_encoded

    # ------------------------------------------------------------------ training
    def fit(self, X, Y, dev: tuple | None = None, on_epoch: Callable[[int, History], None] | None = None, *,
            task: str | None = None, preprocessor=None, sample_weight=None, dev_weight=None,
            warm_start: bool = False, keep_optimizer: bool = True, classes=None) -> "Model":
        """Train on ``X`` (n_x, m) and labels ``Y``; score ``dev = (X_dev, Y_dev)`` every epoch.

        ``X`` may also be a pandas DataFrame with **one example per row** (as pandas users
        expect, unlike the arrays' one example per column) and ``Y`` a Series or sequence of m
        labels: ``preprocessor`` (a :class:`~nnlab.data.preprocess.Preprocessor`, default one
        that one-hot encodes the text columns and refuses missing values) is fitted on ``X``,
        kept as ``preprocessor_``, saved with the model and applied to every DataFrame that
        ``predict`` / ``evaluate`` receive. ``task`` ("classification" or "regression") names
        the task instead of inferring it from ``Y`` (:func:`~nnlab.labels.infer_targets`).

        ``sample_weight`` (m,) and ``dev_weight`` (m_dev,) weigh the examples (the engine's
        weighted cost; the standardization's statistics are weighted too). ``warm_start=True`` on
        a fitted model trains ``epochs`` more from its parameters, preprocessing, standardization
        and classes, continuing the optimizer's state (``keep_optimizer=False``: moments from
        zero), the epoch count (decay schedules continue) and the shuffling stream; ``history_``
        then holds the new epochs. A warm start keeps ``preprocessor_`` as fitted: ``X`` (and
        dev's) must be of the kind the model was fitted on, an array or a DataFrame (a TypeError
        otherwise), and ``preprocessor`` must be None (a ValueError otherwise). ``classes``
        (classification): all the labels ``Y`` may hold, when ``Y`` lacks some.

        On divergence (a non-finite cost) raises :class:`~nnlab.errors.TrainingDiverged`; the last
        finite parameters stay in ``parameters_`` for inspection.

        The arrays are validated here, once (and the dev set's), then handed to the engine's loop
        as they are (:func:`~nnlab.engine.training.train_unchecked`).
        """
        hp = self.hyperparameters
        continuing = bool(warm_start) and self.parameters_ is not None
        if not continuing:
            self.parameters_ = self.scaler_ = self.history_ = self.optimizer_state_ = self._rng = None
            self.preprocessor_ = None
        if continuing:  # the fitted preprocessing (or none), as predict applies it
            if preprocessor is not None:
                raise ValueError("preprocessor must be None with warm_start=True (a warm start keeps the fitted "
                                 f"preprocessor_); got {type(preprocessor).__name__}")
            X, Y = self._table(X, Y)
            if isinstance(dev, (tuple, list)) and len(dev) == 2:
                dev = self._table(*dev)
        else:
            X, Y, dev = self._fit_table(X, Y, dev, preprocessor)
        X = self._check_inputs(X, "X")
        Y = check_label_array(Y)
        w = None if sample_weight is None else check_sample_weight(sample_weight, X.shape[1])
        if not continuing:
            known = Y if classes is None else check_label_array(np.asarray(classes).reshape(1, -1))
            self.targets_ = infer_targets_unchecked(known, hp.output, task)
            if classes is not None and self.targets_.task == "regression":
                raise ValueError(f"classes is for classification; got {describe(classes)} for a regression (linear output)")
            self.scaler_ = Standardizer().fit_unchecked(X, w) if hp.standardize else None  # X, w checked above
        X = self._prepare(X, "X")
        Y = self._targets(Y, X, checked=not continuing and classes is None)
        if dev is not None:
            if not isinstance(dev, (tuple, list)) or len(dev) != 2:
                raise TypeError("dev must be a pair (X_dev, Y_dev)")
            X_dev = self._inputs(dev[0], "X_dev")
            if X_dev.shape[0] != X.shape[0]:
                raise ValueError(f"X_dev must have {X.shape[0]} features (rows) like X; got shape {X_dev.shape}")
            dev = (X_dev, self._targets(dev[1], X_dev, "Y_dev", "X_dev"))
        dev_weight = check_dev_weight(dev_weight, dev)
        if continuing:
            parameters, state = self.parameters_, self._continued_state(keep_optimizer)
        else:
            layer_dims = [X.shape[0], *hp.hidden_layers, self.targets_.n_outputs]
            parameters = initializers.initialize_parameters(
                layer_dims, hp.resolved_initializer, seed=hp.seed, dtype=self.dtype
            )
            state = None
        # a stream apart from the initializer's RandomState(seed), for shuffling and dropout
        self._rng = self._rng if continuing and self._rng is not None else np.random.RandomState([hp.seed, 1])
        bar = None
        if hp.verbose and on_epoch is None:  # a progress bar on stderr, as tqdm does by default
            bar = tqdm(total=hp.epochs, desc="training", unit="epoch", leave=False)
            on_epoch = progress_callback(bar, hp.epochs)
        options = TrainOptions(  # the engine's names for the hyperparameters; the task's output and its loss
            epochs=hp.epochs, learning_rate=hp.learning_rate, hidden=hp.activation, output=self.targets_.output,
            optimizer=hp.optimizer, beta=hp.beta, beta1=hp.beta1, beta2=hp.beta2, epsilon=hp.epsilon,
            decay=hp.decay, decay_rate=hp.decay_rate, decay_steps=hp.decay_steps, batch_size=hp.batch_size,
            lambd=hp.l2, keep_prob=hp.keep_prob, patience=hp.patience, restore_best=hp.restore_best,
        )
        try:
            result = train_unchecked(X, Y, parameters, options, dev=dev, on_epoch=on_epoch, rng=self._rng,
                                     sample_weight=w, dev_weight=dev_weight, state=state)
        except TrainingDiverged as error:
            self.parameters_, self.history_ = error.parameters, error.history
            raise
        finally:
            if bar is not None:
                bar.close()
        self.parameters_ = result.parameters
        self.history_ = result.history
        self.best_epoch_ = result.best_epoch
        self.stopped_early_ = result.stopped_early
        self.optimizer_state_ = result.state
        return self

    def _fit_table(self, X, Y, dev, preprocessor):
        """A DataFrame ``X`` (and dev's): fit the preprocessor, return arrays (n_x, m) and the
        labels of the rows kept; arrays pass through."""
        from .data.preprocess import Preprocessor, is_frame, labels_row

        if not is_frame(X):
            return X, Y, dev
        pre = preprocessor if preprocessor is not None else Preprocessor()
        X, kept = pre.fit(X).transform_rows(X)
        self.preprocessor_ = pre
        Y = labels_row(Y, kept)
        if dev is not None and isinstance(dev, (tuple, list)) and len(dev) == 2 and is_frame(dev[0]):
            X_dev, kept_dev = pre.transform_rows(dev[0])
            dev = (X_dev, labels_row(dev[1], kept_dev))
        return X, Y, dev

    def _table(self, X, Y=None):
        """Apply ``preprocessor_`` to a DataFrame (rows dropped by its policy leave ``Y`` too);
        an array given to a model fitted on a DataFrame is a TypeError."""
        from .data.preprocess import is_frame, labels_row

        if self.preprocessor_ is None:
            if is_frame(X):
                raise TypeError("this Model was fitted on arrays (one example per column); pass an array, not a DataFrame")
            return X, Y
        if not is_frame(X):
            raise TypeError(
                f"this Model was fitted on a DataFrame with the columns {self.preprocessor_.feature_names_}; "
                "pass a DataFrame (one example per row)"
            )
        if Y is None:
            return self.preprocessor_.transform(X), None
        X, kept = self.preprocessor_.transform_rows(X)
        return X, labels_row(Y, kept)

    def _continued_state(self, keep_optimizer: bool) -> OptimizerState:
        """The optimizer state a warm start continues: the last fit's (moments from zero unless
        ``keep_optimizer``, or when the optimizer changed), or, for a loaded model, zero moments at
        the epoch its history reached."""
        state, optimizer = self.optimizer_state_, self.hyperparameters.optimizer
        if state is not None and keep_optimizer and state.optimizer == optimizer:
            return state
        if state is not None:
            done = state.epoch
        else:
            done = int(self.history_.epoch[-1]) + 1 if self.history_ is not None and self.history_.epoch else 0
        return OptimizerState(optimizer, {}, 0, done)

    # ------------------------------------------------------------------ inference
    def predict_proba(self, X) -> np.ndarray:
        """Network outputs A[L] of shape (n[L], m): probabilities, or regression values.

        ``X``: an array (n_x, m), or a DataFrame (one example per row) for a model fitted on one.
        """
        self._check_fitted()
        X, _ = self._table(X)
        return self._outputs(self._inputs(X))

    def _outputs(self, X: np.ndarray) -> np.ndarray:
        """A[L] of prepared inputs (checked by :meth:`_inputs`; the parameters were checked when
        fitted or loaded): the engine's forward loop without checking them again."""
        L = network.n_layers(self.parameters_)
        layers = network.layer_arrays(self.parameters_, L)
        with np.errstate(over="ignore", invalid="ignore"):
            AL, caches = network.forward_unchecked(
                X, layers, network.layer_activations(L, self.hyperparameters.activation, self.targets_.output)
            )
        network.check_overflow(X, caches)
        return AL

    def predict(self, X) -> np.ndarray:
        """Predictions: the user's class labels, shape (1, m), or regression values (n[L], m)."""
        AL = self.predict_proba(X)  # checks that the model is fitted
        return self.targets_.decode(AL)

    def score(self, X, Y) -> float:
        """Accuracy for classification, R² for regression."""
        return self.evaluate(X, Y)["metric"]

    def evaluate(self, X, Y) -> dict:
        """Metric, cost and (classification) confusion matrix on ``(X, Y)``.

        Returns
        -------
        dict
            ``metric_name`` ("accuracy" or "r2"), ``metric``, ``cost``, ``m``, and for
            classification ``classes`` and ``confusion`` (rows: true class, columns: predicted).
        """
        self._check_fitted()
        X, Y = self._table(X, Y)
        X_in = self._inputs(X)
        Y_encoded = self._targets(Y, X_in)
        output = self.targets_.output
        AL = self._outputs(X_in)
        report = {
            "metric_name": "r2" if self.targets_.task == "regression" else "accuracy",
            "metric": metrics.score_outputs(AL, Y_encoded, output),
            "cost": self._cost(AL, Y_encoded),
            "m": X_in.shape[1],
        }
        if self.targets_.task != "regression":
            true = self.targets_.class_indices(Y_encoded) if self.targets_.task == "multiclass" else Y_encoded[0].astype(np.int64)
            report["classes"] = self.targets_.classes.tolist()
            report["confusion"] = metrics.confusion_matrix(true, self.targets_.class_indices(AL), len(self.targets_.classes))
        return report

    def _cost(self, AL: np.ndarray, Y: np.ndarray) -> float:
        """The output's own loss of outputs and encoded targets (both trusted)."""
        with np.errstate(over="ignore"):  # e.g. squared errors of targets near 1e300: the cost is inf
            return losses.canonical_loss(self.targets_.output).cost(AL, Y)

    # ------------------------------------------------------------------ persistence
    def save(self, path) -> None:
        """Write parameters, normalization, classes, history and hyperparameters to one ``.npz``."""
        save_arrays(Path(path), *self.to_arrays())

    def to_arrays(self) -> tuple[dict, dict]:
        """The fitted model as ``(arrays, metadata)``: NumPy arrays and JSON-ready values, what
        :meth:`save` writes and :meth:`from_arrays` reads back (:mod:`nnlab.model_file`)."""
        self._check_fitted()
        return model_file.to_arrays(self)

    @classmethod
    def load(cls, path) -> "Model":
        """Read a model written by :meth:`save` (no pickle; checksum and version verified)."""
        return cls.from_arrays(*load_arrays(Path(path)), source=path)

    @classmethod
    def from_arrays(cls, arrays: dict, metadata: dict, source="the model") -> "Model":
        """The model that :meth:`to_arrays` described; ``ModelFileError`` (naming ``source``) if
        the arrays and metadata do not make one (:mod:`nnlab.model_file`)."""
        return model_file.from_arrays(cls, arrays, metadata, source)

    def __repr__(self) -> str:
        state = f"layer_dims={self.layer_dims}" if self.parameters_ is not None else "not fitted"
        return f"Model({state}, {self.hyperparameters!r})"
