"""One workload in this process: ``python -m benchmarks.worker W1 --repeat 3 --out DIR --stamp T``.

Writes ``DIR/<stamp>-<workload>.json`` and prints its path on the last line.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from pathlib import Path

from . import PEERS, SCHEMA, WORKLOADS
from .environment import blas_threads, describe_environment


def run_workload(workload: str, *, repeat: int, quick: bool, peers=PEERS, echo=print, scenarios=("quiet",)) -> dict:
    """Measure ``workload`` and return the JSON-ready document (see :mod:`.report`); with
    ``"busy"`` in ``scenarios`` a :class:`~.load.BackgroundLoad` keeps a core busy in those rounds."""
    from .load import SCENARIOS, BackgroundLoad, NoLoad
    from .workloads import run_search_workload, run_training_workload

    if workload not in WORKLOADS:
        raise ValueError(f"workload must be one of {list(WORKLOADS)}; got {workload!r}")
    bad = [s for s in scenarios if s not in SCENARIOS]
    if bad or not scenarios:
        raise ValueError(f"scenarios must be taken from {SCENARIOS}; got {list(scenarios)!r}")
    if "quiet" not in scenarios:  # busy times are reported against the same round's quiet ones
        raise ValueError(f"scenarios must include 'quiet' (busy is measured against it); got {list(scenarios)!r}")
    environment = describe_environment()  # before the work: the load average says how idle it was
    started = time.perf_counter()
    # bounded: the loop ends by itself after an hour even if this process is killed
    with (BackgroundLoad(max_seconds=3600) if "busy" in scenarios else NoLoad()) as load:
        if workload == "W4":
            body = run_search_workload(repeat=repeat, quick=quick, echo=echo, load=load, scenarios=scenarios)
        else:
            body = run_training_workload(workload, repeat=repeat, quick=quick, peers=peers,
                                         threads=blas_threads(), echo=echo, load=load, scenarios=scenarios)
    return {
        "schema": SCHEMA, "workload": workload,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "settings": {"repeat": repeat, "quick": quick, "peers": list(peers), "scenarios": list(scenarios)},
        "environment": environment, "wall_seconds": time.perf_counter() - started, **body,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.worker", description=__doc__)
    parser.add_argument("workload", choices=WORKLOADS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--peers", default=",".join(PEERS))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--scenarios", default="quiet")
    parser.add_argument("--stamp", default=datetime.datetime.now().strftime("%Y%m%dT%H%M%S"))
    args = parser.parse_args(argv)
    peers = tuple(p for p in args.peers.split(",") if p)
    scenarios = tuple(s for s in args.scenarios.split(",") if s)
    document = run_workload(args.workload, repeat=args.repeat, quick=args.quick, peers=peers, scenarios=scenarios,
                            echo=lambda line: print(line, file=sys.stderr, flush=True))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{args.stamp}-{args.workload}.json"
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
