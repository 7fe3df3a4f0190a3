"""Matmul FLOPs of one training pass and the peak GEMM rate: the lower bound of W1 and W3."""

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
