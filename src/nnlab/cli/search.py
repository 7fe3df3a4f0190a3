"""The search commands: ``search`` (a hyperparameter search from a TOML file) and ``report``
(rebuild a run folder's leaderboard and report). The search package is imported on use only."""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["report", "search"]

@click.command()
@click.argument("config_path", metavar="CONFIG.toml", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Run folder (default: runs/<config name>). Rerunning with the same folder resumes.")
@click.option("--executor", type=click.Choice(["serial", "processes", "dask"]), default=None,
              help="Override the config's executor.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Local worker processes.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask scheduler (tcp://host:8786 or tls://...); implies --executor dask. "
                   "Default: the config's, else $DASK_SCHEDULER_ADDRESS.")
@click.option("--storage", default=None, metavar="URL",
              help="SQLAlchemy URL of the study (e.g. postgresql://...); default: study.db in the run folder.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="Leaderboard rows to print.")
def search(config_path, out_dir, executor, jobs, scheduler, storage, top):
    """Search hyperparameters: train on the training split, score the dev split, pick the best.

    The chosen trial's model is saved and scored once on the test split. Ctrl-C stops
    cleanly; rerunning the same command resumes, keeping every finished trial.

    Example: nnlab search examples/flower.toml --out runs/flower
    """
    from ..search import format_leaderboard, format_params, load_search_config, run_search
    from ..search.executors import process_count

    config = load_search_config(config_path)
    out_dir = out_dir or Path("runs") / config_path.stem
    if scheduler and executor is None:
        executor = "dask"
    kind = executor or config.executor
    click.echo(
        f"search {config_path}: {config.strategy}, {config.trials} trials on {config.source}; "
        f"executor {kind}" + (f" x{process_count(jobs if jobs is not None else config.jobs)}" if kind == "processes" else "")
        + (f"; pruner {config.pruner.kind}, every {config.pruner.interval} epochs" if config.pruner.enabled else "")
    )
    result = run_search(config, out_dir, storage=storage, executor=executor, jobs=jobs, scheduler=scheduler,
                        echo=click.echo, progress=sys.stdout.isatty())
    if result.interrupted:
        raise SystemExit(130)
    summary = result.summary
    click.echo(format_leaderboard(result.records, summary, top=top))
    best = result.best
    if best is None:
        raise click.ClickException("no trial completed; see the reasons above")
    click.echo(f"best configuration: trial {best.number}: {format_params(best.params)}")
    for name in ("leaderboard.csv", "best_model.npz", "report.html"):
        click.echo(f"wrote {Path(out_dir) / name}")
    if storage is None:
        click.echo(f"browse the study: optuna-dashboard sqlite:///{Path(out_dir) / 'study.db'}")


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--storage", default=None, metavar="URL", help="The study's SQLAlchemy URL if not the folder's study.db.")
def report(run_dir, storage):
    """Rebuild leaderboard.csv and report.html of a search's run folder from its study."""
    from ..search import rebuild_report

    for path in rebuild_report(run_dir, storage):
        click.echo(f"wrote {path}")
