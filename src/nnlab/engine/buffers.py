"""Preallocated buffers for the training loop: flat parameters, gradients, optimizer state, and
the per-layer activation buffers of one mini-batch size (a :class:`Workspace`).

:func:`~nnlab.engine.training.train` runs thousands of steps on arrays that are often tiny, where
NumPy's per-call overhead, not arithmetic, sets the pace. So a :class:`TrainingState` keeps

- the parameters in two flat buffers (``[W1, b1, ..., WL, bL]`` back to back, each ``W{l}`` and
  ``b{l}`` a view): a step reads one and writes the other, so an optimizer update is a handful of
  calls on one array whatever L is, and the parameters *before* a step that went non-finite are
  still there for :class:`~nnlab.errors.TrainingDiverged`;
- the gradients in one flat buffer of the same layout (scaled by ``1/m`` with one call), and the
  optimizer's moments and scratch space likewise.

No formula is written here: the network's one layer loop (:mod:`~nnlab.engine.network`) fills a
:class:`Workspace` and the gradients, and :func:`~nnlab.engine.optimizers.apply_rule` updates.
"""

from __future__ import annotations

import numpy as np

from .optimizers import MOMENTS, apply_rule
from .validation import all_finite

__all__ = ["FlatArrays", "TrainingState", "Workspace"]


class FlatArrays:
    """One flat buffer holding ``W1, b1, ..., WL, bL`` (or their gradients) back to back.

    ``views`` maps each key to a view of its shape; ``layers[l - 1]`` is the pair ``(W{l}, b{l})``
    of views, what the layer loop reads.
    """

    def __init__(self, keys: list[str], shapes: list[tuple], dtype, flat: np.ndarray | None = None):
        size = sum(int(np.prod(shape)) for shape in shapes)
        self.flat = np.zeros(size, dtype) if flat is None else flat
        self.views, start = {}, 0
        for key, shape in zip(keys, shapes):
            stop = start + int(np.prod(shape))
            self.views[key] = self.flat[start:stop].reshape(shape)  # (n) -> (n[l], n[l-1]) or (n[l], 1)
            start = stop
        W, b = list(self.views.values())[0::2], list(self.views.values())[1::2]
        self.layers = list(zip(W, b))

    def copy_views(self) -> dict:
        """The arrays as a new dict of new arrays."""
        return {key: view.copy() for key, view in self.views.items()}


class Workspace:
    """The per-layer buffers of one mini-batch size ``m`` (index l = 1 .. L; index 0 unused).

    ``A[l]`` (n[l], m) holds Z[l], then A[l] = g(Z[l]) in place; ``dropped[l]`` the next layer's
    input ``A[l] * D[l] / keep_prob`` (dropout only) and ``masks[l]`` its D[l]; ``inputs[l]`` and
    ``weights[l]`` record what layer l read in the last forward pass (its A_prev and W);
    ``dA[l]`` and ``dZ[l]`` (n[l], m) the backward pass's gradients, written with ``grads``
    (a :class:`FlatArrays`, unscaled until the one division by m) and ``scratch`` (W-shaped
    arrays for the L2 term). ``X`` (m, n[0]), ``Y`` (m, n[L]): the gathered mini-batch, one
    example per row (its transpose is the batch), when m < all examples.
    """

    def __init__(self, dims: list[int], m: int, dtype, *, dropout: bool = False, gather: bool = False,
                 grads: FlatArrays | None = None, scratch: FlatArrays | None = None):
        L = len(dims) - 1
        new = lambda rows: np.empty((rows, m), dtype)  # noqa: E731
        self.m = m
        self.A = [None] + [new(dims[l]) for l in range(1, L + 1)]
        self.dropped = [None] + [new(dims[l]) if dropout else None for l in range(1, L)] + [None]
        self.masks: list = [None] * (L + 1)
        self.inputs: list = [None] * (L + 1)
        self.weights: list = [None] * (L + 1)
        self.keep_prob = 1.0  # of the last forward pass: the backward pass applies its masks
        backward = grads is not None
        self.dA = [None] + [new(dims[l]) if backward else None for l in range(1, L)] + [None]
        self.dZ = [None] + [new(dims[l]) if backward else None for l in range(1, L + 1)]
        self.grads, self.scratch = grads, scratch
        self.X = np.empty((m, dims[0]), dtype) if gather else None  # rows: one example each
        self.Y = np.empty((m, dims[L]), dtype) if gather else None


class TrainingState:
    """A network's parameters, gradients and optimizer state in flat buffers, stepped in place.

    Parameters
    ----------
    parameters : dict
        Initial ``"W{l}"`` (n[l], n[l-1]) and ``"b{l}"`` (n[l], 1), validated; copied, never
        modified.
    L : int
        Number of layers.
    optimizer : {"gd", "momentum", "rmsprop", "adam"}
    constants : tuple of float
        The optimizer's ``(beta, beta1, beta2, epsilon)``.
    """

    def __init__(self, parameters: dict, L: int, optimizer: str, constants: tuple):
        self.dtype = np.asarray(parameters["W1"]).dtype
        self.dims = [parameters["W1"].shape[1]] + [parameters[f"W{l}"].shape[0] for l in range(1, L + 1)]
        keys = [f"{p}{l}" for l in range(1, L + 1) for p in "Wb"]
        shapes = [np.shape(parameters[key]) for key in keys]
        flat = lambda: FlatArrays(keys, shapes, self.dtype)  # noqa: E731
        self._params = [flat(), flat()]  # current, next
        self.layers = self._params[0].layers  # the current (W{l}, b{l}) views (an attribute: read every step)
        for key in keys:
            self._params[0].views[key][...] = parameters[key]
        self.grads = FlatArrays([f"d{key}" for key in keys], shapes, self.dtype)
        self.moments = {moment: flat().flat for moment in MOMENTS[optimizer]}
        self._v, self._s = self.moments.get("v"), self.moments.get("s")
        self.scratch = flat()  # W-shaped scratch for the L2 term, and the optimizer's first work array
        self.work = (self.scratch.flat, flat().flat if optimizer in ("rmsprop", "adam") else None)
        self.optimizer, self.constants = optimizer, tuple(constants)
        self._adam = optimizer == "adam"
        self.t = 0  # Adam's steps taken
        self._workspaces: dict[int, Workspace] = {}

    def load_moments(self, moments: dict, t: int) -> None:
        """Continue from saved optimizer state: flat ``moments`` (validated: the names and sizes
        of this optimizer's) and Adam's step count ``t``."""
        for name, values in moments.items():
            self.moments[name][...] = values
        self.t = t

    def moments_copy(self) -> dict:
        """The optimizer's moments, flat copies keyed ``"v"`` / ``"s"``."""
        return {name: values.copy() for name, values in self.moments.items()}

    @property
    def flat(self) -> np.ndarray:
        """The current parameters, flat (a live buffer: copy it to keep it)."""
        return self._params[0].flat

    @property
    def parameters(self) -> dict:
        """The current parameters as views (live: they change with the next step)."""
        return self._params[0].views

    def parameters_copy(self, flat: np.ndarray | None = None) -> dict:
        """The current parameters (or those of a saved ``flat`` buffer) as new arrays."""
        if flat is None:
            return self._params[0].copy_views()
        return FlatArrays(list(self.parameters), [v.shape for v in self.parameters.values()], self.dtype,
                          flat=flat).copy_views()

    def workspace(self, m: int, *, dropout: bool, gather: bool) -> Workspace:
        """The buffers for training steps on mini-batches of ``m`` examples (made once, then reused)."""
        if m not in self._workspaces:
            self._workspaces[m] = Workspace(self.dims, m, self.dtype, dropout=dropout, gather=gather,
                                            grads=self.grads, scratch=self.scratch)
        return self._workspaces[m]

    def last_grads(self, workspace: Workspace) -> dict:
        """The last step's gradients, keyed like ``model_backward``'s (no dA0).

        Live buffers, not copies (a full batch's dA[l] are (n[l], m) each): hand them out only
        when no further step will be taken, as :func:`~nnlab.engine.training.train` does at its end.
        """
        L = len(self.dims) - 1
        return {**self.grads.views, **{f"dA{l}": workspace.dA[l] for l in range(1, L)}}

    def update(self, learning_rate: float) -> bool:
        """One optimizer step into the other parameter buffer; True if every entry is finite.

        The new parameters become current only when finite; otherwise the current ones stay.
        Call it with overflow warnings silenced, as ``train`` does: a diverging step overflows.
        """
        self.t += self._adam
        new = apply_rule(
            self.optimizer, self._params[0].flat, self.grads.flat, self._v, self._s, self.t, learning_rate,
            *self.constants, out=self._params[1].flat, work=self.work,
        )[0]
        if not all_finite(new):
            return False
        self._params.reverse()
        self.layers = self._params[0].layers
        return True
