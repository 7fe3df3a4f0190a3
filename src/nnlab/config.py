"""One frozen dataclass of hyperparameters, shared by the Model, the CLI and the search.

Names and defaults exist here only: the CLI builds its flags from these fields, the search
space names them, and a saved model records them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from .engine.activations import ACTIVATIONS
from .engine.initializers import INITIALIZERS
from .engine.optimizers import OPTIMIZERS
from .engine.schedules import SCHEDULES
from .engine.validation import check_int, check_real, describe

__all__ = ["Hyperparameters", "OUTPUTS"]

OUTPUTS = ("sigmoid", "softmax", "linear")
RELU_LIKE = ("relu", "leaky_relu")


def _choice(value, name: str, allowed, *, optional: bool = False):
    if value is None and optional:
        return None
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {sorted(a for a in allowed if a is not None)}; got {value!r}")
    return value


def _field(default, help: str):
    """A field with its default and its one-line help (shown by ``nnlab train --help``)."""
    return dataclasses.field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Hyperparameters:
    """Everything that defines a training run. Validated on construction.

    Each field's help text is in its metadata (``dataclasses.fields(Hyperparameters)[i].metadata
    ["help"]``): the command line's ``train`` flags are generated from these fields.

    Examples
    --------
    >>> Hyperparameters(hidden_layers=(4,), activation="tanh", learning_rate=1.2, epochs=10000)
    """

    # architecture
    hidden_layers: tuple[int, ...] = _field((4,), 'Units per hidden layer, comma-separated, e.g. 20,7,5; "" or none: '
                                           "no hidden layer (logistic regression).")
    activation: str = _field("tanh", "hidden activation: sigmoid, tanh, relu, leaky_relu, linear")
    output: str | None = _field(None, "sigmoid | softmax | linear; None infers it from the labels")
    initializer: str | None = _field(None, 'None: "he" for relu-like, "xavier" otherwise')
    # optimization
    optimizer: str = _field("gd", "gd | momentum | rmsprop | adam")
    learning_rate: float = _field(0.01, "alpha (alpha_0 with a decay schedule)")
    beta: float = _field(0.9, "momentum")
    beta1: float = _field(0.9, "Adam's first moment")
    beta2: float = _field(0.999, "Adam's second moment, RMSprop's average")
    epsilon: float = _field(1e-8, "RMSprop / Adam denominator guard")
    decay: str | None = _field(None, "None | inverse_time | step")
    decay_rate: float = _field(1.0, "how fast a decay schedule lowers alpha: alpha_0 / (1 + decay_rate * t)")
    decay_steps: int = _field(1, 'epochs per step of the "step" schedule')
    batch_size: int | None = _field(None, "None: full batch")
    epochs: int = _field(1000, "passes over the training set")
    # regularization
    l2: float = _field(0.0, "lambda of the L2 term lambda/(2m) sum ||W||^2")
    keep_prob: float = _field(1.0, "inverted dropout on hidden layers; 1 disables it")
    patience: int | None = _field(None, "early stopping on the dev cost; None disables it")
    restore_best: bool = _field(True, "with early stopping, keep the best dev epoch's parameters")
    # data and reproducibility
    standardize: bool = _field(True, "fit mean/std on the training data, store them with the model")
    seed: int = _field(0, "seed of the initial weights, the mini-batch shuffling and the dropout masks")
    dtype: str = _field("float64", "float64 | float32 (end to end)")
    verbose: int = _field(0, "0 silent, 1 progress bar / summary")

    def __post_init__(self) -> None:
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731  (frozen)
        layers = self.hidden_layers
        if isinstance(layers, (int, np.integer)) and not isinstance(layers, bool):
            layers = (layers,)
        if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
            raise TypeError(f"hidden_layers must be a sequence of positive ints like (20, 7, 5); got {describe(layers)}")
        set_("hidden_layers", tuple(check_int(n, f"hidden_layers[{i}]", 1) for i, n in enumerate(layers)))
        _choice(self.activation, "activation", [a for a in ACTIVATIONS if a != "softmax"])
        _choice(self.output, "output", OUTPUTS, optional=True)
        _choice(self.initializer, "initializer", INITIALIZERS, optional=True)
        _choice(self.optimizer, "optimizer", OPTIMIZERS)
        _choice(self.decay, "decay", SCHEDULES, optional=True)
        set_("learning_rate", check_real(self.learning_rate, "learning_rate", low=0.0, low_open=True))
        for name in ("beta", "beta1", "beta2"):
            set_(name, check_real(getattr(self, name), name, low=0.0, high=1.0, high_open=True))
        set_("epsilon", check_real(self.epsilon, "epsilon", low=0.0, low_open=True))
        set_("decay_rate", check_real(self.decay_rate, "decay_rate", low=0.0))
        set_("decay_steps", check_int(self.decay_steps, "decay_steps", 1))
        if self.batch_size is not None:
            set_("batch_size", check_int(self.batch_size, "batch_size", 1))
        set_("epochs", check_int(self.epochs, "epochs", 1))
        set_("l2", check_real(self.l2, "l2", low=0.0))
        set_("keep_prob", check_real(self.keep_prob, "keep_prob", low=0.0, high=1.0, low_open=True))
        if self.patience is not None:
            set_("patience", check_int(self.patience, "patience", 1))
        for name in ("restore_best", "standardize"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(f"{name} must be true or false; got {describe(getattr(self, name))}")
        set_("seed", check_int(self.seed, "seed", 0))
        _choice(self.dtype, "dtype", ("float32", "float64"))
        set_("verbose", check_int(self.verbose, "verbose", 0))

    @property
    def resolved_initializer(self) -> str:
        """The initializer used: the chosen one, or He for relu-like and Xavier otherwise."""
        if self.initializer is not None:
            return self.initializer
        return "he" if self.activation in RELU_LIKE else "xavier"

    def replace(self, **changes) -> "Hyperparameters":
        """A copy with some fields changed (validated); unknown names raise ``ValueError``."""
        return Hyperparameters.from_dict({**self.to_dict(), **changes})

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (tuples become lists)."""
        values = dataclasses.asdict(self)
        values["hidden_layers"] = list(self.hidden_layers)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "Hyperparameters":
        """Build from a mapping; an unknown key raises ``ValueError`` naming it and the known ones."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown hyperparameter(s) {unknown}; known: {sorted(known)}")
        return cls(**values)

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

