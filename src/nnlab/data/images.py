"""Image data sets stored as HDF5: the course's cat / non-cat files.

The course keeps each split in one HDF5 file holding the images
(``(m, height, width, channels)`` uint8), their labels (``(m,)``) and the
class names. :func:`load_catvnoncat` reads the two files exactly like the
course's ``load_data`` (through the one HDF5 reader,
:func:`nnlab.data.files.read_h5_arrays`); :func:`flatten_images` and :func:`scale_images` then
turn the images into the ``(n_x, m)`` inputs of a network.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DataError
from .files import read_h5_arrays

__all__ = [
    "load_catvnoncat",
    "flatten_images",
    "scale_images",
]

CATVNONCAT_TRAIN_FILE = "train_catvnoncat.h5"
CATVNONCAT_TEST_FILE = "test_catvnoncat.h5"


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
    DataError
        If a file is not HDF5, lacks one of its keys (those found are listed), or does not hold
        one label per image.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise FileNotFoundError(f"catvnoncat data directory not found: {data_dir}")
    splits = []
    for name, split in ((CATVNONCAT_TRAIN_FILE, "train"), (CATVNONCAT_TEST_FILE, "test")):
        path = data_dir / name
        if not path.is_file():
            raise FileNotFoundError(f"catvnoncat data file not found: {path}")
        x, y, classes = read_h5_arrays(path, (f"{split}_set_x", f"{split}_set_y", "list_classes")).values()
        if x.ndim == 0 or y.size != x.shape[0]:
            raise DataError(
                f"{path}: {split}_set_y must hold one label per image of {split}_set_x; got "
                f"{split}_set_x of shape {x.shape} and {split}_set_y of shape {y.shape}"
            )
        splits.append((x, y.reshape(1, x.shape[0]), classes))
    (train_x_orig, train_y, _), (test_x_orig, test_y, classes) = splits
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
