"""``python -m benchmarks``: nnlab against scikit-learn and PyTorch (see :mod:`benchmarks`).

Each workload runs in its own subprocess (``python -m benchmarks.worker``) so that it starts
clean; the results go to ``<out>/<timestamp>-<workload>.json`` and a markdown table is printed.
Exit status 1 when a workload failed or the peers' costs disagree (the timings then compare
unequal work); targets that do not hold are reported, not fatal.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from . import PEERS, WORKLOADS
from .load import SCENARIOS
from .report import annotate, annotate_busy, busy_markdown, environment_line, markdown, targets, validate

#: Measurements per peer and case. The short, noisy cases get more: W1's batch-256 epoch lasts
#: under a second and W2's run about one, so five rounds keep a slow spell from setting the median.
DEFAULT_REPEAT = {"W1": 5, "W2": 5, "W3": 3, "W4": 3}


def _list(text: str, allowed) -> list[str]:
    items = [item.strip() for item in text.split(",") if item.strip()]
    bad = [item for item in items if item not in allowed]
    if bad or not items:
        raise argparse.ArgumentTypeError(f"choose from {','.join(allowed)}; got {text!r}")
    return items


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", type=lambda t: _list(t, WORKLOADS), default=list(WORKLOADS),
                        help="comma-separated, from W1,W2,W3,W4 (default: all)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="measurements per peer and case (default: "
                             + ", ".join(f"{w} {n}" for w, n in DEFAULT_REPEAT.items()) + "; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run of a few seconds per workload")
    parser.add_argument("--peers", type=lambda t: _list(t, PEERS), default=list(PEERS),
                        help="comma-separated, from nnlab,sklearn,torch (default: all; missing ones are skipped)")
    parser.add_argument("--scenarios", type=lambda t: _list(t, SCENARIOS), default=list(SCENARIOS),
                        help="comma-separated, from quiet,busy (default: both; busy: a background process "
                             "keeps one core busy during those measurements)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if "quiet" not in args.scenarios:
        parser.error("--scenarios must include quiet: busy is measured against the same round's quiet times")

    stamp = datetime.datetime.now().strftime("%Y%m%dT%H%M%S")
    started = time.perf_counter()
    documents, failed = [], []
    for workload in args.workloads:
        repeat = args.repeat or (1 if args.quick else DEFAULT_REPEAT[workload])
        print(f"== {workload} (repeat {repeat}{', quick' if args.quick else ''})", file=sys.stderr, flush=True)
        command = [sys.executable, "-m", "benchmarks.worker", workload, "--repeat", str(repeat),
                   "--peers", ",".join(args.peers), "--scenarios", ",".join(args.scenarios),
                   "--out", str(args.out), "--stamp", stamp]
        if args.quick:
            command.append("--quick")
        package_root = Path(__file__).resolve().parents[1]
        # Idle OpenMP threads (PyTorch's) sleep instead of spinning: on two cores a spinning
        # thread left behind by one peer would slow whichever peer is timed next.
        environment = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
        done = subprocess.run(command, stdout=subprocess.PIPE, text=True, cwd=package_root, env=environment)
        if done.returncode != 0:
            failed.append(workload)
            print(f"!! {workload} failed (exit status {done.returncode})", file=sys.stderr)
            continue
        path = Path(done.stdout.strip().splitlines()[-1])
        path = path if path.is_absolute() else package_root / path
        document = annotate_busy(annotate(json.loads(path.read_text())))
        path.write_text(json.dumps(document, indent=2, default=str) + "\n")
        problems = validate(document)
        if problems:
            failed.append(workload)
            print(f"!! {path} does not follow the schema: {problems}", file=sys.stderr)
        documents.append(document)
        print(f"   wrote {path}", file=sys.stderr)

    if documents:
        print(f"\n{environment_line(documents[0])}\n")
        print(markdown(documents))
        if "busy" in args.scenarios:
            print("\nBusy: the same rounds with one core kept busy by a background process (× quiet: busy / quiet, "
                  "paired by round)\n")
            print(busy_markdown(documents))
        peaks = {f"{d['workload']} {k}": v for d in documents for k, v in d["peak_gflops"].items()}
        if peaks:
            print("\nPeak GEMM (GFLOP/s, NumPy matmul 2048², measured before each round; median): "
                  + ", ".join(f"{k} {v:.1f}" for k, v in peaks.items()))
        print("\nTargets:")
        for name, held, numbers in targets(documents):
            mark = {True: "holds", False: "MISSED", None: "n/a"}[held]
            print(f"- [{mark}] {name}: {numbers}")
    mismatches = [(d["workload"], c["case"], p) for d in documents for c in d["cases"] for p in c["agreement"]["problems"]]
    for workload, case, problem in mismatches:
        print(f"!! COST MISMATCH {workload} {case}: {problem}", file=sys.stderr)
    print(f"\nwall time {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 1 if failed or mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
