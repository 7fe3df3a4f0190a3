"""The training loop's hot path: one step (forward, backward, update) in preallocated buffers.

:func:`~nnlab.engine.training.train` runs thousands of steps on arrays that are often tiny, where
NumPy's per-call overhead, not arithmetic, sets the pace. A :class:`FastNetwork` owns

- the parameters in two flat buffers (``[W1, b1, ..., WL, bL]`` back to back, each ``W{l}`` and
  ``b{l}`` a view): a step reads one and writes the other, so an optimizer update is a handful of
  calls on one array whatever L is, and the parameters *before* a step that went non-finite are
  still there for :class:`~nnlab.errors.TrainingDiverged`;
- the gradients in one flat buffer of the same layout (scaled by ``1/m`` with one call) and the
  optimizer's moments and scratch space likewise;
- per mini-batch size, a :class:`Workspace` of per-layer activation and gradient buffers.

No formula is written here: the step calls the engine's own functions (:func:`~.blocks.affine`,
:func:`~.blocks.linear_gradients`, the activations' ``forward_into``/``derivative_into``,
:func:`~.network.inverted_dropout`, :func:`~.network.add_l2_gradient`,
:func:`~.optimizers.apply_rule`) with ``out=`` buffers. Each of those evaluates its expression in
the same order with or without buffers, so a step is bit-identical to
``model_forward`` -> ``model_backward`` -> ``optimizer_step`` (tests/test_fastpath.py).
"""

from __future__ import annotations

import numpy as np

from .activations import get_activation
from .blocks import affine, linear_gradients
from .losses import Loss
from .network import add_l2_gradient, inverted_dropout
from .optimizers import _MOMENTS, apply_rule
from .validation import all_finite

__all__ = ["FastNetwork", "Workspace"]


class Workspace:
    """The per-layer buffers of one mini-batch size ``m`` (index l = 1 .. L; index 0 unused).

    ``A[l]`` (n[l], m) holds Z[l], then A[l] = g(Z[l]) in place; ``dropped[l]`` the next layer's
    input ``A[l] * D[l] / keep_prob`` (dropout only); ``dA[l]`` and ``dZ[l]`` (n[l], m) the
    backward pass's gradients. ``output``: where the last forward pass put A[L], ``A[L]`` itself
    or the caller's buffer (then ``A[L]`` is not written). ``X`` (m, n[0]), ``Y`` (m, n[L]): the
    gathered mini-batch, one example per row (its transpose is the batch), when m < all examples.
    """

    def __init__(self, dims: list[int], m: int, dtype, dropout: bool, gather: bool):
        L = len(dims) - 1
        new = lambda rows: np.empty((rows, m), dtype)  # noqa: E731
        self.m = m
        self.A = [None] + [new(dims[l]) for l in range(1, L + 1)]
        self.dropped = [None] + [new(dims[l]) if dropout else None for l in range(1, L)] + [None]
        self.dA = [None] + [new(dims[l]) for l in range(1, L)] + [None]
        self.dZ = [None] + [new(dims[l]) for l in range(1, L + 1)]
        self.masks: list = [None] * (L + 1)
        self.output = self.A[L]  # where the last forward pass put A[L]
        self.X = np.empty((m, dims[0]), dtype) if gather else None  # rows: one example each
        self.Y = np.empty((m, dims[L]), dtype) if gather else None


class FastNetwork:
    """A network's training state in flat buffers, stepped in place (see the module docstring).

    Parameters
    ----------
    parameters : dict
        Initial ``"W{l}"`` (n[l], n[l-1]) and ``"b{l}"`` (n[l], 1), validated; copied, never
        modified.
    hidden, output : str
        Activations.
    loss : Loss
    optimizer : {"gd", "momentum", "rmsprop", "adam"}
    lambd, keep_prob : float
        L2 strength and dropout keep probability (validated).
    constants : tuple of float
        The optimizer's ``(beta, beta1, beta2, epsilon)``.
    """

    def __init__(self, parameters: dict, L: int, hidden: str, output: str, loss: Loss, optimizer: str,
                 lambd: float, keep_prob: float, constants: tuple):
        self.L = L
        self.dtype = np.asarray(parameters["W1"]).dtype
        self.dims = [parameters["W1"].shape[1]] + [parameters[f"W{l}"].shape[0] for l in range(1, L + 1)]
        self.keys = [f"{p}{l}" for l in range(1, L + 1) for p in "Wb"]
        self.shapes = [np.shape(parameters[key]) for key in self.keys]
        size = sum(int(np.prod(shape)) for shape in self.shapes)
        flat = lambda: np.zeros(size, self.dtype)  # noqa: E731
        self._flat = [flat(), flat()]  # current, next
        self._views = [self.unflatten(buffer) for buffer in self._flat]
        for key in self.keys:
            self._views[0][key][...] = parameters[key]
        # per-layer lists (index l = 1 .. L) of the same views: the step reads them without
        # formatting a key per layer per step
        self._W = [[None] + [views[f"W{l}"] for l in range(1, L + 1)] for views in self._views]
        self._b = [[None] + [views[f"b{l}"] for l in range(1, L + 1)] for views in self._views]
        self.grads_flat = flat()
        self.grads = {f"d{key}": view for key, view in self.unflatten(self.grads_flat).items()}
        self._dW = [None] + [self.grads[f"dW{l}"] for l in range(1, L + 1)]
        self._db = [None] + [self.grads[f"db{l}"] for l in range(1, L + 1)]
        self.moments = {moment: flat() for moment in _MOMENTS[optimizer]}
        self._v, self._s = self.moments.get("v"), self.moments.get("s")
        self.constants = tuple(constants)
        self._adam = optimizer == "adam"
        self.work = (flat(), flat() if optimizer in ("rmsprop", "adam") else None)
        self._work_views = self.unflatten(self.work[0])
        self.activations = [None] + [get_activation(output if l == L else hidden) for l in range(1, L + 1)]
        self.fused = loss.canonical_output == output
        self.loss, self.optimizer, self.lambd, self.keep_prob = loss, optimizer, lambd, keep_prob
        self.t = 0  # Adam's steps taken
        self._workspaces: dict[int, Workspace] = {}

    # ------------------------------------------------------------------ parameters
    def unflatten(self, buffer: np.ndarray) -> dict:
        """``{"W1": view, ...}``: views of a flat buffer with the parameters' shapes."""
        views, start = {}, 0
        for key, shape in zip(self.keys, self.shapes):
            stop = start + int(np.prod(shape))
            views[key] = buffer[start:stop].reshape(shape)  # (n) -> (n[l], n[l-1]) or (n[l], 1)
            start = stop
        return views

    @property
    def flat(self) -> np.ndarray:
        """The current parameters, flat (a live buffer: copy it to keep it)."""
        return self._flat[0]

    @property
    def parameters(self) -> dict:
        """The current parameters as views (live: they change with the next step)."""
        return self._views[0]

    def parameters_copy(self, flat: np.ndarray | None = None) -> dict:
        """The current parameters (or those of a saved ``flat`` buffer) as new arrays."""
        return {key: view.copy() for key, view in (self.unflatten(flat) if flat is not None else self._views[0]).items()}

    def last_grads(self, workspace: Workspace) -> dict:
        """The last step's gradients, keyed like ``model_backward``'s (no dA0).

        Live buffers, not copies (a full batch's dA[l] are (n[l], m) each): hand them out only
        when no further step will be taken, as :func:`~nnlab.engine.training.train` does at its end.
        """
        return {**self.grads, **{f"dA{l}": workspace.dA[l] for l in range(1, self.L)}}

    def workspace(self, m: int, gather: bool) -> Workspace:
        """The buffers for mini-batches of ``m`` examples (made once, then reused)."""
        if m not in self._workspaces:
            self._workspaces[m] = Workspace(self.dims, m, self.dtype, self.keep_prob < 1, gather)
        return self._workspaces[m]

    # ------------------------------------------------------------------ one step
    def forward(self, X, ws: Workspace, rng=None, out=None) -> np.ndarray:
        """Forward pass of ``X`` (n[0], m) into ``ws``; returns A[L] (n[L], m), a live buffer.

        ``out``: a (n[L], m) buffer to hold A[L] instead of ``ws.A[L]`` (the caller keeps the
        output there without a copy; :meth:`backward` reads it from there).
        """
        W, b, A_prev = self._W[0], self._b[0], X
        ws.output = ws.A[self.L] if out is None else out
        for l in range(1, self.L + 1):
            target = ws.A[l] if l < self.L else ws.output
            A = self.activations[l].forward_into(affine(A_prev, W[l], b[l], out=target), target)
            if ws.dropped[l] is not None:
                ws.masks[l] = rng.rand(*A.shape) < self.keep_prob  # D[l]: (n[l], m) bool, True = kept
                A = inverted_dropout(A, ws.masks[l], self.keep_prob, out=ws.dropped[l])
            A_prev = A
        return ws.output

    def backward(self, X, Y, ws: Workspace) -> None:
        """Gradients of the last :meth:`forward` into ``grads`` (and ``ws.dA``/``ws.dZ``)."""
        L, W = self.L, self._W[0]
        AL, dZ = ws.output, ws.dZ[L]
        if self.fused:
            np.subtract(AL, Y, out=dZ)  # dZ[L] = AL - Y: (n[L], m)
        else:
            self.activations[L].derivative_into(self.loss.gradient(AL, Y), AL, dZ)
        for l in range(L, 0, -1):
            A_prev = X if l == 1 else (ws.dropped[l - 1] if ws.dropped[l - 1] is not None else ws.A[l - 1])
            dA_prev = ws.dA[l - 1] if l > 1 else None
            # unscaled: the whole gradient buffer is divided by m once, below
            linear_gradients(ws.dZ[l], A_prev, W[l], None, self._dW[l], self._db[l], dA_prev, l > 1)
            if l > 1:
                if ws.dropped[l - 1] is not None:
                    inverted_dropout(dA_prev, ws.masks[l - 1], self.keep_prob, out=dA_prev)
                # g' read from A[l-1] before dropout (what backward(dA, Z) recomputes)
                self.activations[l - 1].derivative_into(dA_prev, ws.A[l - 1], ws.dZ[l - 1])
        np.divide(self.grads_flat, ws.m, out=self.grads_flat)  # dW = dZ A_prev.T / m, db = sum(dZ) / m
        if self.lambd:
            for l in range(1, L + 1):
                dW = self._dW[l]
                add_l2_gradient(dW, W[l], self.lambd, ws.m, out=dW, work=self._work_views[f"W{l}"])

    def update(self, learning_rate: float) -> bool:
        """One optimizer step into the other parameter buffer; True if every entry is finite.

        The new parameters become current only when finite; otherwise the current ones stay.
        Call it with overflow warnings silenced, as ``train`` does: a diverging step overflows.
        """
        self.t += self._adam
        new = apply_rule(
            self.optimizer, self._flat[0], self.grads_flat, self._v, self._s, self.t, learning_rate, *self.constants,
            out=self._flat[1], work=self.work,
        )[0]
        if not all_finite(new):
            return False
        for state in (self._flat, self._views, self._W, self._b):
            state.reverse()
        return True
