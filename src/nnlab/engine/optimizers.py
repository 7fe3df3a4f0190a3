"""Parameter update rules: gradient descent, momentum, RMSprop and Adam.

Every rule is a pure function of ``(parameters, grads, state)``: new arrays and a new state
come back, the caller's dicts and arrays are never modified. The state of an optimizer is a
dict made by :func:`initialize_optimizer`:

====================  =================================================================
``"gd"``              ``{}``
``"momentum"``        ``{"v": {"dW1": 0, "db1": 0, ...}}`` (velocity)
``"rmsprop"``         ``{"s": {...}}`` (running mean of the squared gradient)
``"adam"``            ``{"v": {...}, "s": {...}, "t": 0}`` (t: steps taken so far)
====================  =================================================================

The formulas (course 2, "Improving Deep Neural Networks", week 2), for each W (and each b)::

    gd        W <- W - alpha dW
    momentum  v <- beta v + (1 - beta) dW;                      W <- W - alpha v
    rmsprop   s <- beta2 s + (1 - beta2) dW**2;                 W <- W - alpha dW / (sqrt(s) + eps)
    adam      t <- t + 1
              v <- beta1 v + (1 - beta1) dW;   v_hat = v / (1 - beta1**t)
              s <- beta2 s + (1 - beta2) dW**2; s_hat = s / (1 - beta2**t)
              W <- W - alpha v_hat / (sqrt(s_hat) + eps)

Arithmetic stays in the parameters' dtype: hyperparameters are Python floats (NumPy treats them
as weak scalars) and gradients are cast to the parameter's floating dtype, so a float32 network
stays float32, state included.
"""

from __future__ import annotations

import numbers

import numpy as np

from .network import n_layers
from .validation import check_positive_number, check_real, describe

__all__ = ["OPTIMIZERS", "bias_corrected", "check_beta", "check_optimizer", "initialize_optimizer", "optimizer_step",
           "update_parameters"]

OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")

# The moving averages each optimizer keeps, one entry per parameter ("dW1", "db1", ...).
MOMENTS = {"gd": (), "momentum": ("v",), "rmsprop": ("s",), "adam": ("v", "s")}


def check_optimizer(name) -> str:
    """``name`` if it is a registered optimizer; ``ValueError`` quoting it and the allowed names."""
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {list(OPTIMIZERS)}; got {name!r}")
    return name


def _parameter_keys(parameters) -> list[str]:
    """``["W1", "b1", ..., "WL", "bL"]`` for a validated parameter dict."""
    return [f"{p}{l}" for l in range(1, n_layers(parameters) + 1) for p in "Wb"]


def _gradients(parameters, grads, keys) -> dict:
    """``{"W1": dW1, ...}``: each gradient checked against its parameter's shape and cast to the
    parameter's floating dtype (no copy when it already has it)."""
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict {{'dW1', 'db1', ...}}; got {describe(grads)}")
    checked = {}
    for key in keys:
        grad_key = f"d{key}"
        if grad_key not in grads:
            raise ValueError(f"grads must hold {grad_key!r} for parameter {key!r}; got keys {sorted(grads)}")
        value, grad = parameters[key], grads[grad_key]
        if np.shape(grad) != np.shape(value):
            raise ValueError(
                f"grads[{grad_key!r}] must have the shape of parameters[{key!r}], "
                f"{np.shape(value)}; got {np.shape(grad)}"
            )
        dtype = np.asarray(value).dtype
        checked[key] = np.asarray(grad, dtype=dtype) if np.issubdtype(dtype, np.floating) else grad
    return checked


# Each helper takes optional buffers: ``out`` receives the result (it may be the array being
# updated, for the training loop's in-place steps) and ``work``/``work2`` are scratch arrays of the
# parameter's shape; without them new arrays come back and no input is modified. The ufunc calls
# follow the textbook expression's evaluation order, so both forms are bit-identical.


def _gd_step(value, direction, learning_rate: float, out=None, work=None):
    """``W - alpha direction`` (direction: dW for gd, the velocity v for momentum)."""
    return np.subtract(value, np.multiply(learning_rate, direction, out=work), out=out)


def _rms_step(value, direction, s, learning_rate: float, epsilon: float, out=None, work=None, work2=None):
    """``W - alpha direction / (sqrt(s) + eps)`` (RMSprop: dW and s; Adam: v_hat and s_hat)."""
    step = np.multiply(learning_rate, direction, out=work)
    denominator = np.sqrt(s, out=work2)
    np.add(denominator, epsilon, out=denominator)
    return np.subtract(value, np.divide(step, denominator, out=step), out=out)


def _moving_average(average, value, beta: float, out=None, work=None):
    """Exponentially weighted average ``beta * average + (1 - beta) * value``."""
    out = np.multiply(beta, average, out=out)
    return np.add(out, np.multiply(1 - beta, value, out=work), out=out)


def bias_corrected(moment, beta, t, out=None):
    """Adam's bias correction of a moving average after ``t`` steps: ``moment / (1 - beta**t)``.

    Parameters
    ----------
    moment : ndarray
        The raw moving average (v or s), any shape.
    beta : float
        Its decay rate, in [0, 1).
    t : int
        The step number (>= 1); ``1 - beta**t`` is a Python float.
    out : ndarray, optional
        Where to write the result (``moment``'s shape and dtype); a new array without it.

    Returns
    -------
    ndarray of ``moment``'s shape
    """
    return np.divide(moment, 1 - beta**t, out=out)


def apply_rule(name, W, dW, v, s, t, learning_rate, beta, beta1, beta2, epsilon, out=None, work=(None, None)):
    """One optimizer update of one array: the only place the rules of the module docstring live.

    Parameters
    ----------
    name : {"gd", "momentum", "rmsprop", "adam"}
    W, dW : ndarray
        The parameter and its gradient (same shape and dtype).
    v, s : ndarray or None
        The moments the rule keeps (``MOMENTS``), None for the others.
    t : int or None
        Adam's step number after this update (>= 1).
    out : ndarray, optional
        With ``out`` (which may be W) the step is taken in place: W's update goes to ``out`` and
        v and s are updated in their own arrays. Without it new arrays come back.
    work : pair of ndarray, optional
        Scratch arrays of W's shape (the second only for rmsprop and adam).

    Returns
    -------
    W, v, s : the updated arrays (v, s: None when the rule keeps no such moment)
    """
    work, work2 = work
    moments = (None, None) if out is None else (v, s)  # in place: the loop's own state
    if name == "gd":
        return _gd_step(W, dW, learning_rate, out, work), v, s
    if name == "momentum":
        v = _moving_average(v, dW, beta, moments[0], work)
        return _gd_step(W, v, learning_rate, out, work), v, s
    if name in ("rmsprop", "adam"):
        if name == "adam":
            v = _moving_average(v, dW, beta1, moments[0], work)
        s = _moving_average(s, np.multiply(dW, dW, out=work2), beta2, moments[1], work2)
        if name == "rmsprop":
            return _rms_step(W, dW, s, learning_rate, epsilon, out, work, work2), v, s
        v_hat = bias_corrected(v, beta1, t, out=work)
        s_hat = bias_corrected(s, beta2, t, out=work2)
        return _rms_step(W, v_hat, s_hat, learning_rate, epsilon, out, work, work2), v, s
    return check_optimizer(name)  # raises: not a registered name


def update_parameters(parameters: dict, grads: dict, learning_rate: float) -> dict:
    """One step of gradient descent: ``W{l} - alpha dW{l}``, ``b{l} - alpha db{l}``.

    Parameters
    ----------
    parameters : dict of ``"W{l}"`` (n[l], n[l-1]) and ``"b{l}"`` (n[l], 1)
    grads : dict holding at least ``"dW{l}"`` and ``"db{l}"`` of the same shapes
    learning_rate : float
        alpha > 0.

    Returns
    -------
    dict
        New parameters.
    """
    keys = _parameter_keys(parameters)
    learning_rate = check_positive_number(learning_rate, "learning_rate")
    gradients = _gradients(parameters, grads, keys)
    return {key: _gd_step(parameters[key], gradients[key], learning_rate) for key in keys}


def initialize_optimizer(parameters: dict, name: str) -> dict:
    """The initial state of optimizer ``name`` for ``parameters``.

    Parameters
    ----------
    parameters : dict of ``"W{l}"`` (n[l], n[l-1]) and ``"b{l}"`` (n[l], 1)
    name : {"gd", "momentum", "rmsprop", "adam"}

    Returns
    -------
    dict
        gd: ``{}``; momentum: ``{"v": {...}}``; rmsprop: ``{"s": {...}}``; adam:
        ``{"v": {...}, "s": {...}, "t": 0}``. Each moment dict maps ``"dW{l}"``/``"db{l}"`` to
        zeros with the shape and dtype of ``W{l}``/``b{l}`` (the course's ``initialize_velocity``
        and ``initialize_adam``).

    Raises
    ------
    ValueError
        For an unknown ``name``, quoting it and the allowed names.
    """
    name = check_optimizer(name)
    keys = _parameter_keys(parameters)
    state = {
        moment: {f"d{key}": np.zeros_like(parameters[key]) for key in keys} for moment in MOMENTS[name]
    }
    if name == "adam":
        state["t"] = 0
    return state


def _check_state(state, name, parameters, keys) -> None:
    expected = set(MOMENTS[name]) | ({"t"} if name == "adam" else set())
    if not isinstance(state, dict) or set(state) != expected:
        got = sorted(state) if isinstance(state, dict) else describe(state)
        raise ValueError(
            f"state for optimizer {name!r} must be a dict with keys {sorted(expected)} "
            f"(see initialize_optimizer); got {got}"
        )
    for moment in MOMENTS[name]:
        for key in keys:
            grad_key = f"d{key}"
            if grad_key not in state[moment]:
                raise ValueError(
                    f"state[{moment!r}] must hold {grad_key!r}; got keys {sorted(state[moment])}"
                )
            if np.shape(state[moment][grad_key]) != np.shape(parameters[key]):
                raise ValueError(
                    f"state[{moment!r}][{grad_key!r}] must have the shape of parameters[{key!r}], "
                    f"{np.shape(parameters[key])}; got {np.shape(state[moment][grad_key])}"
                )
    if name == "adam":
        t = state["t"]
        if isinstance(t, (bool, np.bool_)) or not isinstance(t, numbers.Integral) or t < 0:
            raise ValueError(f"state['t'] must be an integer >= 0 (the Adam steps taken); got {describe(t)}")


def check_beta(value, name: str) -> float:
    """An averaging coefficient (beta, beta1, beta2) in [0, 1)."""
    return check_real(value, name, low=0.0, high=1.0, high_open=True)


def optimizer_step(
    parameters: dict,
    grads: dict,
    state: dict,
    name: str,
    learning_rate: float,
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
) -> tuple[dict, dict]:
    """One update of optimizer ``name`` (see the module docstring for the formulas).

    Parameters
    ----------
    parameters : dict of ``"W{l}"`` (n[l], n[l-1]) and ``"b{l}"`` (n[l], 1)
    grads : dict holding at least ``"dW{l}"`` and ``"db{l}"`` of the same shapes
        (the exact dJ/dW, as :func:`~nnlab.engine.network.model_backward` returns them).
    state : dict
        From :func:`initialize_optimizer` (same ``name``) or from the previous step.
    name : {"gd", "momentum", "rmsprop", "adam"}
    learning_rate : float
        alpha > 0.
    beta : float in [0, 1)
        Momentum's averaging coefficient.
    beta1, beta2 : float in [0, 1)
        Adam's first- and second-moment coefficients; RMSprop uses ``beta2``.
    epsilon : float > 0
        Keeps the RMSprop/Adam denominators away from zero.

    Returns
    -------
    parameters : dict
        New arrays.
    state : dict
        The new state (Adam's ``"t"`` incremented); the input state is left unchanged.

    Raises
    ------
    ValueError
        Naming the argument and the value received, for an unknown optimizer, a bad
        hyperparameter, or grads/state that do not match the parameters.
    """
    name = check_optimizer(name)
    keys = _parameter_keys(parameters)
    learning_rate = check_positive_number(learning_rate, "learning_rate")
    beta, beta1, beta2 = check_beta(beta, "beta"), check_beta(beta1, "beta1"), check_beta(beta2, "beta2")
    epsilon = check_positive_number(epsilon, "epsilon")
    gradients = _gradients(parameters, grads, keys)
    _check_state(state, name, parameters, keys)

    new_parameters, v, s = {}, {}, {}
    t = int(state["t"]) + 1 if name == "adam" else None  # a Python int: beta1**t stays weak
    for key in keys:
        moment = f"d{key}"
        new_parameters[key], v[moment], s[moment] = apply_rule(
            name, parameters[key], gradients[key], state.get("v", {}).get(moment), state.get("s", {}).get(moment),
            t, learning_rate, beta, beta1, beta2, epsilon,
        )
    if name == "gd":
        return new_parameters, {}

    new_state = {"v": v, "s": s, "t": t}
    return new_parameters, {key: new_state[key] for key in state}
