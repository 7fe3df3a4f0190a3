"""The user's data files, one reader per format: delimited text (:func:`read_delimited`, through
pandas), NPZ (:func:`load_npz`) and HDF5 (:func:`load_h5`, on :func:`read_h5_arrays`: arrays as
stored, e.g. the course's images). Tables (CSV, TSV, Parquet) become DataFrames and then data
through :mod:`nnlab.data.table`.

Every failure caused by the data -- a missing file, a bad cell, a missing array -- raises
:class:`nnlab.errors.DataError` with one line naming the file and what was expected and found; no
raw pandas, NumPy or h5py traceback reaches the user. Nothing here unpickles: NPZ files are read
with ``allow_pickle=False``.

:data:`DATA_EXTENSIONS` maps each file extension to its format; :func:`nnlab.data.sources.load_data`
picks one by the extension.
"""

from __future__ import annotations

from types import MappingProxyType

from .csvfile import TextFormat, csv_header, read_delimited
from .h5file import DEFAULT_H5_KEYS, load_h5, read_h5_arrays
from .npzfile import LAYOUTS, check_layout, load_npz

__all__ = [
    "DATA_EXTENSIONS",
    "DEFAULT_H5_KEYS",
    "LAYOUTS",
    "TextFormat",
    "check_layout",
    "csv_header",
    "load_h5",
    "load_npz",
    "read_delimited",
    "read_h5_arrays",
]

#: File extensions a data source may have, and the format each one names ("table": a DataFrame).
DATA_EXTENSIONS = MappingProxyType({
    ".csv": "table", ".tsv": "table", ".parquet": "table", ".npz": "npz", ".h5": "h5", ".hdf5": "h5",
})


def __getattr__(name):
    """``load_csv`` and ``DEFAULT_LABEL_COLUMNS`` moved to :mod:`nnlab.data.table` (tables as
    DataFrames); they stay importable from here."""
    if name in ("load_csv", "DEFAULT_LABEL_COLUMNS"):
        from .. import table

        return getattr(table, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
