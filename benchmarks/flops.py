"""Matmul FLOPs of one training pass and the peak GEMM rate (the lower bound of W1 and W3), and
the same products timed by themselves (the reference row under the peers)."""

from __future__ import annotations

import time

import numpy as np


def matmul_flops(layer_dims, m: int, input_gradient: bool = False) -> dict:
    """Matmul FLOPs (a multiply-add counts 2) of one forward and backward pass over ``m`` examples.

    Forward: ``Z[l] = W[l] A[l-1]`` costs ``2 m n[l] n[l-1]`` per layer. Backward:
    ``dW[l] = dZ[l] A[l-1].T`` costs the same for every layer, and ``dA[l-1] = W[l].T dZ[l]`` the
    same again for l >= 2 (for l = 1 only when ``input_gradient``: no peer computes dA0 when
    training). So backward is "about twice" forward, minus the first layer's dA0, which nobody
    needs. Elementwise work (activations, biases, the update) is not counted: a lower bound.

    Returns
    -------
    dict
        ``forward``, ``backward``, ``total`` (ints).
    """
    dims = [int(n) for n in layer_dims]
    products = [dims[l] * dims[l - 1] for l in range(1, len(dims))]
    forward = 2 * m * sum(products)
    backward = 2 * m * sum(products) + 2 * m * sum(products[0 if input_gradient else 1:])
    return {"forward": forward, "backward": backward, "total": forward + backward}


def measure_peak_gflops(dtype, n: int = 2048, repeats: int = 3) -> float:
    """The best GFLOP/s of an ``n x n`` by ``n x n`` NumPy matmul in ``dtype`` (after a warm-up)."""
    rs = np.random.RandomState(0)
    a = rs.standard_normal((n, n)).astype(dtype)
    b = rs.standard_normal((n, n)).astype(dtype)
    out = np.empty((n, n), dtype=dtype)
    np.matmul(a, b, out=out)  # warm-up: thread pool start, page faults
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def time_matmuls_alone(layer_dims, X_rows: np.ndarray, batch_size: int | None, epochs: int) -> float:
    """Seconds that the products of ``epochs`` training epochs take by themselves.

    Exactly the products :func:`matmul_flops` counts, in the shapes and layouts a trainer of
    one-example-per-column batches meets (each batch the transpose of a slice of ``X_rows``,
    contiguous slices: no gather), into preallocated outputs; no bias, activation, cost or
    update. Roughly what a NumPy trainer of these shapes can reach on this BLAS: a reference
    between the peers and the bound.
    """
    dims = [int(n) for n in layer_dims]
    L, m = len(dims) - 1, X_rows.shape[0]
    dtype = X_rows.dtype
    rs = np.random.RandomState(0)
    W = [None] + [(rs.standard_normal((dims[l], dims[l - 1])) / np.sqrt(dims[l - 1])).astype(dtype) for l in range(1, L + 1)]
    dW = [None] + [np.empty_like(W[l]) for l in range(1, L + 1)]
    sizes = sorted({min(batch_size or m, m - start) for start in range(0, m, batch_size or m)})
    buffers = {b: [None] + [np.empty((dims[l], b), dtype) for l in range(1, L + 1)] for b in sizes}  # A[l], reused as dZ[l]
    gradients = {b: [None] + [np.empty((dims[l], b), dtype) for l in range(1, L)] for b in sizes}  # dA[l]
    start_time = time.perf_counter()
    for _ in range(epochs):
        for start in range(0, m, batch_size or m):
            X = X_rows[start : start + (batch_size or m)].T  # (n[0], b)
            A, dA = buffers[X.shape[1]], gradients[X.shape[1]]
            inputs = [None, X] + A[1:L]
            for l in range(1, L + 1):
                np.matmul(W[l], inputs[l], out=A[l])
            for l in range(L, 0, -1):  # A[l] stands in for dZ[l]: same shape, same cost
                np.matmul(A[l], inputs[l].T, out=dW[l])
                if l > 1:
                    np.matmul(W[l].T, A[l], out=dA[l - 1])
    return time.perf_counter() - start_time
