"""The benchmark harness (``python -m benchmarks``): FLOP count, schema, agreement, smoke runs.

Nothing here times anything or compares speeds: the numbers are for ``make bench``. The peers
(scikit-learn, torch) are optional: the runs below skip them, saying why, when missing.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `benchmarks` lives beside `src`, not inside the installed package
    sys.path.insert(0, str(ROOT))

from benchmarks import SCHEMA, peers, report, workloads  # noqa: E402
from benchmarks.flops import matmul_flops  # noqa: E402
from benchmarks.worker import run_workload  # noqa: E402


# --------------------------------------------------------------------------- FLOPs
def test_matmul_flops_by_hand():
    # [3, 4, 2] on m = 5: W1 is 4x3 (12 multiply-adds per example), W2 is 2x4 (8).
    # forward 2*5*(12 + 8) = 200; backward dW: 200 again, dA1 = W2.T dZ2: 2*5*8 = 80 (no dA0).
    assert matmul_flops([3, 4, 2], 5) == {"forward": 200, "backward": 280, "total": 480}
    # with dA0 = W1.T dZ1 too (2*5*12 = 120): backward exactly twice forward
    assert matmul_flops([3, 4, 2], 5, input_gradient=True) == {"forward": 200, "backward": 400, "total": 600}


def test_matmul_flops_of_w1():
    per_example = 784 * 128 + 128 * 64 + 64 * 10  # 109,184 multiply-adds
    flops = matmul_flops([784, 128, 64, 10], 60000)
    assert flops["forward"] == 2 * 60000 * per_example
    assert flops["backward"] == 2 * 60000 * (2 * per_example - 784 * 128)


# --------------------------------------------------------------------------- agreement, report
def _case(decreases: dict, batch_size=None, unit="s/run", medians=None):
    medians = medians or {peer: 1.0 for peer in decreases}
    return {
        "case": "float64, full batch", "dtype": "float64", "batch_size": batch_size, "unit": unit,
        "initial_cost": 1.0, "bound_seconds": 0.5,
        "peers": {peer: {"status": "ok", "seconds": [medians[peer]], "median": medians[peer], "min": medians[peer],
                         "max": medians[peer], "final_cost": 1.0 - d} for peer, d in decreases.items()},
    }


def test_agreement_flags_a_peer_that_does_less():
    assert workloads.check_agreement(_case({"nnlab": 0.4, "sklearn": 0.401, "torch": 0.399}))["ok"]
    verdict = workloads.check_agreement(_case({"nnlab": 0.4, "sklearn": 0.2, "torch": 0.4}))
    assert not verdict["ok"] and "sklearn" in verdict["problems"][0]
    # mini-batch paths differ by their shuffles: a wider tolerance
    assert workloads.check_agreement(_case({"nnlab": 0.4, "torch": 0.37}, batch_size=256))["ok"]
    assert not workloads.check_agreement(_case({"nnlab": 0.0, "torch": 0.0}))["ok"]  # nothing learned


def test_annotate_ratios_and_bound():
    case = _case({"nnlab": 0.4, "sklearn": 0.4}, medians={"nnlab": 2.0, "sklearn": 1.0})
    document = report.annotate({"cases": [case]})
    nn, sk = document["cases"][0]["peers"]["nnlab"], document["cases"][0]["peers"]["sklearn"]
    assert (nn["ratio_to_fastest"], sk["ratio_to_fastest"]) == (2.0, 1.0)
    assert (nn["percent_of_bound"], sk["percent_of_bound"]) == (25.0, 50.0)
    throughput = {"case": "search", "unit": "trials/min",
                  "peers": {"a": {"status": "ok", "median": 30.0}, "b": {"status": "ok", "median": 60.0}}}
    report.annotate({"cases": [throughput]})
    assert throughput["peers"]["a"]["ratio_to_fastest"] == 2.0  # higher is better here


def test_ratios_pair_the_peers_of_each_round():
    # rounds drift: each round's ratio sklearn/nnlab is 2, 2.2, 1.75 (median 2.0), while the
    # ratio of the medians, 4.4 / 2, pairs round 2 of one with round 2 of the other only by luck
    case = _case({"nnlab": 0.4, "sklearn": 0.4}, medians={"nnlab": 2.0, "sklearn": 4.4})
    case["peers"]["nnlab"]["seconds"] = [1.0, 2.0, 4.0]
    case["peers"]["sklearn"]["seconds"] = [2.0, 4.4, 7.0]
    report.annotate({"cases": [case]})
    assert case["peers"]["sklearn"]["ratio_to_fastest"] == pytest.approx(2.0)
    assert report.paired_ratio(case["peers"]["sklearn"], case["peers"]["nnlab"], "s/run") == pytest.approx(2.0)
    # throughput (higher is better): how many times more the reference does
    one, two = {"trials_per_minute": [10.0, 12.0, 8.0]}, {"trials_per_minute": [19.0, 24.0, 16.8]}
    assert report.paired_ratio(one, two, "trials/min") == pytest.approx(2.0)


def test_fastest_peer_target_pairs_nnlab_with_every_peer():
    # B has the better median, but A beats nnlab in two rounds of three: the target is missed
    case = _case({"nnlab": 0.4, "A": 0.4, "B": 0.4}, medians={"nnlab": 1.0, "A": 2.5, "B": 1.5})
    case["case"], case["peers"]["nnlab"]["seconds"] = "float64, full batch", [1.0, 3.0, 1.0]
    case["peers"]["A"]["seconds"], case["peers"]["B"]["seconds"] = [0.9, 2.5, 3.0], [1.5, 1.5, 1.5]
    case["peers"]["sklearn"], case["peers"]["torch"] = case["peers"].pop("A"), case["peers"].pop("B")
    (target,) = [t for t in report.targets([{"workload": "W3", "cases": [case]}]) if "fastest" in t[0]]
    assert target[1] is False and target[2] == "nnlab / sklearn = 1.11"


def test_percent_of_bound_pairs_each_round_with_that_rounds_peak():
    document = report.annotate(run_workload("W3", repeat=2, quick=True, peers=("nnlab",), echo=lambda line: None))
    assert report.validate(document) == []
    for case in document["cases"]:
        peaks, nn = case["peak_gflops_by_repeat"], case["peers"]["nnlab"]
        assert len(peaks) == 2 and min(peaks) > 0
        expected = [100 * case["flops_per_unit"] / (peak * 1e9) / seconds for peak, seconds in zip(peaks, nn["seconds"])]
        assert nn["percent_of_bound_by_repeat"] == pytest.approx(expected)
        assert nn["percent_of_bound"] == pytest.approx(statistics.median(expected))  # kept by annotate
        assert case["bound_seconds"] == pytest.approx(case["flops_per_unit"] / (statistics.median(peaks) * 1e9))
        alone = case["matmuls_alone"]  # the products by themselves, against the same peaks
        assert len(alone["seconds"]) == 2 and alone["min"] > 0
        assert alone["percent_of_bound_by_repeat"] == pytest.approx(
            [100 * case["flops_per_unit"] / (peak * 1e9) / seconds for peak, seconds in zip(peaks, alone["seconds"])])
    assert "| W3 | float32, full batch | *(matmuls alone)* |" in report.markdown([document])
    assert set(document["peak_gflops"]) == {"float32", "float64"}


def test_search_speed_up_is_two_processes_over_one():
    document = report.annotate(run_workload("W4", repeat=1, quick=True, echo=lambda line: None))
    assert report.validate(document) == []
    (case,) = document["cases"]
    one, two = case["peers"]["nnlab jobs=1"], case["peers"]["nnlab jobs=2"]
    assert case["agreement"]["ok"], case["agreement"]["problems"]
    assert case["speedup"] == pytest.approx(two["trials_per_minute"][0] / one["trials_per_minute"][0])


def test_validate_reports_missing_keys():
    assert report.validate({}) and "missing 'schema'" in report.validate({})


# --------------------------------------------------------------------------- runs
def _check_document(document: dict) -> None:
    assert report.validate(document) == []
    assert document["schema"] == SCHEMA and document["workload"] == "W2"
    env = document["environment"]
    assert env["cpu_count"] and env["blas_threads"] >= 1 and isinstance(env["threadpools"], list)
    assert [case["dtype"] for case in document["cases"]] == ["float32", "float64"]
    for case in document["cases"]:
        nn = case["peers"]["nnlab"]
        assert nn["status"] == "ok" and len(nn["seconds"]) == 1 and nn["median"] > 0
        assert nn["final_cost"] < case["initial_cost"]
        assert case["agreement"]["ok"], case["agreement"]["problems"]


def test_missing_peers_are_skipped_with_a_reason(monkeypatch):
    monkeypatch.setitem(peers.IMPORT_NAME, "sklearn", "sklearn_is_not_installed_here")
    monkeypatch.setitem(peers.IMPORT_NAME, "torch", "torch_is_not_installed_here")
    document = report.annotate(run_workload("W2", repeat=1, quick=True, echo=lambda line: None))
    _check_document(document)
    for case in document["cases"]:
        for peer in ("sklearn", "torch"):
            record = case["peers"][peer]
            assert record["status"] == "skipped" and "not installed" in record["reason"]


@pytest.mark.parametrize("peer, module", [("sklearn", "sklearn"), ("torch", "torch")])
def test_peer_reaches_the_same_cost_as_nnlab(peer, module):
    pytest.importorskip(module, reason=f"{module} is not installed (pip install -e '.[bench]' adds it)")
    document = report.annotate(run_workload("W2", repeat=1, quick=True, peers=("nnlab", peer), echo=lambda line: None))
    _check_document(document)
    for case in document["cases"]:
        assert case["peers"][peer]["status"] == "ok", case["peers"][peer].get("reason")
        # same initial weights, same full-batch math: the same cost to float precision
        assert case["peers"][peer]["final_cost"] == pytest.approx(case["peers"]["nnlab"]["final_cost"], rel=1e-4)


def test_command_line_quick_w2(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--workloads", "W2", "--peers", "nnlab", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    files = list(tmp_path.glob("*-W2.json"))
    assert len(files) == 1
    _check_document(json.loads(files[0].read_text()))
    assert "| W2 | float32, full batch | nnlab |" in done.stdout and "Targets:" in done.stdout


# --------------------------------------------------------------------------- busy scenario
def test_background_load_runs_only_when_busy_and_ends():
    from benchmarks.load import BackgroundLoad

    with BackgroundLoad(max_seconds=60) as load:
        state = lambda: Path(f"/proc/{load.process.pid}/stat").read_text().split(")")[1].split()[0]  # noqa: E731
        assert load.running() and state() == "T"  # stopped until busy
        load.set("busy")
        assert state() in ("R", "S")
        load.set("quiet")
        assert state() == "T"
        with pytest.raises(ValueError, match="scenario must be one of"):
            load.set("noisy")
    assert not load.running()
    with BackgroundLoad(max_seconds=0) as short:  # bounded: it ends by itself
        short.set("busy")
        short.process.wait(timeout=30)
        assert not short.running()


def test_busy_records_pair_each_round_with_its_quiet_one():
    document = report.annotate_busy(report.annotate(run_workload(
        "W2", repeat=2, quick=True, peers=("nnlab",), scenarios=("quiet", "busy"), echo=lambda line: None)))
    assert report.validate(document) == [] and document["settings"]["scenarios"] == ["quiet", "busy"]
    for case in document["cases"]:
        quiet, busy = case["peers"]["nnlab"], case["busy"]["peers"]["nnlab"]
        assert len(busy["seconds"]) == len(quiet["seconds"]) == 2
        expected = statistics.median(b / q for b, q in zip(busy["seconds"], quiet["seconds"]))
        assert busy["busy_over_quiet"] == pytest.approx(expected)
        assert case["busy"]["agreement"]["ok"], case["busy"]["agreement"]["problems"]
    names = [name for name, _, _ in report.targets([document])]
    assert any("busy, nnlab ≤ 1.5× its quiet time" in name for name in names)
    assert "| W2 | float32, full batch | nnlab |" in report.busy_markdown([document])


def test_rounds_won_counts_rounds_where_nnlab_is_fastest():
    nn, a, b = {"seconds": [1.0, 2.0, 1.0, 1.0, 3.0]}, {"seconds": [2.0, 1.0, 2.0, 2.0, 2.0]}, {"seconds": [1.5] * 5}
    assert report.rounds_won(nn, [a, b]) == (3, 5)
    assert report.rounds_won(nn, [{"seconds": [1.0]}]) == (0, 0)  # rounds that do not pair


def test_busy_alone_is_refused_before_any_measurement(tmp_path):
    with pytest.raises(ValueError, match="scenarios must include 'quiet'"):
        run_workload("W2", repeat=1, quick=True, peers=("nnlab",), scenarios=("busy",))
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--scenarios", "busy", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--scenarios must include quiet" in done.stderr
    assert not list(tmp_path.iterdir())


def test_rounds_target_says_how_many_rounds_it_needs():
    def case(nn, peer):
        return {"case": "c", "unit": "s", "peers": {"nnlab": {"status": "ok", "seconds": nn, "median": statistics.median(nn)},
                                                    "torch": {"status": "ok", "seconds": peer, "median": statistics.median(peer)}}}

    three = {"workload": "W3", "cases": [case([1.0, 1.0, 2.0], [1.5, 1.5, 1.5])]}  # nnlab wins 2 of 3
    names = {name: held for name, held, _ in report.targets([three]) if "rounds" in name}
    assert names == {"W3 c: quiet, nnlab no slower than both peers in ≥ 3 of 3 rounds": False}
