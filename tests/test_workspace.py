"""The one layer loop, with and without a workspace of preallocated buffers, gives the same bits.

:func:`~nnlab.engine.network.forward_unchecked` and :func:`~nnlab.engine.network.backward_unchecked`
either build caches of new arrays (``model_forward`` / ``model_backward``) or write into a
:class:`~nnlab.engine.buffers.Workspace` and the flat gradients of a
:class:`~nnlab.engine.buffers.TrainingState` (the training loop). Here every activation x output,
dropout, L2, the fused and unfused starts and both dtypes run both ways and are compared with
``np.array_equal`` on the raw bits.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.engine import get_loss
from nnlab.engine.buffers import TrainingState, Workspace
from nnlab.engine.losses import canonical_loss
from nnlab.engine.network import backward_unchecked, forward_unchecked, layer_activations, layer_arrays

from test_training import HIDDEN, OUTPUTS
from test_training import _problem as _training_problem


def _problem(output, dtype, m=23, seed=0):
    return _training_problem(output, dtype, m, seed)


def _same_bits(a, b, what):
    assert a.dtype == b.dtype and a.shape == b.shape, what
    assert np.array_equal(a.view(f"u{a.itemsize}"), b.view(f"u{b.itemsize}")), what


def _both_ways(X, Y, parameters, hidden, output, loss, keep_prob, lambd, fused):
    activations = layer_activations(3, hidden, output)
    plain_AL, caches = forward_unchecked(X, layer_arrays(parameters, 3), activations, keep_prob, np.random.RandomState(2))
    plain = backward_unchecked(plain_AL, Y, caches, activations, loss, lambd, fused, need_dA0=False)

    state = TrainingState(parameters, 3, "gd", (0.9, 0.9, 0.999, 1e-8))
    ws = state.workspace(X.shape[1], dropout=keep_prob < 1, gather=False)
    AL = forward_unchecked(X, state.layers, activations, keep_prob, np.random.RandomState(2), ws)
    assert backward_unchecked(AL, Y, None, activations, loss, lambd, fused, workspace=ws) is None
    return plain_AL, plain, AL, state.last_grads(ws)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("keep_prob, lambd", [(1.0, 0.0), (0.7, 0.0), (1.0, 0.4), (0.8, 0.3)])
@pytest.mark.parametrize("output", sorted(OUTPUTS))
@pytest.mark.parametrize("hidden", HIDDEN)
def test_workspace_and_plain_arrays_give_the_same_bits(hidden, output, keep_prob, lambd, dtype):
    X, Y, parameters = _problem(output, dtype)
    saved = {key: value.copy() for key, value in parameters.items()}
    loss = canonical_loss(output)
    plain_AL, plain, AL, grads = _both_ways(X, Y, parameters, hidden, output, loss, keep_prob, lambd, fused=True)
    _same_bits(plain_AL, AL, "AL")
    assert set(grads) == set(plain)  # dW, db for every layer, dA1 .. dA[L-1]; no dA0
    for key in plain:
        _same_bits(plain[key], grads[key], key)
    for key in saved:  # the parameters are the state's copy, never the caller's
        np.testing.assert_array_equal(parameters[key], saved[key])


# float64 only: in float32 the cross-entropies' dA[L] (``-Y / A``, with its floor at the smallest
# normal number) comes out float64, so the plain path's gradients do too, where the workspace's
# buffers keep float32 (the training loop's dtype).
@pytest.mark.parametrize("dtype", [np.float64])
@pytest.mark.parametrize("output, loss", [("sigmoid", "mean_squared_error"), ("softmax", "categorical_cross_entropy"),
                                          ("sigmoid", "binary_cross_entropy")])
def test_the_unfused_start_goes_the_same_way_with_a_workspace(output, loss, dtype):
    # through dA[L] = loss.gradient(AL, Y) and the output activation's derivative
    X, Y, parameters = _problem(output, dtype, seed=5)
    plain_AL, plain, AL, grads = _both_ways(X, Y, parameters, "tanh", output, get_loss(loss), 0.9, 0.1, fused=False)
    _same_bits(plain_AL, AL, "AL")
    for key in plain:
        _same_bits(plain[key], grads[key], key)


def test_the_output_can_go_to_a_buffer_of_the_callers():
    X, Y, parameters = _problem("softmax", np.float64)
    activations = layer_activations(3, "relu", "softmax")
    state = TrainingState(parameters, 3, "gd", (0.9, 0.9, 0.999, 1e-8))
    ws = state.workspace(X.shape[1], dropout=False, gather=False)
    mine = np.empty(Y.shape, Y.dtype)  # C-ordered, as np.dot's out needs
    AL = forward_unchecked(X, state.layers, activations, workspace=ws, out=mine)
    assert AL is mine
    backward_unchecked(AL, Y, None, activations, canonical_loss("softmax"), 0.0, workspace=ws)
    reference = state.last_grads(ws)["dW3"].copy()
    AL = forward_unchecked(X, state.layers, activations, workspace=ws)  # into the workspace's own buffer now
    assert AL is ws.A[3] and AL is not mine
    backward_unchecked(AL, Y, None, activations, canonical_loss("softmax"), 0.0, workspace=ws)
    _same_bits(reference, state.last_grads(ws)["dW3"], "dW3")


def test_a_forward_only_workspace_has_no_gradient_buffers():
    X, _, parameters = _problem("sigmoid", np.float32)
    ws = Workspace([4, 5, 3, 1], X.shape[1], np.float32)
    AL = forward_unchecked(X, layer_arrays(parameters, 3), layer_activations(3, "tanh", "sigmoid"), workspace=ws)
    plain, _ = forward_unchecked(X, layer_arrays(parameters, 3), layer_activations(3, "tanh", "sigmoid"))
    _same_bits(plain, AL, "AL")
    assert ws.grads is None and all(dZ is None for dZ in ws.dZ)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop", "adam"])
def test_a_step_that_goes_non_finite_keeps_the_parameters_before_it(optimizer):
    X, Y, parameters = _problem("sigmoid", np.float64)
    state = TrainingState(parameters, 3, optimizer, (0.9, 0.9, 0.999, 1e-8))
    before = state.parameters_copy()
    state.grads.flat[:] = np.inf
    with np.errstate(all="ignore"):
        assert not state.update(0.1)
    for key in before:
        np.testing.assert_array_equal(state.parameters[key], before[key])
    fresh = TrainingState(parameters, 3, optimizer, (0.9, 0.9, 0.999, 1e-8))
    fresh.grads.flat[:] = 1.0
    assert fresh.update(0.1)
    assert not np.array_equal(fresh.parameters["W1"], before["W1"])
    np.testing.assert_array_equal(fresh.parameters_copy(fresh.flat.copy())["b3"], fresh.parameters["b3"])
