"""Gradient checking: backpropagation against two-sided numerical differences.

For every parameter theta_i (and, optionally, every input x_i)::

    g_approx_i = (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)

and the course's relative difference ``||g - g_approx|| / (||g|| + ||g_approx||)``; below about
1e-7 in float64 the backward pass is right.

With dropout (``keep_prob < 1``) every evaluation of J, and the forward pass that feeds
backprop, draws its masks from a fresh ``RandomState(seed)``. The masks depend only on the
seed and the layer shapes, so all evaluations see the same thinned network and the numerical
gradient is that network's gradient.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .losses import canonical_loss, compute_cost, get_loss, l2_penalty
from .network import check_dropout, model_backward, model_forward, n_layers
from .initializers import initialize_parameters
from .seeding import as_random_state
from .validation import check_int

__all__ = ["GradientCheck", "gradient_check", "random_check_problem", "relative_difference"]


class GradientCheck(NamedTuple):
    """Result of :func:`gradient_check`: the difference and both gradient vectors."""

    difference: float
    analytic: np.ndarray
    numeric: np.ndarray
    names: list[str]  # one entry per vector component, e.g. "W2[0, 3]"

    def worst(self, count: int = 5) -> list[tuple[str, float, float]]:
        """The components where the two gradients disagree most: ``(name, analytic, numeric)``."""
        order = np.argsort(-np.abs(self.analytic - self.numeric))[:count]
        return [(self.names[i], float(self.analytic[i]), float(self.numeric[i])) for i in order]


def relative_difference(g, g_approx) -> float:
    """``||g - g_approx||_2 / (||g||_2 + ||g_approx||_2)`` (0 when both are zero)."""
    g, g_approx = np.ravel(g), np.ravel(g_approx)
    denominator = np.linalg.norm(g) + np.linalg.norm(g_approx)
    return float(np.linalg.norm(g - g_approx) / denominator) if denominator else 0.0


def gradient_check(
    parameters,
    X,
    Y,
    hidden="relu",
    output="sigmoid",
    loss=None,
    lambd=0.0,
    epsilon=1e-7,
    fused=True,
    derivative_from="A",
    wrt_input=False,
    keep_prob=1.0,
    seed=0,
) -> GradientCheck:
    """Compare :func:`model_backward` with central differences of the cost.

    Parameters
    ----------
    parameters : dict of ``"W{l}"``, ``"b{l}"`` (use float64)
    X : ndarray of shape (n[0], m)
    Y : ndarray of shape (n[L], m)
    hidden, output, loss, lambd, fused, derivative_from : as in :func:`model_backward`
    epsilon : float
        The two-sided step.
    wrt_input : bool
        Also check ``dA0``, the gradient with respect to X.
    keep_prob : float in (0, 1]
        Inverted dropout on the hidden layers, as in :func:`model_forward`.
    seed : int in [0, 2**32 - 1]
        With ``keep_prob < 1``, every forward pass uses ``RandomState(seed)``, so the masks are
        the same in each.

    Returns
    -------
    GradientCheck
    """
    loss = canonical_loss(output) if loss is None else get_loss(loss)
    L = n_layers(parameters)
    X = np.array(X, dtype=np.float64)
    m = X.shape[1]
    seed = check_int(seed, "seed", 0)
    keep_prob = check_dropout(keep_prob, as_random_state(seed))

    def forward(params, inputs):
        rng = as_random_state(seed) if keep_prob < 1 else None  # the same masks every time
        return model_forward(inputs, params, hidden, output, keep_prob, rng)

    def cost(params, inputs):
        AL, _ = forward(params, inputs)
        return compute_cost(AL, Y, loss) + l2_penalty(params, lambd, m)

    AL, caches = forward(parameters, X)
    grads = model_backward(AL, Y, caches, hidden, output, loss, lambd, fused, derivative_from)

    # (name, array to perturb, analytic gradient of J = (1/m) * course-scaled grad for dA0)
    targets = [(f"{p}{l}", parameters[f"{p}{l}"], grads[f"d{p}{l}"]) for l in range(1, L + 1) for p in "Wb"]
    if wrt_input:
        targets.append(("X", X, grads["dA0"] / m))  # dA0 is m * dJ/dX in the course's scaling

    analytic, numeric, names = [], [], []
    for name, array, gradient in targets:
        for index in np.ndindex(array.shape):
            def shifted(delta):
                copy = np.array(array, dtype=np.float64)
                copy[index] += delta
                if name == "X":
                    return cost(parameters, copy)
                return cost({**parameters, name: copy}, X)

            numeric.append((shifted(epsilon) - shifted(-epsilon)) / (2 * epsilon))
            analytic.append(gradient[index])
            names.append(f"{name}[{', '.join(map(str, index))}]")
    analytic, numeric = np.array(analytic), np.array(numeric)
    return GradientCheck(relative_difference(analytic, numeric), analytic, numeric, names)


def random_check_problem(dims, hidden, output, m, seed, keep_prob=1.0, margin=1e-3, attempts=200):
    """A random float64 network and data to check: ``(parameters, X, Y)``, hidden |Z| > ``margin``.

    ``dims`` are all layer sizes n[0], ..., n[L]; ``X`` is (n[0], m); ``Y`` (n[L], m) holds 0/1
    labels (sigmoid), one-hot columns (softmax) or reals (anything else).

    Keeping Z away from 0 keeps relu-like units off their kink, where the numerical difference
    straddles two slopes. Draws are retried from ``RandomState([seed, attempt])``.
    """
    for attempt in range(attempts):
        rs = np.random.RandomState([seed, attempt])
        parameters = initialize_parameters(dims, "he", seed=rs)
        for l in range(1, len(dims)):
            parameters[f"b{l}"] = 0.1 * rs.randn(dims[l], 1)
        X = rs.randn(dims[0], m)
        if output == "sigmoid":
            Y = (rs.rand(dims[-1], m) > 0.5).astype(np.float64)
        elif output == "softmax":
            Y = np.eye(dims[-1])[:, rs.randint(dims[-1], size=m)]
        else:
            Y = rs.randn(dims[-1], m)
        # the forward pass gradient_check makes: masks from RandomState(seed) under dropout
        masks = np.random.RandomState(seed) if keep_prob < 1 else None
        _, caches = model_forward(X, parameters, hidden, output, keep_prob, masks)
        if all(np.abs(cache[1]).min() > margin for cache in caches[:-1]):
            return parameters, X, Y
    raise ValueError(
        f"could not draw a network whose hidden units all stay {margin:g} away from 0 in {attempts} "
        "tries; use fewer examples or smaller layers"
    )
