"""Hyperparameter search on a hold-out dev set: "try many values, evaluate them, pick the best".

- :mod:`~nnlab.search.config`: the search configuration read from TOML (``docs/search/toml.md``),
  checked by :mod:`~nnlab.search.parser`;
- :mod:`~nnlab.search.space`: the searched dimensions and their Optuna codec;
- :mod:`~nnlab.search.trial`: one trial (train on train, score on dev) and its frozen record;
- :mod:`~nnlab.search.executors`: serial or local processes; :mod:`~nnlab.search.cluster`: a Dask cluster;
- :mod:`~nnlab.search.pruning`: the pruner settings, Optuna's pruners and the trials' epoch callback;
  :mod:`~nnlab.search.service`: how intermediate values reach the pruner in the main process;
- :mod:`~nnlab.search.study`: the study store (open, resume, records) and its faults, one line each;
  :mod:`~nnlab.search.lock`: one search per run folder;
- :mod:`~nnlab.search.runner`: the ask/tell loop, resume, the final test score;
- :mod:`~nnlab.search.leaderboard`: ranking, the terminal table and leaderboard.csv;
- :mod:`~nnlab.search.figures` and :mod:`~nnlab.search.report`: the plots and report.html.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for type checkers and the API reference; at run time each name loads on first use
    from .config import SearchConfig, load_search_config, parse_search_config
    from .leaderboard import format_leaderboard, format_params, rank_trials, write_leaderboard_csv
    from .report import write_report
    from .runner import SearchResult, rebuild_report, run_search, trial_seed
    from .space import ConfigError
    from .study import describe_storage_failure, load_records, open_run
    from .trial import TrialRecord

__all__ = [
    "ConfigError",
    "SearchConfig",
    "SearchResult",
    "TrialRecord",
    "describe_storage_failure",
    "format_leaderboard",
    "format_params",
    "load_records",
    "load_search_config",
    "open_run",
    "parse_search_config",
    "rank_trials",
    "rebuild_report",
    "run_search",
    "trial_seed",
    "write_leaderboard_csv",
    "write_report",
]

_HOMES = {
    "format_leaderboard": "leaderboard", "format_params": "leaderboard", "rank_trials": "leaderboard",
    "write_leaderboard_csv": "leaderboard", "write_report": "report", "TrialRecord": "trial",
    "describe_storage_failure": "study", "load_records": "study", "open_run": "study",
    "SearchResult": "runner", "rebuild_report": "runner", "run_search": "runner", "trial_seed": "runner",
    "ConfigError": "space", "SearchConfig": "config", "load_search_config": "config",
    "parse_search_config": "config",
}


def __getattr__(name):
    """Import on first use: ``import nnlab`` stays free of Optuna until a search runs."""
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
