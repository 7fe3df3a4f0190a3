"""Feature standardisation for inputs stored one example per column.

``X_scaled = (X - mean) / std`` with a mean and a standard deviation per feature (per row of
``X``), both of shape ``(n_x, 1)`` so they broadcast over the ``m`` columns. Fit on the TRAINING
split only and reuse the same statistics for the dev and test splits and for prediction;
fitting on all the data leaks the held-out examples into training. That is the caller's job
(the Model API fits it inside ``fit``), which is why the statistics round-trip through
:meth:`Standardizer.to_arrays` / :meth:`Standardizer.from_arrays` into a model file.
"""

from __future__ import annotations

import numpy as np

from ..engine.losses import check_sample_weight
from ..engine.validation import as_float_array, check_finite

__all__ = ["Standardizer"]


class Standardizer:
    """Scale each feature to mean 0 and standard deviation 1 (statistics of the data it was fitted on).

    A constant feature (all values equal) gets ``std = 1`` and its exact value as ``mean``, so
    it becomes 0 rather than a division by zero. The standard deviation is the population one
    (``ddof=0``). Inputs of a floating dtype keep it (float32 stays float32); others become
    float64.

    Attributes
    ----------
    mean : ndarray of shape (n_x, 1), float64, or None before fitting
    std : ndarray of shape (n_x, 1), float64 (all > 0), or None before fitting

    Examples
    --------
    >>> scaler = Standardizer().fit(X_train)            # doctest: +SKIP
    >>> X_train_s, X_dev_s = scaler.transform(X_train), scaler.transform(X_dev)  # doctest: +SKIP
    """

    def __init__(self):
        self.mean = None
        self.std = None

    @property
    def is_fitted(self) -> bool:
        return self.mean is not None

    @property
    def n_features(self) -> int:
        """``n_x`` seen in :meth:`fit` (raises RuntimeError before fitting)."""
        self._require_fitted()
        return self.mean.shape[0]

    def fit(self, X, sample_weight=None) -> "Standardizer":
        """Compute the per-feature mean and std of ``X``.

        Parameters
        ----------
        X : array_like of shape (n_x, m), m >= 1
            The training inputs, one example per column; finite numbers.
        sample_weight : array_like of shape (m,), optional
            Example weights (non-negative, positive sum): weighted mean and std, so that an
            integer weight counts as repeated columns; columns of weight 0 are left out.

        Returns
        -------
        self

        Raises
        ------
        TypeError
            If ``X`` is not numeric.
        ValueError
            If ``X`` is not 2-D, has no example, or holds NaN or infinity.
        """
        X = as_float_array(X, "X", ndim=2)
        if X.shape[1] < 1:
            raise ValueError(f"X must hold at least one example (column); got shape {X.shape}")
        check_finite(X, "X")
        w = None if sample_weight is None else check_sample_weight(sample_weight, X.shape[1])
        return self.fit_unchecked(X, w)

    def fit_unchecked(self, X: np.ndarray, w: np.ndarray | None = None) -> "Standardizer":
        """:meth:`fit` for inputs already validated (the Model's, checked once at its boundary):
        ``X`` a finite float array (n_x, m), ``w`` checked weights (m,) or None."""
        X = X.astype(np.float64, copy=False)
        if w is not None:
            X, w = X[:, w > 0], w[w > 0]
        # Statistics of X / max|x| per feature, scaled back: no overflow even for |x| near 1e308.
        scale = np.abs(X).max(axis=1, keepdims=True)  # (n_x, 1)
        scale[scale == 0] = 1.0
        scaled = X / scale
        if w is None:
            mean = scaled.mean(axis=1, keepdims=True) * scale  # (n_x, 1)
            std = scaled.std(axis=1, keepdims=True) * scale  # (n_x, 1)
        else:
            mean_scaled = np.average(scaled, axis=1, weights=w)[:, None]  # (n_x, 1)
            std = np.sqrt(np.average((scaled - mean_scaled) ** 2, axis=1, weights=w))[:, None] * scale
            mean = mean_scaled * scale
        constant = (X.max(axis=1) == X.min(axis=1))[:, None]  # (n_x, 1)
        self.mean = np.where(constant, X[:, :1], mean)
        self.std = np.where(constant | (std == 0), 1.0, std)
        return self

    def transform(self, X) -> np.ndarray:
        """``(X - mean) / std``.

        Parameters
        ----------
        X : array_like of shape (n_x, m)
            Inputs with the ``n_x`` features seen in :meth:`fit`.

        Returns
        -------
        ndarray of shape (n_x, m)
            A new array, of ``X``'s floating dtype (float64 for integer input).

        Raises
        ------
        RuntimeError
            If the standardizer is not fitted.
        ValueError
            If ``X`` does not have ``n_x`` rows (the message names the expected rows).
        """
        X = self._check(X)
        return ((X - self.mean) / self.std).astype(X.dtype, copy=False)

    def fit_transform(self, X) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X_scaled) -> np.ndarray:
        """``X_scaled * std + mean``: back to the original units (same checks as :meth:`transform`)."""
        X_scaled = self._check(X_scaled, "X_scaled")
        return (X_scaled * self.std + self.mean).astype(X_scaled.dtype, copy=False)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The fitted statistics, ``{"mean": (n_x, 1), "std": (n_x, 1)}`` (copies), for a model file."""
        self._require_fitted()
        return {"mean": self.mean.copy(), "std": self.std.copy()}

    @classmethod
    def from_arrays(cls, arrays) -> "Standardizer":
        """A fitted Standardizer from :meth:`to_arrays`' dict.

        Raises
        ------
        ValueError
            If ``"mean"`` or ``"std"`` is missing, they are not both of shape (n_x, 1) (or
            (n_x,)), or they are not finite with ``std > 0``.
        """
        missing = [k for k in ("mean", "std") if k not in arrays]
        if missing:
            raise ValueError(f"Standardizer arrays must hold 'mean' and 'std'; found {sorted(arrays)}")
        mean = as_float_array(arrays["mean"], "mean", ndim=None).astype(np.float64)
        std = as_float_array(arrays["std"], "std", ndim=None).astype(np.float64)
        if mean.ndim == 1:
            mean = mean[:, None]
        if std.ndim == 1:
            std = std[:, None]
        if mean.ndim != 2 or mean.shape[1] != 1 or std.shape != mean.shape:
            raise ValueError(
                f"Standardizer 'mean' and 'std' must both have shape (n_x, 1); got "
                f"{np.shape(arrays['mean'])} and {np.shape(arrays['std'])}"
            )
        check_finite(mean, "mean")
        check_finite(std, "std")
        if not (std > 0).all():
            raise ValueError(f"Standardizer 'std' must be > 0; got {float(std.min())!r}")
        scaler = cls()
        scaler.mean, scaler.std = mean, std
        return scaler

    def _require_fitted(self) -> None:
        if not self.is_fitted:
            raise RuntimeError("this Standardizer is not fitted; call fit(X_train) first")

    def _check(self, X, name="X") -> np.ndarray:
        self._require_fitted()
        X = as_float_array(X, name, ndim=None)
        n_x = self.mean.shape[0]
        if X.ndim != 2 or X.shape[0] != n_x:
            raise ValueError(
                f"{name} must have shape ({n_x}, m): {n_x} rows (features), as in fit; got {X.shape}"
            )
        return X

    def __repr__(self) -> str:
        state = f"n_features={self.mean.shape[0]}" if self.is_fitted else "not fitted"
        return f"Standardizer({state})"
