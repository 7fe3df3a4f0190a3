"""Property tests (hypothesis): random input never gets past the boundary as anything but a clear error.

(a) The engine and the Model on random shapes and values (NaN, infinity, huge, tiny): success
    with finite gradients wherever the cost is finite, or a ValueError / TypeError -- never
    another exception type and never a NumPy warning (the suite runs with warnings as errors,
    and each call here also runs under ``warnings.simplefilter("error")``).
(b) Random command lines built from real flags and junk tokens: exit 0, 1 or 2 with output,
    and only deliberate ``SystemExit``s.
(c) Random and damaged bytes as a model file, a CSV and a TOML search config: the documented
    error (ModelFileError / DataError / ConfigError) or a successful read -- nothing else.

Every test is bounded (``max_examples``, no deadline) and derandomized so CI sees the same
examples on every run; the whole file runs in well under a minute.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from nnlab import Model  # noqa: E402
from nnlab.cli import main  # noqa: E402
from nnlab.data.files import load_csv  # noqa: E402
from nnlab.engine import (  # noqa: E402
    ACTIVATIONS,
    INITIALIZERS,
    OPTIMIZERS,
    compute_cost,
    initialize_parameters,
    model_backward,
    model_forward,
)
from nnlab.engine.losses import canonical_loss  # noqa: E402
from nnlab.errors import DataError, ModelFileError  # noqa: E402
from nnlab.search.space import ConfigError  # noqa: E402
from nnlab.io import load_arrays  # noqa: E402
from nnlab.search import load_search_config  # noqa: E402

HIDDEN = [name for name in ACTIVATIONS if name != "softmax"]
OUTPUTS = ["sigmoid", "softmax", "linear"]
SPECIAL = [0.0, -0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-300]
HUGE = [1e300, -1e300, 1.7976931348623157e308, -1.7976931348623157e308, 1e155, -1e155]

# No shrinking and one reported bug per test: a failing property still finishes in seconds.
common = dict(deadline=None, derandomize=True, database=None, report_multiple_bugs=False,
              phases=(Phase.explicit, Phase.reuse, Phase.generate),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                     HealthCheck.data_too_large, HealthCheck.filter_too_much])


def strict(call, *args, **kwargs):
    """``call(*args, **kwargs)`` with every warning an exception, so none can escape unseen."""
    with warnings.catch_warnings(), np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
        warnings.simplefilter("error")
        return call(*args, **kwargs)


def values(*, huge: bool):
    """Floats for X, Y and W: ordinary ones, the special ones and, with ``huge``, near-overflow ones."""
    ordinary = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
    special = st.sampled_from(SPECIAL + (HUGE if huge else []))
    anything = st.floats(allow_nan=True, allow_infinity=True) if huge else st.nothing()
    return st.one_of(ordinary, special, anything)


@st.composite
def engine_problem(draw, huge, weights=False):
    dims = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    m = draw(st.integers(1, 5))
    hidden = draw(st.sampled_from(HIDDEN))
    output = draw(st.sampled_from(OUTPUTS))
    n_x = dims[0] if draw(st.integers(0, 9)) else draw(st.integers(1, 5))  # sometimes the wrong count
    X = draw(hnp.arrays(np.float64, (n_x, m), elements=values(huge=huge)))
    parameters = initialize_parameters(dims, method=draw(st.sampled_from(list(INITIALIZERS))), seed=draw(st.integers(0, 9)))
    if weights:  # arbitrary weights too, NaN and infinity included
        name = f"{draw(st.sampled_from('Wb'))}{draw(st.integers(1, len(dims) - 1))}"
        parameters[name] = draw(hnp.arrays(np.float64, parameters[name].shape, elements=values(huge=huge)))
    n_y = dims[-1]
    kind = draw(st.sampled_from(["valid", "valid", "valid", "any"]))
    if kind == "valid" and output == "sigmoid":
        Y = draw(hnp.arrays(np.int64, (n_y, m), elements=st.integers(0, 1)))
    elif kind == "valid" and output == "softmax":
        Y = np.eye(n_y)[:, draw(hnp.arrays(np.int64, (m,), elements=st.integers(0, n_y - 1)))]
    else:
        rows = n_y if draw(st.integers(0, 9)) else n_y + 1
        Y = draw(hnp.arrays(np.float64, (rows, m), elements=values(huge=huge)))
    return dims, hidden, output, X, parameters, Y


def check_engine(problem):
    dims, hidden, output, X, parameters, Y = problem
    try:
        AL, caches = strict(model_forward, X, parameters, hidden, output)
        cost = strict(compute_cost, AL, Y, canonical_loss(output).name)
        grads = strict(model_backward, AL, Y, caches, hidden, output)
    except (ValueError, TypeError) as error:
        assert str(error) and "\n" not in str(error)
        return
    assert np.isfinite(AL).all()
    if np.isfinite(cost):
        for name, grad in grads.items():
            assert np.isfinite(grad).all(), f"{name} is not finite while the cost {cost} is"


@settings(max_examples=300, **common)
@given(engine_problem(huge=False))
def test_engine_on_random_shapes_and_values_in_the_documented_range(problem):
    """|values| <= 1e4 plus NaN, +-inf, 0, subnormals: the README's range for the activations."""
    check_engine(problem)


@settings(max_examples=200, **common)
@given(engine_problem(huge=False, weights=True))
def test_engine_on_random_weights_including_nan_and_infinity(problem):
    """Known bug: model_forward checks X for NaN/inf but not the parameters, so a W or b holding
    NaN or inf gives NumPy's "invalid value encountered in matmul" RuntimeWarning, or a finite
    cost with infinite gradients, instead of a ValueError naming the parameter."""
    check_engine(problem)


@settings(max_examples=200, **common)
@given(engine_problem(huge=True))
def test_engine_on_any_float_including_huge_finite_values(problem):
    """Any float64, 1e300 and the largest double included.

    Known bug: finite values whose products overflow (X ~1e155 and up) pass the
    ``check_finite`` guards and then raise NumPy's "overflow encountered in matmul" /
    "invalid value" RuntimeWarning inside ``linear_forward``, instead of a ValueError.
    """
    check_engine(problem)


@settings(max_examples=300, **common)
@given(array=hnp.arrays(st.sampled_from([np.float32, np.float64]),
                        hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=6),
                        elements=st.floats(width=32)),  # NaN, infinities, huge and subnormal values included
       layout=st.sampled_from(["C", "F", "strided"]))
def test_all_finite_agrees_with_isfinite_entry_by_entry(array, layout):
    # its fast pass (a sum of squares) overflows on huge finite entries: then it looks entry by entry
    from nnlab.engine.validation import all_finite

    array = {"C": array, "F": np.asfortranarray(array), "strided": array[..., ::2]}[layout]
    with np.errstate(over="ignore", invalid="ignore"):  # as its callers do
        assert all_finite(array) == bool(np.isfinite(array).all())


@settings(max_examples=300, **common)
@given(dims=st.lists(st.one_of(st.integers(-3, 6), st.floats(-2, 6), st.text(max_size=2), st.none()), max_size=5),
       method=st.one_of(st.sampled_from(list(INITIALIZERS)), st.text(max_size=6), st.integers()),
       seed=st.one_of(st.integers(0, 2**32 - 1), st.integers(-5, -1), st.floats(), st.none()),
       dtype=st.sampled_from(["float64", "float32", "float16", "int64", None, 3, np.float32]))
def test_initialize_parameters_on_random_arguments(dims, method, seed, dtype):
    try:
        parameters = strict(initialize_parameters, dims, method=method, seed=seed, dtype=dtype)
    except (ValueError, TypeError) as error:
        assert str(error)
        return
    assert len(parameters) == 2 * (len(dims) - 1)
    assert all(np.isfinite(p).all() for p in parameters.values())


@st.composite
def fit_problem(draw, huge):
    n_x = draw(st.integers(1, 3))
    m = draw(st.integers(1, 8))
    X = draw(hnp.arrays(np.float64, (n_x, m), elements=values(huge=huge)))
    label_kind = draw(st.sampled_from(["binary", "classes", "real", "strings"]))
    if label_kind == "binary":
        Y = draw(hnp.arrays(np.int64, (1, m), elements=st.integers(0, 1)))
    elif label_kind == "classes":
        Y = draw(hnp.arrays(np.int64, (1, m), elements=st.integers(-2, 4)))
    elif label_kind == "strings":
        Y = np.array([draw(st.lists(st.sampled_from(["cat", "dog", "emu"]), min_size=m, max_size=m))])
    else:
        Y = draw(hnp.arrays(np.float64, (draw(st.integers(1, 2)), m), elements=values(huge=huge)))
    fields = dict(
        hidden_layers=tuple(draw(st.lists(st.integers(1, 4), max_size=2))),
        activation=draw(st.sampled_from(HIDDEN)),
        output=draw(st.sampled_from([None, *OUTPUTS])),
        optimizer=draw(st.sampled_from(list(OPTIMIZERS))),
        learning_rate=draw(st.sampled_from([1e-3, 0.1, 1.0, 10.0, 1e6])),
        batch_size=draw(st.sampled_from([None, 1, 3])),
        keep_prob=draw(st.sampled_from([1.0, 0.5])),
        l2=draw(st.sampled_from([0.0, 0.7])),
        standardize=draw(st.booleans()),
        dtype=draw(st.sampled_from(["float64", "float32"])),
        epochs=draw(st.integers(1, 3)),
    )
    return X, Y, fields


def check_fit(problem):
    X, Y, fields = problem
    try:
        model = strict(Model(**fields).fit, X, Y)
        AL = strict(model.predict_proba, X)
    except (ValueError, TypeError) as error:  # TrainingDiverged and DataError are ValueErrors too
        assert str(error)
        return
    assert np.isfinite(AL).all()


@settings(max_examples=150, **common)
@given(fit_problem(huge=False))
def test_model_fit_on_random_data_in_the_documented_range(problem):
    check_fit(problem)


@settings(max_examples=150, **common)
@given(fit_problem(huge=True))
def test_model_fit_on_any_float_including_huge_finite_values(problem):
    """Known bug: Standardizer.fit (np.std squares X) and the forward pass overflow with a
    RuntimeWarning for finite |X| >~ 1e155 instead of raising a ValueError."""
    check_fit(problem)


# --------------------------------------------------------------------------- (b) the command line

COMMANDS = ["train", "predict", "evaluate", "gradcheck", "explain", "datasets", "search", "report"]
FLAGS = ["--data", "--layers", "--activation", "--output", "--init", "--optimizer", "--lr", "--beta",
         "--epsilon", "--decay", "--decay-rate", "--batch-size", "--epochs", "--l2", "--keep-prob",
         "--patience", "--standardize", "--no-standardize", "--seed", "--dtype", "--verbose", "--label",
         "--layout", "--data-seed", "--dev-fraction", "--test-fraction", "--split-seed", "--out",
         "--plots-dir", "--no-plots", "--model", "--examples", "--jobs", "--executor", "--top", "-v"]
JUNK = ["", " ", "0", "1", "2", "3", "-1", "1.5", "nan", "inf", "-inf", "1e999", "abc", "none", "4,x", "2,2",
        "3,0", ",", "flower", "moons", "xor", "flwer", "tanh", "relu", "softmax", "adam", "float16",
        "rows", "model.npz", "bad.csv", "bad.toml", "missing.csv", "out/p.csv", "--", "-x", "--nope",
        "\x00", "é", "💥"]


@st.composite
def command_line(draw):
    command = draw(st.sampled_from(COMMANDS + ["bogus", "--version"]))
    tokens = draw(st.lists(st.one_of(st.sampled_from(FLAGS), st.sampled_from(JUNK)), max_size=8))
    head = [command]
    if command == "train":  # keep a run that happens to be valid short
        head += ["--epochs", "2", "--no-plots"]
    return head + tokens


@pytest.fixture(scope="module")
def cli_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cli")
    Model(hidden_layers=(2,), epochs=2).fit(np.array([[0.0, 1, 2, 3], [1, 0, 1, 0]]), [[0, 1, 0, 1]]).save(directory / "model.npz")
    (directory / "bad.csv").write_text("a,b,label\n1,x,0\n")
    (directory / "bad.toml").write_text("[data]\nsource = 3\n")
    return directory


@settings(max_examples=80, **common)
@given(argv=command_line())
def test_random_command_lines_exit_0_1_or_2_deliberately(cli_dir, monkeypatch, argv):
    monkeypatch.chdir(cli_dir)
    monkeypatch.delenv("NNLAB_DEBUG", raising=False)
    result = CliRunner().invoke(main, argv, prog_name="nnlab")
    # a success leaves no exception; any other exit is a deliberate SystemExit, not an escaped error
    assert type(result.exception) is (SystemExit if result.exit_code else type(None)), (argv, repr(result.exception))
    assert result.exit_code in (0, 1, 2), (argv, result.exit_code, result.output)
    assert "Traceback" not in result.output
    if result.exit_code:
        assert result.stderr.strip(), argv  # a message on stderr says why


# --------------------------------------------------------------------------- (c) bytes as files


@pytest.fixture(scope="module")
def model_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "m.npz"
    Model(hidden_layers=(2,), epochs=2).fit(np.array([[0.0, 1, 2, 3], [1, 0, 1, 0]]), [[0, 1, 0, 1]]).save(path)
    return path.read_bytes()


@st.composite
def damaged(draw, original):
    """Random bytes, or the real file truncated, with bytes flipped, or with junk spliced in."""
    how = draw(st.sampled_from(["random", "zip-magic", "truncate", "flip", "splice"]))
    if how == "random":
        return draw(st.binary(max_size=600))
    if how == "zip-magic":
        return b"PK\x03\x04" + draw(st.binary(max_size=600))
    data = bytearray(original)
    if how == "truncate":
        return bytes(data[: draw(st.integers(0, len(data) - 1))])
    if how == "flip":
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] ^= draw(st.integers(1, 255))
        return bytes(data)
    i = draw(st.integers(0, len(data)))
    return bytes(data[:i]) + draw(st.binary(min_size=1, max_size=64)) + bytes(data[i:])


@settings(max_examples=250, **common)
@given(data=st.data())
def test_damaged_model_files_are_a_model_file_error_or_the_exact_model(tmp_path_factory, model_bytes, data):
    blob = data.draw(damaged(model_bytes))
    path = tmp_path_factory.mktemp("m") / "model.npz"
    path.write_bytes(blob)
    for read in (load_arrays, Model.load):
        try:
            strict(read, path)
        except ModelFileError as error:
            assert str(path) in str(error) and "\n" not in str(error)
        else:  # only bytes nothing depends on (a zip timestamp, say) may change unnoticed
            original = tmp_path_factory.mktemp("o") / "model.npz"
            original.write_bytes(model_bytes)
            got, want = load_arrays(path)[0], load_arrays(original)[0]
            assert got.keys() == want.keys()
            assert all(np.array_equal(got[k], want[k], equal_nan=got[k].dtype.kind == "f") for k in got)


CSV_ALPHABET = st.sampled_from(list("ab,\n\r\" 0123456789.-+eE") + ["nan", "inf", "1e999", "label", "y", "\ufeff", "é", "\x00"])


@settings(max_examples=250, **common)
@given(blob=st.one_of(st.binary(max_size=300),
                      st.lists(CSV_ALPHABET, max_size=80).map(lambda parts: "".join(parts).encode("utf-8")),
                      st.text(max_size=120).map(lambda text: text.encode("utf-8", "surrogatepass"))),
       label=st.sampled_from([None, "label", "a", "zzz"]))
def test_random_bytes_as_csv_are_a_data_error_or_a_dataset(tmp_path_factory, blob, label):
    path = tmp_path_factory.mktemp("c") / "data.csv"
    path.write_bytes(blob)
    try:
        dataset = strict(load_csv, path, label=label)
    except DataError as error:
        assert str(path) in str(error) and "\n" not in str(error)
    else:
        assert dataset.X.shape[1] == dataset.Y.shape[1] >= 1 and np.isfinite(dataset.X).all()


TOML_PARTS = st.sampled_from([
    "[data]\n", "[space]\n", "[search]\n", "[split]\n", "[executor]\n", "[fixed]\n", "[bogus]\n",
    'source = "flower"\n', 'source = "x.csv"\n', "source = 3\n", "learning_rate = [0.1, 0.5]\n",
    "learning_rate = { low = 1.0, high = 0.1 }\n", "learning_rate = { low = 0, high = 1, log = true }\n",
    "hidden_layers = [[4], [0]]\n", 'activation = ["tanh", "swish"]\n', "trials = 0\n", "trials = 3\n",
    'strategy = "tpe"\n', 'strategy = "grid"\n', "dev = 1.5\n", "dev = 0.2\n", "epochs = -1\n",
    "jobs = 0\n", 'kind = "dask"\n', "seed = -1\n", "x = \n", "[", "]", "=", '"', "{", "}", "\n",
    "nan", "inf", "1e999", "é", "\x00", "hidden_layers = [4]\n", "batch_size = \"none\"\n",
])


@settings(max_examples=250, **common)
@given(blob=st.one_of(st.binary(max_size=300),
                      st.lists(TOML_PARTS, max_size=14).map(lambda parts: "".join(parts).encode("utf-8"))))
def test_random_bytes_as_a_search_config_are_a_config_error_or_a_config(tmp_path_factory, blob):
    path = tmp_path_factory.mktemp("t") / "search.toml"
    path.write_bytes(blob)
    try:
        config = strict(load_search_config, path)
    except ConfigError as error:
        assert str(path) in str(error) and "\n" not in str(error)
    else:
        assert config.space and config.trials >= 1


def test_the_damage_strategy_reaches_inside_the_archive(model_bytes):
    """Guard on the test itself: the real file is a zip, so flips and truncations probe the reader."""
    assert model_bytes[:4] == b"PK\x03\x04" and zipfile.is_zipfile(__import__("io").BytesIO(model_bytes))
