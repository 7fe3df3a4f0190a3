"""The search configuration: TOML in, frozen dataclasses out, every mistake one ConfigError line."""

from __future__ import annotations

import dataclasses
import json
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

from nnlab.config import Hyperparameters
from nnlab.errors import NNLabError
from nnlab.search import config as config_module
from nnlab.search import space as space_module
from nnlab.search.config import SearchConfig, load_search_config, parse_search_config
from nnlab.search.space import Choice, ConfigError, FloatRange, IntRange, decode, encode, optuna_distributions, optuna_grid


# The configuration manual, whose TOML examples these tests load: the one home of that manual.
TOML_PAGE = Path(__file__).resolve().parents[1] / "docs" / "search" / "toml.md"

MINIMAL = {"data": 'source = "flower"', "space": 'activation = ["tanh", "relu"]'}


def page_examples() -> list[str]:
    """The TOML blocks of docs/search/toml.md: the full layout, then the two worked examples."""
    return re.findall(r"^```toml\n(.*?)^```$", TOML_PAGE.read_text(encoding="utf-8"), flags=re.M | re.S)


def render(sections: dict) -> str:
    """TOML text of ``{section: body}``; a None body drops the section; key "" is raw text put first."""
    parts = [sections[""]] if "" in sections else []
    parts += [f"[{name}]\n{body}\n" for name, body in sections.items() if name != "" and body is not None]
    return "\n".join(parts)


def write(tmp_path: Path, text: str, name: str = "search.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, **sections) -> SearchConfig:
    return load_search_config(write(tmp_path, render({**MINIMAL, **sections})))


# ---------------------------------------------------------------------------
# Valid configurations
# ---------------------------------------------------------------------------


def test_full_reference_example_round_trips(tmp_path):
    reference = page_examples()[0]
    path = write(tmp_path, reference)
    config = load_search_config(path)

    assert (config.source, config.label, config.layout, config.data_seed) == ("flower", None, "columns", 1)
    assert (config.dev, config.test, config.split_seed) == (0.2, 0.2, 0)
    assert (config.strategy, config.trials, config.metric, config.seed, config.epochs) == ("tpe", 40, "accuracy", 0, 2000)
    assert (config.executor, config.jobs, config.scheduler) == ("processes", 2, None)
    assert config.fixed == {"optimizer": "adam", "standardize": True, "batch_size": None}
    assert list(config.space) == ["hidden_layers", "activation", "learning_rate", "l2", "epsilon", "patience"]
    assert config.space["hidden_layers"] == Choice(((4,), (20, 7), ()))
    assert config.space["activation"] == Choice(("tanh", "relu"))
    assert config.space["learning_rate"] == FloatRange(1e-4, 0.1, log=True)
    assert config.space["l2"] == FloatRange(0.0, 1.0)  # l2 is a float field: int bounds give a float range
    assert config.space["epsilon"] == Choice((1e-8, 1e-7))
    assert config.space["patience"] == IntRange(5, 50)
    assert config.path == path
    assert config.direction == "maximize"
    assert config.grid_size is None

    recorded = json.loads(json.dumps(config.to_dict()))
    assert set(recorded) == {"data", "split", "search", "pruner", "executor", "fixed", "space"}
    assert config.startup_trials == 10 and config.pruner.kind == "successive_halving"
    assert (config.pruner.interval, config.pruner.min_resource, config.pruner.reduction_factor) == (10, 10, 3)
    assert recorded["pruner"] == {"interval": 10, "min_resource": 10, "reduction_factor": 3}
    assert parse_search_config(recorded) == dataclasses.replace(config, path=None)
    assert recorded["space"]["hidden_layers"] == [[4], [20, 7], []]
    assert recorded["space"]["learning_rate"] == {"low": 1e-4, "high": 0.1, "log": True, "type": "float"}
    assert recorded["fixed"]["batch_size"] is None
    assert parse_search_config(recorded) == dataclasses.replace(config, path=None)
    assert pickle.loads(pickle.dumps(config)) == config  # travels to worker processes


def test_defaults(tmp_path):
    config = load(tmp_path)
    assert (config.label, config.layout, config.data_seed) == (None, "columns", None)
    assert (config.dev, config.test, config.split_seed) == (0.2, 0.2, 0)
    assert config.strategy == "grid"  # every [space] entry is a list
    assert config.trials == config.grid_size == 2
    assert (config.metric, config.direction, config.seed, config.epochs) == ("accuracy", "maximize", 0, None)
    assert (config.executor, config.jobs, config.scheduler) == ("serial", None, None)
    assert config.fixed == {}


def test_defaults_with_ranges_and_other_executors(tmp_path):
    config = load(
        tmp_path,
        space="learning_rate = { low = 1e-3, high = 1.0, log = true }",
        search='trials = 5\nmetric = "cost"',
        executor='kind = "processes"',
    )
    assert config.strategy == "tpe"
    assert config.direction == "minimize"
    assert config.jobs is None  # the executor chooses: one process per usable CPU
    dask = load(tmp_path, executor='kind = "dask"\nscheduler = "tcp://127.0.0.1:8786"')
    assert (dask.executor, dask.jobs, dask.scheduler) == ("dask", None, "tcp://127.0.0.1:8786")


def test_flower_example(tmp_path):
    config = load_search_config(write(tmp_path, page_examples()[1], "flower.toml"))
    assert config.strategy == "grid"
    assert config.grid_size == config.trials == 14
    assert config.space["hidden_layers"].values == ((1,), (2,), (3,), (4,), (5,), (20,), (50,))
    assert config.fixed == {"activation": "tanh", "optimizer": "gd"}
    hp = config.hyperparameters({"hidden_layers": "20", "learning_rate": 1.2}, seed=3)
    assert (hp.hidden_layers, hp.learning_rate, hp.epochs, hp.seed) == ((20,), 1.2, 5000, 3)


def test_cat_example_resolves_its_data_against_its_folder(tmp_path, cat_dir):
    # examples/cat.toml reaches ../../shared from the project's examples folder: rebuild that shape.
    (tmp_path / "shared" / "data").mkdir(parents=True)
    (tmp_path / "shared" / "data" / "catvnoncat").symlink_to(cat_dir)
    (tmp_path / "project" / "examples").mkdir(parents=True)
    config = load_search_config(write(tmp_path / "project" / "examples", page_examples()[2], "cat.toml"))
    assert Path(config.source).is_absolute()
    assert Path(config.source).samefile(cat_dir / "train_catvnoncat.h5")
    assert (config.strategy, config.trials, config.epochs, config.test) == ("tpe", 30, 300, 0.0)
    assert config.space["batch_size"] == IntRange(16, 128, log=True)
    assert config.space["hidden_layers"].values[-1] == ()


def test_the_manual_holds_the_layout_and_two_examples_and_each_loads(tmp_path):
    blocks = page_examples()
    assert len(blocks) == 3 and all("[space]" in block for block in blocks)
    load_search_config(write(tmp_path, blocks[1], "flower.toml"))  # the cat example needs the course's files
    assert "docs/search/toml.md" in config_module.__doc__ and "docs/search/toml.md" in space_module.__doc__


def test_relative_data_files_resolve_against_the_toml_folder(tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "iris.csv").write_text("a,b,species\n1,2,x\n3,4,y\n")
    np.savez(folder / "points.npz", X=np.zeros((5, 2)), Y=np.zeros(5))
    csv = load_search_config(write(folder, render({**MINIMAL, "data": 'source = "iris.csv"\nlabel = "species"'})))
    assert csv.source == str((folder / "iris.csv").resolve())
    assert csv.label == "species"
    npz = load_search_config(write(folder, render({**MINIMAL, "data": 'source = "points.npz"\nlayout = "rows"'})))
    assert (npz.source, npz.layout) == (str((folder / "points.npz").resolve()), "rows")


def test_none_stands_for_none_in_optional_fields(tmp_path):
    config = load(tmp_path, fixed='decay = "none"', space='batch_size = ["none", 32]\nactivation = ["tanh"]')
    assert config.fixed == {"decay": None}
    assert config.space["batch_size"] == Choice((None, 32))
    assert config.hyperparameters({"batch_size": None, "activation": "tanh"}, seed=0).batch_size is None


def test_choice_values_are_normalized(tmp_path):
    config = load(tmp_path, space="learning_rate = [1, 0.5]\nkeep_prob = { choice = [0.5, 1] }")
    assert config.space["learning_rate"] == Choice((1.0, 0.5))
    assert all(isinstance(v, float) for v in config.space["keep_prob"].values)


def test_range_types(tmp_path):
    config = load(
        tmp_path,
        space="\n".join([
            "batch_size = { low = 16, high = 256, log = true }",
            'patience = { low = 5, high = 9, type = "int" }',
            'beta = { low = 0, high = 0.5, type = "float" }',
            "learning_rate = { low = 1e-3, high = 1.0, log = true }",
        ]),
        search="trials = 3",
    )
    assert config.space["batch_size"] == IntRange(16, 256, log=True)
    assert config.space["patience"] == IntRange(5, 9)
    assert isinstance(config.space["learning_rate"], FloatRange)


# ---------------------------------------------------------------------------
# Errors: one ConfigError line naming the file and the key path
# ---------------------------------------------------------------------------

RANGE = "learning_rate = { low = 1e-3, high = 1.0, log = true }"
ERROR_CASES = {
    # sections and keys
    "unknown section": ({"serach": "trials = 3"}, "serach: unknown section (did you mean 'search'?)"),
    "section not a table": ({"data": None, "": 'data = "flower"'}, "data: expected a table"),
    "unknown data key": ({"data": 'sorce = "flower"'}, "data.sorce: unknown key"),
    "unknown search key": ({"search": "trails = 3"}, "search.trails: unknown key (did you mean 'trials'?)"),
    "missing source": ({"data": 'label = "y"'}, "data.source: missing"),
    "missing data": ({"data": None}, "data: missing section"),
    "missing space": ({"space": None}, "space: missing section"),
    "empty space": ({"space": ""}, "space: empty"),
    # [data]
    "source not a string": ({"data": "source = 3"}, "data.source: expected a non-empty string"),
    "unknown source": ({"data": 'source = "flowr"'}, "data.source: unknown data set 'flowr'"),
    "missing file": ({"data": 'source = "absent.csv"'}, "absent.csv: no such file (relative to"),
    "label for a built-in": ({"data": 'source = "flower"\nlabel = "y"'}, "data.label: label='y' (CSV, TSV and Parquet files only) does not apply"),
    "layout for a built-in": ({"data": 'source = "flower"\nlayout = "rows"'}, "data.layout: layout='rows' (NPZ files only) does not apply"),
    "bad layout": ({"data": 'source = "flower"\nlayout = "diagonal"'}, "data.layout: layout must be one of ['columns', 'rows']"),
    "seed for fixed data": ({"data": 'source = "digits"\nseed = 1'}, "data.seed: seed=1 applies to the built-in generators only"),
    "negative data seed": ({"data": 'source = "flower"\nseed = -1'}, "data.seed"),
    # [split]
    "dev too large": ({"split": "dev = 1.0"}, "split.dev: dev must be a finite number in [0.0, 1.0)"),
    "negative test": ({"split": "test = -0.1"}, "split.test"),
    "dev plus test": ({"split": "dev = 0.5\ntest = 0.5"}, "split: dev (0.5) + test (0.5) must be < 1"),
    "no dev set": ({"split": "dev = 0"}, "split.dev: must be > 0"),
    "dev as a string": ({"split": 'dev = "0.2"'}, "split.dev: dev must be a real number; got str"),
    # [search]
    "bad strategy": ({"search": 'strategy = "bayes"'}, "search.strategy: must be one of ['grid', 'random', 'tpe']"),
    "bad metric": ({"search": 'metric = "f1"'}, "search.metric: must be one of ['accuracy', 'cost']"),
    "zero trials": ({"search": "trials = 0"}, "search.trials: trials must be an integer >= 1"),
    "trials as a string": ({"search": 'trials = "2"'}, "search.trials"),
    "random needs trials": ({"search": 'strategy = "random"'}, "search.trials: required for strategy 'random'"),
    "tpe needs trials": ({"space": RANGE}, "search.trials: required for strategy 'tpe'"),
    "trials beyond grid": ({"search": "trials = 3"}, "search.trials: 3 exceeds the grid size 2 (2 activation)"),
    "grid with ranges": ({"search": 'strategy = "grid"', "space": f'activation = ["tanh"]\n{RANGE}'},
                         "search.strategy: grid needs every [space] entry to be a list of values; space.learning_rate is a range"),
    "zero epochs": ({"search": "epochs = 0"}, "search.epochs"),
    # [executor]
    "bad executor": ({"executor": 'kind = "threads"'}, "executor.kind: must be one of ['serial', 'processes', 'dask']"),
    "zero jobs": ({"executor": 'kind = "processes"\njobs = 0'}, "executor.jobs: jobs must be an integer >= 1"),
    "serial with jobs": ({"executor": "jobs = 4"}, "executor.jobs: the serial executor runs one trial at a time"),
    "scheduler without dask": ({"executor": 'kind = "processes"\nscheduler = "tcp://x:1"'}, "executor.scheduler: applies to kind = \"dask\" only"),
    # [fixed]
    "fixed unknown field": ({"fixed": "lr = 0.1"}, "fixed.lr: not a hyperparameter"),
    "fixed seed": ({"fixed": "seed = 3"}, "fixed.seed: cannot be in [fixed]"),
    "fixed bad value": ({"fixed": "learning_rate = -1"}, "fixed.learning_rate: learning_rate must be a finite number in (0.0, inf)"),
    "fixed wrong type": ({"fixed": 'learning_rate = "0.1"'}, "fixed.learning_rate: learning_rate must be a real number; got str"),
    "fixed bool as int": ({"fixed": "standardize = 1"}, "fixed.standardize: standardize must be true or false"),
    # [space] names
    "space unknown field": ({"space": "learning_rat = [0.1]"}, "space.learning_rat: not a hyperparameter (did you mean 'learning_rate'?)"),
    "space seed": ({"space": "seed = [1, 2]"}, "space.seed: cannot be in [space]: every trial's seed comes from [search].seed"),
    "space dtype": ({"space": 'dtype = ["float32"]'}, "space.dtype: cannot be in [space]: trials are only comparable under one dtype"),
    "space verbose": ({"space": "verbose = [0, 1]"}, "space.verbose: cannot be in [space]"),
    "fixed and searched": ({"fixed": 'activation = "tanh"'}, "space.activation: also set in [fixed]"),
    "epochs twice": ({"search": "epochs = 10", "space": "epochs = [5, 10]"}, "space.epochs: [search].epochs sets every trial's budget"),
    # [space] choices
    "empty list": ({"space": "activation = []"}, "space.activation: empty list"),
    "bad choice": ({"space": 'activation = ["tanh", "banana"]'}, "space.activation[1]: activation must be one of"),
    "choice wrong type": ({"space": 'learning_rate = [0.1, "0.2"]'}, "space.learning_rate[1]: learning_rate must be a real number"),
    "duplicate choice": ({"space": 'activation = ["tanh", "tanh"]'}, "space.activation[1]: duplicate of space.activation[0]"),
    "bare layer sizes": ({"space": "hidden_layers = [20, 7]"}, "space.hidden_layers[0]: each choice is a list of layer sizes"),
    "bad layer size": ({"space": "hidden_layers = [[20, 0]]"}, "space.hidden_layers[0]: hidden_layers[1] must be an integer >= 1"),
    "scalar entry": ({"space": 'activation = "tanh"'}, "space.activation: expected a list of values, a range"),
    "choice not a list": ({"space": "keep_prob = { choice = 0.5 }"}, "space.keep_prob.choice: expected a list"),
    "choice with extras": ({"space": "keep_prob = { choice = [0.5], log = true }"}, "space.keep_prob: a { choice = [...] } table takes no other key"),
    "empty choice table": ({"space": "keep_prob = { choice = [] }"}, "space.keep_prob.choice: empty list"),
    # [space] ranges
    "low above high": ({"space": "learning_rate = { low = 1.0, high = 0.1 }"}, "space.learning_rate: low (1.0) > high (0.1)"),
    "log from zero": ({"space": "l2 = { low = 0, high = 1, log = true }"}, "space.l2.low: a log range needs low > 0; got 0.0"),
    "non-numeric bound": ({"space": 'learning_rate = { low = "1e-3", high = 1 }'}, "space.learning_rate.low: expected a finite number; got str"),
    "bool bound": ({"space": "batch_size = { low = true, high = 8 }"}, "space.batch_size.low: expected a finite number; got bool"),
    "infinite bound": ({"space": "l2 = { low = 0, high = inf }"}, "space.l2.high: expected a finite number"),
    "unknown range key": ({"space": "batch_size = { low = 16, high = 64, step = 8 }"}, "space.batch_size: unknown range key(s) ['step']"),
    "missing high": ({"space": "batch_size = { low = 16 }"}, "space.batch_size: a range needs low and high; missing high"),
    "bad range type": ({"space": 'batch_size = { low = 16, high = 64, type = "str" }'}, "space.batch_size.type: must be one of ['int', 'float']"),
    "int type float bound": ({"space": 'batch_size = { low = 16.5, high = 64, type = "int" }'}, "space.batch_size.low: type = \"int\" needs integer bounds"),
    "log not a bool": ({"space": 'l2 = { low = 0.1, high = 1, log = "yes" }'}, "space.l2.log: expected true or false"),
    "bound outside the field": ({"space": "keep_prob = { low = 0.5, high = 1.5 }"}, "space.keep_prob.high: keep_prob must be a finite number in (0.0, 1.0]"),
    "float range on an int field": ({"space": "batch_size = { low = 16.0, high = 64.0 }"}, "space.batch_size.low: batch_size must be an integer"),
    "range on a string field": ({"space": "activation = { low = 1, high = 2 }"}, "space.activation.low: activation must be one of"),
}


@pytest.mark.parametrize("sections, expected", ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_errors_name_the_file_and_key(tmp_path, sections, expected):
    path = write(tmp_path, render({**MINIMAL, **sections}), "flower.toml")
    with pytest.raises(ConfigError) as info:
        load_search_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert expected in message, message
    assert "\n" not in message
    assert isinstance(info.value, NNLabError) and isinstance(info.value, ValueError)


def test_malformed_toml_gives_line_and_column(tmp_path):
    path = write(tmp_path, '[data]\nsource = "flower"\n[space]\nactivation = ["tanh" "relu"]\n', "flower.toml")
    with pytest.raises(ConfigError, match=r"flower\.toml: malformed TOML: .*\(at line 4, column \d+\)"):
        load_search_config(path)
    path = write(tmp_path, '[data]\nsource = "flower"\nsource = "moons"\n', "twice.toml")
    with pytest.raises(ConfigError, match=r"twice\.toml: malformed TOML: .*line 3"):
        load_search_config(path)


def test_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match="absent.toml: no such TOML file"):
        load_search_config(tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match="expected a TOML file"):
        load_search_config(tmp_path)
    (tmp_path / "latin1.toml").write_bytes(b'[data]\nsource = "fl\xf6wer"\n')
    with pytest.raises(ConfigError, match="latin1.toml: not UTF-8 text"):
        load_search_config(tmp_path / "latin1.toml")


def test_the_allowed_keys_are_listed(tmp_path):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, executor="workers = 2")
    assert "['kind', 'jobs', 'scheduler']" in str(info.value)
    with pytest.raises(ConfigError) as info:
        load(tmp_path, extra="x = 1")
    assert "['data', 'split', 'search', 'pruner', 'executor', 'fixed', 'space']" in str(info.value)


def test_parse_without_a_file_says_search_config():
    with pytest.raises(ConfigError, match=r"^search config: space: missing section"):
        parse_search_config({"data": {"source": "flower"}})
    with pytest.raises(ConfigError, match=r"^search config: expected a table of sections"):
        parse_search_config(["data"])


WRONG_VALUES = ['"text"', "[1]", "{ a = 1 }", "true", "-1", "1.5", "0", "[]", "{}"]
KEYS = [
    ("data", "source"), ("data", "label"), ("data", "layout"), ("data", "seed"),
    ("split", "dev"), ("split", "test"), ("split", "seed"),
    ("search", "strategy"), ("search", "trials"), ("search", "metric"), ("search", "seed"), ("search", "epochs"),
    ("executor", "kind"), ("executor", "jobs"), ("executor", "scheduler"),
    ("fixed", "hidden_layers"), ("fixed", "batch_size"), ("fixed", "output"), ("fixed", "restore_best"),
    ("space", "hidden_layers"), ("space", "learning_rate"), ("space", "batch_size"),
]


@pytest.mark.parametrize("section, key", KEYS, ids=[f"{s}.{k}" for s, k in KEYS])
def test_any_wrong_value_is_a_config_error(tmp_path, section, key):
    for value in WRONG_VALUES:
        sections = dict(MINIMAL)
        line = f"{key} = {value}"
        if (section, key) == ("data", "source"):
            sections["data"] = line
        else:
            sections[section] = f"{sections.get(section, '')}\n{line}".strip()
        path = write(tmp_path, render(sections))
        try:
            load_search_config(path)
        except ConfigError as error:
            assert f"{section}.{key}" in str(error), (line, str(error))


# ---------------------------------------------------------------------------
# Optuna interop
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("layers, text", [((20, 7), "20,7"), ((5,), "5"), ((), ""), ((20, 7, 5), "20,7,5")])
def test_hidden_layers_encode_decode_round_trip(layers, text):
    assert encode("hidden_layers", layers) == text
    assert encode("hidden_layers", list(layers)) == text
    assert decode("hidden_layers", text) == layers
    assert decode("hidden_layers", encode("hidden_layers", layers)) == layers
    assert decode("hidden_layers", list(layers)) == layers
    assert decode("hidden_layers", " 20 , 7 ") == (20, 7)


def test_encode_decode_leave_scalars_alone():
    for name, value in [("activation", "tanh"), ("learning_rate", 0.1), ("batch_size", None), ("standardize", True)]:
        assert encode(name, value) == value
        assert decode(name, value) == value
    assert decode("hidden_layers", 4) == 4  # an int range over hidden_layers: one layer


def test_decode_refuses_garbage():
    with pytest.raises(ConfigError, match=r"hidden_layers: cannot decode 'a,b'"):
        decode("hidden_layers", "a,b")


def test_optuna_distributions(tmp_path):
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    config = load(
        tmp_path,
        space="\n".join([
            "hidden_layers = [[20, 7], [5], []]",
            "batch_size = { low = 16, high = 256, log = true }",
            "learning_rate = { low = 1e-3, high = 1.0, log = true }",
            "l2 = { low = 0.0, high = 0.5 }",
        ]),
        search="trials = 4",
    )
    distributions = optuna_distributions(config.space)
    assert list(distributions) == ["hidden_layers", "batch_size", "learning_rate", "l2"]
    assert distributions["hidden_layers"] == CategoricalDistribution(["20,7", "5", ""])
    assert distributions["batch_size"] == IntDistribution(16, 256, log=True)
    assert distributions["learning_rate"] == FloatDistribution(1e-3, 1.0, log=True)
    assert distributions["l2"] == FloatDistribution(0.0, 0.5, log=False)


def test_optuna_grid(tmp_path):
    config = load(tmp_path, space='hidden_layers = [[20, 7], []]\nactivation = ["tanh", "relu"]\nbatch_size = ["none", 32]')
    assert optuna_grid(config.space) == {
        "hidden_layers": ["20,7", ""],
        "activation": ["tanh", "relu"],
        "batch_size": [None, 32],
    }
    assert config.grid_size == 8
    with pytest.raises(ConfigError, match=r"space\.learning_rate, space\.l2: a grid search needs"):
        optuna_grid({"activation": Choice(("tanh",)), "learning_rate": FloatRange(0.1, 1.0), "l2": FloatRange(0.0, 1.0)})


def test_optuna_samples_become_hyperparameters(tmp_path):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    config = load(
        tmp_path,
        space="\n".join([
            "hidden_layers = [[20, 7], [5], []]",
            "batch_size = { low = 16, high = 256, log = true }",
            "learning_rate = { low = 1e-3, high = 1.0, log = true }",
            'output = ["none", "sigmoid"]',
        ]),
        search="trials = 4",
    )
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0, n_startup_trials=2))
    distributions = optuna_distributions(config.space)
    for number in range(6):
        trial = study.ask(distributions)
        hp = config.hyperparameters(trial.params, seed=number)
        assert isinstance(hp.hidden_layers, tuple) and 16 <= hp.batch_size <= 256
        study.tell(trial, hp.learning_rate)

    grid = load(tmp_path, space='hidden_layers = [[20, 7], []]\nactivation = ["tanh", "relu"]')
    study = optuna.create_study(sampler=optuna.samplers.GridSampler(optuna_grid(grid.space), seed=0))
    seen = []

    def objective(trial):
        params = {name: trial.suggest_categorical(name, values) for name, values in optuna_grid(grid.space).items()}
        hp = grid.hyperparameters(params, seed=0)
        seen.append((hp.hidden_layers, hp.activation))
        return 0.0

    study.optimize(objective, n_trials=grid.trials)
    assert sorted(seen) == sorted([((20, 7), "tanh"), ((20, 7), "relu"), ((), "tanh"), ((), "relu")])


# ---------------------------------------------------------------------------
# One trial's hyperparameters
# ---------------------------------------------------------------------------


def test_hyperparameters_merge_fixed_params_budget_and_seed(tmp_path):
    config = load(
        tmp_path,
        fixed='optimizer = "adam"\nepochs = 50\nl2 = 0.1',
        space='hidden_layers = [[20, 7], []]\nactivation = ["tanh", "relu"]',
        search="epochs = 7",
    )
    hp = config.hyperparameters({"hidden_layers": "20,7", "activation": "relu"}, seed=11)
    assert hp == Hyperparameters(hidden_layers=(20, 7), activation="relu", optimizer="adam", l2=0.1, epochs=7, seed=11)
    decoded = config.hyperparameters({"hidden_layers": (), "activation": "tanh"}, seed=0)
    assert (decoded.hidden_layers, decoded.epochs) == ((), 7)

    no_budget = load(tmp_path, fixed="epochs = 50")
    assert no_budget.hyperparameters({"activation": "tanh"}, seed=1).epochs == 50


def test_hyperparameters_refuse_mismatched_or_invalid_params(tmp_path):
    config = load(tmp_path, space='activation = ["tanh", "relu"]\nlearning_rate = [0.1, 1.0]')
    with pytest.raises(ConfigError, match=r"missing \['learning_rate'\]"):
        config.hyperparameters({"activation": "tanh"}, seed=0)
    with pytest.raises(ConfigError, match=r"unknown \['l2'\]"):
        config.hyperparameters({"activation": "tanh", "learning_rate": 0.1, "l2": 0.0}, seed=0)
    with pytest.raises(ConfigError, match=r"search\.toml: space: trial parameters .*'learning_rate': -1\.0.*learning_rate must be"):
        config.hyperparameters({"activation": "tanh", "learning_rate": -1.0}, seed=0)
    with pytest.raises(ConfigError, match="seed must be an integer"):
        config.hyperparameters({"activation": "tanh", "learning_rate": 0.1}, seed=-1)
    hidden = load(tmp_path, space="hidden_layers = [[4]]")
    with pytest.raises(ConfigError, match=r"space\.hidden_layers: cannot decode"):
        hidden.hyperparameters({"hidden_layers": "4;5"}, seed=0)


def test_config_error_pickles():
    error = ConfigError("flower.toml: space.x: bad")
    assert str(pickle.loads(pickle.dumps(error))) == "flower.toml: space.x: bad"


EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_project_examples_parse(path, request):
    if "catvnoncat" in path.read_text(encoding="utf-8"):
        request.getfixturevalue("cat_dir")  # skips when the course's cat images are absent
    config = load_search_config(path)
    assert config.trials >= 1 and config.space
    assert parse_search_config(json.loads(json.dumps(config.to_dict()))) == dataclasses.replace(config, path=None)
