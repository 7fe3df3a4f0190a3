"""L-layer forward and backward propagation, built from the per-layer blocks.

Architecture: ``L - 1`` hidden layers sharing one activation, then an output layer whose
activation is sigmoid (binary), softmax (multiclass) or linear (regression). The loop over
examples is vectorized away (each layer handles all m columns at once); the loop over layers
cannot be, since layer l needs A[l-1].

:func:`forward_unchecked` and :func:`backward_unchecked` are the only loops over the layers.
:func:`model_forward` / :func:`model_backward` validate their arguments and run them on new
arrays, with the course's caches; the training loop runs them in a
:class:`~nnlab.engine.buffers.Workspace` of preallocated buffers, with the same bits.

Inverted dropout (course 2, week 1). With ``keep_prob < 1``, after each *hidden* layer's
activation a mask ``D[l] = rng.rand(n[l], m) < keep_prob`` is drawn and the next layer sees
``A[l] * D[l] / keep_prob`` (the input X and the output layer are never dropped). Dividing by
``keep_prob`` keeps the expected activation unchanged, so nothing changes at test time. The
layer caches keep the course's layout ``((A_prev, W, b), Z)`` (layer l+1's ``A_prev`` is the
*dropped* ``A[l]``); the masks travel next to them on a :class:`Caches` list, which
:func:`model_backward` reads to apply ``dA[l] * D[l] / keep_prob``.
"""

from __future__ import annotations

import numpy as np

from .activations import get_activation
from .blocks import LayerCache, LinearCache, affine, linear_gradients
from .losses import canonical_loss, check_cost_inputs, get_loss
from .metrics import binary_predictions
from .validation import as_float_array, check_finite, check_positive_number, check_real, describe

__all__ = ["Caches", "check_overflow", "inverted_dropout", "model_backward", "model_forward", "n_layers", "predict"]


class Caches(list):
    """The caches of a forward pass with dropout: a list of L layer caches plus the masks.

    It is a ``list`` of the usual ``((A_prev, W, b), Z)`` caches (index, iterate and unpack it
    as always) with two attributes:

    masks : list of L - 1 boolean ndarrays of shape (n[l], m), or None
        ``masks[l - 1]`` is ``D[l]``, the units of hidden layer l that were kept. None: no dropout.
    keep_prob : float in (0, 1]

    :func:`model_forward` returns one only when ``keep_prob < 1``; otherwise the caches are a
    plain ``list`` exactly as before. Rebuilding the list (``list(caches)``, slicing) drops the
    masks, and backward would then compute the gradient of the un-thinned network.
    """

    def __init__(self, caches=(), masks=None, keep_prob=1.0):
        super().__init__(caches)
        self.masks = masks
        self.keep_prob = keep_prob

    def __repr__(self) -> str:
        return f"Caches({list.__repr__(self)}, masks={self.masks!r}, keep_prob={self.keep_prob!r})"


def inverted_dropout(A, mask, keep_prob, out=None):
    """``A * mask / keep_prob``: zero the dropped units and rescale the kept ones.

    The same linear map serves forward (on ``A[l]``) and backward (on ``dA[l]``).

    Parameters
    ----------
    A : ndarray of shape (n[l], m)
    mask : boolean ndarray of shape (n[l], m)
    keep_prob : float in (0, 1]
    out : ndarray of shape (n[l], m), optional
        Buffer for the result (the training loop's).
    """
    out = np.multiply(A, mask, out=out)  # bool mask and a Python float keep A's dtype
    return np.divide(out, keep_prob, out=out)


def add_l2_gradient(dW, W, lambd, m, out=None, work=None):
    """``dW + lambd / m * W``: the L2 term's gradient added to a layer's ``dW``.

    ``out`` (may be ``dW``) and ``work`` (a scratch array of W's shape): optional buffers.
    """
    return np.add(dW, np.multiply(lambd / m, W, out=work), out=out)


def check_dropout(keep_prob, rng) -> float:
    """Validate ``keep_prob`` in (0, 1] and, when it is below 1, the random source ``rng``."""
    keep_prob = check_real(keep_prob, "keep_prob", low=0.0, low_open=True, high=1.0)
    if keep_prob < 1:
        if rng is None:
            raise ValueError(
                f"rng must be a numpy.random.RandomState when keep_prob < 1 (dropout draws its "
                f"masks from it); got None with keep_prob={keep_prob!r}"
            )
        if not isinstance(rng, np.random.RandomState):
            raise TypeError(
                "rng must be a numpy.random.RandomState (e.g. nnlab.engine.as_random_state(seed)); "
                f"got {describe(rng)}"
            )
    return keep_prob


def n_layers(parameters) -> int:
    """Number of layers L of a parameter dict ``{"W1", "b1", ..., "WL", "bL"}``, validated.

    Checks that every ``W{l}``/``b{l}`` is present, 2-D, and that consecutive shapes chain:
    ``W{l}`` is (n[l], n[l-1]) and ``b{l}`` is (n[l], 1).
    """
    if not isinstance(parameters, dict) or not parameters or len(parameters) % 2:
        raise ValueError(
            "parameters must be a dict {'W1', 'b1', ..., 'WL', 'bL'} with one W and one b per "
            f"layer; got {describe(parameters) if not isinstance(parameters, dict) else sorted(parameters)}"
        )
    L = len(parameters) // 2
    expected = {f"{name}{l}" for l in range(1, L + 1) for name in "Wb"}
    if set(parameters) != expected:
        raise ValueError(f"parameters must have keys {sorted(expected)}; got {sorted(parameters)}")
    for l in range(1, L + 1):
        W, b = np.shape(parameters[f"W{l}"]), np.shape(parameters[f"b{l}"])
        if len(W) != 2:
            raise ValueError(f"W{l} must be 2-D (n[{l}], n[{l - 1}]); got shape {W}")
        if b != (W[0], 1):
            raise ValueError(f"b{l} must have shape (n[{l}], 1) = ({W[0]}, 1); got {b}")
        if l > 1 and W[1] != np.shape(parameters[f"W{l - 1}"])[0]:
            raise ValueError(
                f"W{l} must have shape (n[{l}], n[{l - 1}]) with n[{l - 1}] = "
                f"{np.shape(parameters[f'W{l - 1}'])[0]} (the rows of W{l - 1}); got {W}"
            )
    return L


def check_inputs(X, parameters) -> tuple[np.ndarray, int]:
    """Validate ``X`` against the network: 2-D, finite, ``n[0]`` rows. Returns ``(X, L)``."""
    L = n_layers(parameters)
    X = as_float_array(X, "X")
    n_x = np.shape(parameters["W1"])[1]
    if X.shape[0] != n_x:
        raise ValueError(
            f"X must have shape (n_x, m) = ({n_x}, m) to match W1 of shape "
            f"{np.shape(parameters['W1'])} (one example per column); got {X.shape}"
        )
    check_finite(X, "X")
    for l in range(1, L + 1):
        for name in (f"W{l}", f"b{l}"):
            check_finite(as_float_array(parameters[name], name), name)
    return X, L


def layer_arrays(parameters, L: int) -> list:
    """``[(W1, b1), ..., (WL, bL)]`` of a validated parameter dict, as floating-point arrays."""
    return [(as_float_array(parameters[f"W{l}"], f"W{l}"), as_float_array(parameters[f"b{l}"], f"b{l}"))
            for l in range(1, L + 1)]


def layer_activations(L: int, hidden, output) -> list:
    """The activation of each layer, ``[None, g1, ..., gL]`` (index l; hidden ones, then the output),
    each with functions that take ``out=`` (:meth:`~.activations.Activation.with_out`)."""
    return [None] + [get_activation(hidden).with_out()] * (L - 1) + [get_activation(output).with_out()]


def model_forward(X, parameters, hidden="relu", output="sigmoid", keep_prob=1.0, rng=None):
    """Forward propagation through all L layers, with optional inverted dropout.

    Parameters
    ----------
    X : ndarray of shape (n[0], m)
    parameters : dict
        ``"W{l}"`` of shape (n[l], n[l-1]) and ``"b{l}"`` of shape (n[l], 1).
    hidden : str
        Activation of layers 1 .. L-1.
    output : str
        Activation of layer L: "sigmoid", "softmax" or "linear" (any registered name works).
    keep_prob : float in (0, 1]
        Probability of keeping each hidden unit. 1 (the default): no dropout, no random draws.
    rng : numpy.random.RandomState, optional
        Required when ``keep_prob < 1``: the masks are ``rng.rand(n[l], m) < keep_prob``, drawn
        for l = 1 .. L-1 in order (the course's ``np.random.rand`` calls, without global state).

    Returns
    -------
    AL : ndarray of shape (n[L], m)
    caches : list of L LayerCache ``((A_prev, W, b), Z)``
        A plain ``list`` when ``keep_prob == 1``; a :class:`Caches` (a list subclass carrying
        ``.masks`` and ``.keep_prob``) with dropout. Pass it to :func:`model_backward` as it is.
    """
    get_activation(hidden), get_activation(output)
    X, L = check_inputs(X, parameters)
    keep_prob = check_dropout(keep_prob, rng)
    with np.errstate(over="ignore", invalid="ignore"):
        AL, caches = forward_unchecked(X, layer_arrays(parameters, L), layer_activations(L, hidden, output),
                                       keep_prob, rng)
    check_overflow(X, caches)
    return AL, caches


def check_overflow(X, caches) -> None:
    """Raise ``ValueError`` naming the first layer whose Z overflowed (finite inputs can still
    overflow a layer: |x| ~ 1e155 times weights ~ 1e155), rather than let a NumPy warning or a
    non-finite output through."""
    for l, (_, Z) in enumerate(caches, start=1):
        if not np.isfinite(Z).all():
            raise ValueError(
                f"Z{l} overflowed: X and the parameters are too large for {Z.dtype} "
                f"(largest |X| {np.max(np.abs(X)):.3g}); scale the inputs or the weights"
            )


def forward_unchecked(X, layers, activations, keep_prob=1.0, rng=None, workspace=None, out=None):
    """The one forward loop over the layers, for validated inputs.

    Parameters
    ----------
    X : ndarray of shape (n[0], m)
    layers : list of L pairs ``(W{l}, b{l})``
        From :func:`layer_arrays`, or a :class:`~nnlab.engine.buffers.TrainingState`'s views.
    activations : list
        ``[None, g1, ..., gL]``, from :func:`layer_activations`.
    keep_prob, rng
        As :func:`model_forward` (validated).
    workspace : Workspace, optional
        Buffers for m examples (:class:`~nnlab.engine.buffers.Workspace`): each layer writes Z and
        then A in place there, and no cache is built; the workspace records what
        :func:`backward_unchecked` needs. Without it new arrays come back. Both give the same bits.
    out : ndarray of shape (n[L], m), optional
        With a workspace: where A[L] goes instead of the workspace's own buffer.

    Returns
    -------
    AL : ndarray of shape (n[L], m)
        With a workspace, a live buffer (the next forward pass overwrites it).
    caches : list or Caches
        Only without a workspace (as :func:`model_forward`).
    """
    ws, L, dropout, A_prev = workspace, len(layers), keep_prob < 1, X
    if ws is None:
        caches, masks = [], []
    else:
        output, ws.keep_prob = (ws.A[L] if out is None else out), keep_prob  # where A[L] goes
    for l in range(1, L + 1):
        W, b = layers[l - 1]
        target = None if ws is None else ws.A[l] if l < L else output
        Z = affine(A_prev, W, b, out=target)  # (n[l], m)
        A = activations[l].forward(Z, out=target)  # with a workspace: in place, over Z
        if ws is None:
            caches.append(LayerCache(LinearCache(A_prev, W, b), Z))
        else:
            ws.inputs[l], ws.weights[l] = A_prev, W
        if dropout and l < L:
            mask = rng.rand(*A.shape) < keep_prob  # D[l]: (n[l], m) bool, True = kept
            A = inverted_dropout(A, mask, keep_prob, out=None if ws is None else ws.dropped[l])  # the next A_prev
            if ws is None:
                masks.append(mask)
            else:
                ws.masks[l] = mask
        A_prev = A
    if ws is not None:
        return A
    return A, (Caches(caches, masks, keep_prob) if dropout else caches)


def model_backward(
    AL, Y, caches, hidden="relu", output="sigmoid", loss=None, lambd=0.0, fused=True, derivative_from="A"
):
    """Backward propagation through all L layers.

    Parameters
    ----------
    AL : ndarray of shape (n[L], m)
        Output of :func:`model_forward`.
    Y : ndarray of shape (n[L], m)
    caches : list of L caches ``((A_prev, W, b), Z)``
        As :func:`model_forward` returned them. A :class:`Caches` with masks (a forward pass with
        dropout) makes each hidden layer's step start from ``dA[l] * D[l] / keep_prob``.
    hidden, output : str
        The activations used in the forward pass.
    loss : str, optional
        Defaults to the output's canonical loss (sigmoid: binary cross-entropy, softmax:
        categorical cross-entropy, linear: mean squared error).
    lambd : float
        L2 regularization strength; adds ``lambd / m * W{l}`` to each ``dW{l}``.
    fused : bool
        With the canonical pairing, start from ``dZ[L] = AL - Y`` (exact, finite). With
        ``fused=False`` (or any other pairing) go through dA[L] and the output activation's
        derivative, as the course's step-by-step ``L_model_backward`` does.
    derivative_from : {"A", "Z"}
        Compute ``g'`` from each layer's output A (the next cache's ``A_prev``, or AL; no
        recomputation, as the course's week 3) or from the cached Z (as week 4's
        ``relu_backward(dA, Z)``). Identical for caches made by :func:`model_forward`
        without dropout. With dropout masks "Z" is always used: the cached ``A_prev`` is the
        dropped, rescaled activation, from which ``g'`` cannot be read.

    Returns
    -------
    grads : dict
        Layer l's step writes ``"dA{l-1}"``, ``"dW{l}"``, ``"db{l}"``; ``"dA0"`` is dJ/dX
        (times m). With dropout, ``"dA{l}"`` (0 < l < L) is the gradient with respect to the
        hidden activation A[l] itself, i.e. after ``* D[l] / keep_prob``, as in the course.
    """
    get_activation(hidden)
    loss = canonical_loss(output) if loss is None else get_loss(loss)
    AL, Y = check_cost_inputs(AL, Y, loss)
    if len(caches) < 1:
        raise ValueError("caches must hold one cache per layer; got an empty list")
    activations = layer_activations(len(caches), hidden, output)
    if derivative_from not in ("A", "Z"):
        raise ValueError(f"derivative_from must be 'A' or 'Z'; got {derivative_from!r}")
    lambd = check_positive_number(lambd, "lambd", allow_zero=True)
    _check_masks(caches)
    with np.errstate(over="ignore", invalid="ignore"):
        grads = backward_unchecked(AL, Y, caches, activations, loss, lambd, fused and loss.canonical_output == output,
                                   derivative_from)
    for name, grad in grads.items():
        if not np.isfinite(grad).all():
            raise ValueError(f"{name} overflowed during backpropagation: the values are too large for {grad.dtype}")
    return grads


def _check_masks(caches) -> None:
    """Validate the dropout masks a :class:`Caches` carries against its layer caches."""
    masks = getattr(caches, "masks", None)
    if masks is None:
        return
    check_real(caches.keep_prob, "caches.keep_prob", low=0.0, low_open=True, high=1.0)
    if len(masks) != len(caches) - 1:
        raise ValueError(
            f"caches.masks must hold one mask per hidden layer, {len(caches) - 1}; got {len(masks)}"
        )
    for l, mask in enumerate(masks, start=1):
        Z = caches[l - 1][1]
        if np.shape(mask) != np.shape(Z):
            raise ValueError(f"caches.masks[{l - 1}] must have the shape of Z{l}, {np.shape(Z)}; got {np.shape(mask)}")


def backward_unchecked(AL, Y, caches, activations, loss, lambd, fused=True, derivative_from="A", need_dA0=True,
                       workspace=None, weights=None):
    """The one backward loop over the layers, for validated inputs (``loss`` a :class:`Loss`).

    ``fused``: start from ``dZ[L] = AL - Y`` (the caller has checked the pairing is canonical).
    ``need_dA0=False`` skips the gradient with respect to X (no ``"dA0"``). With the
    ``workspace`` of the last :func:`forward_unchecked` (then ``caches`` is None), the gradients
    go into its buffers (``workspace.grads``: dW and db; ``workspace.dA``: dA[l] for l >= 1),
    dA0 is never computed, and None comes back; without it, a ``grads`` dict of new arrays.
    Both give the same bits. ``weights`` (a :class:`~nnlab.engine.losses.SampleWeights`): the
    gradient of the weighted cost (dZ[L]'s columns scaled, the L2 strength too; see
    :mod:`~nnlab.engine.losses`).
    """
    ws, L = workspace, len(activations) - 1
    if ws is None:
        grads = {}
        masks = getattr(caches, "masks", None)  # dropout: D[1] .. D[L-1]
        keep_prob = getattr(caches, "keep_prob", 1.0)
        if masks is not None:
            masks, derivative_from = [None, *masks], "Z"  # the next cache's A_prev is the dropped A

        def output_of(l):  # A[l] before dropout: what g' is read from
            if derivative_from == "A":
                return AL if l == L else caches[l][0][0]
            return activations[l].forward(caches[l - 1][1])
    else:  # A[l] before dropout is in the workspace; gradients go to its buffers
        keep_prob, outputs, dZs, dAs, gradients = ws.keep_prob, ws.A, ws.dZ, ws.dA, ws.grads.layers
        masks = ws.masks if keep_prob < 1 else None
    m = AL.shape[1]
    if fused:
        dZ = np.subtract(AL, Y, out=None if ws is None else dZs[L])  # dZ[L] = AL - Y: (n[L], m)
    elif ws is None:
        dZ = activations[L].derivative(loss.gradient(AL, Y), output_of(L))
    else:
        dZ = activations[L].derivative(loss.gradient(AL, Y), AL, out=dZs[L])
    if weights is not None:  # the weighted cost's dZ[L] and L2 strength
        dZ = np.multiply(dZ, weights.scale, out=dZ if ws is not None else None)
        lambd = lambd * weights.l2_ratio
    for l in range(L, 0, -1):
        if ws is None:
            (A_prev, W, _), _ = caches[l - 1]
            dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = linear_gradients(dZ, A_prev, W, m, need_dA_prev=l > 1 or need_dA0)
            if dA_prev is not None:
                grads[f"dA{l - 1}"] = dA_prev
        else:  # unscaled: the whole gradient buffer is divided by m once, below
            dW, db = gradients[l - 1]
            dA_prev = linear_gradients(dZ, ws.inputs[l], ws.weights[l], None, dW, db, dAs[l - 1], l > 1)[0]
        if l > 1:  # A[l-1] is this layer's A_prev
            if masks is not None and masks[l - 1] is not None:
                inverted_dropout(dA_prev, masks[l - 1], keep_prob, out=dA_prev)
            if ws is None:
                dZ = activations[l - 1].derivative(dA_prev, output_of(l - 1))
            else:
                dZ = activations[l - 1].derivative(dA_prev, outputs[l - 1], out=dZs[l - 1])
    if ws is not None:
        np.divide(ws.grads.flat, m, out=ws.grads.flat)  # dW = dZ A_prev.T / m, db = sum(dZ) / m
    if lambd:
        for l in range(1, L + 1):
            if ws is None:
                grads[f"dW{l}"] = add_l2_gradient(grads[f"dW{l}"], caches[l - 1][0][1], lambd, m)
            else:
                dW = ws.grads.layers[l - 1][0]
                add_l2_gradient(dW, ws.weights[l], lambd, m, out=dW, work=ws.scratch.layers[l - 1][0])
    return grads if ws is None else None


def predict(X, parameters, hidden="relu", output="sigmoid"):
    """Class predictions (or regression outputs) of a trained network.

    Returns
    -------
    ndarray of shape (1, m)
        sigmoid: 0/1 as int (:func:`~.metrics.binary_predictions`); softmax: the argmax class index; otherwise
        (n[L], m) real outputs.
    """
    AL, _ = model_forward(X, parameters, hidden, output)
    if output == "sigmoid":
        return binary_predictions(AL).astype(np.int64)
    if output == "softmax":
        return np.argmax(AL, axis=0).reshape(1, -1)
    return AL
