"""Hyperparameter search on a hold-out dev set: "try many values, evaluate them, pick the best".

- :mod:`~nnlab.search.config`: the search configuration read from TOML (``docs/search/toml.md``),
  checked by :mod:`~nnlab.search.parser`;
- :mod:`~nnlab.search.space`: the searched dimensions and their Optuna codec;
- :mod:`~nnlab.search.trial`: one trial (train on train, score on dev), a top-level function;
- :mod:`~nnlab.search.executors`: serial, local processes, or a Dask cluster;
- :mod:`~nnlab.search.runner`: ask/tell, resume, the final test score;
- :mod:`~nnlab.search.report`: the leaderboard and report.html.
"""

__all__ = [
    "ConfigError",
    "SearchConfig",
    "SearchResult",
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
    "format_leaderboard": "report", "format_params": "report", "rank_trials": "report",
    "write_leaderboard_csv": "report", "write_report": "report",
    "SearchResult": "runner", "load_records": "runner", "open_run": "runner",
    "rebuild_report": "runner", "run_search": "runner", "trial_seed": "runner",
    "ConfigError": "space", "SearchConfig": "config", "load_search_config": "config",
    "parse_search_config": "config",
}


def __getattr__(name):
    """Import on first use: ``import nnlab`` stays free of Optuna until a search runs."""
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
