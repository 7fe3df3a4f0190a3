"""Image data sets stored as HDF5: the course's cat / non-cat files.

The course keeps each split in one HDF5 file holding the images
(``(m, height, width, channels)`` uint8), their labels (``(m,)``) and the
class names. :func:`load_catvnoncat` reads the two files exactly like the
course's ``load_data``; :func:`flatten_images` and :func:`scale_images` then
turn the images into the ``(n_x, m)`` inputs of a network.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

__all__ = [
    "load_h5_dataset",
    "load_catvnoncat",
    "flatten_images",
    "scale_images",
]

CATVNONCAT_TRAIN_FILE = "train_catvnoncat.h5"
CATVNONCAT_TEST_FILE = "test_catvnoncat.h5"


def load_h5_dataset(path, x_key, y_key, classes_key=None):
    """Read images, labels and (optionally) class names from one HDF5 file.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.h5`` file.
    x_key : str
        Key of the examples, an array whose first axis has length ``m``
        (for images, shape ``(m, height, width, channels)``).
    y_key : str
        Key of the labels, ``m`` values.
    classes_key : str or None, default None
        Key of the class names; ``None`` to read none.

    Returns
    -------
    x : ndarray of shape (m, ...)
        The examples as stored (one example per ROW, like the course's
        ``*_x_orig`` arrays).
    y : ndarray of shape (1, m)
        The labels, reshaped to a row like the course's ``load_data``.
    classes : ndarray of shape (n_classes,) or None
        The class names as stored (bytes strings for the cat files), or
        ``None`` when ``classes_key`` is ``None``.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not an existing file.
    OSError
        If the file exists but cannot be opened as HDF5.
    ValueError
        If a requested key is missing (the message names the file, the
        expected keys and the keys found), or if the number of labels is not
        the number of examples.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"HDF5 data file not found: {path}")
    expected = [x_key, y_key] + ([classes_key] if classes_key is not None else [])
    try:
        handle = h5py.File(path, "r")
    except OSError as exc:
        raise OSError(f"could not open {path} as an HDF5 file: {exc}") from exc
    with handle:
        found = sorted(handle.keys())
        missing = [k for k in expected if k not in handle]
        if missing:
            raise ValueError(
                f"{path} lacks the expected keys {missing}: expected "
                f"{sorted(expected)}, found {found}"
            )
        x = np.array(handle[x_key][:])
        y = np.array(handle[y_key][:])
        classes = np.array(handle[classes_key][:]) if classes_key is not None else None
    if x.ndim == 0 or y.size != x.shape[0]:
        raise ValueError(
            f"{path}: {y_key!r} must hold one label per example of {x_key!r}; "
            f"got {x_key!r} of shape {x.shape} and {y_key!r} of shape {y.shape}"
        )
    return x, y.reshape((1, x.shape[0])), classes


def load_catvnoncat(data_dir):
    """The course's cat / non-cat images (``load_data`` in the course).

    Reads ``train_catvnoncat.h5`` (keys ``train_set_x``, ``train_set_y``,
    ``list_classes``) and ``test_catvnoncat.h5`` (keys ``test_set_x``,
    ``test_set_y``, ``list_classes``) from ``data_dir``. As in the course,
    the class names come from the test file.

    Parameters
    ----------
    data_dir : str or os.PathLike
        Directory holding the two files.

    Returns
    -------
    train_x_orig : ndarray of shape (209, 64, 64, 3), uint8
        Training images, one per row (first axis).
    train_y : ndarray of shape (1, 209)
        Training labels, 1 = cat, 0 = non-cat.
    test_x_orig : ndarray of shape (50, 64, 64, 3), uint8
        Test images.
    test_y : ndarray of shape (1, 50)
        Test labels.
    classes : ndarray of shape (2,)
        The class names as bytes, ``[b'non-cat', b'cat']``.

    Raises
    ------
    FileNotFoundError
        If ``data_dir`` or one of the two files does not exist.
    ValueError
        If a file lacks one of its expected keys.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise FileNotFoundError(f"catvnoncat data directory not found: {data_dir}")
    train_x_orig, train_y, _ = load_h5_dataset(
        data_dir / CATVNONCAT_TRAIN_FILE, "train_set_x", "train_set_y", "list_classes"
    )
    test_x_orig, test_y, classes = load_h5_dataset(
        data_dir / CATVNONCAT_TEST_FILE, "test_set_x", "test_set_y", "list_classes"
    )
    return train_x_orig, train_y, test_x_orig, test_y, classes


def flatten_images(x_orig):
    """Flatten a stack of images into one example per column.

    Parameters
    ----------
    x_orig : array_like of shape (m, height, width, channels)
        The images, one per row (first axis).

    Returns
    -------
    x_flat : ndarray of shape (height * width * channels, m)
        ``x_orig.reshape(m, -1).T``: column ``i`` is image ``i``, pixels in
        C order (for the cat images, ``n_x = 64 * 64 * 3 = 12288``).

    Raises
    ------
    ValueError
        If ``x_orig`` is not 4-D.
    """
    x_orig = np.asarray(x_orig)
    if x_orig.ndim != 4:
        raise ValueError(
            "x_orig must be a 4-D array of shape (m, height, width, channels); "
            f"got shape {x_orig.shape}"
        )
    return x_orig.reshape(x_orig.shape[0], -1).T


def scale_images(x):
    """Scale 8-bit pixel values into ``[0, 1]``.

    Parameters
    ----------
    x : array_like of any shape, e.g. (n_x, m)
        Pixel values in ``[0, 255]``.

    Returns
    -------
    x_scaled : ndarray of the same shape, float64
        ``x / 255``.
    """
    return np.asarray(x, dtype=np.float64) / 255.0
