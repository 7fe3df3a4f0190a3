"""Seeded toy-data generators in the course's column layout.

Every generator returns ``X`` of shape ``(n_features, m)`` (one example per
column, float64) and ``Y`` of shape ``(1, m)`` holding integer class labels.
The course's planar "flower" set keeps the course's ``uint8`` labels; the
other generators return ``int64`` labels (what scikit-learn, and therefore the
course's extra data sets, produce).

No function here touches NumPy's global random state: each one takes a
``seed`` that may be an ``int``, a :class:`numpy.random.RandomState`, a
:class:`numpy.random.Generator` or ``None`` (fresh, unseeded entropy), and
draws only from the :class:`~numpy.random.RandomState` built from it.

The scikit-learn look-alikes (:func:`make_circles`, :func:`make_moons`,
:func:`make_blobs`, :func:`make_gaussian_quantiles`) follow scikit-learn's
published algorithms and draw in the same order (examples are built class by
class, shuffled, then noised), but are NumPy-only. :func:`make_circles` and
:func:`make_moons` give scikit-learn's numbers bit for bit from the same seed
(the course sequel's data sets are checked against it in the tests, when it is
installed); the other two have not been checked number for number.
"""

from __future__ import annotations

import numpy as np

from ..engine.seeding import as_random_state
from ..engine.validation import check_int, check_real

__all__ = [
    "load_planar_dataset",
    "make_circles",
    "make_moons",
    "make_blobs",
    "make_gaussian_quantiles",
    "make_xor",
    "make_spirals",
    "load_extra_datasets",
]

def _noisy_arguments(n_samples, noise, seed):
    """The arguments every noisy generator shares, checked: ``(m, noise, RandomState)``."""
    return check_int(n_samples, "n_samples", 2), check_real(noise, "noise", low=0.0), as_random_state(seed)


def _shuffle(rs, X, y):
    """Shuffle the rows of ``X`` and ``y`` together (scikit-learn's order)."""
    indices = np.arange(X.shape[0])
    rs.shuffle(indices)
    return X[indices], y[indices]


def _two_noisy_curves(rs, first, second, noise):
    """Points ``(x, y)`` of two curves as classes 0 and 1, shuffled, plus Gaussian noise.

    Follows scikit-learn's order of draws: shuffle first, then noise on every coordinate.
    """
    X = np.vstack([np.append(first[0], second[0]), np.append(first[1], second[1])]).T
    y = np.hstack([np.zeros(len(first[0]), dtype=np.int64), np.ones(len(second[0]), dtype=np.int64)])
    X, y = _shuffle(rs, X, y)
    X = X + rs.normal(scale=noise, size=X.shape)
    return _columns(X, y)


def _split(n_samples, n_groups):
    """Split ``n_samples`` into ``n_groups`` near-equal counts, extras first."""
    counts = [n_samples // n_groups] * n_groups
    for i in range(n_samples % n_groups):
        counts[i] += 1
    return counts


def _columns(X, y, label_dtype=np.int64):
    """Rows-as-examples ``(m, n), (m,)`` -> the course's ``(n, m), (1, m)``."""
    X = np.ascontiguousarray(np.asarray(X, dtype=np.float64).T)
    Y = np.asarray(y, dtype=label_dtype).reshape(1, -1)
    return X, Y


# ---------------------------------------------------------------------------
# The course's planar "flower"
# ---------------------------------------------------------------------------


def load_planar_dataset(seed=1):
    """The course's two-petal-colour "flower" data set (planar_utils).

    The course's recipe, drawing from ``RandomState(seed)`` instead of
    seeding NumPy's global generator: 400 points on an ``a * sin(4 t)``
    rose, 200 per class, with Gaussian jitter (std 0.2) on the angle and the
    radius. With the default ``seed=1`` the result is the course's data set
    (first column ``[1.20444229, 3.57611415]``).

    Parameters
    ----------
    seed : int, numpy.random.RandomState, numpy.random.Generator or None, default 1
        Source of randomness (see the module docstring).

    Returns
    -------
    X : ndarray of shape (2, 400), float64
        Point coordinates, one example per column.
    Y : ndarray of shape (1, 400), uint8
        Labels, 0 (first 200 columns) or 1 (last 200 columns).
    """
    rs = as_random_state(seed)
    m = 400
    N = int(m / 2)  # points per class
    D = 2  # dimensionality
    X = np.zeros((m, D))
    Y = np.zeros((m, 1), dtype="uint8")
    a = 4  # maximum ray of the flower
    for j in range(2):
        ix = range(N * j, N * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rs.randn(N) * 0.2  # theta
        r = a * np.sin(4 * t) + rs.randn(N) * 0.2  # radius
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return X.T, Y.T


# ---------------------------------------------------------------------------
# scikit-learn look-alikes
# ---------------------------------------------------------------------------


def make_circles(n_samples=200, factor=0.5, noise=0.3, seed=None):
    """Two concentric noisy circles (scikit-learn's ``make_circles``).

    ``n_samples // 2`` points evenly spaced on the unit circle (class 0) and
    the rest on a circle of radius ``factor`` (class 1); the examples are
    shuffled and then Gaussian noise of standard deviation ``noise`` is added
    to every coordinate. The defaults are the course's ``noisy_circles``.

    Parameters
    ----------
    n_samples : int, default 200
        Number of examples ``m`` (>= 2).
    factor : float, default 0.5
        Radius of the inner circle, in the open interval (0, 1).
    noise : float, default 0.3
        Standard deviation of the Gaussian noise (>= 0).
    seed : int, numpy.random.RandomState, numpy.random.Generator or None
        Source of randomness (see the module docstring).

    Returns
    -------
    X : ndarray of shape (2, m), float64
    Y : ndarray of shape (1, m), int64
        0 for the outer circle, 1 for the inner one.
    """
    n_samples, noise, rs = _noisy_arguments(n_samples, noise, seed)
    factor = check_real(factor, "factor", low=0.0, high=1.0, low_open=True, high_open=True)

    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    return _two_noisy_curves(
        rs, (np.cos(t_out), np.sin(t_out)), (np.cos(t_in) * factor, np.sin(t_in) * factor), noise
    )


def make_moons(n_samples=200, noise=0.2, seed=None):
    """Two interleaving half circles (scikit-learn's ``make_moons``).

    Class 0: ``(cos t, sin t)``; class 1: ``(1 - cos t, 1 - sin t - 0.5)``,
    with ``t`` evenly spaced in ``[0, pi]`` (``n_samples // 2`` points for
    class 0, the rest for class 1). The examples are shuffled and then
    Gaussian noise of standard deviation ``noise`` is added. The defaults are
    the course's ``noisy_moons``.

    Parameters
    ----------
    n_samples : int, default 200
        Number of examples ``m`` (>= 2).
    noise : float, default 0.2
        Standard deviation of the Gaussian noise (>= 0).
    seed : int, numpy.random.RandomState, numpy.random.Generator or None
        Source of randomness (see the module docstring).

    Returns
    -------
    X : ndarray of shape (2, m), float64
    Y : ndarray of shape (1, m), int64
        0 for the upper moon, 1 for the lower one.
    """
    n_samples, noise, rs = _noisy_arguments(n_samples, noise, seed)

    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    return _two_noisy_curves(
        rs, (np.cos(t_out), np.sin(t_out)), (1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5), noise
    )


def make_blobs(n_samples=200, centers=6, n_features=2, cluster_std=1.0, seed=5):
    """Isotropic Gaussian blobs (scikit-learn's ``make_blobs``).

    ``centers`` cluster centres are drawn uniformly from the box
    ``(-10, 10)^n_features``; the examples are split as evenly as possible
    between them (the first ``n_samples % centers`` clusters get one extra),
    drawn from ``N(centre, cluster_std**2 I)`` and shuffled. The defaults
    (``seed=5``) are the course's ``blobs``, which has six classes; the
    course's notebook reduces them to two with ``Y % 2``.

    Parameters
    ----------
    n_samples : int, default 200
        Number of examples ``m`` (>= 2).
    centers : int, default 6
        Number of clusters, i.e. of classes (>= 1).
    n_features : int, default 2
        Dimension of each example (>= 1).
    cluster_std : float, default 1.0
        Standard deviation of every cluster (>= 0).
    seed : int, numpy.random.RandomState, numpy.random.Generator or None, default 5
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (n_features, m), float64
    Y : ndarray of shape (1, m), int64
        The cluster index of each example, in ``0 .. centers - 1``.
    """
    n_samples = check_int(n_samples, "n_samples", 2)
    centers = check_int(centers, "centers", 1)
    n_features = check_int(n_features, "n_features", 1)
    cluster_std = check_real(cluster_std, "cluster_std", low=0.0)
    rs = as_random_state(seed)

    means = rs.uniform(-10.0, 10.0, size=(centers, n_features))
    counts = _split(n_samples, centers)
    X = np.concatenate([
        rs.normal(loc=means[i], scale=cluster_std, size=(n, n_features))
        for i, n in enumerate(counts)
    ])
    y = np.repeat(np.arange(centers, dtype=np.int64), counts)
    X, y = _shuffle(rs, X, y)
    return _columns(X, y)


def make_gaussian_quantiles(n_samples=200, n_features=2, n_classes=2, cov=0.5,
                            seed=None):
    """Classes nested by quantiles of a Gaussian (scikit-learn's version).

    Draws ``n_samples`` points from the isotropic Gaussian ``N(0, cov I)``,
    sorts them by squared distance from the mean and cuts them into
    ``n_classes`` shells of ``n_samples // n_classes`` points (class 0
    innermost; any remainder joins the outermost class), then shuffles.
    The defaults are the course's ``gaussian_quantiles``.

    Parameters
    ----------
    n_samples : int, default 200
        Number of examples ``m`` (>= 2 and >= ``n_classes``).
    n_features : int, default 2
        Dimension of each example (>= 1).
    n_classes : int, default 2
        Number of classes (>= 2).
    cov : float, default 0.5
        Variance of every coordinate (> 0).
    seed : int, numpy.random.RandomState, numpy.random.Generator or None
        Source of randomness (see the module docstring).

    Returns
    -------
    X : ndarray of shape (n_features, m), float64
    Y : ndarray of shape (1, m), int64
        Shell index of each example, in ``0 .. n_classes - 1``.
    """
    n_samples = check_int(n_samples, "n_samples", 2)
    n_features = check_int(n_features, "n_features", 1)
    n_classes = check_int(n_classes, "n_classes", 2)
    if n_classes > n_samples:
        raise ValueError(
            f"n_classes must be <= n_samples ({n_samples}); got {n_classes}"
        )
    cov = check_real(cov, "cov", low=0.0, low_open=True)
    rs = as_random_state(seed)

    mean = np.zeros(n_features)
    X = rs.multivariate_normal(mean, cov * np.identity(n_features), (n_samples,))
    order = np.argsort(np.sum((X - mean[np.newaxis, :]) ** 2, axis=1))
    X = X[order, :]
    step = n_samples // n_classes
    y = np.hstack([
        np.repeat(np.arange(n_classes, dtype=np.int64), step),
        np.repeat(np.int64(n_classes - 1), n_samples - step * n_classes),
    ])
    X, y = _shuffle(rs, X, y)
    return _columns(X, y)


# ---------------------------------------------------------------------------
# Beyond the course
# ---------------------------------------------------------------------------


def make_xor(n_samples=400, noise=0.2, seed=None):
    """Four Gaussian clusters on the corners of a square, labelled by XOR.

    The clusters are centred at ``(1, 1)``, ``(-1, 1)``, ``(-1, -1)`` and
    ``(1, -1)`` with isotropic standard deviation ``noise``; an example's
    label is 1 when its centre's two coordinates have different signs, else 0
    (the XOR of the signs). ``n_samples`` is split as evenly as possible
    between the four clusters and the examples are shuffled. No straight line
    separates the classes better than chance, while a 2-layer tanh network
    with 4 hidden units classifies the defaults perfectly: with
    ``noise=0.2`` the clusters (2 units apart) do not visibly overlap.

    Parameters
    ----------
    n_samples : int, default 400
        Number of examples ``m`` (>= 2).
    noise : float, default 0.2
        Standard deviation of each cluster (>= 0).
    seed : int, numpy.random.RandomState, numpy.random.Generator or None
        Source of randomness (see the module docstring).

    Returns
    -------
    X : ndarray of shape (2, m), float64
    Y : ndarray of shape (1, m), int64
        0 for the ``(1, 1)`` and ``(-1, -1)`` clusters, 1 for the others.
    """
    n_samples, noise, rs = _noisy_arguments(n_samples, noise, seed)

    corners = np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])
    counts = _split(n_samples, 4)
    centres = np.repeat(corners, counts, axis=0)
    y = (np.sign(centres[:, 0]) != np.sign(centres[:, 1])).astype(np.int64)
    X, y = _shuffle(rs, centres, y)
    X = X + rs.normal(scale=noise, size=X.shape)
    return _columns(X, y)


def make_spirals(n_samples=400, noise=0.2, turns=1.5, seed=None):
    """Two interleaved Archimedean spirals, one per class.

    Class 0 follows ``r = t / pi`` at angle ``t`` and class 1 the same spiral
    turned by ``pi`` (angle ``t + pi``), with ``t`` evenly spaced in
    ``[pi / 2, 2 pi turns]``; Gaussian noise of standard deviation ``noise``
    is added to every coordinate and the examples are shuffled. Neighbouring
    arms are 1 unit apart everywhere, so the default ``noise=0.2`` leaves them
    distinct, and the outer radius is ``2 * turns`` (3 with the default 1.5
    turns). Class 0 gets ``n_samples // 2`` examples, class 1 the rest.
    With the defaults a 2-layer tanh network (sigmoid output) with 10-20
    hidden units reaches 98-100 % training accuracy after 10,000 steps of
    full-batch gradient descent at learning rate 1.2, where 4 hidden units
    stall near 75 %; more turns need a wider (or deeper) network.

    Parameters
    ----------
    n_samples : int, default 400
        Number of examples ``m`` (>= 2).
    noise : float, default 0.2
        Standard deviation of the Gaussian noise (>= 0).
    turns : float, default 1.5
        How many full turns each spiral makes (> 0.25 and <= 10).
    seed : int, numpy.random.RandomState, numpy.random.Generator or None
        Source of randomness (see the module docstring).

    Returns
    -------
    X : ndarray of shape (2, m), float64
    Y : ndarray of shape (1, m), int64
        0 for the first spiral, 1 for the second.
    """
    n_samples = check_int(n_samples, "n_samples", 2)
    noise = check_real(noise, "noise", low=0.0)
    turns = check_real(turns, "turns", low=0.25, high=10.0, low_open=True)
    rs = as_random_state(seed)

    counts = _split(n_samples, 2)
    t_max = 2 * np.pi * turns
    parts = []
    for k, n in enumerate(counts):
        t = np.linspace(np.pi / 2, t_max, n)
        r = t / np.pi
        parts.append(np.c_[r * np.cos(t + k * np.pi), r * np.sin(t + k * np.pi)])
    X = np.concatenate(parts)
    y = np.repeat(np.arange(2, dtype=np.int64), counts)
    X, y = _shuffle(rs, X, y)
    X = X + rs.normal(scale=noise, size=X.shape)
    return _columns(X, y)


# ---------------------------------------------------------------------------
# The course's extra data sets
# ---------------------------------------------------------------------------


def load_extra_datasets(seed=0):
    """The course's five extra 2-D data sets (planar_utils), N = 200 each.

    Same parameters as the course's ``load_extra_datasets``:

    - ``"noisy_circles"``: ``make_circles(200, factor=0.5, noise=0.3)``
    - ``"noisy_moons"``: ``make_moons(200, noise=0.2)``
    - ``"blobs"``: ``make_blobs(200, centers=6, n_features=2)`` (six classes;
      the course's notebook uses ``Y % 2``)
    - ``"gaussian_quantiles"``: ``make_gaussian_quantiles(200, n_features=2,
      n_classes=2, cov=0.5)``
    - ``"no_structure"``: X uniform on ``[0, 1)^2``, labels uniform in {0, 1}
      (the course's version draws float "labels"; these are 0/1 integers).

    Each set gets its own integer seed, drawn (in the order above) from
    ``RandomState`` built from ``seed``, so the same ``seed`` always gives
    the same five sets and the sets are independent of each other. Unlike
    the course, ``"blobs"`` is therefore not fixed at ``random_state=5``;
    call ``make_blobs()`` for that.

    Parameters
    ----------
    seed : int, numpy.random.RandomState, numpy.random.Generator or None, default 0
        Source of the five per-set seeds.

    Returns
    -------
    datasets : dict of str to (ndarray, ndarray)
        Maps each name above to ``(X, Y)`` with ``X`` of shape ``(2, 200)``
        (float64) and ``Y`` of shape ``(1, 200)`` (int64).
    """
    rs = as_random_state(seed)
    N = 200
    s = [int(v) for v in rs.randint(0, 2**31 - 1, size=5)]
    rs_none = np.random.RandomState(s[4])
    X_none = rs_none.rand(N, 2)
    y_none = rs_none.randint(0, 2, size=N)
    return {
        "noisy_circles": make_circles(n_samples=N, factor=0.5, noise=0.3, seed=s[0]),
        "noisy_moons": make_moons(n_samples=N, noise=0.2, seed=s[1]),
        "blobs": make_blobs(n_samples=N, centers=6, n_features=2, seed=s[2]),
        "gaussian_quantiles": make_gaussian_quantiles(
            n_samples=N, n_features=2, n_classes=2, cov=0.5, seed=s[3]
        ),
        "no_structure": _columns(X_none, y_none),
    }
