"""The one NPZ reader: every array of an ``.npz`` archive, read with ``allow_pickle=False``.

Model files (:mod:`nnlab.io`) and NPZ data files (:mod:`nnlab.data.files`) both read through
:func:`read_npz`; each words its :class:`ArchiveError` for its kind of file. Nothing here ever
unpickles: a bare pickle is recognised by its first byte and never loaded, and object arrays are
refused by NumPy's ``allow_pickle=False``.
"""

from __future__ import annotations

import zipfile
import zlib

import numpy as np

from .text import error_line

__all__ = ["ArchiveError", "read_npz"]

# A zip archive starts with a local file header, or is empty (end of central directory).
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# What reading a damaged or hostile archive can raise, from zipfile, zlib and numpy's .npy
# reader (RuntimeError: an encrypted member; MemoryError: a header declaring a huge array).
_UNREADABLE_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    KeyError,
    TypeError,
    OverflowError,
    NotImplementedError,
    RuntimeError,
    MemoryError,
)


class ArchiveError(Exception):
    """Why :func:`read_npz` could not read a file; each caller words it for its kind of file.

    Attributes
    ----------
    problem : str
        ``"pickle"`` (a bare pickle, never loaded), ``"npy"`` (a single ``.npy`` array of shape
        ``detail``), ``"npy_object"`` (a single ``.npy`` array of objects, never loaded),
        ``"not_zip"``, ``"corrupt"`` (the archive), ``"object"`` (an object array in ``member``),
        ``"member"`` (``member`` cannot be read) or ``"not_array"`` (``member`` is not ``.npy``
        data).
    detail : str
        The underlying reason on one line (the shape for ``"npy"``), or "".
    member : str or None
        The archive member concerned.
    """

    def __init__(self, problem: str, detail: str = "", member: str | None = None):
        super().__init__(f"{problem}: {member or ''} {detail}".strip())
        self.problem, self.detail, self.member = problem, detail, member

    def describe(self, wording) -> str:
        """``wording[problem]`` with ``{detail}`` and ``{name}`` (the member, quoted) filled in."""
        return wording[self.problem].format(detail=self.detail, name=repr(self.member))


def read_npz(handle) -> dict:
    """Every array of an ``.npz`` archive, read with ``allow_pickle=False``: the one NPZ reader
    of nnlab (model files and data files alike).

    Parameters
    ----------
    handle : binary file object open for reading, at its start

    Returns
    -------
    dict of str to ndarray
        Each member's array (in-memory, writable), in archive order.

    Raises
    ------
    ArchiveError
        If the file is not a zip archive of ``.npy`` members, is truncated or corrupt, or holds an
        object (pickled) array; nothing is ever unpickled.
    """
    magic = handle.read(4)
    handle.seek(0)
    if magic[:1] == b"\x80":
        raise ArchiveError("pickle")
    if magic.startswith(b"\x93NUM"):  # one .npy array: say what it holds
        try:
            array = np.load(handle, allow_pickle=False)
        except ValueError as exc:
            raise ArchiveError("npy_object" if "pickle" in str(exc) else "not_zip", error_line(exc)) from exc
        except _UNREADABLE_ERRORS as exc:
            raise ArchiveError("not_zip", error_line(exc)) from exc
        raise ArchiveError("npy", str(array.shape))
    if magic not in _ZIP_MAGICS:
        raise ArchiveError("not_zip")
    try:
        archive = np.load(handle, allow_pickle=False)
    except _UNREADABLE_ERRORS as exc:
        raise ArchiveError("corrupt", error_line(exc)) from exc
    with archive:
        return {name: _read_member(archive, name) for name in archive.files}


def _read_member(archive, name):
    """One array from the open archive, every failure an ArchiveError naming the member."""
    try:
        array = archive[name]
    except ValueError as exc:
        # numpy: "Object arrays cannot be loaded when allow_pickle=False"
        raise ArchiveError("object" if "pickle" in str(exc) else "member", error_line(exc), name) from exc
    except _UNREADABLE_ERRORS as exc:
        raise ArchiveError("member", error_line(exc), name) from exc
    if not isinstance(array, np.ndarray):  # np.load returns a member that is not .npy as raw bytes
        raise ArchiveError("not_array", "", name)
    return array if array.flags.writeable else array.copy()
