"""How much nnlab's table loading costs over pandas' own parse of the same file.

    python -m benchmarks.csv_load              # a ~100 MB numeric CSV in a temporary folder
    python -m benchmarks.csv_load --mb 10 --rounds 3

It writes a CSV of random numbers (20 feature columns and an integer label), then times, in
interleaved rounds (so drifts of the machine hit every reader alike):

- ``pandas``: ``pandas.read_csv(path)``, the parse alone (and with the arguments nnlab passes);
- ``nnlab``: :func:`nnlab.data.load_csv` -- the delimiter's guess, the header's rules, the same
  parse, the checks of every cell (numbers, finite, present) and the (n_x, m) float64 layout;
- ``pandas[pyarrow]`` and ``pyarrow.csv`` when pyarrow is installed, for the choice of parser.

It prints the median time of each and nnlab's ratio to pandas (the target: at most 1.2).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def write_csv(path: Path, megabytes: float, n_features: int = 20, seed: int = 0) -> int:
    """A numeric CSV of about ``megabytes`` MB; returns its number of rows."""
    rs = np.random.RandomState(seed)
    row_bytes = n_features * 11 + 2  # "-0.1234567," per cell, and the label
    rows = int(megabytes * 1e6 / row_bytes)
    header = ",".join(f"x{k}" for k in range(n_features)) + ",label\n"
    with open(path, "w") as handle:
        handle.write(header)
        chunk = 50_000
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            X = rs.randn(n, n_features)
            y = rs.randint(0, 2, size=(n, 1))
            np.savetxt(handle, np.hstack([X, y]), fmt=["%.7f"] * n_features + ["%d"], delimiter=",")
    return rows


def readers():
    import pandas as pd

    from nnlab.data import load_csv

    found = {
        "pandas": lambda p: pd.read_csv(p),
        # the parse nnlab asks of pandas for this file: the rest of nnlab's time is its own work
        "pandas, nnlab's arguments": lambda p: pd.read_csv(p, sep=",", encoding="utf-8", skipinitialspace=False),
        "nnlab": lambda p: load_csv(p),
    }
    try:
        import pyarrow.csv as pacsv
    except ImportError:
        return found
    found["pandas[pyarrow]"] = lambda p: pd.read_csv(p, engine="pyarrow")
    found["pyarrow.csv"] = lambda p: pacsv.read_csv(p)
    return found


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100.0, help="size of the CSV file (default 100)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    args = parser.parse_args(argv)
    timings: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "numbers.csv"
        rows = write_csv(path, args.mb)
        size = path.stat().st_size / 1e6
        functions = readers()
        functions["nnlab"](path)  # imports and first-touch costs out of the way
        for _ in range(args.rounds):
            for name, read in functions.items():
                start = time.perf_counter()
                read(path)
                timings.setdefault(name, []).append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in timings.items()}
    print(f"{size:.0f} MB, {rows} rows x 21 columns, median of {args.rounds} interleaved rounds")
    for name, seconds in medians.items():
        print(f"  {name:26s} {seconds:7.3f} s   {seconds / medians['pandas']:.2f} x pandas")
    return medians


if __name__ == "__main__":
    main()
