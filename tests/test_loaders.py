"""Tests for nnlab.data.files, .builtin and .sources: real CSV / NPZ / HDF5 files in tmp_path, the built-in sets."""

from __future__ import annotations

import dataclasses
import importlib.util
import pickle
import re
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from nnlab.data import (
    BUILTIN_DATASETS,
    DATASETS,
    Dataset,
    describe_datasets,
    load_csv,
    load_data,
    load_dataset,
    load_h5,
    load_npz,
    train_dev_test_split,
)
from nnlab.data import builtin, sources
from nnlab.data.sources import SourceError, check_source, load_inputs, load_splits
from nnlab.labels import infer_targets
from nnlab.errors import DataError

HAS_SKLEARN = importlib.util.find_spec("sklearn") is not None
needs_sklearn = pytest.mark.skipif(not HAS_SKLEARN, reason="scikit-learn is not installed")


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def one_line(exc_info):
    message = str(exc_info.value)
    assert "\n" not in message
    return message


# ---------------------------------------------------------------------------
# Dataset
# ---------------------------------------------------------------------------


class TestDataset:
    def test_fields_and_sizes(self):
        ds = Dataset(np.zeros((3, 5)), np.zeros((1, 5), dtype=int), ["a", "b", "c"], "toy")
        assert (ds.n_features, ds.n_examples) == (3, 5)
        assert ds.feature_names == ("a", "b", "c") and ds.name == "toy"
        assert ds.X.dtype == np.float64
        assert "toy" in repr(ds) and "(3, 5)" in repr(ds)

    def test_is_frozen(self):
        ds = Dataset(np.zeros((1, 2)), np.zeros((1, 2)), ("a",), "toy")
        with pytest.raises(dataclasses.FrozenInstanceError):
            ds.name = "other"

    @pytest.mark.parametrize(
        "X, Y, names, match",
        [
            (np.zeros(4), np.zeros((1, 4)), ("a",), r"X must have shape \(n_x, m\)"),
            (np.zeros((1, 4)), np.zeros((1, 3)), ("a",), r"Y must have shape \(1, 4\)"),
            (np.zeros((2, 4)), np.zeros((1, 4)), ("a",), "expected 2 feature names"),
        ],
    )
    def test_rejects_inconsistent_shapes(self, X, Y, names, match):
        with pytest.raises(DataError, match=match):
            Dataset(X, Y, names, "toy")


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------


class TestCsv:
    def test_reads_header_features_and_label_column(self, tmp_path):
        path = write(tmp_path, "a,b,label\n1,2,0\n3,4.5,1\n-5e-1,6,1\n")
        ds = load_csv(path)
        assert ds.feature_names == ("a", "b") and ds.name == "data"
        np.testing.assert_array_equal(ds.X, [[1, 3, -0.5], [2, 4.5, 6]])
        assert ds.X.dtype == np.float64 and ds.X.flags.c_contiguous
        np.testing.assert_array_equal(ds.Y, [[0, 1, 1]])
        assert ds.Y.dtype == np.int64 and ds.Y.shape == (1, 3)

    @pytest.mark.parametrize(
        "header, label_name",
        [
            ("label,y,target,f", "label"),  # "label" beats "y" and "target"
            ("f,target,y", "y"),  # "y" beats "target"
            ("target,f,g", "target"),
            ("f,g,h", "h"),  # no conventional name: the last column
        ],
    )
    def test_default_label_rule(self, tmp_path, header, label_name):
        names = header.split(",")
        row = ",".join(str(i) for i in range(len(names)))
        ds = load_csv(write(tmp_path, f"{header}\n{row}\n"))
        assert ds.feature_names == tuple(n for n in names if n != label_name)
        assert ds.Y[0, 0] == names.index(label_name)

    def test_explicit_label_column(self, tmp_path):
        ds = load_csv(write(tmp_path, "kind,a,b\n7,1,2\n8,3,4\n"), label="kind")
        assert ds.feature_names == ("a", "b")
        np.testing.assert_array_equal(ds.Y, [[7, 8]])
        np.testing.assert_array_equal(ds.X, [[1, 3], [2, 4]])

    def test_quoted_fields_string_labels_and_spaces(self, tmp_path):
        text = (
            '"width, cm", "height" ,species\n'
            '"1.5", 2 ,"Iris setosa"\n'
            '3,4,"Iris ""virginica"""\n'
            '5,6,"two\nlines"\n'
        )
        ds = load_csv(write(tmp_path, text))
        assert ds.feature_names == ("width, cm", "height")
        np.testing.assert_array_equal(ds.X, [[1.5, 3, 5], [2, 4, 6]])
        assert ds.Y.dtype.kind == "U" and ds.Y.shape == (1, 3)
        assert ds.Y.tolist() == [["Iris setosa", 'Iris "virginica"', "two\nlines"]]

    def test_float_labels_are_regression_targets(self, tmp_path):
        ds = load_csv(write(tmp_path, "x,price\n1,2.5\n2,3\n"))
        assert ds.Y.dtype == np.float64
        np.testing.assert_array_equal(ds.Y, [[2.5, 3.0]])

    def test_mixed_labels_are_class_names(self, tmp_path):
        ds = load_csv(write(tmp_path, "x,label\n1,0\n2,cat\n"))
        assert ds.Y.tolist() == [["0", "cat"]]

    def test_blank_lines_and_bom_are_ignored(self, tmp_path):
        path = tmp_path / "bom.csv"
        path.write_bytes("\ufeffa,label\n\n1,0\n\n2,1\n,\n".encode("utf-8"))
        ds = load_csv(path)
        assert ds.feature_names == ("a",)
        np.testing.assert_array_equal(ds.X, [[1, 2]])

    def test_missing_file(self, tmp_path):
        with pytest.raises(DataError, match=r"nope\.csv: no such CSV file") as info:
            load_csv(tmp_path / "nope.csv")
        one_line(info)

    def test_directory(self, tmp_path):
        with pytest.raises(DataError, match="expected a CSV file"):
            load_csv(tmp_path)

    @pytest.mark.parametrize("text", ["", "\n\n", " , \n"])
    def test_empty_file(self, tmp_path, text):
        with pytest.raises(DataError, match="the file is empty; expected a header row"):
            load_csv(write(tmp_path, text))

    def test_header_only(self, tmp_path):
        with pytest.raises(DataError, match=r"only a header row \(a, b, label\); expected one row per example"):
            load_csv(write(tmp_path, "a,b,label\n"))

    def test_missing_label_column_lists_columns(self, tmp_path):
        path = write(tmp_path, "a,b,c\n1,2,3\n")
        with pytest.raises(DataError) as info:
            load_csv(path, label="class")
        message = one_line(info)
        assert str(path) in message
        assert "no label column 'class'" in message and "['a', 'b', 'c']" in message

    @pytest.mark.parametrize(
        "body, line, found",
        [("1,2,0\n3,4\n", 3, 2), ("1,2,0\n\n3,4,1,9\n", 4, 4)],
    )
    def test_ragged_rows_give_line_and_counts(self, tmp_path, body, line, found):
        path = write(tmp_path, "a,b,label\n" + body)
        with pytest.raises(DataError) as info:
            load_csv(path)
        message = one_line(info)
        assert f"line {line} has {found} fields; the header has 3" in message
        assert str(path) in message

    @pytest.mark.parametrize(
        "cell, shown",
        [("abc", "'abc'"), ("", "an empty cell"), ("1,5", "'1,5'"), ("0x10", "'0x10'")],
    )
    def test_non_numeric_cell(self, tmp_path, cell, shown):
        path = write(tmp_path, f'a,b,label\n1,2,0\n3,"{cell}",1\n')
        with pytest.raises(DataError) as info:
            load_csv(path)
        message = one_line(info)
        assert f"line 3, column 'b': expected a number; found {shown}" in message
        assert str(path) in message

    def test_line_numbers_count_multiline_quoted_fields(self, tmp_path):
        path = write(tmp_path, 'a,label\n1,"two\nlines"\nx,1\n')
        with pytest.raises(DataError, match=r"line 4, column 'a'"):
            load_csv(path)

    @pytest.mark.parametrize(
        "cell, reason",
        [
            ("1e999", "overflows float64"),
            ("-1e400", "overflows float64"),
            ("inf", "is infinite"),
            ("-Infinity", "is infinite"),
        ],
    )
    def test_non_finite_feature(self, tmp_path, cell, reason):
        path = write(tmp_path, f"a,b,label\n1,2,0\n3,{cell},1\n")
        with pytest.raises(DataError, match=rf"line 3, column 'b': '{cell}' {reason}") as info:
            load_csv(path)
        one_line(info)

    @pytest.mark.parametrize("cell", ["nan", "1e999", "inf"])
    def test_non_finite_numeric_label(self, tmp_path, cell):
        path = write(tmp_path, f"a,label\n1,0\n2,{cell}\n")
        with pytest.raises(DataError, match=r"line 3, column 'label'"):
            load_csv(path)

    @pytest.mark.parametrize("cell", ["nan", "NaN", "NA", ""])
    def test_missing_feature_is_named_with_the_policies(self, tmp_path, cell):
        path = write(tmp_path, f"a,b,label\n1,2,0\n3,{cell},1\n")
        with pytest.raises(DataError, match=r"line 3, column 'b': expected a number; found .*missing value.*--missing") as info:
            load_csv(path)
        one_line(info)

    def test_empty_label_cell(self, tmp_path):
        with pytest.raises(DataError, match=r"line 3, column 'label': the label is empty"):
            load_csv(write(tmp_path, "a,label\n1,0\n2,\n"))

    def test_duplicate_column_names(self, tmp_path):
        with pytest.raises(DataError, match=r"duplicate column name\(s\) \['a'\]") as info:
            load_csv(write(tmp_path, "a,b,a,label\n1,2,3,0\n"))
        one_line(info)

    def test_unnamed_column(self, tmp_path):
        with pytest.raises(DataError, match="column 1 has no name"):
            load_csv(write(tmp_path, ",a,label\n0,1,0\n"))

    def test_numeric_first_line_is_not_a_header(self, tmp_path):
        with pytest.raises(DataError, match="looks like data"):
            load_csv(write(tmp_path, "1,2,0\n3,4,1\n"))

    def test_single_column(self, tmp_path):
        with pytest.raises(DataError, match="expected at least one feature column"):
            load_csv(write(tmp_path, "label\n1\n"))

    def test_not_utf8(self, tmp_path):
        path = tmp_path / "latin.csv"
        path.write_bytes("caf\xe9,label\n1,0\n".encode("latin-1"))
        with pytest.raises(DataError, match="not UTF-8 text"):
            load_csv(path)

    def test_malformed_csv(self, tmp_path):
        path = tmp_path / "nul.csv"
        path.write_bytes(b"a,label\n1,0\n2\x00,1\n")
        with pytest.raises(DataError) as info:
            load_csv(path)
        assert str(path) in one_line(info)


# ---------------------------------------------------------------------------
# NPZ
# ---------------------------------------------------------------------------


class TestNpz:
    X = np.arange(12, dtype=np.float64).reshape(3, 4)  # (n_x, m) = (3, 4)
    y = np.array([0, 1, 1, 0])

    def test_columns_layout(self, tmp_path):
        path = tmp_path / "cols.npz"
        np.savez(path, X=self.X, Y=self.y[None, :])
        ds = load_npz(path)
        np.testing.assert_array_equal(ds.X, self.X)
        np.testing.assert_array_equal(ds.Y, [self.y])
        assert ds.feature_names == ("x0", "x1", "x2") and ds.name == "cols"

    def test_rows_layout_is_transposed(self, tmp_path):
        path = tmp_path / "rows.npz"
        np.savez(path, X=self.X.T, y=self.y)
        ds = load_npz(path, layout="rows")
        np.testing.assert_array_equal(ds.X, self.X)
        assert ds.X.flags.c_contiguous
        np.testing.assert_array_equal(ds.Y, [self.y])

    @pytest.mark.parametrize("layout", ["columns", "rows"])
    @pytest.mark.parametrize("shape", ["(m,)", "(1, m)", "(m, 1)"])
    def test_label_shapes(self, tmp_path, layout, shape):
        y = {"(m,)": self.y, "(1, m)": self.y[None, :], "(m, 1)": self.y[:, None]}[shape]
        path = tmp_path / "d.npz"
        np.savez(path, X=self.X if layout == "columns" else self.X.T, Y=y)
        ds = load_npz(path, layout=layout)
        assert ds.Y.shape == (1, 4)
        np.testing.assert_array_equal(ds.Y, [self.y])

    def test_one_hot_labels_both_layouts(self, tmp_path):
        Y = np.eye(3)[:, [0, 2, 1, 2]]  # (C, m) = (3, 4)
        np.savez(tmp_path / "c.npz", X=self.X, Y=Y)
        np.savez(tmp_path / "r.npz", X=self.X.T, Y=Y.T)
        np.testing.assert_array_equal(load_npz(tmp_path / "c.npz").Y, Y)
        np.testing.assert_array_equal(load_npz(tmp_path / "r.npz", layout="rows").Y, Y)

    def test_string_labels_and_feature_names(self, tmp_path):
        path = tmp_path / "s.npz"
        np.savez(path, X=self.X, Y=np.array(["a", "b", "b", "a"]), feature_names=np.array(["p", "q", "r"]))
        ds = load_npz(path)
        assert ds.Y.tolist() == [["a", "b", "b", "a"]]
        assert ds.feature_names == ("p", "q", "r")

    def test_refuses_object_arrays(self, tmp_path):
        path = tmp_path / "evil.npz"
        np.savez(path, X=np.array([{}], dtype=object), Y=np.array([1]))
        with pytest.raises(DataError, match="holds object arrays.*nnlab never unpickles") as info:
            load_npz(path)
        assert str(path) in one_line(info)

    def test_refuses_a_pickle_file(self, tmp_path):
        path = tmp_path / "evil.npz"
        path.write_bytes(pickle.dumps({"X": [1.0]}))
        with pytest.raises(DataError, match="holds pickled data.*never unpickles"):
            load_npz(path)

    def test_missing_arrays_listed(self, tmp_path):
        path = tmp_path / "m.npz"
        np.savez(path, features=self.X, labels=self.y)
        with pytest.raises(DataError) as info:
            load_npz(path)
        message = one_line(info)
        assert "expected arrays 'X' and 'Y' (or 'y')" in message
        assert "'features'" in message and "'labels'" in message

    def test_missing_labels_only(self, tmp_path):
        np.savez(tmp_path / "m.npz", X=self.X)
        with pytest.raises(DataError, match=r"found \['X'\]"):
            load_npz(tmp_path / "m.npz")

    def test_both_Y_and_y(self, tmp_path):
        np.savez(tmp_path / "b.npz", X=self.X, Y=self.y, y=self.y)
        with pytest.raises(DataError, match="both 'Y' and 'y'"):
            load_npz(tmp_path / "b.npz")

    def test_example_count_mismatch_names_both_counts(self, tmp_path):
        np.savez(tmp_path / "n.npz", X=self.X, Y=np.zeros(5))
        with pytest.raises(DataError, match="X holds 4 examples but Y holds 5") as info:
            load_npz(tmp_path / "n.npz")
        one_line(info)

    def test_wrong_layout_gets_a_hint(self, tmp_path):
        np.savez(tmp_path / "w.npz", X=self.X.T, Y=self.y)  # rows saved, read as columns
        with pytest.raises(DataError, match=r"X holds 3 examples but Y holds 4.*layout='rows'"):
            load_npz(tmp_path / "w.npz")

    def test_non_finite_inputs(self, tmp_path):
        X = self.X.copy()
        X[1, 2] = np.nan
        np.savez(tmp_path / "nan.npz", X=X, Y=self.y)
        with pytest.raises(DataError, match=r"NaN or infinite.*row 1, column 2"):
            load_npz(tmp_path / "nan.npz")

    def test_non_numeric_inputs(self, tmp_path):
        np.savez(tmp_path / "s.npz", X=np.array([["a", "b"]]), Y=np.array([0, 1]))
        with pytest.raises(DataError, match="X must hold numbers"):
            load_npz(tmp_path / "s.npz")

    def test_X_must_be_2d(self, tmp_path):
        np.savez(tmp_path / "one.npz", X=np.arange(4.0), Y=self.y)
        with pytest.raises(DataError, match="X must be 2-D"):
            load_npz(tmp_path / "one.npz")

    def test_bad_one_hot(self, tmp_path):
        np.savez(tmp_path / "oh.npz", X=self.X, Y=np.full((2, 4), 0.5))
        with pytest.raises(DataError, match="must be one-hot"):
            load_npz(tmp_path / "oh.npz")

    def test_not_an_archive(self, tmp_path):
        path = write(tmp_path, "not a zip", name="text.npz")
        with pytest.raises(DataError, match="not a readable .npz archive"):
            load_npz(path)

    def test_npy_of_objects(self, tmp_path):
        np.save(tmp_path / "o.npy", np.array([{}], dtype=object), allow_pickle=True)
        (tmp_path / "o.npy").rename(tmp_path / "o.npz")
        with pytest.raises(DataError, match="holds object arrays; nnlab never unpickles"):
            load_npz(tmp_path / "o.npz")

    def test_single_npy_array(self, tmp_path):
        np.save(tmp_path / "a.npy", self.X)
        (tmp_path / "a.npy").rename(tmp_path / "a.npz")
        with pytest.raises(DataError, match="single array"):
            load_npz(tmp_path / "a.npz")

    def test_missing_file_and_bad_layout(self, tmp_path):
        with pytest.raises(DataError, match="no such NPZ file"):
            load_npz(tmp_path / "none.npz")
        with pytest.raises(DataError, match=r"layout must be one of \['columns', 'rows'\]; got 'cols'"):
            load_npz(tmp_path / "none.npz", layout="cols")


# ---------------------------------------------------------------------------
# HDF5
# ---------------------------------------------------------------------------


def write_h5(path, **arrays):
    with h5py.File(path, "w") as handle:
        for key, value in arrays.items():
            handle.create_dataset(key, data=value)
    return path


class TestH5:
    images = np.arange(5 * 2 * 3 * 3, dtype=np.uint8).reshape(5, 2, 3, 3)  # (m, h, w, c)
    labels = np.array([1, 0, 1, 1, 0])

    @pytest.mark.parametrize("prefix", ["train_set", "test_set"])
    def test_course_keys_detected_flattened_and_scaled(self, tmp_path, prefix):
        path = write_h5(
            tmp_path / "course.h5",
            **{f"{prefix}_x": self.images, f"{prefix}_y": self.labels,
               "list_classes": np.array([b"non-cat", b"cat"])},
        )
        ds = load_h5(path)
        assert ds.X.shape == (18, 5) and ds.Y.shape == (1, 5)
        np.testing.assert_allclose(ds.X, self.images.reshape(5, -1).T / 255)
        np.testing.assert_array_equal(ds.Y, [self.labels])
        assert ds.name == "course" and len(ds.feature_names) == 18

    def test_explicit_keys_and_non_uint8_kept(self, tmp_path):
        X = np.linspace(0, 300, 10).reshape(5, 2)  # (m, n_x), float: no scaling
        path = write_h5(tmp_path / "g.hdf5", **{"grp/feat": X, "grp/lab": self.labels})
        ds = load_h5(path, x_key="grp/feat", y_key="grp/lab")
        np.testing.assert_array_equal(ds.X, X.T)

    def test_generic_X_y_keys(self, tmp_path):
        path = write_h5(tmp_path / "g.h5", X=np.ones((5, 2)), y=self.labels)
        assert load_h5(path).X.shape == (2, 5)

    def test_wrong_keys_list_keys_found(self, tmp_path):
        path = write_h5(tmp_path / "w.h5", images=self.images, labels=self.labels)
        with pytest.raises(DataError) as info:
            load_h5(path, x_key="train_set_x", y_key="labels")
        message = one_line(info)
        assert "no dataset 'train_set_x'" in message and "['images', 'labels']" in message
        with pytest.raises(DataError, match=r"no default keys.*\['images', 'labels'\]"):
            load_h5(path)

    def test_give_both_keys(self, tmp_path):
        path = write_h5(tmp_path / "w.h5", images=self.images, labels=self.labels)
        with pytest.raises(DataError, match="give both x_key and y_key"):
            load_h5(path, x_key="images")

    def test_group_is_not_a_dataset(self, tmp_path):
        path = write_h5(tmp_path / "w.h5", **{"g/x": self.images, "labels": self.labels})
        with pytest.raises(DataError, match="no dataset 'g'"):
            load_h5(path, x_key="g", y_key="labels")

    def test_count_mismatch(self, tmp_path):
        path = write_h5(tmp_path / "c.h5", train_set_x=self.images, train_set_y=np.zeros(4))
        with pytest.raises(DataError, match=r"holds 5 examples but 'train_set_y' has shape \(4,\)"):
            load_h5(path)

    def test_string_labels(self, tmp_path):
        labels = np.array([b"cat", b"dog", b"cat", b"cat", b"dog"])
        path = write_h5(tmp_path / "s.h5", X=np.ones((5, 2)), Y=labels)
        assert load_h5(path).Y.tolist() == [["cat", "dog", "cat", "cat", "dog"]]

    def test_not_hdf5_and_missing(self, tmp_path):
        with pytest.raises(DataError, match="not a readable HDF5 file"):
            load_h5(write(tmp_path, "text", name="t.h5"))
        with pytest.raises(DataError, match="no such HDF5 file"):
            load_h5(tmp_path / "none.h5")

    def test_the_course_cat_files(self, cat_dir):
        train = load_h5(cat_dir / "train_catvnoncat.h5")
        test = load_h5(cat_dir / "test_catvnoncat.h5")
        assert (train.X.shape, train.Y.shape) == ((12288, 209), (1, 209))
        assert (test.X.shape, test.Y.shape) == ((12288, 50), (1, 50))
        assert 0.0 <= train.X.min() and train.X.max() <= 1.0
        with h5py.File(cat_dir / "train_catvnoncat.h5", "r") as handle:
            raw = handle["train_set_x"][:]
            y = handle["train_set_y"][:]
        np.testing.assert_array_equal(train.X, raw.reshape(209, -1).T / 255.0)
        np.testing.assert_array_equal(train.Y, y.reshape(1, -1))
        assert set(np.unique(train.Y)) == {0, 1}
        assert load_data(cat_dir / "test_catvnoncat.h5").n_examples == 50


# ---------------------------------------------------------------------------
# load_data and the built-in sets
# ---------------------------------------------------------------------------


class TestLoadData:
    def test_builtin_names(self):
        assert set(BUILTIN_DATASETS) == set(DATASETS) | {"digits", "breast_cancer"}
        assert DATASETS is builtin.GENERATORS

    @pytest.mark.parametrize("name", sorted(DATASETS))
    def test_generators_match_load_dataset(self, name):
        ds = load_data(name, seed=3)
        X, Y = load_dataset(name, seed=3)
        np.testing.assert_array_equal(ds.X, X)
        np.testing.assert_array_equal(ds.Y, Y)
        assert ds.Y.dtype == np.int64 and ds.Y.shape == (1, ds.n_examples)
        assert ds.name == name and ds.feature_names == ("x0", "x1")

    def test_default_seed_is_the_generators_default(self):
        X, _ = load_dataset("flower")
        np.testing.assert_array_equal(load_data("flower").X, X)

    def test_blobs_has_integer_classes(self):
        assert set(np.unique(load_data("blobs").Y)) == set(range(6))

    @needs_sklearn
    def test_digits(self):
        ds = load_data("digits")
        assert ds.X.shape == (64, 1797) and ds.Y.shape == (1, 1797)
        assert ds.Y.dtype == np.int64 and set(np.unique(ds.Y)) == set(range(10))
        assert ds.feature_names[0] == "pixel_0_0"

    @needs_sklearn
    def test_breast_cancer(self):
        ds = load_data("breast_cancer")
        assert ds.X.shape == (30, 569) and ds.Y.shape == (1, 569)
        assert set(np.unique(ds.Y)) == {0, 1}
        assert ds.feature_names[0] == "mean radius"

    def test_sklearn_sets_without_sklearn(self, monkeypatch):
        real = importlib.util.find_spec
        monkeypatch.setattr(
            builtin.importlib.util, "find_spec", lambda name, *a: None if name == "sklearn" else real(name, *a)
        )
        with pytest.raises(DataError, match=re.escape(f"{sys.executable} -m pip install 'scikit-learn>=1.3'")):
            load_data("digits")
        rows = {row["name"]: row for row in describe_datasets()}
        assert rows["digits"]["available"] is False and rows["digits"]["n_examples"] is None
        assert f"{sys.executable} -m pip install" in rows["breast_cancer"]["note"]
        assert rows["moons"]["available"] is True

    @pytest.mark.parametrize("ext, loader", [(".csv", "load_csv"), (".npz", "load_npz"), (".h5", "load_h5"), (".HDF5", "load_h5")])
    def test_extension_picks_the_loader(self, tmp_path, monkeypatch, ext, loader):
        path = write(tmp_path, "", name=f"f{ext}")
        calls = []
        monkeypatch.setattr(sources, loader, lambda p, **kw: calls.append((Path(p), kw)) or "ok")
        assert load_data(str(path)) == "ok" and calls[0][0] == path

    def test_files_end_to_end(self, tmp_path):
        ds = load_data(write(tmp_path, "a,b,cls\n1,2,x\n3,4,y\n"), label="cls")
        assert ds.Y.tolist() == [["x", "y"]]
        np.savez(tmp_path / "r.npz", X=np.ones((3, 2)), y=np.arange(3))
        assert load_data(tmp_path / "r.npz", layout="rows").X.shape == (2, 3)

    def test_unknown_name_lists_builtins(self):
        with pytest.raises(DataError) as info:
            load_data("moon")
        message = one_line(info)
        assert "unknown data set 'moon'" in message
        assert str(sorted(BUILTIN_DATASETS)) in message
        assert "Did you mean 'moons'?" in message

    def test_missing_file_with_known_extension(self, tmp_path):
        with pytest.raises(DataError, match="no such file"):
            load_data(str(tmp_path / "absent.csv"))

    def test_unsupported_extension(self, tmp_path):
        with pytest.raises(DataError, match=r"extension '\.txt'; expected one of \.csv, \.tsv, \.parquet, \.npz, \.h5, \.hdf5"):
            load_data(write(tmp_path, "a\tb\n", name="d.txt"))

    def test_options_that_do_not_apply(self, tmp_path):
        with pytest.raises(DataError, match="label='c' .*does not apply to built-in data set 'moons'"):
            load_data("moons", label="c")
        with pytest.raises(DataError, match="layout='rows' .*does not apply to CSV, TSV and Parquet files"):
            load_data(write(tmp_path, "a,label\n1,0\n"), layout="rows")
        with pytest.raises(DataError, match="layout must be one of"):
            load_data("moons", layout="sideways")

    @pytest.mark.parametrize("bad", [3, None, ["moons"]])
    def test_bad_source_type(self, bad):
        with pytest.raises(DataError, match="built-in name or a path"):
            load_data(bad)


class TestSources:
    """The data-source rules, written once for the command line and the search configuration."""

    def test_a_builtin_name_comes_back_unchanged(self):
        assert check_source("moons", seed=4) == "moons"

    def test_a_relative_file_is_resolved_against_relative_to(self, tmp_path, monkeypatch):
        folder = tmp_path / "configs"
        folder.mkdir()
        write(folder, "a,label\n1,0\n", name="d.csv")
        monkeypatch.chdir(tmp_path)
        assert check_source("d.csv", relative_to=folder) == str((folder / "d.csv").resolve())
        assert check_source("configs/d.csv") == "configs/d.csv"  # no relative_to: as given
        with pytest.raises(SourceError, match=r"no such file \(relative to .*configs\)") as info:
            check_source("absent.csv", relative_to=folder)
        assert info.value.key == "source"

    @pytest.mark.parametrize("source, options, key, message", [
        ("flowr", {}, "source", "unknown data set 'flowr'.*Did you mean 'flower'"),
        (3, {}, "source", "built-in name or a path"),
        ("moons", {"label": "y"}, "label", "label='y' .*does not apply to built-in data set 'moons'"),
        ("moons", {"layout": "rows"}, "layout", "layout='rows' .*does not apply to built-in data set"),
        ("moons", {"layout": "diagonal"}, "layout", r"layout must be one of \['columns', 'rows'\]; got 'diagonal'"),
        ("digits", {"seed": 1}, "seed", "seed=1 applies to the built-in generators only .*'digits' is fixed data"),
    ])
    def test_each_rule_names_its_key(self, source, options, key, message):
        with pytest.raises(SourceError, match=message) as info:
            check_source(source, **options)
        assert info.value.key == key and isinstance(info.value, DataError)

    def test_a_seed_for_a_file_is_refused_when_checked_and_ignored_by_load_data(self, tmp_path):
        path = write(tmp_path, "a,label\n1,0\n2,1\n")
        with pytest.raises(SourceError, match="is fixed data") as info:
            check_source(str(path), seed=2)
        assert info.value.key == "seed"
        assert load_data(path, seed=2).n_examples == 2

    @pytest.mark.parametrize("name, output", [("blobs", None), ("flower", "linear")])
    def test_load_splits_is_load_infer_split(self, name, output):
        dataset, split, targets = load_splits(name, seed=2, dev=0.25, test=0.1, split_seed=5, output=output)
        expected = load_data(name, seed=2)
        np.testing.assert_array_equal(dataset.X, expected.X)
        want = infer_targets(expected.Y, output)
        assert (targets.task, targets.output) == (want.task, want.output)
        np.testing.assert_array_equal(targets.classes, want.classes)
        manual = train_dev_test_split(expected.X, expected.Y, dev=0.25, test=0.1, seed=5,
                                      stratify=targets.task != "regression")
        for got, want in zip(split, manual):
            np.testing.assert_array_equal(got[0], want[0])
            np.testing.assert_array_equal(got[1], want[1])

    def test_load_inputs_reads_a_csv_of_features_only(self, tmp_path):
        path = write(tmp_path, "a,b\n1,2\n3,4\n5,6\n")
        np.testing.assert_array_equal(load_inputs(str(path), 2), [[1, 3, 5], [2, 4, 6]])
        assert load_inputs(str(path), 1).shape == (1, 3)  # a,b read as feature a and label b
        with pytest.raises(DataError, match="column 'b' must hold numbers"):
            load_inputs(str(write(tmp_path, "a,b\n1,x\n", name="s.csv")), 2)


def test_describe_datasets():
    rows = describe_datasets()
    assert [row["name"] for row in rows] == list(BUILTIN_DATASETS)
    by_name = {row["name"]: row for row in rows}
    flower = by_name["flower"]
    assert (flower["n_features"], flower["n_examples"], flower["classes"]) == (2, 400, {0: 200, 1: 200})
    assert flower["available"] and flower["description"] and flower["source"]
    assert len(by_name["blobs"]["classes"]) == 6
    for row in rows:
        assert set(row) == {"name", "description", "source", "available", "n_features",
                            "n_examples", "classes", "note"}
        if row["available"]:
            assert sum(row["classes"].values()) == row["n_examples"]
    if HAS_SKLEARN:
        assert by_name["digits"]["n_features"] == 64 and len(by_name["digits"]["classes"]) == 10


def test_unsigned_and_boolean_labels_become_int64(tmp_path):
    np.savez(tmp_path / "u.npz", X=np.ones((1, 3)), Y=np.array([0, 1, 1], dtype=np.uint8))
    np.savez(tmp_path / "b.npz", X=np.ones((1, 3)), Y=np.array([False, True, True]))
    for name in ("u.npz", "b.npz"):
        Y = load_npz(tmp_path / name).Y
        assert Y.dtype == np.int64 and (1 - Y).tolist() == [[1, 0, 0]]


# ---------------------------------------------------------------------------
# Tables: delimiters, formats, columns, and the preprocessing fitted on them
# ---------------------------------------------------------------------------


class TestTables:
    @pytest.mark.parametrize("text", [
        "a;b;label\n1;2,5;0\n3;4;1\n",  # ';' guessed, ',' is not the delimiter then
        "a\tb\tlabel\n1\t2.5\t0\n3\t4\t1\n",
        "\ufeffa,b,label\r\n1,2.5,0\r\n3,4,1\r\n",  # BOM and CRLF
        'a,"b",label\n1,"2.5",0\n3,4,1\n',
    ])
    def test_delimiters_bom_crlf_and_quotes(self, tmp_path, text):
        from nnlab.data import TextFormat

        fmt = TextFormat(decimal=",") if ";" in text else TextFormat()
        ds = load_csv(write(tmp_path, text), fmt=fmt)
        assert ds.feature_names == ("a", "b")
        np.testing.assert_array_equal(ds.X, [[1, 3], [2.5, 4]])

    def test_tsv_extension_means_tabs(self, tmp_path):
        ds = load_data(str(write(tmp_path, "a\tb\tlabel\n1\t2\t0\n3\t4\t1\n", name="d.tsv")))
        assert ds.feature_names == ("a", "b")

    def test_features_and_drop_choose_the_columns(self, tmp_path):
        from nnlab.data import load_table

        path = write(tmp_path, "id,a,b,c,label\n1,2,3,4,0\n2,5,6,7,1\n")
        assert list(load_table(path, drop=("id",)).features.columns) == ["a", "b", "c"]
        assert list(load_table(path, features=("c", "a")).features.columns) == ["c", "a"]
        with pytest.raises(DataError, match="cannot also be a feature"):
            load_table(path, label="a", features=("a", "b"))

    def test_text_label_that_is_an_identifier(self, tmp_path):
        rows = "".join(f"{i},name{i}\n" for i in range(30))
        with pytest.raises(DataError, match=r"30 different texts for 30 examples .*--label COLUMN .*--drop name"):
            load_csv(write(tmp_path, "x,name\n" + rows))


class TestPreprocessor:
    @staticmethod
    def frame():
        pd = pytest.importorskip("pandas")
        return pd.DataFrame({"age": [20.0, None, 40.0, 60.0], "city": ["b", "a", None, "a"], "n": [1, 2, 3, 4]})

    def test_one_hot_in_place_and_fill_values(self):
        from nnlab.data.preprocess import Preprocessor

        pre = Preprocessor(missing="median").fit(self.frame())
        assert pre.output_names_ == ["age", "city=a", "city=b", "n"]
        X = pre.transform(self.frame())
        np.testing.assert_array_equal(X, [[20, 40, 40, 60], [0, 1, 1, 1], [1, 0, 0, 0], [1, 2, 3, 4]])

    @pytest.mark.parametrize("policy, fill", [("mean", 40.0), ("median", 40.0), ("most_frequent", 20.0)])
    def test_numeric_fill_comes_from_the_fitted_rows(self, policy, fill):
        from nnlab.data.preprocess import Preprocessor

        pre = Preprocessor(missing=policy).fit(self.frame())
        assert pre.fill_["age"] == fill and pre.fill_["city"] == "a"

    def test_drop_leaves_incomplete_rows_out_and_refuses_them_to_predict(self):
        from nnlab.data.preprocess import Preprocessor

        pre = Preprocessor(missing="drop").fit(self.frame())
        X, kept = pre.transform_rows(self.frame())
        assert kept.tolist() == [True, False, False, True] and X.shape == (4, 2)
        with pytest.raises(DataError, match="missing value in a row to predict"):
            pre.transform(self.frame())

    def test_unknown_category_error_or_zeros(self):
        from nnlab.data.preprocess import Preprocessor

        frame = self.frame().fillna({"age": 1.0, "city": "a"})
        other = frame.assign(city=["a", "z", "b", "a"])
        with pytest.raises(DataError, match=r"row 2, column 'city': the category 'z' was not seen"):
            Preprocessor().fit(frame).transform(other)
        X = Preprocessor(handle_unknown="ignore").fit(frame).transform(other)
        np.testing.assert_array_equal(X[1:3, 1], [0, 0])

    def test_columns_by_name_in_any_order_and_missing_ones_named(self):
        from nnlab.data.preprocess import Preprocessor

        pre = Preprocessor(missing="mean").fit(self.frame())
        shuffled = self.frame()[["n", "city", "age"]].assign(extra=0)
        np.testing.assert_array_equal(pre.transform(shuffled), pre.transform(self.frame()))
        with pytest.raises(DataError, match=r"needs the column\(s\) \['city'\]"):
            pre.transform(self.frame()[["age", "n"]])

    def test_round_trip_through_arrays_and_json(self):
        import json

        from nnlab.data.preprocess import Preprocessor

        pre = Preprocessor(categorical=["n"], missing="mean").fit(self.frame())
        arrays, metadata = pre.to_arrays()
        again = Preprocessor.from_arrays(arrays, json.loads(json.dumps(metadata)))
        assert again.output_names_ == pre.output_names_ == ["age", "city=a", "city=b", "n=1", "n=2", "n=3", "n=4"]
        np.testing.assert_array_equal(again.transform(self.frame()), pre.transform(self.frame()))

    def test_a_model_file_keeps_the_preprocessing(self, tmp_path):
        from nnlab import Model
        from nnlab.data.preprocess import Preprocessor

        frame = self.frame()
        model = Model(hidden_layers=(2,), epochs=5).fit(frame, [0, 1, 0, 1], preprocessor=Preprocessor(missing="mean"))
        model.save(tmp_path / "m.npz")
        loaded = Model.load(tmp_path / "m.npz")
        np.testing.assert_array_equal(loaded.predict_proba(frame), model.predict_proba(frame))
        with pytest.raises(TypeError, match="pass a DataFrame"):
            loaded.predict(np.zeros((4, 2)))

    def test_a_stray_word_in_a_column_of_numbers_is_named_not_encoded(self):
        pd = pytest.importorskip("pandas")
        from nnlab.data.preprocess import Preprocessor

        frame = pd.DataFrame({"a": ["1", "2", "x", "4"], "b": [1.0, 2, 3, 4]})
        with pytest.raises(DataError, match=r"row 3, column 'a': expected a number; found 'x'; if the column is categorical"):
            Preprocessor().fit(frame)
        assert Preprocessor(categorical=["a"]).fit(frame).output_names_ == ["a=1", "a=2", "a=4", "a=x", "b"]
