"""``python -m benchmarks.pruning``: what successive halving buys a random search.

The same random search (48 trials on scikit-learn's digits, two worker processes, every
trial's parameters and seed the same in both runs) is run twice: every trial to its full epoch
budget, then with ``pruner = "successive_halving"`` (reduction factor 3) stopping the hopeless
ones at 9, 27 and 81 of 243 epochs. Printed: each run's wall time, trials pruned, epochs trained and the best dev accuracy
found. Targets: at least 3x less wall time, the best dev accuracy within one point.

Options: ``--trials``, ``--epochs``, ``--jobs`` (smaller values: a smoke run), ``--json PATH``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

TARGET_SPEEDUP = 3.0
TARGET_POINTS = 1.0  # percentage points of dev accuracy


def config(trials: int, epochs: int, jobs: int, pruned: bool) -> dict:
    """The search, as the TOML file would hold it."""
    search = {"strategy": "random", "trials": trials, "seed": 0, "epochs": epochs, "metric": "accuracy"}
    sections = {
        "data": {"source": "digits"},
        "split": {"dev": 0.2, "test": 0.2, "seed": 0},
        "search": search,
        "executor": {"kind": "processes", "jobs": jobs},
        "fixed": {"optimizer": "adam", "batch_size": 64},
        "space": {
            "hidden_layers": [[16], [32], [64], [32, 16]],
            "learning_rate": {"low": 1e-5, "high": 3e-1, "log": True},
            "activation": ["relu", "tanh"],
            "l2": {"low": 1e-6, "high": 1.0, "log": True},
        },
    }
    if pruned:
        search["pruner"] = "successive_halving"
        sections["pruner"] = {"interval": 9, "min_resource": 9, "reduction_factor": 3}
    return sections


def measure(trials: int, epochs: int, jobs: int, pruned: bool) -> dict:
    from nnlab.search import parse_search_config, run_search

    with tempfile.TemporaryDirectory(prefix="nnlab-bench-pruning-") as folder:
        start = time.perf_counter()
        result = run_search(parse_search_config(config(trials, epochs, jobs, pruned)), Path(folder) / "run",
                            echo=lambda line: None)
        seconds = time.perf_counter() - start
    best = result.best
    return {
        "pruner": "successive_halving" if pruned else "none",
        "seconds": seconds,
        "trials": len(result.records),
        "pruned": sum(r.state == "PRUNED" for r in result.records),
        "epochs_trained": sum(r.epochs_run for r in result.records),
        "best_dev_accuracy": None if best is None else best.dev_metric,
        "best_trial": None if best is None else best.number,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pruning", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=48)
    parser.add_argument("--epochs", type=int, default=243)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    runs = [measure(args.trials, args.epochs, args.jobs, pruned) for pruned in (False, True)]
    full, pruned = runs
    speedup = full["seconds"] / pruned["seconds"]
    points = 100 * (full["best_dev_accuracy"] - pruned["best_dev_accuracy"])
    print(f"random search, {args.trials} trials of up to {args.epochs} epochs on digits, {args.jobs} processes")
    print("| pruner | wall s | trials pruned | epochs trained | best dev accuracy (trial) |")
    print("|---|---:|---:|---:|---:|")
    for run in runs:
        print(f"| {run['pruner']} | {run['seconds']:.1f} | {run['pruned']} / {run['trials']} | "
              f"{run['epochs_trained']} | {100 * run['best_dev_accuracy']:.2f}% ({run['best_trial']}) |")
    met = speedup >= TARGET_SPEEDUP and points <= TARGET_POINTS
    print(f"speed-up {speedup:.2f}x (target >= {TARGET_SPEEDUP:g}x); best dev accuracy {points:+.2f} points "
          f"behind (target <= {TARGET_POINTS:g}): {'met' if met else 'MISSED'}")
    if args.json is not None:
        args.json.write_text(json.dumps({"runs": runs, "speedup": speedup, "points_behind": points, "met": met},
                                        indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
