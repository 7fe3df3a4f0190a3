"""Statistics across peers, the JSON schema check, the markdown table and the targets."""

from __future__ import annotations

import math

import statistics

from . import SCHEMA

TOP_KEYS = {"schema": str, "workload": str, "created": str, "settings": dict, "environment": dict,
            "wall_seconds": float, "data": str, "peak_gflops": dict, "cases": list}
ENVIRONMENT_KEYS = ("platform", "cpu", "cpu_count", "blas_threads", "threadpools", "versions", "load_average")
CASE_KEYS = ("case", "unit", "peers", "agreement")
OK_PEER_KEYS = ("seconds", "median", "min", "max")
HIGHER_IS_BETTER = {"trials/min"}


def validate(document: dict) -> list[str]:
    """What is wrong with a result document (an empty list: it follows the schema)."""
    errors = []
    for key, kind in TOP_KEYS.items():
        if key not in document:
            errors.append(f"missing {key!r}")
        elif not isinstance(document[key], (int, float) if kind is float else kind):
            errors.append(f"{key!r} must be a {kind.__name__}")
    if errors:
        return errors
    if document["schema"] != SCHEMA:
        errors.append(f"schema must be {SCHEMA!r}")
    errors += [f"environment lacks {key!r}" for key in ENVIRONMENT_KEYS if key not in document["environment"]]
    if not document["cases"]:
        errors.append("no cases")
    for i, case in enumerate(document["cases"]):
        errors += [f"cases[{i}] lacks {key!r}" for key in CASE_KEYS if key not in case]
        for peer, record in case.get("peers", {}).items():
            status = record.get("status")
            if status == "ok":
                errors += [f"cases[{i}].{peer} lacks {key!r}" for key in OK_PEER_KEYS if key not in record]
                if not record.get("min", 0) <= record.get("median", 0) <= record.get("max", 0):
                    errors.append(f"cases[{i}].{peer}: min <= median <= max does not hold")
            elif status in ("skipped", "failed"):
                if not record.get("reason"):
                    errors.append(f"cases[{i}].{peer} is {status} without a reason")
            else:
                errors.append(f"cases[{i}].{peer}: unknown status {status!r}")
        if "ok" not in case.get("agreement", {}):
            errors.append(f"cases[{i}].agreement lacks 'ok'")
    return errors


def _values(record: dict, unit: str) -> list:
    """The per-round measurements a record's median is taken over."""
    return record.get("trials_per_minute" if unit in HIGHER_IS_BETTER else "seconds") or [record["median"]]


def paired_ratio(record: dict, reference: dict, unit: str) -> float:
    """How many times ``reference`` outdoes ``record`` (> 1: ``record`` is slower), as the median
    over rounds of the ratio within each round.

    The peers of a round run one after another, within seconds, so a round's ratio compares them
    under the same machine conditions; a ratio of medians would pair one round's slow spell with
    another's quiet one. Records without the same rounds fall back to the ratio of medians.
    """
    a, b = _values(record, unit), _values(reference, unit)
    if len(a) != len(b) or not a:
        a, b = [record["median"]], [reference["median"]]
    if unit in HIGHER_IS_BETTER:
        a, b = b, a
    return statistics.median(x / y for x, y in zip(a, b))


def annotate(document: dict) -> dict:
    """Add ``ratio_to_fastest`` to each peer (:func:`paired_ratio` against the peer of the best
    median) and ``percent_of_bound`` where there is a bound and the workload did not give it (it
    gives the median over rounds, each against that round's peak)."""
    for case in document["cases"]:
        ok = {peer: r for peer, r in case["peers"].items() if r["status"] == "ok"}
        if not ok:
            continue
        higher = case["unit"] in HIGHER_IS_BETTER
        best = (max if higher else min)(ok.values(), key=lambda r: r["median"])
        for record in ok.values():
            record["ratio_to_fastest"] = paired_ratio(record, best, case["unit"])
            if case.get("bound_seconds") and "percent_of_bound" not in record:
                # (documents from before the per-round peak: one peak for all rounds)
                record["percent_of_bound"] = 100 * case["bound_seconds"] / record["median"]
    return document


def busy_view(case: dict) -> dict:
    """``case`` with its busy records as its peers (the quiet case when it has none)."""
    return {**case, "peers": case["busy"]["peers"]} if "busy" in case else case


def annotate_busy(document: dict) -> dict:
    """Busy records get ``ratio_to_fastest`` (among the busy) and ``busy_over_quiet``: the
    median over rounds of busy / quiet time (for trials/min: quiet / busy rate) of that peer."""
    for case in document["cases"]:
        if "busy" not in case:
            continue
        annotate({"cases": [busy_view(case)]})
        for peer, record in case["busy"]["peers"].items():
            quiet = case["peers"].get(peer, {})
            if record.get("status") == "ok" and quiet.get("status") == "ok":
                record["busy_over_quiet"] = paired_ratio(record, quiet, case["unit"])
    return document


def rounds_won(record: dict, others: list[dict]) -> tuple[int, int]:
    """(rounds where ``record`` took no longer than every one of ``others``, rounds)."""
    own = record["seconds"]
    if any(len(o["seconds"]) != len(own) for o in others):
        return 0, 0
    return sum(all(x <= o["seconds"][i] for o in others) for i, x in enumerate(own)), len(own)


def busy_markdown(documents: list[dict]) -> str:
    """Quiet and busy side by side: each peer's medians, its busy / quiet slowdown (paired by
    round) and its ratio to the fastest busy peer."""
    lines = ["| workload | case | peer | quiet median | busy median | busy min–max | busy / quiet | × fastest (busy) |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    for document in documents:
        for case in document["cases"]:
            if "busy" not in case:
                continue
            for peer, r in case["busy"]["peers"].items():
                quiet = case["peers"].get(peer, {})
                if r.get("status") != "ok" or quiet.get("status") != "ok":
                    lines.append(f"| {document['workload']} | {case['case']} | {peer} | {quiet.get('status')} | "
                                 f"{r.get('status')} | | | |")
                    continue
                lines.append(
                    f"| {document['workload']} | {case['case']} | {peer} | {_number(quiet['median'])} {case['unit']} | "
                    f"{_number(r['median'])} {case['unit']} | {_number(r['min'])}–{_number(r['max'])} | "
                    f"{r['busy_over_quiet']:.2f} | {r['ratio_to_fastest']:.2f} |")
            if "speedup" in case["busy"]:
                lines.append(f"| {document['workload']} | {case['case']} | speed-up 2 vs 1 process | "
                             f"{case['speedup']:.2f}× | {case['busy']['speedup']:.2f}× | | | |")
    return "\n".join(lines)


def _number(value: float) -> str:
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def markdown(documents: list[dict]) -> str:
    """One table of every workload, case and peer."""
    lines = [
        "| workload | case | peer | median | min–max | × fastest | % of bound | final cost | agree |",
        "|---|---|---|---:|---:|---:|---:|---:|:---:|",
    ]
    for document in documents:
        for case in document["cases"]:
            agree = "yes" if case["agreement"]["ok"] else "**NO**"
            for peer, r in case["peers"].items():
                if r["status"] != "ok":
                    lines.append(f"| {document['workload']} | {case['case']} | {peer} | {r['status']} | | | | | |")
                    continue
                bound = f"{r['percent_of_bound']:.0f} %" if "percent_of_bound" in r else ""
                cost = f"{r['final_cost']:.4f}" if "final_cost" in r else ""
                lines.append(
                    f"| {document['workload']} | {case['case']} | {peer} | {_number(r['median'])} {case['unit']} | "
                    f"{_number(r['min'])}–{_number(r['max'])} | {r['ratio_to_fastest']:.2f} | {bound} | {cost} | {agree} |"
                )
            if "matmuls_alone" in case:
                r = case["matmuls_alone"]
                lines.append(f"| {document['workload']} | {case['case']} | *(matmuls alone)* | {_number(r['median'])} "
                             f"{case['unit']} | {_number(r['min'])}–{_number(r['max'])} | | "
                             f"{r['percent_of_bound']:.0f} % | | |")
            if "speedup" in case:
                lines.append(f"| {document['workload']} | {case['case']} | speed-up 2 vs 1 process | "
                             f"{case['speedup']:.2f}× | | | | | {agree} |")
    return "\n".join(lines)


def environment_line(document: dict) -> str:
    env = document["environment"]
    blas = [p for p in env["threadpools"] if p.get("user_api") == "blas"]
    blas_name = ", ".join(f"{p.get('internal_api')} {p.get('version')}" for p in blas) or "unknown"
    return (f"{env['cpu']} ({env['cpu_count']} CPUs), {blas_name} with {env['blas_threads']} thread(s); "
            f"numpy {env['versions'].get('numpy')}, scikit-learn {env['versions'].get('scikit-learn')}, "
            f"torch {env['versions'].get('torch')}; load average at start {env.get('load_average')}")


def _peer(case, name):
    record = case["peers"].get(name, {})
    return record if record.get("status") == "ok" else None


def targets(documents: list[dict]) -> list[tuple[str, bool | None, str]]:
    """(target, held? (None: could not be judged), the numbers) for each target of the brief."""
    out = []
    by_workload = {d["workload"]: d for d in documents}
    for w in ("W1", "W2", "W3"):
        for case in by_workload.get(w, {}).get("cases", []):
            nn = _peer(case, "nnlab")
            others = {p: _peer(case, p) for p in ("sklearn", "torch") if _peer(case, p)}
            if nn is None or not others:
                out.append((f"{w} {case['case']}: nnlab ≤ fastest peer", None, "peers missing"))
                continue
            # against every peer, paired by round: the closest one is the one to beat
            ratios = {peer: paired_ratio(nn, record, case["unit"]) for peer, record in others.items()}
            fastest = max(ratios, key=ratios.get)
            ratio = ratios[fastest]
            out.append((f"{w} {case['case']}: nnlab at least as fast as the fastest peer", ratio <= 1.0,
                        f"nnlab / {fastest} = {ratio:.2f}"))
    for w in ("W1", "W2", "W3"):
        for case in by_workload.get(w, {}).get("cases", []):
            nn, others = _peer(case, "nnlab"), [_peer(case, p) for p in ("sklearn", "torch") if _peer(case, p)]
            if nn and others:
                won, rounds = rounds_won(nn, others)
                needed = math.ceil(0.8 * rounds)  # 4 of 5; all 3 of 3
                out.append((f"{w} {case['case']}: quiet, nnlab no slower than both peers in ≥ {needed} of {rounds} rounds",
                            won >= needed if rounds else None, f"{won} of {rounds} rounds"))
            if "busy" not in case:
                continue
            view = busy_view(case)
            nn = _peer(view, "nnlab")
            others = {p: _peer(view, p) for p in ("sklearn", "torch") if _peer(view, p)}
            if nn is None:
                continue
            if others:
                ratios = {peer: paired_ratio(nn, record, case["unit"]) for peer, record in others.items()}
                closest = max(ratios, key=ratios.get)
                out.append((f"{w} {case['case']}: busy, nnlab ahead of every peer", ratios[closest] < 1.0,
                            ", ".join(f"nnlab / {p} = {r:.2f}" for p, r in ratios.items())))
            if "busy_over_quiet" in nn:
                out.append((f"{w} {case['case']}: busy, nnlab ≤ 1.5× its quiet time", nn["busy_over_quiet"] <= 1.5,
                            f"{nn['busy_over_quiet']:.2f}×"))
    for case in by_workload.get("W1", {}).get("cases", []):
        nn = _peer(case, "nnlab")
        if case["dtype"] == "float32" and nn and "percent_of_bound" in nn:
            need = 50 if case["batch_size"] else 70
            alone = case.get("matmuls_alone")
            context = f" (the products alone: {alone['percent_of_bound']:.0f} %)" if alone else ""
            out.append((f"W1 {case['case']}: ≥ {need} % of bound", nn["percent_of_bound"] >= need,
                        f"{nn['percent_of_bound']:.0f} %{context}"))
    for case in by_workload.get("W2", {}).get("cases", []):
        nn = _peer(case, "nnlab")
        for peer, need in (("torch", 5), ("sklearn", 3)):
            other = _peer(case, peer)
            if nn and other:
                speed = paired_ratio(other, nn, case["unit"])
                out.append((f"W2 {case['case']}: ≥ {need}× faster than {peer}", speed >= need, f"{speed:.2f}×"))
    for case in by_workload.get("W4", {}).get("cases", []):
        out.append(("W4: ≥ 1.8× trials/min with 2 processes vs 1", case["speedup"] >= 1.8, f"{case['speedup']:.2f}×"))
        if "busy" in case:
            out.append(("W4 busy: 2 processes not slower than 1", case["busy"]["speedup"] >= 1.0,
                        f"{case['busy']['speedup']:.2f}×"))
    return out
