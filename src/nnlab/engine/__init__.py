"""The engine: NumPy-only, pure functions. The one place where each formula is written.

Shapes follow the course: X is (n_x, m), W{l} is (n[l], n[l-1]), b{l} is (n[l], 1).
"""

from .activations import ACTIVATIONS, Activation, get_activation
from .blocks import (
    LayerCache,
    LinearCache,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
)
from .gradcheck import GradientCheck, gradient_check, relative_difference
from .initializers import INITIALIZERS, initialize_parameters
from .losses import LOSSES, Loss, compute_cost, get_loss, l2_penalty
from .metrics import accuracy, binary_predictions
from .network import Caches, inverted_dropout, model_backward, model_forward, n_layers, predict
from .optimizers import OPTIMIZERS, initialize_optimizer, optimizer_step, update_parameters
from .schedules import SCHEDULES, learning_rate_at
from .seeding import as_random_state
from .training import OptimizerState, TrainOptions, gradient_descent, train

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "Caches",
    "GradientCheck",
    "INITIALIZERS",
    "LOSSES",
    "LayerCache",
    "LinearCache",
    "Loss",
    "OPTIMIZERS",
    "SCHEDULES",
    "OptimizerState",
    "TrainOptions",
    "accuracy",
    "as_random_state",
    "binary_predictions",
    "compute_cost",
    "get_activation",
    "get_loss",
    "gradient_check",
    "gradient_descent",
    "initialize_optimizer",
    "initialize_parameters",
    "inverted_dropout",
    "l2_penalty",
    "learning_rate_at",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "model_backward",
    "model_forward",
    "n_layers",
    "optimizer_step",
    "predict",
    "train",
    "relative_difference",
    "update_parameters",
]
