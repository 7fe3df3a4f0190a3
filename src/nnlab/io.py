"""The model file: named arrays plus JSON metadata in one ``.npz`` archive.

A model file is an ordinary NumPy ``.npz`` (a zip archive of ``.npy`` members, uncompressed), so
``np.load(path, allow_pickle=False)`` can read it anywhere. Its layout:

- one member per array the caller saved (``"W1"``, ``"b1"``, ..., ``"scaler_mean"``,
  ``"classes"``), each exactly as given: dtype, shape and bytes;
- one reserved member, ``__metadata__``: the UTF-8 bytes of a JSON object, stored as a 1-D
  ``uint8`` array. It holds the caller's metadata plus three keys written here:
  ``format_version`` (:data:`FORMAT_VERSION`), ``nnlab_version`` and ``checksum``
  (``"sha256:<hex>"`` over every array and the metadata; see :func:`array_checksum`).

Safety: nothing here ever unpickles. Object arrays are refused when saving, and loading reads
with ``allow_pickle=False`` and turns every failure (missing, not a zip, truncated, bad CRC,
tampered arrays, object arrays, a newer format) into one :class:`~nnlab.errors.ModelFileError`
line that names the file.

:func:`nnlab.npz.read_npz` is nnlab's one NPZ reader (magic bytes, ``allow_pickle=False``, every
member read or refused): model files and NPZ data files (:mod:`nnlab.data.files`) both read
through it and word its :class:`~nnlab.npz.ArchiveError` for their kind of file.

Atomicity: :func:`save_arrays` writes a temporary file in the target's directory, flushes and
fsyncs it, then renames it over the target with :func:`os.replace`; on any failure the temporary
file is removed and an existing file at the target is left untouched. The files are also
reproducible: the same arrays and metadata give the same bytes (fixed zip timestamps).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import stat
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from . import __version__
from .errors import ModelFileError
from .npz import ArchiveError, read_npz
from .text import error_line

__all__ = [
    "FORMAT_VERSION",
    "METADATA_KEY",
    "array_checksum",
    "atomic_write",
    "load_arrays",
    "save_arrays",
]

FORMAT_VERSION = 1
"""The version of the file layout this nnlab writes, and the newest it reads."""

METADATA_KEY = "__metadata__"
"""The reserved member holding the metadata JSON (as UTF-8 bytes in a uint8 array)."""

# Metadata keys written by save_arrays; a caller's values for them are replaced.
_RECORDED_KEYS = ("format_version", "nnlab_version", "checksum")
_CHECKSUM_PREFIX = "sha256:"
# Fixed member timestamp (the earliest a zip can hold): same content -> same bytes.
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------- saving


def save_arrays(path, arrays, metadata):
    """Write named arrays and JSON metadata to one model file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write, used exactly as given (no ``.npz`` is appended). Its directory must
        exist; an existing file there is replaced only once the new one is fully on disk.
    arrays : dict of str to ndarray
        The arrays to store, e.g. ``{"W1": ..., "b1": ..., "classes": ...}``. Any dtype without
        Python objects (float32 and float64 keep their dtype; strings, ints and bools work too).
        Names are non-empty strings without ``/``, ``\\`` or NUL; dunder names such as
        ``__metadata__`` are reserved.
    metadata : dict
        JSON-serializable description of the model (architecture, activations,
        hyperparameters, ...): dicts with string keys, lists, tuples (read back as lists),
        str, int, float, bool, None, and NumPy scalars (read back as Python numbers). The keys
        ``format_version``, ``nnlab_version`` and ``checksum`` are recorded by this function;
        values the caller passes for them are replaced.

    Raises
    ------
    ValueError
        If an array name is not a string, is reserved or malformed, or an array has an object
        dtype (the message names the array); or if the metadata is not JSON-serializable (the
        message names the offending key). Nothing is written in these cases.
    ModelFileError
        If the directory of ``path`` does not exist, ``path`` is a directory, or writing fails
        (disk full, permission denied, ...). Any existing file at ``path`` is left untouched.

    See Also
    --------
    load_arrays : read the arrays and metadata back.
    """
    target = Path(os.fspath(path))
    checked = _checked_arrays(arrays)
    record = _checked_metadata(metadata)
    record.update(format_version=FORMAT_VERSION, nnlab_version=__version__)
    record["checksum"] = array_checksum(checked, record)
    payload = json.dumps(record).encode("utf-8")  # ASCII (\u escapes): always encodable
    members = {METADATA_KEY: np.frombuffer(payload, dtype=np.uint8), **checked}

    directory = target.parent
    if not directory.is_dir():
        raise ModelFileError(f"cannot save model file '{target}': directory '{directory}' does not exist")
    if target.is_dir():
        raise ModelFileError(f"cannot save model file '{target}': it is a directory")
    try:
        _write_atomically(target, members)
    except OSError as exc:
        raise ModelFileError(f"cannot save model file '{target}': {error_line(exc)}") from exc


def _checked_arrays(arrays):
    """Validate the caller's arrays; return ``{name: ndarray}`` in the caller's order."""
    if not isinstance(arrays, Mapping):
        raise ValueError(f"arrays must be a dict of name -> ndarray; got {type(arrays).__name__}")
    checked = {}
    for name, value in arrays.items():
        if not isinstance(name, str):
            raise ValueError(f"array name {name!r} must be a string; got {type(name).__name__}")
        if not name or any(char in name for char in "/\\\0"):
            raise ValueError(f"array name {name!r} must be non-empty and contain no '/', '\\' or NUL")
        if name.startswith("__") and name.endswith("__"):
            raise ValueError(
                f"array name {name!r} is reserved (dunder names such as {METADATA_KEY!r} "
                "belong to the file format)"
            )
        array = np.asarray(value)
        if array.dtype.hasobject:
            raise ValueError(
                f"array {name!r} has dtype {array.dtype} holding Python objects; model files "
                "store plain numeric or string arrays only (objects would need pickle)"
            )
        checked[name] = array
    return checked


def _checked_metadata(metadata):
    """Return a JSON-ready copy of ``metadata``, or raise ValueError naming the bad key."""
    if not isinstance(metadata, Mapping):
        raise ValueError(f"metadata must be a dict; got {type(metadata).__name__}")
    return _json_ready(metadata, "metadata", active=set())


def _json_ready(value, where, active):
    """Copy ``value`` into plain JSON types; ``where`` spells its location for error messages."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    if isinstance(value, (Mapping, list, tuple)):
        if id(value) in active:
            raise ValueError(f"{where} is not JSON-serializable: it contains itself")
        active.add(id(value))
        try:
            if isinstance(value, Mapping):
                copy = {}
                for key, item in value.items():
                    if not isinstance(key, str):
                        raise ValueError(
                            f"{where} is not JSON-serializable: key {key!r} is a "
                            f"{type(key).__name__}, not a string"
                        )
                    copy[key] = _json_ready(item, f"{where}[{key!r}]", active)
                return copy
            return [_json_ready(item, f"{where}[{index}]", active) for index, item in enumerate(value)]
        finally:
            active.discard(id(value))
    hint = " (store arrays in `arrays`, not in metadata)" if isinstance(value, np.ndarray) else ""
    raise ValueError(f"{where} is not JSON-serializable: got {type(value).__name__}{hint}")


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", **open_kwargs):
    """Open a temporary file beside ``path`` for writing; on success it replaces ``path``.

    The file is flushed and fsynced, then renamed onto ``path`` with :func:`os.replace` (the mode
    of a file being replaced is kept). If the block raises, the temporary file is removed and an
    existing ``path`` is left exactly as it was, so a user's file is never half-written.

    Parameters
    ----------
    path : str or Path
        The target; its directory must exist.
    mode : {"wb", "w"}
    **open_kwargs
        Passed to :func:`os.fdopen` (e.g. ``encoding="utf-8", newline=""`` for text).
    """
    target = Path(os.fspath(path))
    if not target.parent.is_dir():
        raise FileNotFoundError(f"cannot write '{target}': directory '{target.parent}' does not exist")
    if target.is_dir():
        raise IsADirectoryError(f"cannot write '{target}': it is a directory")
    try:
        descriptor, temporary = _create_temporary(target.parent, target.name)
    except OSError as error:  # read-only, permission denied, no inode left: name the target
        error.filename = os.fspath(target)  # not the hidden temporary name
        raise
    try:
        with os.fdopen(descriptor, mode, **open_kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():  # keep the mode of the file being replaced, as an in-place write would
            os.chmod(temporary, stat.S_IMODE(target.stat().st_mode))
        os.replace(temporary, target)
    except BaseException as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(error, OSError):  # disk full, file too large: the error names the target
            _naming(error, target, temporary)
        raise
    _fsync_directory(target.parent)


def _naming(error: OSError, target: Path, temporary: Path) -> None:
    """Give ``error`` the file name ``target`` where it named none or only the temporary file, so a
    message says which file could not be written, never a hidden temporary name."""
    if error.filename is None or os.fspath(error.filename) == os.fspath(temporary):
        error.filename = os.fspath(target)


def _write_atomically(target, members):
    """Write ``members`` as an .npz at ``target`` through :func:`atomic_write`."""
    with atomic_write(target, "wb") as handle:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name, array in members.items():
                info = zipfile.ZipInfo(name + ".npy", date_time=_ZIP_DATE_TIME)
                info.external_attr = 0o644 << 16
                # force_zip64 as np.savez does: sizes are unknown until written (gh-10776).
                with archive.open(info, "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, array, allow_pickle=False)


def _create_temporary(directory, name):
    """Create a fresh hidden file in ``directory``; return its descriptor and path.

    Like :func:`tempfile.mkstemp` (``O_EXCL``, a random name), but created with mode 0o666 so
    the process umask decides the model file's permissions, as for any ordinary new file.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temporary = directory / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file in '{directory}'")


def _fsync_directory(directory):
    """Make the rename durable where the platform allows syncing a directory (POSIX)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


# --------------------------------------------------------------------------- loading


def load_arrays(path):
    """Read a model file written by :func:`save_arrays`, verifying it; never unpickles.

    Parameters
    ----------
    path : str or os.PathLike
        The model file.

    Returns
    -------
    arrays : dict of str to ndarray
        Every stored array (the reserved metadata member excluded), as ordinary writable
        in-memory arrays with the dtype and shape they were saved with. The file is closed.
    metadata : dict
        The caller's metadata as saved, plus ``format_version``, ``nnlab_version`` (the nnlab
        that wrote the file) and ``checksum``.

    Raises
    ------
    ModelFileError
        With one line naming the file, if it is missing or unreadable, not a zip/.npz archive,
        truncated or corrupt (including zip CRC errors), lacks metadata, has metadata that is
        not JSON, comes from a newer format version, holds an object (pickled) array, or fails
        its checksum (arrays modified after saving).

    See Also
    --------
    save_arrays : write a model file.
    """
    source = Path(os.fspath(path))
    try:
        handle = open(source, "rb")
    except FileNotFoundError:
        raise ModelFileError(f"model file '{source}' does not exist") from None
    except IsADirectoryError:
        raise ModelFileError(f"model file '{source}' is a directory, not a file") from None
    except OSError as exc:
        raise ModelFileError(f"cannot read model file '{source}': {error_line(exc)}") from exc
    with handle:
        try:
            members = read_npz(handle)
        except ArchiveError as error:
            raise ModelFileError(f"model file '{source}' {error.describe(_MODEL_FILE_PROBLEMS)}") from error
    if METADATA_KEY not in members:
        raise ModelFileError(
            f"model file '{source}' has no nnlab metadata ({METADATA_KEY!r} is missing); it was not written by nnlab"
        )
    metadata = _parse_metadata(members.pop(METADATA_KEY), source)
    arrays = members
    expected = metadata.get("checksum")
    if not isinstance(expected, str) or not expected.startswith(_CHECKSUM_PREFIX):
        raise ModelFileError(f"model file '{source}' has no valid checksum in its metadata")
    if array_checksum(arrays, metadata) != expected:
        raise ModelFileError(
            f"model file '{source}' failed its checksum: its arrays or metadata are corrupt or were modified "
            "after saving"
        )
    return arrays, metadata


_NOT_A_MODEL_FILE = "is not an nnlab model file (not a zip/.npz archive)"
#: How a model file's ArchiveError reads, after "model file '<path>' ".
_MODEL_FILE_PROBLEMS = {
    "pickle": _NOT_A_MODEL_FILE,
    "npy": _NOT_A_MODEL_FILE,
    "npy_object": _NOT_A_MODEL_FILE,
    "not_zip": _NOT_A_MODEL_FILE,
    "corrupt": "is truncated or corrupt ({detail})",
    "object": "holds an object array (pickle) in {name}; nnlab never unpickles",
    "member": "is corrupt: {name} cannot be read ({detail})",
    "not_array": "is corrupt: member {name} is not a NumPy array",
}


def _parse_metadata(stored, source):
    """Decode the metadata member and check its format version."""
    if stored.dtype != np.uint8 or stored.ndim != 1:
        raise ModelFileError(
            f"model file '{source}' has malformed metadata (expected 1-D uint8 bytes; "
            f"got dtype {stored.dtype}, shape {stored.shape})"
        )
    try:
        metadata = json.loads(stored.tobytes().decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError included
        raise ModelFileError(f"model file '{source}' has metadata that is not valid JSON ({error_line(exc)})") from exc
    if not isinstance(metadata, dict):
        raise ModelFileError(
            f"model file '{source}' has malformed metadata (a JSON {type(metadata).__name__}, not an object)"
        )
    version = metadata.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ModelFileError(f"model file '{source}' has no valid format_version in its metadata (got {version!r})")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"model file '{source}' was written by a newer nnlab (format {version}); "
            f"this nnlab reads format {FORMAT_VERSION} — upgrade nnlab"
        )
    return metadata


# --------------------------------------------------------------------------- shared


def array_checksum(arrays, metadata=None):
    """SHA-256 over every array's name, dtype, shape and bytes, in sorted name order, then the
    metadata (less its ``checksum`` key) as sorted JSON, so neither can be edited unnoticed.

    Parameters
    ----------
    arrays : dict of str to ndarray
        The arrays of a model file (without the metadata member).
    metadata : dict, optional
        The file's JSON metadata; a ``"checksum"`` entry in it is ignored.

    Returns
    -------
    str
        ``"sha256:"`` followed by 64 hex digits. Each array contributes the JSON text
        ``[name, dtype.str, shape]`` then its bytes in C order; the JSON is self-delimiting and
        the byte count follows from dtype and shape, so distinct contents cannot collide by
        reframing. Byte order is part of ``dtype.str``.
    """
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = arrays[name]
        digest.update(json.dumps([name, array.dtype.str, list(array.shape)]).encode("utf-8"))
        digest.update(array.tobytes(order="C"))
    if metadata is not None:
        described = {key: value for key, value in metadata.items() if key != "checksum"}
        digest.update(json.dumps(described, sort_keys=True).encode("utf-8"))
    return _CHECKSUM_PREFIX + digest.hexdigest()
