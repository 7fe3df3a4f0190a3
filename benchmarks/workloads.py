"""What each workload trains and measures. One call of :func:`run_workload` = one JSON document.

Within a case the peers are interleaved (nnlab, sklearn, torch, nnlab, sklearn, torch, ...) so
that a slow spell of the machine hits all of them alike; each peer gets one untimed warm-up on
a slice of the data first. Only ``run()`` is timed (see :mod:`.peers`).
"""

from __future__ import annotations

import statistics
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

from . import PEERS
from .flops import matmul_flops, measure_peak_gflops, time_matmuls_alone
from .load import NoLoad
from .peers import PREPARE, Problem, missing_reason, referee_cost
from .report import paired_ratio

CAT_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "catvnoncat"

#: Agreement of the cost decrease (initial - final, one referee formula) with nnlab's, relative.
#: Full batch: same weights, same data, same math; only floating-point summation order differs,
#: and after thousands of steps in float32 that moves the decrease by well under 1 % (measured
#: < 0.1 % here); 2 % leaves room for other BLAS libraries. Mini-batch: each library shuffles with
#: its own generator, so the paths differ; across shuffle seeds the W1 one-epoch decrease varies
#: by a few percent (measured), hence 10 %. Doing less work (fewer passes, skipped batches)
#: shrinks the decrease by far more than either.
RTOL_FULL_BATCH = 0.02
RTOL_MINI_BATCH = 0.10


def _stats(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def _teacher_labels(X_rows: np.ndarray, n_classes: int, rs: np.random.RandomState) -> np.ndarray:
    """Labels a random linear teacher gives centred inputs: learnable, balanced enough."""
    T = rs.standard_normal((X_rows.shape[1], max(n_classes, 2))).astype(np.float32)
    scores = (X_rows - X_rows.mean(axis=0)) @ T
    if n_classes == 1:  # binary
        return (scores[:, 0] > np.median(scores[:, 0])).astype(np.int64)
    return scores.argmax(axis=1).astype(np.int64)


def _initial(layer_dims, method: str, seed: int) -> dict:
    from nnlab.engine.initializers import initialize_parameters

    return initialize_parameters(list(layer_dims), method, seed=seed, dtype=np.float64)


# --------------------------------------------------------------------------- data
def w1_data(m: int):
    rs = np.random.RandomState(0)
    X = (rs.randint(0, 256, size=(m, 784)).astype(np.float32) / 255)  # uint8 pixels / 255, MNIST-like
    return X, _teacher_labels(X, 10, rs), "synthetic uint8/255 with linear-teacher labels"


def flower_data():
    from nnlab.data import load_planar_dataset

    X, Y = load_planar_dataset()
    return np.ascontiguousarray(X.T), Y.ravel().astype(np.int64), "nnlab.data.load_planar_dataset() (the course's flower)"


def cat_data():
    path = CAT_DIR / "train_catvnoncat.h5"
    if path.exists():
        import h5py

        with h5py.File(path, "r") as f:
            X = np.asarray(f["train_set_x"]).reshape(209, -1).astype(np.float32) / 255
            y = np.asarray(f["train_set_y"]).ravel().astype(np.int64)
        return X, y, f"{path.resolve()} (/255)"
    rs = np.random.RandomState(0)
    X = rs.randint(0, 256, size=(209, 12288)).astype(np.float32) / 255
    return X, _teacher_labels(X, 1, rs), "synthetic uint8/255 (cat files absent)"


# --------------------------------------------------------------------------- cases
def case_specs(workload: str, quick: bool) -> list[dict]:
    """The cases of a training workload (W1-W3): sizes, dtype, batch, epochs per measurement."""
    specs = []
    if workload == "W1":
        for dtype in ("float32", "float64"):
            for batch in (256, None):
                specs.append({
                    "dtype": dtype, "batch_size": batch, "layer_dims": (784, 128, 64, 10), "hidden": "relu",
                    "output": "softmax", "learning_rate": 0.01, "init": "he", "m": 4096 if quick else 60000,
                    # a few epochs per measurement: full batch is one step per epoch
                    "epochs": 1 if (quick or batch) else 2, "unit": "s/epoch", "unit_epochs": 1,
                })
    elif workload == "W2":
        for dtype in ("float32", "float64"):
            specs.append({
                "dtype": dtype, "batch_size": None, "layer_dims": (2, 4, 1), "hidden": "tanh", "output": "sigmoid",
                # 10,000 iterations make a run; half of them is measured and scaled (x 2), like W3,
                # so that five rounds of all three peers fit in `make bench`'s 10 minutes
                "learning_rate": 1.2, "init": "xavier", "epochs": 300 if quick else 5000, "unit": "s/run",
                "unit_epochs": 10000,
            })
    elif workload == "W3":
        for dtype in ("float32", "float64"):
            specs.append({
                "dtype": dtype, "batch_size": None, "layer_dims": (12288, 20, 7, 5, 1), "hidden": "relu",
                "output": "sigmoid", "learning_rate": 0.0075, "init": "he",
                # 2,500 iterations make a run; a tenth of them is measured and scaled (x 10) to keep
                # `make bench` under 10 minutes on 2 cores: full-batch iterations all cost the same
                "epochs": 25 if quick else 250, "unit": "s/run", "unit_epochs": 2500,
            })
    else:
        raise ValueError(f"workload must be one of W1, W2, W3 here; got {workload!r}")
    return specs


def _case_name(spec: dict) -> str:
    batch = "full batch" if spec["batch_size"] is None else f"batch {spec['batch_size']}"
    return f"{spec['dtype']}, {batch}"


def _measure(case, record, peer, problem, initial, threads, per_unit, echo, label):
    """Time one peer's run once into ``record``; a failure marks the record failed."""
    try:
        run = PREPARE[peer](problem, initial, threads)
        start = time.perf_counter()
        final = run()
        elapsed = time.perf_counter() - start
    except Exception:
        record.clear()
        record.update(status="failed", reason=traceback.format_exc(limit=3))
        echo(f"  {label}: {peer} FAILED")
        return False
    record["seconds"].append(elapsed / per_unit)
    record["final_costs"].append(referee_cost(final, problem))
    echo(f"  {label}: {peer:8s} {elapsed / per_unit:9.4f} {case['unit']}"
         f"  cost {case['initial_cost']:.5f} -> {record['final_costs'][-1]:.5f}")
    return True


def _summarize(records: dict) -> None:
    for record in records.values():
        if record["status"] == "ok":
            record.update(_stats(record["seconds"]))
            record["final_cost"] = statistics.median(record["final_costs"])


def run_training_workload(workload: str, *, repeat: int, quick: bool, peers=PEERS, threads: int = 1,
                          echo=print, load=None, scenarios=("quiet",)) -> dict:
    """Time W1, W2 or W3 for every case and peer; check the peers' cost decreases agree.

    With ``"busy"`` in ``scenarios``, each round also times every peer while ``load`` (a
    :class:`~benchmarks.load.BackgroundLoad`) keeps a core busy; those records go to
    ``case["busy"]["peers"]``, the quiet ones stay in ``case["peers"]``. Peaks and the products
    alone are measured quiet."""
    load = load or NoLoad()
    if workload == "W1":
        X_all, labels_all, source = w1_data(max(s["m"] for s in case_specs("W1", quick)))
    elif workload == "W2":
        X_all, labels_all, source = flower_data()
    else:
        X_all, labels_all, source = cat_data()
    bounded = workload in ("W1", "W3")
    peaks: dict[str, list] = {}  # dtype -> the peak GEMM rates measured, one per round of every case
    cases = []
    for spec in case_specs(workload, quick):
        dtype = np.dtype(spec["dtype"])
        m = spec.get("m", X_all.shape[0])
        X_rows = np.ascontiguousarray(X_all[:m], dtype=dtype)
        problem = Problem(
            X_rows=X_rows, labels=labels_all[:m],
            layer_dims=spec["layer_dims"], hidden=spec["hidden"], output=spec["output"],
            learning_rate=spec["learning_rate"], batch_size=spec["batch_size"], epochs=spec["epochs"],
        )
        initial = _initial(spec["layer_dims"], spec["init"], seed=1)
        case = {
            "case": _case_name(spec), "dtype": dtype.name, "batch_size": spec["batch_size"], "m": m,
            "layer_dims": list(spec["layer_dims"]), "hidden": spec["hidden"], "output": spec["output"],
            "learning_rate": spec["learning_rate"], "epochs_per_measurement": spec["epochs"], "unit": spec["unit"],
            "epochs_per_unit": spec["unit_epochs"],
            "initial_cost": referee_cost(initial, problem), "peers": {},
        }
        per_unit = spec["epochs"] / spec["unit_epochs"]  # seconds measured -> seconds per unit
        if bounded:
            case["flops_per_unit"] = matmul_flops(spec["layer_dims"], m)["total"] * spec["unit_epochs"]
            case["peak_gflops_by_repeat"] = []
            # not a peer: the same products alone, the ceiling of any NumPy trainer of these shapes
            case["matmuls_alone"] = {"seconds": [], "percent_of_bound_by_repeat": []}
        active = []
        for peer in peers:
            reason = missing_reason(peer)
            if reason:
                case["peers"][peer] = {"status": "skipped", "reason": reason}
            else:
                case["peers"][peer] = {"status": "ok", "seconds": [], "final_costs": []}
                active.append(peer)
        for peer in active:  # untimed warm-up on a slice: lazy initialization, thread pools, caches
            try:
                PREPARE[peer](problem.head(min(m, 1024)), initial, threads)()
            except Exception:
                case["peers"][peer] = {"status": "failed", "reason": traceback.format_exc(limit=3)}
        if "busy" in scenarios:
            case["busy"] = {"peers": {peer: {"status": "ok", "seconds": [], "final_costs": []}
                                      for peer in active if case["peers"][peer]["status"] == "ok"}}
        for r in range(repeat):
            load.set("quiet")
            if bounded:  # the GEMM rate of this round: the machine's speed drifts, and the bound with it
                peak = measure_peak_gflops(dtype, n=512 if quick else 2048)
                case["peak_gflops_by_repeat"].append(peak)
                peaks.setdefault(dtype.name, []).append(peak)
                alone = case["matmuls_alone"]
                alone["seconds"].append(time_matmuls_alone(spec["layer_dims"], X_rows, spec["batch_size"], spec["epochs"])
                                        / per_unit)
                alone["percent_of_bound_by_repeat"].append(100 * case["flops_per_unit"] / (peak * 1e9) / alone["seconds"][-1])
            for scenario in scenarios:
                load.set(scenario)
                records = case["peers"] if scenario == "quiet" else case["busy"]["peers"]
                for peer in active:
                    record = records.get(peer, {})
                    label = f"{workload} {case['case']} {scenario} repeat {r + 1}/{repeat}"
                    if record.get("status") != "ok" or not _measure(case, record, peer, problem, initial, threads,
                                                                    per_unit, echo, label):
                        continue
                    if bounded and scenario == "quiet":  # against the same round's peak
                        record.setdefault("percent_of_bound_by_repeat", []).append(
                            100 * case["flops_per_unit"] / (peak * 1e9) / record["seconds"][-1])
        load.set("quiet")
        _summarize(case["peers"])
        for record in case["peers"].values():
            if record["status"] == "ok" and bounded:
                record["percent_of_bound"] = statistics.median(record["percent_of_bound_by_repeat"])
        if "busy" in case:
            _summarize(case["busy"]["peers"])
        if bounded:
            case["bound_seconds"] = case["flops_per_unit"] / (statistics.median(case["peak_gflops_by_repeat"]) * 1e9)
            alone = case["matmuls_alone"]
            alone.update(_stats(alone["seconds"]), percent_of_bound=statistics.median(alone["percent_of_bound_by_repeat"]))
        case["agreement"] = check_agreement(case)
        if "busy" in case:
            case["busy"]["agreement"] = check_agreement({**case, "peers": case["busy"]["peers"]})
        cases.append(case)
    # the median of every round's peak, per dtype (each case's own rounds are in the case)
    return {"data": source, "peak_gflops": {name: statistics.median(values) for name, values in peaks.items()},
            "cases": cases}


def check_agreement(case: dict) -> dict:
    """Do all peers decrease the referee cost by about as much as nnlab does?"""
    rtol = RTOL_FULL_BATCH if case["batch_size"] is None else RTOL_MINI_BATCH
    decrease = {
        peer: case["initial_cost"] - record["final_cost"]
        for peer, record in case["peers"].items() if record["status"] == "ok"
    }
    problems = []
    reference = decrease.get("nnlab")
    if reference is None:
        problems.append("nnlab did not run: nothing to compare against")
    else:
        if not reference > 0:
            problems.append(f"nnlab did not decrease the cost ({reference:+.3g})")
        for peer, value in decrease.items():
            if abs(value - reference) > rtol * abs(reference):
                problems.append(
                    f"{peer} decreased the cost by {value:.6g}, nnlab by {reference:.6g} "
                    f"(relative difference {abs(value - reference) / abs(reference):.2%} > {rtol:.0%})"
                )
    return {"ok": not problems, "rtol": rtol, "decrease": decrease, "problems": problems}


# --------------------------------------------------------------------------- W4
W4_SPACE = {"hidden_layers": [[1], [2], [3], [4], [5], [8], [20], [50]], "learning_rate": [0.5, 1.2]}


def w4_config(epochs: int, trials: int):
    from nnlab.search import parse_search_config

    return parse_search_config({
        "data": {"source": "flower"},
        "split": {"dev": 0.2, "test": 0.2, "seed": 0},
        "search": {"strategy": "grid", "trials": trials, "metric": "accuracy", "seed": 0, "epochs": epochs},
        "executor": {"kind": "processes", "jobs": 1},
        "fixed": {"optimizer": "gd", "activation": "tanh"},
        "space": W4_SPACE,
    })


def run_search_workload(*, repeat: int, quick: bool, echo=print, load=None, scenarios=("quiet",)) -> dict:
    """Trials per minute of a 16-trial flower grid search on 1 and 2 processes (wall clock of
    :func:`nnlab.search.run_search`, pool start, study database and report included), quiet and,
    with ``"busy"`` in ``scenarios``, while ``load`` keeps a core busy (``case["busy"]``)."""
    from nnlab.search import run_search

    load = load or NoLoad()
    # 10,000 epochs: the course's flower model. Shorter trials measure the fixed cost of a search
    # (process start, the study's transactions, the report), which no number of processes divides.
    trials, epochs = (4, 100) if quick else (16, 10000)
    config = w4_config(epochs, trials)

    def fresh():
        return {jobs: {"status": "ok", "seconds": [], "trials_per_minute": [], "best_dev_metric": []} for jobs in (1, 2)}

    by_scenario = {scenario: fresh() for scenario in scenarios}
    for r in range(repeat):
        for scenario in scenarios:
            load.set(scenario)
            for jobs in (1, 2):
                with tempfile.TemporaryDirectory() as folder:
                    start = time.perf_counter()
                    result = run_search(config, Path(folder) / "run", executor="processes", jobs=jobs,
                                        echo=lambda line: None)
                    elapsed = time.perf_counter() - start
                completed = sum(1 for record in result.records if record.state == "COMPLETE")
                record = by_scenario[scenario][jobs]
                record["seconds"].append(elapsed)
                record["trials_per_minute"].append(completed * 60 / elapsed)
                best = result.best
                record["best_dev_metric"].append(None if best is None else best.dev_metric)
                record["completed"] = completed
                echo(f"  W4 {scenario} repeat {r + 1}/{repeat}: jobs={jobs} {elapsed:7.2f} s, {completed}/{trials} "
                     f"trials, {completed * 60 / elapsed:6.1f} trials/min")
    load.set("quiet")
    results = by_scenario["quiet"]
    if "busy" in by_scenario:
        busy = by_scenario["busy"]
        for record in busy.values():
            record.update(_stats(record["trials_per_minute"]))
        busy_case = {"peers": {f"nnlab jobs={jobs}": record for jobs, record in busy.items()},
                     "speedup": paired_ratio(busy[1], busy[2], "trials/min")}
        missing = [f"busy jobs={jobs}: {r['completed']} of {trials} trials completed"
                   for jobs, r in busy.items() if r["completed"] != trials]
        busy_case["agreement"] = {"ok": not missing, "problems": missing}
    for record in results.values():
        record.update(_stats(record["trials_per_minute"]))
    problems = [f"jobs={jobs}: {record['completed']} of {trials} trials completed"
                for jobs, record in results.items() if record["completed"] != trials]
    bests = {m for record in results.values() for m in record["best_dev_metric"]}
    if len(bests) != 1:
        problems.append(f"the best dev metric differs between runs: {sorted(map(str, bests))}")
    case = {
        "case": f"{trials}-trial flower grid, {epochs} epochs each", "unit": "trials/min", "trials": trials,
        "epochs": epochs, "peers": {f"nnlab jobs={jobs}": record for jobs, record in results.items()},
        "speedup": paired_ratio(results[1], results[2], "trials/min"),  # median over rounds of jobs=2 / jobs=1
        "agreement": {"ok": not problems, "problems": problems},
    }
    if "busy" in by_scenario:
        case["busy"] = busy_case
    return {"data": "flower (nnlab.search, executor processes)", "peak_gflops": {}, "cases": [case]}
