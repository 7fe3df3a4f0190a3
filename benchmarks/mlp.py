"""``python -m benchmarks.mlp``: NNClassifier / NNRegressor beside scikit-learn's MLP, quality and speed.

The same network and training on each data set: one hidden layer of 100 ReLU units, Adam
(learning rate 1e-3), batch 200 ("auto"), L2 alpha 1e-4, the same number of epochs (scikit-learn's
stopping on a stalled training loss is switched off, ``tol=0``, so both run every epoch), inputs
standardized on the training part (a ``StandardScaler`` in a Pipeline, for both). Each seed
draws its own 75/25 split (stratified for classifiers) and each estimator's own initial weights.

Reported per data set: the mean test score over the seeds (accuracy, or R² for diabetes) of each,
their difference in points (x100), and the fit times with their ratio (scikit-learn / nnlab,
>1 means nnlab is faster), each seed's pair timed back to back in alternating order, with one
BLAS thread. Targets: nnlab within 1.5 points of scikit-learn (or above) and 1.5x as fast.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from dataclasses import dataclass


#: name -> (loader, task, epochs): the epochs are the usual 200, more where 200 Adam steps on
#: raw-scale regression targets leave both peers far from converged.
DATASETS = {
    "breast_cancer": ("load_breast_cancer", "classification", 200),
    "wine": ("load_wine", "classification", 200),
    "iris": ("load_iris", "classification", 200),
    "digits": ("load_digits", "classification", 200),
    "diabetes": ("load_diabetes", "regression", 1000),
}
TARGET_POINTS = 1.5
TARGET_SPEEDUP = 1.5


@dataclass
class Row:
    dataset: str
    metric: str
    nnlab: list
    sklearn: list
    nnlab_seconds: list
    sklearn_seconds: list

    @property
    def points(self) -> float:
        return 100 * (statistics.mean(self.nnlab) - statistics.mean(self.sklearn))

    @property
    def speedup(self) -> float:
        """Median of the per-seed ratios sklearn time / nnlab time (paired, same seed)."""
        return statistics.median(s / n for s, n in zip(self.sklearn_seconds, self.nnlab_seconds))


def _pair(task: str, epochs: int, seed: int):
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from nnlab.sklearn import NNClassifier, NNRegressor

    shared = dict(hidden_layer_sizes=(100,), activation="relu", solver="adam", alpha=1e-4, batch_size="auto",
                  learning_rate_init=1e-3, max_iter=epochs, random_state=seed)
    ours, theirs = (NNClassifier, MLPClassifier) if task == "classification" else (NNRegressor, MLPRegressor)
    return (make_pipeline(StandardScaler(), ours(**shared)),
            make_pipeline(StandardScaler(), theirs(**shared, tol=0.0, n_iter_no_change=epochs + 1)))


def _timed_fit(estimator, X, y) -> float:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's ConvergenceWarning at max_iter
        estimator.fit(X, y)
    return time.perf_counter() - start


def run(datasets=tuple(DATASETS), seeds: int = 5, epochs: int | None = None) -> list[Row]:
    import sklearn.datasets
    from sklearn.model_selection import train_test_split
    from threadpoolctl import threadpool_limits

    rows = []
    with threadpool_limits(limits=1):
        for name in datasets:
            loader, task, default_epochs = DATASETS[name]
            X, y = getattr(sklearn.datasets, loader)(return_X_y=True)
            row = Row(name, "accuracy" if task == "classification" else "R2", [], [], [], [])
            for seed in range(seeds):
                X_train, X_test, y_train, y_test = train_test_split(
                    X, y, test_size=0.25, random_state=seed, stratify=y if task == "classification" else None)
                ours, theirs = _pair(task, epochs or default_epochs, seed)
                order = [(ours, row.nnlab_seconds), (theirs, row.sklearn_seconds)]
                for estimator, seconds in (order if seed % 2 == 0 else order[::-1]):
                    seconds.append(_timed_fit(estimator, X_train, y_train))
                row.nnlab.append(ours.score(X_test, y_test))
                row.sklearn.append(theirs.score(X_test, y_test))
            rows.append(row)
    return rows


def table(rows: list[Row]) -> str:
    lines = [
        "| data set | metric | nnlab | scikit-learn | diff (points) | nnlab fit s | sklearn fit s | speed-up |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.dataset} | {row.metric} | {statistics.mean(row.nnlab):.4f} | {statistics.mean(row.sklearn):.4f} "
            f"| {row.points:+.2f}{'' if row.points >= -TARGET_POINTS else ' (!)'} "
            f"| {statistics.median(row.nnlab_seconds):.3f} | {statistics.median(row.sklearn_seconds):.3f} "
            f"| {row.speedup:.2f}x{'' if row.speedup >= TARGET_SPEEDUP else ' (!)'} |"
        )
    lines.append(f"\n(!) misses a target: within {TARGET_POINTS} points of scikit-learn or above; "
                 f"{TARGET_SPEEDUP}x as fast. Seeds per data set: {len(rows[0].nnlab) if rows else 0}.")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.mlp", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default=",".join(DATASETS), help=f"comma-separated, from {','.join(DATASETS)}")
    parser.add_argument("--seeds", type=int, default=5, help="splits and initial weights per data set (default 5)")
    parser.add_argument("--epochs", type=int, default=None, help="override every data set's epochs (a quick run)")
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.datasets.split(",") if name.strip()]
    unknown = [name for name in names if name not in DATASETS]
    if unknown or args.seeds < 1:
        parser.error(f"--datasets must name {', '.join(DATASETS)} and --seeds be >= 1; got {args.datasets!r}, {args.seeds}")
    print(table(run(names, args.seeds, args.epochs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
