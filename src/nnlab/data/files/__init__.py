"""The user's data files, one reader per format: CSV (:func:`load_csv`), NPZ (:func:`load_npz`)
and HDF5 (:func:`load_h5`, on :func:`read_h5_arrays`: arrays as stored, e.g. the course's images).

Every reader returns a :class:`~nnlab.data.dataset.Dataset`: inputs ``X`` of shape ``(n_x, m)``
(one example per column, float64) and labels ``Y`` of shape ``(1, m)`` (class labels or regression
targets) or ``(C, m)`` (one-hot). Every failure caused by the data -- a missing file, a bad cell, a
missing array -- raises :class:`nnlab.errors.DataError` with one line naming the file and what was
expected and found; no raw ``csv``, NumPy or h5py traceback reaches the user. Nothing here
unpickles: NPZ files are read with ``allow_pickle=False``.

:data:`DATA_EXTENSIONS` maps each file extension to its format; :func:`nnlab.data.sources.load_data`
picks one by the extension.
"""

from __future__ import annotations

from types import MappingProxyType

from .csvfile import DEFAULT_LABEL_COLUMNS, csv_header, load_csv
from .h5file import DEFAULT_H5_KEYS, load_h5, read_h5_arrays
from .npzfile import LAYOUTS, check_layout, load_npz

__all__ = [
    "DATA_EXTENSIONS",
    "DEFAULT_H5_KEYS",
    "DEFAULT_LABEL_COLUMNS",
    "LAYOUTS",
    "check_layout",
    "csv_header",
    "load_csv",
    "load_h5",
    "load_npz",
    "read_h5_arrays",
]

#: File extensions a data source may have, and the format each one names.
DATA_EXTENSIONS = MappingProxyType({".csv": "csv", ".npz": "npz", ".h5": "h5", ".hdf5": "h5"})
