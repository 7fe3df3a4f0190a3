"""The three trainers, each set up on the same problem from the same initial weights.

``PREPARE[peer](problem, initial, threads)`` does every untimed thing (building the model,
copying the weights in) and returns ``run()``: the timed training, returning the final
parameters in nnlab's layout (``W{l}`` of shape (n[l], n[l-1]), ``b{l}`` of shape (n[l], 1)) so
that :func:`referee_cost` can score all three with one independent formula.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Problem:
    """One training job. Every peer trains on the same array ``X_rows``; nnlab, whose convention
    is one example per column, gets its transpose ``X_rows.T`` (n[0], m): a view, no copy."""

    X_rows: np.ndarray  # (m, n[0]), C-contiguous
    labels: np.ndarray  # (m,) int64 class indices
    layer_dims: tuple
    hidden: str  # "relu" or "tanh"
    output: str  # "sigmoid" (binary) or "softmax"
    learning_rate: float
    batch_size: int | None  # None: full batch
    epochs: int

    @property
    def m(self) -> int:
        return self.X_rows.shape[0]

    @property
    def dtype(self) -> np.dtype:
        return self.X_rows.dtype

    @property
    def Y(self) -> np.ndarray:
        """nnlab's targets: (1, m) of 0/1, or one-hot (C, m)."""
        if self.output == "sigmoid":
            return self.labels.astype(self.dtype)[None, :]
        Y_rows = np.zeros((self.m, self.layer_dims[-1]), dtype=self.dtype)  # one-hot rows, like X_rows
        Y_rows[np.arange(self.m), self.labels] = 1
        return Y_rows.T

    def head(self, m: int) -> "Problem":
        """The first ``m`` examples, one epoch (for an untimed warm-up)."""
        rows = np.ascontiguousarray(self.X_rows[:m])
        return dataclasses.replace(
            self, X_rows=rows, labels=self.labels[:m], epochs=1,
            batch_size=None if self.batch_size is None else min(self.batch_size, m),
        )


def referee_cost(parameters: dict, problem: Problem) -> float:
    """The mean cross-entropy of ``parameters`` on the problem's data, in float64.

    Written here on purpose, apart from nnlab's engine: the referee is not one of the players.
    """
    L = len(parameters) // 2
    A = problem.X_rows.astype(np.float64)  # (m, n[0])
    for l in range(1, L + 1):
        Z = A @ np.asarray(parameters[f"W{l}"], np.float64).T + np.asarray(parameters[f"b{l}"], np.float64).ravel()
        if l < L:
            A = np.maximum(Z, 0) if problem.hidden == "relu" else np.tanh(Z)
    y = problem.labels
    if problem.output == "sigmoid":  # log(1 + e^-z) for y = 1, log(1 + e^z) for y = 0, stably
        z = Z[:, 0]
        return float(np.mean(np.logaddexp(0.0, np.where(y == 1, -z, z))))
    Z = Z - Z.max(axis=1, keepdims=True)
    log_softmax = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    return float(-np.mean(log_softmax[np.arange(len(y)), y]))


# --------------------------------------------------------------------------- nnlab
def prepare_nnlab(problem: Problem, initial: dict, threads: int):
    from nnlab.engine.training import train

    parameters = {name: value.astype(problem.dtype, copy=True) for name, value in initial.items()}
    Y = problem.Y

    def run() -> dict:
        result = train(
            problem.X_rows.T, Y, parameters, epochs=problem.epochs, learning_rate=problem.learning_rate,
            hidden=problem.hidden, output=problem.output, optimizer="gd", batch_size=problem.batch_size,
            rng=np.random.RandomState(0),
        )
        return result.parameters

    return run


# --------------------------------------------------------------------------- scikit-learn
def prepare_sklearn(problem: Problem, initial: dict, threads: int):
    """``MLPClassifier`` with plain SGD; our weights set after an initializing fit on a subset.

    ``warm_start=True``: the first ``fit`` (untimed, on one example of each class plus a few,
    one iteration) builds sklearn's internal state; we then overwrite ``coefs_`` (its layout is
    ``W.T``) and ``intercepts_`` and the timed ``fit`` continues from exactly our weights with a
    fresh SGD optimizer for ``max_iter = epochs`` passes. ``tol=0`` and a huge
    ``n_iter_no_change`` make it run every pass; its ConvergenceWarning is silenced.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    L = len(problem.layer_dims) - 1
    batch = problem.m if problem.batch_size is None else min(problem.batch_size, problem.m)
    clf = MLPClassifier(
        hidden_layer_sizes=tuple(problem.layer_dims[1:-1]), activation=problem.hidden, solver="sgd",
        learning_rate="constant", learning_rate_init=problem.learning_rate, momentum=0.0,
        nesterovs_momentum=False, alpha=0.0, batch_size=batch, max_iter=1, shuffle=batch < problem.m,
        tol=0.0, n_iter_no_change=2**31 - 1, early_stopping=False, warm_start=True, random_state=0,
    )
    first_of_each = np.unique(problem.labels, return_index=True)[1]
    subset = np.union1d(first_of_each, np.arange(min(64, problem.m)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning, and batch_size > subset size
        clf.fit(problem.X_rows[subset], problem.labels[subset])
    # copies: sklearn updates these in place, and W.T of a one-row W is already contiguous (a view)
    clf.coefs_ = [np.array(initial[f"W{l}"].T, dtype=problem.dtype, order="C", copy=True) for l in range(1, L + 1)]
    clf.intercepts_ = [np.array(initial[f"b{l}"].ravel(), dtype=problem.dtype, copy=True) for l in range(1, L + 1)]
    clf.set_params(max_iter=problem.epochs)
    passes_before = len(clf.loss_curve_)

    def run() -> dict:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(problem.X_rows, problem.labels)
        if len(clf.loss_curve_) - passes_before != problem.epochs:
            raise RuntimeError(f"scikit-learn ran {len(clf.loss_curve_) - passes_before} passes, not {problem.epochs}")
        out = {}
        for l in range(1, L + 1):
            out[f"W{l}"] = clf.coefs_[l - 1].T
            out[f"b{l}"] = clf.intercepts_[l - 1][:, None]
        return out

    return run


# --------------------------------------------------------------------------- torch
def prepare_torch(problem: Problem, initial: dict, threads: int):
    """Eager ``nn.Sequential`` + ``torch.optim.SGD``, manual batching on a pre-made tensor.

    ``Linear.weight`` has nnlab's orientation, so ``W{l}`` and ``b{l}`` copy straight in. The
    loss is the idiomatic fused one (``CrossEntropyLoss`` on logits, ``BCEWithLogitsLoss``): the
    same cost, computed the way a torch user would.
    """
    import torch
    from torch import nn

    torch.set_num_threads(threads)
    tdtype = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[problem.dtype]
    L = len(problem.layer_dims) - 1
    layers = []
    for l in range(1, L + 1):
        linear = nn.Linear(problem.layer_dims[l - 1], problem.layer_dims[l]).to(tdtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(initial[f"W{l}"], dtype=problem.dtype)))
            linear.bias.copy_(torch.from_numpy(initial[f"b{l}"].ravel().astype(problem.dtype)))
        layers.append(linear)
        if l < L:
            layers.append(nn.ReLU() if problem.hidden == "relu" else nn.Tanh())
    model = nn.Sequential(*layers)
    X = torch.from_numpy(problem.X_rows)
    if problem.output == "softmax":
        y, loss_fn = torch.from_numpy(problem.labels.astype(np.int64)), nn.CrossEntropyLoss()
    else:
        y, loss_fn = torch.from_numpy(problem.labels.astype(problem.dtype)[:, None]), nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=problem.learning_rate, momentum=0.0)
    generator = torch.Generator().manual_seed(0)
    m, batch = problem.m, problem.batch_size

    def run() -> dict:
        for _ in range(problem.epochs):
            if batch is None or batch >= m:
                batches = [(X, y)]
            else:
                permutation = torch.randperm(m, generator=generator)
                batches = ((X[idx], y[idx]) for idx in permutation.split(batch))
            for xb, yb in batches:
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(model(xb), yb)
                loss.backward()
                optimizer.step()
        linears = [layer for layer in model if isinstance(layer, nn.Linear)]
        out = {}
        for l, linear in enumerate(linears, start=1):
            out[f"W{l}"] = linear.weight.detach().numpy().copy()
            out[f"b{l}"] = linear.bias.detach().numpy().copy()[:, None]
        return out

    return run


PREPARE = {"nnlab": prepare_nnlab, "sklearn": prepare_sklearn, "torch": prepare_torch}
IMPORT_NAME = {"nnlab": "nnlab", "sklearn": "sklearn", "torch": "torch"}


def missing_reason(peer: str) -> str | None:
    """Why ``peer`` cannot run here (its library is not installed), or None."""
    try:
        __import__(IMPORT_NAME[peer])
    except ImportError as error:
        return f"{IMPORT_NAME[peer]} is not installed ({error}); install the bench extra: pip install -e '.[bench]'"
    return None
