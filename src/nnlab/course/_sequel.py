"""What the four sequel assignments (*Improving Deep Neural Networks*, weeks 1-2) share.

Their helper files (init_utils, reg_utils, gc_utils, opt_utils_v1a) all build the same
three-layer network, LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID, and pass its state
around as one flat tuple per forward pass::

    cache = (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)    # four entries per layer

The forward pass, the cost, the updates and the predictions here are the engine's. Two things
are the course's own and live here, each where the published numbers need it:

- :func:`course_cost`: the helpers' cross-entropy takes unfloored logs, so an output saturated
  at exactly the wrong label costs ``inf`` (the "Cost after iteration 0: inf" of the random
  initialization); the engine floors its logs and stays finite.
- :func:`backward_scaled_first`: init_utils and opt_utils divide by m once, at the start
  (``dZ3 = 1/m (A3 - Y)``), and never again; the engine divides each dW and db by m. The two are
  the same gradient, rounded differently, and the random initialization's run is chaotic enough
  for that rounding to show in its third printed digit, so those two assignments keep the
  course's order. reg_utils and gc_utils divide each dW and db, as the engine does, so those
  assignments call the engine's backward pass.

The models' loops (15,000 to 30,000 steps) check their inputs once, at the boundary
(:func:`checked_run`), and then step through the engine's unchecked paths, in the engine's
training buffers, with the private helpers at the end of this module (:func:`run_state`,
:func:`run_forward`, :func:`run_backward` or :func:`run_scaled_first`, :func:`run_update`): the
same engine calls, in the same order, with the same bits, without re-validating arrays the loop
made itself. The graded functions above keep validating.
"""

from __future__ import annotations

import numpy as np

from ..engine import Caches, LayerCache, LinearCache, compute_cost, get_activation, model_backward, model_forward
from ..engine import n_layers
from ..engine import predict as engine_predict
from ..engine import update_parameters as engine_update
from ..engine.metrics import accuracy, binary_predictions
from ..engine.losses import canonical_loss, check_labels
from ..engine.network import backward_unchecked, check_inputs, forward_unchecked, layer_activations
from ..engine.blocks import linear_gradients
from ..engine.buffers import TrainingState
from ..engine.validation import as_float_array
from ._common import labels_as_row

HIDDEN, OUTPUT = "relu", "sigmoid"


def labels_row(Y, m: int) -> np.ndarray:
    """``Y`` as a (1, m) row: the course's helpers broadcast a 1-D ``Y`` (gc's test case) as one."""
    Y = labels_as_row(as_float_array(Y, "Y", ndim=None), m)
    if Y.shape != (1, m):
        raise ValueError(f"Y must have shape (1, m) = (1, {m}); got {Y.shape}")
    return Y


def course_cost(AL, Y) -> float:
    """The helpers' ``1/m * nansum(-log(A) Y - log(1 - A) (1 - Y))``, through the engine.

    Equal to the engine's binary cross-entropy except where an output is saturated at exactly
    the wrong label (``A == 1`` for ``Y == 0`` or ``A == 0`` for ``Y == 1``): there the course's
    log is ``-inf`` and so is its cost, where the engine floors the log and stays finite.
    """
    AL = as_float_array(AL, "AL")
    Y = labels_row(Y, AL.shape[1])
    if np.any(AL == 1 - Y):  # 0/1 labels: an output equal to the opposite label
        return float("inf")
    return compute_cost(AL, Y)


def forward_propagation(X, parameters):
    """LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID (the helpers' forward pass, any depth),
    through the engine, with the course's flat cache.

    Returns
    -------
    AL : ndarray of shape (1, m)
    cache : tuple
        ``(Z1, A1, W1, b1, ..., ZL, AL, WL, bL)``: ``(z1, a1, W1, b1, ..., z3, a3, W3, b3)`` for
        the course's three layers.
    """
    AL, caches = model_forward(X, parameters, HIDDEN, OUTPUT)
    outputs = [cache.linear_cache.A_prev for cache in caches[1:]] + [AL]  # A1 .. AL
    flat = []
    for (linear, Z), A in zip(caches, outputs):
        flat += [Z, A, linear.W, linear.b]
    return AL, tuple(flat)


def unpack(cache) -> list[tuple]:
    """The flat course cache as one ``(Z, A, W, b)`` per layer."""
    if not isinstance(cache, (tuple, list)) or len(cache) % 4 or not cache:
        got = f"a {type(cache).__name__} of length {len(cache)}" if isinstance(cache, (tuple, list)) else repr(cache)
        raise ValueError(
            f"cache must be the flat tuple (Z1, A1, W1, b1, ..., ZL, AL, WL, bL) that forward_propagation returns; got {got}"
        )
    return [tuple(cache[i : i + 4]) for i in range(0, len(cache), 4)]


def backward_scaled_first(X, Y, cache) -> dict:
    """init_utils' and opt_utils' ``backward_propagation``, in their order of operations.

    ``dZ[L] = 1/m (A[L] - Y)``, then for each layer ``dW = dZ A_prev.T`` and ``db = sum(dZ)``
    with no further 1/m (it is already in dZ), ``dA_prev = W.T dZ`` and ``dZ_prev = dA_prev *
    [A_prev > 0]`` (the engine's ReLU derivative). The same gradient as the engine's
    ``model_backward``, rounded as the course rounds it (see the module docstring).

    Returns
    -------
    gradients : dict
        The course's keys: ``dz{l}``, ``dW{l}``, ``db{l}`` for every layer and ``da{l}`` for the
        hidden ones.
    """
    layers = unpack(cache)
    X = as_float_array(X, "X")
    Y = labels_row(Y, X.shape[1])
    return run_scaled_first(X, Y, [A for _, A, _, _ in layers], [W for _, _, W, _ in layers])


def engine_caches(X, cache, masks=None, keep_prob=1.0):
    """The flat course cache as the engine's list of ``((A_prev, W, b), Z)`` (with dropout masks)."""
    layers = unpack(cache)
    inputs = [as_float_array(X, "X")] + [A for _, A, _, _ in layers[:-1]]
    caches = [LayerCache(LinearCache(A_prev, W, b), Z) for A_prev, (Z, _, W, b) in zip(inputs, layers)]
    return caches if masks is None else Caches(caches, masks, keep_prob)


def course_gradients(grads, caches, AL, Y) -> dict:
    """The engine's grads with the course's keys, in the course's order: ``dZ{l}, dW{l}, db{l},
    dA{l-1}`` from the last layer down (``dZ{l}`` added, ``dA0``, dJ/dX, left out)."""
    out = {}
    for l in range(len(caches), 0, -1):
        dZ = AL - Y if l == len(caches) else get_activation(HIDDEN).backward(grads[f"dA{l}"], caches[l - 1][1])
        out.update({f"dZ{l}": dZ, f"dW{l}": grads[f"dW{l}"], f"db{l}": grads[f"db{l}"]})
        if l > 1:
            out[f"dA{l - 1}"] = grads[f"dA{l - 1}"]
    return out


def backward_per_dw(X, Y, cache, masks=None, keep_prob=1.0, lambd=0.0) -> dict:
    """reg_utils' and gc_utils' backward pass (each dW and db divided by m): the engine's
    :func:`~nnlab.engine.model_backward` on the flat course cache (dropout ``masks`` and
    ``keep_prob``, L2 ``lambd``), with the course's keys (:func:`course_gradients`)."""
    AL = unpack(cache)[-1][1]
    X = as_float_array(X, "X")
    Y = labels_row(Y, X.shape[1])
    caches = engine_caches(X, cache, masks, keep_prob)
    grads = model_backward(AL, Y, caches, HIDDEN, OUTPUT, lambd=lambd)
    return course_gradients(grads, caches, AL, Y)


def predict(X, y, parameters) -> np.ndarray:
    """The helpers' ``predict``: 0/1 predictions ``A[L] > 0.5`` and a printed accuracy.

    Returns
    -------
    p : ndarray of shape (1, m), int
    """
    n_layers(parameters)
    p = engine_predict(X, parameters, HIDDEN, OUTPUT)
    y = np.asarray(y)
    if y.ndim != 2 or y.shape[1] != p.shape[1]:
        raise ValueError(f"y must have shape (1, m) = (1, {p.shape[1]}); got {y.shape}")
    print("Accuracy: " + str(accuracy(p[:1], y[:1])))
    return p


def predict_dec(parameters, X):
    """Boolean predictions ``A[L] > 0.5`` (the helpers' function for decision-boundary plots)."""
    AL, _ = forward_propagation(X, parameters)
    return binary_predictions(AL)


def sigmoid(x):
    """``1 / (1 + exp(-x))`` (the helpers' sigmoid, the engine's)."""
    return get_activation(OUTPUT).forward(x)


def relu(x):
    """``max(0, x)`` (the helpers' relu, the engine's)."""
    return get_activation(HIDDEN).forward(x)


def update_parameters(parameters, grads, learning_rate):
    """One gradient-descent step (the engine's): ``W{l} - learning_rate dW{l}``; returns new parameters."""
    return engine_update(parameters, grads, learning_rate)


# The models' loops: inputs checked once by checked_run, then the engine's unchecked paths.


def checked_run(X, Y, parameters) -> tuple[np.ndarray, np.ndarray, list]:
    """Check a model's data once, as every step's engine call would: ``(X, Y, activations)``.

    X finite with ``n[0]`` rows (the parameters finite and chained), Y the (1, m) row of 0/1
    labels (a 1-D ``Y`` of length m becomes one), and the layers' activations for
    :func:`run_forward` / :func:`run_backward`.
    """
    X, L = check_inputs(X, parameters)
    Y = labels_row(Y, X.shape[1])
    Y = check_labels(Y, canonical_loss(OUTPUT), (1, X.shape[1]), Y.dtype)
    return X, Y, layer_activations(L, HIDDEN, OUTPUT)


def run_state(parameters, optimizer="gd", constants=(0.9, 0.9, 0.999, 1e-8)) -> TrainingState:
    """A checked run's parameters, gradients and optimizer moments in the engine's flat buffers
    (:class:`~nnlab.engine.buffers.TrainingState`, as its training loop keeps them);
    ``constants``: ``(beta, beta1, beta2, epsilon)``, checked by the model."""
    return TrainingState(parameters, len(parameters) // 2, optimizer, constants)


def run_forward(X, state: TrainingState, activations, keep_prob=1.0, rng=None):
    """:func:`~nnlab.engine.model_forward` for a checked run, in the state's buffers for ``X``'s m
    examples (the same bits): ``(AL, workspace)``, both live until the next pass. The caller
    ignores overflow (np.errstate); :func:`run_update` refuses a non-finite step."""
    workspace = state.workspace(X.shape[1], dropout=keep_prob < 1, gather=False)
    return forward_unchecked(X, state.layers, activations, keep_prob, rng, workspace), workspace


def run_backward(AL, Y, workspace, activations) -> None:
    """:func:`~nnlab.engine.model_backward` (cross-entropy, fused ``dZ[L] = AL - Y``, the dropout
    masks of the last pass) for a checked run, into the state's gradient buffers."""
    backward_unchecked(AL, Y, None, activations, canonical_loss(OUTPUT), 0.0, True, workspace=workspace)


def run_update(state: TrainingState, learning_rate: float, unit: str, i: int) -> None:
    """One optimizer step on the state's flat buffers (the engine's rule on all the arrays at once:
    the bits of one call per array); ``unit`` and ``i`` name it ("iteration", 12) if it is not finite."""
    if not state.update(learning_rate):
        raise ValueError(
            f"training diverged: the update of {unit} {i} made the parameters non-finite; "
            f"lower the learning rate (got learning_rate={learning_rate!r})"
        )


def run_scaled_first(X, Y, outputs, weights, out=None) -> dict:
    """The course's backward pass, 1/m first (:func:`backward_scaled_first`), for checked arrays.

    Parameters
    ----------
    X : ndarray of shape (n[0], m)
    Y : ndarray of shape (1, m)
    outputs : list of L ndarrays
        ``A1 .. AL``, each (n[l], m).
    weights : list of L ndarrays
        ``W1 .. WL``, each (n[l], n[l-1]).
    out : dict, optional
        ``dW{l}`` and ``db{l}`` buffers (a run state's gradients) to write those into.
    """
    relu = get_activation(HIDDEN)
    L, m = len(outputs), X.shape[1]
    out = {} if out is None else out
    dZ = 1.0 / m * (outputs[-1] - Y)  # the course's single 1/m
    gradients = {}
    for l in range(L, 0, -1):
        A_prev = X if l == 1 else outputs[l - 2]
        gradients[f"dz{l}"] = dZ
        # The engine's linear gradients with m=None: 1/m is already in dZ.
        dA_prev, gradients[f"dW{l}"], gradients[f"db{l}"] = linear_gradients(
            dZ, A_prev, weights[l - 1], None, dW=out.get(f"dW{l}"), db=out.get(f"db{l}"), need_dA_prev=l > 1
        )
        if l > 1:
            gradients[f"da{l - 1}"] = dA_prev  # (n[l-1], m)
            dZ = relu.derivative(dA_prev, A_prev)
    return gradients


def run_outputs(AL, workspace) -> list:
    """``[A1, ..., AL]`` of the last forward pass without dropout (the workspace's buffers)."""
    return workspace.A[1:-1] + [AL]
