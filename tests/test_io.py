"""The model file format: round trips, atomic writes, and refusal of every damaged or unsafe file.

All tests use real files in ``tmp_path``. The one monkeypatch (``os.replace`` failing) stands in
for a disk that fails at the last step, which cannot be produced for real in a test.
"""

from __future__ import annotations

import errno
import json
import os
import pickle
import sys

import numpy as np
import pytest

import nnlab
from nnlab.errors import ModelFileError
from nnlab.io import FORMAT_VERSION, METADATA_KEY, array_checksum, load_arrays, save_arrays


def make_arrays(rng):
    """Arrays like a fitted Model's: float64 and float32 weights, a scaler, class labels."""
    return {
        "W1": rng.randn(4, 3),
        "b1": np.zeros((4, 1)),
        "W2": rng.randn(1, 4).astype(np.float32),
        "b2": np.full((1, 1), 0.5, dtype=np.float32),
        "scaler_mean": rng.randn(3, 1),
        "classes": np.array(["cat", "non-cat"]),
        "label_ids": np.array([0, 1], dtype=np.int64),
    }


METADATA = {
    "architecture": {"layer_dims": [3, 4, 1]},
    "activations": ["relu", "sigmoid"],
    "hyperparameters": {"learning_rate": 0.0075, "epochs": 2500, "seed": 1, "l2": None, "shuffle": True},
    "note": "chat \u00e9t\u00e9 \u732b",
}


def without_recorded(metadata):
    return {k: v for k, v in metadata.items() if k not in ("format_version", "nnlab_version", "checksum")}


def write_npz_by_hand(path, **members):
    """An .npz written by np.savez through a file object (so no suffix is added)."""
    with open(path, "wb") as handle:
        np.savez(handle, **members)


def metadata_member(metadata):
    return np.frombuffer(json.dumps(metadata).encode("utf-8"), dtype=np.uint8)


@pytest.fixture
def saved(tmp_path, rng):
    """A model file saved by save_arrays, with the arrays that went into it."""
    path = tmp_path / "model.npz"
    arrays = make_arrays(rng)
    save_arrays(path, arrays, METADATA)
    return path, arrays


# --------------------------------------------------------------------------- round trip


def test_round_trip_is_exact(saved):
    path, arrays = saved
    loaded, metadata = load_arrays(path)
    assert list(loaded) == list(arrays)
    for name, array in arrays.items():
        assert loaded[name].dtype == array.dtype, name
        assert loaded[name].shape == array.shape, name
        np.testing.assert_array_equal(loaded[name], array)
    assert loaded["W1"].dtype == np.float64 and loaded["W2"].dtype == np.float32
    assert without_recorded(metadata) == METADATA
    assert metadata["format_version"] == FORMAT_VERSION == 1
    assert metadata["nnlab_version"] == nnlab.__version__
    assert metadata["checksum"] == array_checksum(arrays, metadata)
    assert metadata["checksum"].startswith("sha256:") and len(metadata["checksum"]) == 7 + 64


def test_loaded_arrays_are_plain_writable_in_memory_arrays(saved):
    path, _ = saved
    loaded, _ = load_arrays(path)
    os.remove(path)  # everything was read: the arrays do not depend on the file any more
    for name, array in loaded.items():
        assert type(array) is np.ndarray, name
        assert array.flags.writeable, name
    loaded["W1"][0, 0] = 42.0


def test_unusual_arrays_round_trip(tmp_path):
    arrays = {
        "scalar": np.float64(3.5),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "fortran": np.asfortranarray(np.arange(12.0).reshape(3, 4)),
        "big_endian": np.arange(5, dtype=">f8"),
        "mask": np.array([True, False]),
        "from_list": [1, 2, 3],
    }
    save_arrays(tmp_path / "m", arrays, {})
    loaded, _ = load_arrays(tmp_path / "m")
    for name, value in arrays.items():
        expected = np.asarray(value)
        assert loaded[name].dtype == expected.dtype, name
        assert loaded[name].shape == expected.shape, name
        np.testing.assert_array_equal(loaded[name], expected)


def test_numpy_scalars_and_tuples_in_metadata_come_back_as_json_types(tmp_path):
    metadata = {"epochs": np.int64(10), "lr": np.float32(0.5), "flag": np.bool_(True), "dims": (2, 3)}
    save_arrays(tmp_path / "m", {"W1": np.ones((1, 1))}, metadata)
    _, loaded = load_arrays(tmp_path / "m")
    assert without_recorded(loaded) == {"epochs": 10, "lr": 0.5, "flag": True, "dims": [2, 3]}
    assert type(loaded["epochs"]) is int and type(loaded["flag"]) is bool


def test_loaded_file_saves_again_unchanged(saved, tmp_path):
    """The Model may save what it loaded: the recorded keys are simply written afresh."""
    path, _ = saved
    arrays, metadata = load_arrays(path)
    save_arrays(tmp_path / "copy.npz", arrays, metadata)
    assert (tmp_path / "copy.npz").read_bytes() == path.read_bytes()


def test_same_content_gives_identical_bytes(tmp_path, rng):
    arrays = make_arrays(rng)
    save_arrays(tmp_path / "a", arrays, METADATA)
    save_arrays(tmp_path / "b", arrays, METADATA)
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()


def test_file_is_a_plain_npz_readable_by_numpy(saved):
    path, arrays = saved
    with np.load(path, allow_pickle=False) as npz:
        assert set(npz.files) == set(arrays) | {METADATA_KEY}
        np.testing.assert_array_equal(npz["W1"], arrays["W1"])
        assert json.loads(npz[METADATA_KEY].tobytes())["format_version"] == FORMAT_VERSION


# --------------------------------------------------------------------------- the path


def test_path_without_suffix_is_used_exactly(tmp_path):
    save_arrays(tmp_path / "model", {"W1": np.ones((2, 2))}, {})
    assert sorted(os.listdir(tmp_path)) == ["model"]
    loaded, _ = load_arrays(str(tmp_path / "model"))
    np.testing.assert_array_equal(loaded["W1"], np.ones((2, 2)))


def test_path_with_npz_suffix_is_used_exactly(tmp_path):
    save_arrays(str(tmp_path / "model.npz"), {"W1": np.ones((2, 2))}, {})
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]
    load_arrays(tmp_path / "model.npz")


def test_missing_parent_directory_is_an_error_not_created(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist") as info:
        save_arrays(tmp_path / "nope" / "model.npz", {"W1": np.ones(1)}, {})
    assert "nope" in str(info.value)
    assert os.listdir(tmp_path) == []


def test_saving_onto_a_directory_is_an_error(tmp_path):
    (tmp_path / "model.npz").mkdir()
    with pytest.raises(ModelFileError, match="is a directory"):
        save_arrays(tmp_path / "model.npz", {"W1": np.ones(1)}, {})


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_new_file_mode_follows_the_umask_and_overwrite_keeps_the_mode(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    path = tmp_path / "model.npz"
    save_arrays(path, {"W1": np.ones(1)}, {})
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    os.chmod(path, 0o640)
    save_arrays(path, {"W1": np.zeros(1)}, {})
    assert path.stat().st_mode & 0o777 == 0o640


# --------------------------------------------------------------------------- atomic overwrite


def test_failed_metadata_leaves_the_old_file_untouched(saved):
    path, _ = saved
    before = path.read_bytes()
    with pytest.raises(ValueError, match="seed"):
        save_arrays(path, {"W1": np.ones(1)}, {"hyperparameters": {"seed": object()}})
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == [path.name]


def test_failure_at_the_rename_leaves_the_old_file_untouched_and_no_temporary(saved, monkeypatch):
    path, _ = saved
    before = path.read_bytes()
    attempts = []

    def failing_replace(source, destination):
        attempts.append((os.fspath(source), os.fspath(destination)))
        # The new content is complete and lies next to the target before the rename.
        assert os.path.dirname(os.fspath(source)) == os.fspath(path.parent)
        load_arrays(source)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(ModelFileError, match="No space left on device") as info:
        save_arrays(path, {"W1": np.zeros((2, 2))}, {"new": True})
    assert str(path) in str(info.value)
    assert len(attempts) == 1 and attempts[0][1] == os.fspath(path)
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == [path.name]


def test_failure_on_a_new_file_leaves_nothing_behind(tmp_path, monkeypatch):
    def failing_replace(source, destination):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(ModelFileError):
        save_arrays(tmp_path / "model.npz", {"W1": np.ones(1)}, {})
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------------------------- refused input when saving


def test_object_array_is_refused_naming_it(tmp_path):
    with pytest.raises(ValueError, match="'bad'.*object"):
        save_arrays(tmp_path / "m", {"W1": np.ones(1), "bad": np.array([{"a": 1}], dtype=object)}, {})
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("name", "pattern"),
    [(1, "must be a string"), (("W", 1), "must be a string"), ("", "non-empty"), ("a/b", "'/'"),
     (METADATA_KEY, "reserved"), ("__other__", "reserved")],
)
def test_bad_array_names_are_refused_naming_them(tmp_path, name, pattern):
    with pytest.raises(ValueError, match=pattern) as info:
        save_arrays(tmp_path / "m", {name: np.ones(1)}, {})
    assert repr(name) in str(info.value)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("metadata", "names"),
    [
        ({"hyperparameters": {"seed": np.random.RandomState(0)}}, ["hyperparameters", "seed", "RandomState"]),
        ({"layers": [1, 2, {3}]}, ["layers", "[2]", "set"]),
        ({"stats": {1: "one"}}, ["stats", "key 1"]),
        ({"mean": np.zeros(3)}, ["mean", "arrays"]),
    ],
)
def test_metadata_that_is_not_json_is_refused_naming_the_key(tmp_path, metadata, names):
    with pytest.raises(ValueError) as info:
        save_arrays(tmp_path / "m", {"W1": np.ones(1)}, metadata)
    for name in names:
        assert name in str(info.value)
    assert os.listdir(tmp_path) == []


def test_self_containing_metadata_is_refused(tmp_path):
    metadata = {"a": []}
    metadata["a"].append(metadata)
    with pytest.raises(ValueError, match="contains itself"):
        save_arrays(tmp_path / "m", {}, metadata)


def test_metadata_must_be_a_dict(tmp_path):
    with pytest.raises(ValueError, match="metadata must be a dict"):
        save_arrays(tmp_path / "m", {}, [("a", 1)])


# --------------------------------------------------------------------------- damaged files


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist") as info:
        load_arrays(tmp_path / "absent.npz")
    assert "absent.npz" in str(info.value)


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(ModelFileError, match="directory"):
        load_arrays(tmp_path)


@pytest.mark.parametrize("content", [b"", b"PK", os.urandom(1000), b"\x93NUMPY not really"])
def test_random_bytes_are_not_a_model_file(tmp_path, content):
    path = tmp_path / "model.npz"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match="not a zip") as info:
        load_arrays(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_single_npy_file_is_not_a_model_file(tmp_path):
    path = tmp_path / "W1.npy"
    np.save(path, np.ones(3))
    with pytest.raises(ModelFileError, match="not a zip"):
        load_arrays(path)


@pytest.mark.parametrize("fraction", [0.5, 0.9, 0.1])
def test_truncated_file(saved, fraction):
    path, _ = saved
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(ModelFileError, match="truncated or corrupt") as info:
        load_arrays(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_flipped_byte_in_array_data_is_detected(saved):
    path, arrays = saved
    data = bytearray(path.read_bytes())
    target = arrays["W1"].tobytes()
    offset = data.find(target)
    assert offset > 0 and data.count(target) == 1
    data[offset + len(target) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="checksum|corrupt") as info:
        load_arrays(path)
    assert str(path) in str(info.value)


def test_modified_array_with_valid_zip_fails_the_checksum(saved, tmp_path):
    """Rewritten with correct zip CRCs, so only the checksum can notice the change."""
    path, _ = saved
    arrays, metadata = load_arrays(path)
    arrays["W1"][1, 2] += 1e-12
    tampered = tmp_path / "tampered.npz"
    write_npz_by_hand(tampered, **arrays, **{METADATA_KEY: metadata_member(metadata)})
    with pytest.raises(ModelFileError, match="checksum"):
        load_arrays(tampered)


@pytest.mark.parametrize("change", ["dtype", "shape", "rename", "extra", "missing"])
def test_checksum_covers_names_dtypes_and_shapes(saved, tmp_path, change):
    path, _ = saved
    arrays, metadata = load_arrays(path)
    if change == "dtype":
        arrays["b1"] = arrays["b1"].astype(np.float32)
    elif change == "shape":
        arrays["b1"] = arrays["b1"].reshape(1, 4)
    elif change == "rename":
        arrays["b9"] = arrays.pop("b1")
    elif change == "extra":
        arrays["W9"] = np.ones(1)
    else:
        del arrays["b1"]
    tampered = tmp_path / "tampered.npz"
    write_npz_by_hand(tampered, **arrays, **{METADATA_KEY: metadata_member(metadata)})
    with pytest.raises(ModelFileError, match="checksum"):
        load_arrays(tampered)


def test_future_format_version_asks_for_an_upgrade(saved, tmp_path):
    path, _ = saved
    arrays, metadata = load_arrays(path)
    metadata["format_version"] = 99
    future = tmp_path / "future.npz"
    write_npz_by_hand(future, **arrays, **{METADATA_KEY: metadata_member(metadata)})
    with pytest.raises(ModelFileError) as info:
        load_arrays(future)
    message = str(info.value)
    assert "newer nnlab (format 99)" in message
    assert f"reads format {FORMAT_VERSION}" in message and "upgrade nnlab" in message
    assert str(future) in message


@pytest.mark.parametrize("version", [None, "1", 0, True, 1.0])
def test_invalid_format_version(tmp_path, version):
    metadata = {"checksum": array_checksum({})}
    if version is not None:
        metadata["format_version"] = version
    path = tmp_path / "m.npz"
    write_npz_by_hand(path, **{METADATA_KEY: metadata_member(metadata)})
    with pytest.raises(ModelFileError, match="format_version"):
        load_arrays(path)


def test_missing_metadata(tmp_path):
    path = tmp_path / "m.npz"
    write_npz_by_hand(path, W1=np.ones((2, 2)))
    with pytest.raises(ModelFileError, match="no nnlab metadata") as info:
        load_arrays(path)
    assert str(path) in str(info.value)


def test_empty_archive_has_no_metadata(tmp_path):
    path = tmp_path / "m.npz"
    write_npz_by_hand(path)
    with pytest.raises(ModelFileError, match="no nnlab metadata"):
        load_arrays(path)


@pytest.mark.parametrize("payload", [b"{not json", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000])
def test_metadata_that_is_not_json(tmp_path, payload):
    path = tmp_path / "m.npz"
    write_npz_by_hand(path, **{METADATA_KEY: np.frombuffer(payload, dtype=np.uint8)})
    with pytest.raises(ModelFileError, match="not valid JSON") as info:
        load_arrays(path)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("stored", [np.array('{"format_version": 1}'), np.zeros((2, 2), dtype=np.uint8)])
def test_metadata_stored_in_another_form_is_malformed(tmp_path, stored):
    path = tmp_path / "m.npz"
    write_npz_by_hand(path, **{METADATA_KEY: stored})
    with pytest.raises(ModelFileError, match="malformed metadata"):
        load_arrays(path)


def test_metadata_that_is_not_an_object(tmp_path):
    path = tmp_path / "m.npz"
    write_npz_by_hand(path, **{METADATA_KEY: metadata_member([1, 2])})
    with pytest.raises(ModelFileError, match="malformed metadata"):
        load_arrays(path)


def test_missing_checksum(tmp_path):
    path = tmp_path / "m.npz"
    write_npz_by_hand(path, W1=np.ones(1), **{METADATA_KEY: metadata_member({"format_version": 1})})
    with pytest.raises(ModelFileError, match="no valid checksum"):
        load_arrays(path)


def test_member_that_is_not_npy(saved, tmp_path):
    """np.load hands back a non-.npy member as raw bytes; that is no array."""
    import zipfile

    path, _ = saved
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("notes.txt", b"hello")
    with pytest.raises(ModelFileError, match="'notes.txt' is not a NumPy array"):
        load_arrays(path)


# --------------------------------------------------------------------------- pickle is never run


class CreatesMarker:
    """Unpickling this creates a directory at ``marker``: proof that code ran."""

    def __init__(self, marker):
        self.marker = os.fspath(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_the_payload_would_run_if_unpickled(tmp_path):
    """Check the probe used below: plain pickle.loads does run it."""
    marker = tmp_path / "ran"
    pickle.loads(pickle.dumps(CreatesMarker(marker)))
    assert marker.exists()


def test_pickled_object_array_is_refused(saved, tmp_path):
    path, _ = saved
    arrays, metadata = load_arrays(path)
    arrays["classes"] = np.array(["cat", {"dog": 1}], dtype=object)
    evil = tmp_path / "evil.npz"
    write_npz_by_hand(evil, **arrays, **{METADATA_KEY: metadata_member(metadata)})  # savez pickles it
    with pytest.raises(ModelFileError, match=r"object array \(pickle\).*never unpickles") as info:
        load_arrays(evil)
    assert "'classes'" in str(info.value) and str(evil) in str(info.value)


@pytest.mark.parametrize("where", ["W1", METADATA_KEY])
def test_loading_never_executes_code(saved, tmp_path, where):
    path, _ = saved
    arrays, metadata = load_arrays(path)
    marker = tmp_path / "pwned"
    members = {**arrays, METADATA_KEY: metadata_member(metadata)}
    members[where] = np.array([CreatesMarker(marker)], dtype=object)
    evil = tmp_path / "evil.npz"
    write_npz_by_hand(evil, **members)
    assert not marker.exists()
    with pytest.raises(ModelFileError, match="pickle"):
        load_arrays(evil)
    assert not marker.exists()


def test_a_bare_pickle_file_is_not_unpickled(tmp_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "model.npz"
    evil.write_bytes(pickle.dumps(CreatesMarker(marker)))
    with pytest.raises(ModelFileError, match="not a zip"):
        load_arrays(evil)
    assert not marker.exists()


# --------------------------------------------------------------------------- hostile bytes


def test_header_declaring_a_huge_array_is_refused_quickly(tmp_path):
    import io
    import zipfile

    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
    metadata = io.BytesIO()
    np.lib.format.write_array(metadata, metadata_member({"format_version": 1, "checksum": array_checksum({})}))
    path = tmp_path / "m.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(METADATA_KEY + ".npy", metadata.getvalue())
        archive.writestr("W1.npy", header.getvalue() + bytes(64))
    with pytest.raises(ModelFileError, match="'W1' cannot be read"):
        load_arrays(path)


def test_random_damage_gives_model_file_error_or_the_exact_arrays(saved, tmp_path):
    """Seeded fuzzing: flipped, deleted and inserted bytes anywhere in the file."""
    path, arrays = saved
    original = path.read_bytes()
    rng = np.random.RandomState(1234)
    damaged = tmp_path / "damaged.npz"
    for trial in range(600):
        data = bytearray(original)
        start = rng.randint(len(data))
        if trial % 3 == 0:
            data[start] ^= 1 + rng.randint(255)
        elif trial % 3 == 1:
            del data[start : start + 1 + rng.randint(40)]
        else:
            data[start:start] = rng.bytes(1 + rng.randint(20))
        damaged.write_bytes(bytes(data))
        try:
            loaded, _ = load_arrays(damaged)
        except ModelFileError as exc:
            assert "\n" not in str(exc)
            continue
        # Damage to bytes numpy ignores (zip timestamps, padding) may load; it must load exactly.
        assert list(loaded) == list(arrays)
        for name, array in arrays.items():
            assert loaded[name].dtype == array.dtype and np.array_equal(loaded[name], array), (trial, name)


# --------------------------------------------------------------------------- the one NPZ reader


@pytest.mark.parametrize("make, problem", [
    (lambda path: path.write_bytes(pickle.dumps([1, 2])), "pickle"),
    (lambda path: path.write_bytes(b"plain text"), "not_zip"),
    (lambda path: np.save(path, np.ones((2, 3))), "npy"),
    (lambda path: np.save(path, np.array([{}], dtype=object), allow_pickle=True), "npy_object"),
    (lambda path: np.savez(path, X=np.array([{}], dtype=object)), "object"),
])
def test_read_npz_names_the_problem_that_model_and_data_files_word(tmp_path, make, problem):
    from nnlab.npz import ArchiveError, read_npz

    path = tmp_path / "f.npz"
    make(path)
    if not path.exists():  # np.save / np.savez add their own extension
        next(tmp_path.iterdir()).rename(path)
    with open(path, "rb") as handle, pytest.raises(ArchiveError) as info:
        read_npz(handle)
    assert info.value.problem == problem


def test_read_npz_returns_every_member_writable(tmp_path):
    from nnlab.npz import read_npz

    np.savez(tmp_path / "a.npz", X=np.arange(6).reshape(2, 3), names=np.array(["a", "b"]))
    with open(tmp_path / "a.npz", "rb") as handle:
        arrays = read_npz(handle)
    assert list(arrays) == ["X", "names"] and arrays["names"].tolist() == ["a", "b"]
    assert all(array.flags.writeable for array in arrays.values())
