"""HDF5 data files, such as the course's cat / non-cat images: one example per row (first axis)."""

from __future__ import annotations

import h5py
import numpy as np

from ...errors import DataError
from ...text import error_line
from ..checks import as_numeric, check_finite, check_labels, existing_file, shown
from ..dataset import Dataset, default_feature_names

__all__ = ["DEFAULT_H5_KEYS", "load_h5", "read_h5_arrays"]


#: Default HDF5 key pairs, tried in this order: the course's training file, its test file, generic.
DEFAULT_H5_KEYS = (("train_set_x", "train_set_y"), ("test_set_x", "test_set_y"), ("X", "Y"), ("X", "y"))


def load_h5(path, x_key=None, y_key=None) -> Dataset:
    """Read examples and labels from an HDF5 file such as the course's cat / non-cat files.

    Arrays in HDF5 files keep one example per ROW (first axis), as in the course's files: ``X``
    of shape (m, ...) becomes (n_x, m) by flattening each example (images (m, h, w, c) become
    (h*w*c, m), pixels in C order) and ``uint8`` values are scaled into [0, 1] by dividing by
    255. Labels of shape (m,) or (1, m) become (1, m); (m, C) one-hot labels become (C, m).

    Parameters
    ----------
    path : str or os.PathLike
        The ``.h5`` / ``.hdf5`` file.
    x_key, y_key : str or None, default None
        Dataset names (paths inside the file) of the examples and the labels. Both ``None``:
        the first pair present of ``train_set_x``/``train_set_y`` (the course's training file),
        ``test_set_x``/``test_set_y`` (its test file), ``X``/``Y``, ``X``/``y``. Give both or
        neither.

    Returns
    -------
    Dataset
        The file's stem as the name; features named ``"x0"``, ``"x1"``, ...

    Raises
    ------
    DataError
        If the file is missing or not HDF5; if a key is missing or is not a dataset (the
        datasets found are listed), or no default pair is present; if the examples are not a
        numeric array of at least 2 dimensions of finite values; if the example and label
        counts differ; or if 2-D labels are neither a row nor one-hot.
    """
    path = existing_file(path, "HDF5")
    where = str(path)
    if (x_key is None) != (y_key is None):
        raise DataError(f"{where}: give both x_key and y_key or neither; got x_key={x_key!r}, y_key={y_key!r}")
    arrays = read_h5_arrays(path, None if x_key is None else (x_key, y_key))
    (x_key, x), (y_key, y) = arrays.items()
    if x.ndim < 2:
        raise DataError(
            f"{where}: {x_key!r} must have one example per row, shape (m, ...) with at least "
            f"2 dimensions; got {x.shape}"
        )
    m = x.shape[0]
    scaled = x.dtype == np.uint8
    X = np.ascontiguousarray(as_numeric(x, where, repr(x_key)).reshape(m, -1).T)  # (n_x, m): one copy
    if scaled:
        X /= 255.0
    stored_shape = y.shape
    if y.ndim == 1 or (y.ndim == 2 and y.shape[0] == 1 and y.shape[1] == m):
        y = y.reshape(1, -1)
    elif y.ndim == 2 and y.shape[0] == m:
        y = y.T  # (m, C) -> (C, m)
    if y.ndim != 2 or y.shape[1] != m:
        raise DataError(
            f"{where}: {x_key!r} holds {m} examples but {y_key!r} has shape {stored_shape}; expected "
            f"({m},), (1, {m}) or ({m}, C)"
        )
    check_finite(X, where, repr(x_key))
    Y = check_labels(y, m, where, repr(y_key))
    return Dataset(X, Y, default_feature_names(X.shape[0]), path.stem)


def read_h5_arrays(path, keys=None) -> dict[str, np.ndarray]:
    """Datasets of an HDF5 file, as stored (e.g. the course's uint8 images of shape (m, 64, 64, 3)).

    Parameters
    ----------
    path : str or os.PathLike
        The ``.h5`` / ``.hdf5`` file.
    keys : sequence of str or None, default None
        Dataset names (paths inside the file); ``None``: the first pair of
        :data:`DEFAULT_H5_KEYS` present.

    Returns
    -------
    dict of str to ndarray
        Each key's array, in the order of ``keys``.

    Raises
    ------
    DataError
        If the file is missing or not HDF5, if a key is missing or not a dataset (the datasets
        found are listed), if no default pair is present, or if a dataset cannot be read.
    """
    path = existing_file(path, "HDF5")
    where = str(path)
    try:
        handle = h5py.File(path, "r")
    except Exception as exc:
        raise DataError(f"{where}: not a readable HDF5 file ({error_line(exc)})") from None
    with handle:
        found = _h5_datasets(handle)
        if keys is None:
            keys = next((pair for pair in DEFAULT_H5_KEYS if all(k in found for k in pair)), None)
            if keys is None:
                expected = " or ".join(f"{a!r}/{b!r}" for a, b in DEFAULT_H5_KEYS)
                raise DataError(
                    f"{where}: no default keys ({expected}); pass x_key and y_key. Datasets found: {shown(found)}"
                )
        missing = [k for k in keys if k not in found]
        if missing:
            raise DataError(f"{where}: no dataset {' or '.join(map(repr, missing))}; datasets found: {shown(found)}")
        try:
            return {key: np.asarray(handle[key][()]) for key in keys}
        except Exception as exc:
            raise DataError(f"{where}: cannot read {' / '.join(map(repr, keys))} ({error_line(exc)})") from None


def _h5_datasets(handle) -> list[str]:
    names = []
    handle.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
    return names
