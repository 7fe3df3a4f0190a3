"""The trial record and the study store's one-line faults, without running a search."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

import pytest

from nnlab.search import TrialRecord, describe_storage_failure
from nnlab.search.trial import STORED_FIELDS

CURVES = {"epoch": [0, 1], "train_cost": [0.7, 0.5], "dev_cost": [0.8, None], "train_metric": [0.5, 0.6],
          "dev_metric": [0.4, 0.5]}


def record(**changes) -> TrialRecord:
    values = dict(number=3, state="COMPLETE", params={"hidden_layers": (20, 7), "learning_rate": 0.1}, seed=11,
                  dev_metric=0.9, dev_cost=0.25, train_metric=0.95, train_cost=0.2, metric_name="accuracy",
                  seconds=1.25, epochs_run=2, curves=CURVES, pid=42, host="node", retries=1)
    values.update(changes)
    return TrialRecord(**values)


def test_a_record_is_frozen_and_its_fields_are_attributes():
    one = record()
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.state = "FAIL"
    assert one.number == 3
    with pytest.raises(TypeError):  # not a mapping: the loose dicts of earlier versions are gone
        one["number"]


def test_the_stored_form_is_json_and_reads_back_with_what_the_study_holds():
    one = record(model=("arrays", "metadata"))
    stored = json.loads(json.dumps(one.to_json(), allow_nan=False))
    assert set(stored) == set(STORED_FIELDS)
    assert not {"number", "state", "params", "seed", "model"} & set(stored)  # the study holds those itself
    back = TrialRecord.from_json(stored, number=3, state="COMPLETE", params=one.params, seed=11)
    assert back == one and back.model is None  # the model never travels into the store, nor counts in ==


def test_reading_an_older_studys_attributes_fills_defaults_and_ignores_the_rest():
    # a study of an earlier version: no pid, host, retries or epochs_run; other attributes beside
    old = {"reason": None, "dev_metric": 0.9, "dev_cost": 0.25, "train_metric": 0.95, "train_cost": 0.2,
           "metric_name": "accuracy", "curves": CURVES, "index": 3, "seed": 11, "interrupted": False}
    back = TrialRecord.from_json(old, number=3, state="COMPLETE", params={}, seed=11)
    assert (back.seconds, back.epochs_run, back.pid, back.host, back.retries) == (0.0, 0, None, None, 0)
    assert back.dev_metric == 0.9 and back.curves == CURVES
    never_ran = TrialRecord.from_json({}, number=5, state="FAIL", params={}, seed=None, reason="bad params")
    assert (never_ran.reason, never_ran.dev_metric, never_ran.curves) == ("bad params", None, {})


def test_describe_storage_failure_gives_the_databases_reason_on_one_line():
    import sqlalchemy.exc

    assert describe_storage_failure(ValueError("not a storage error")) is None
    assert describe_storage_failure(OSError(28, "No space left on device")) is None
    assert describe_storage_failure(sqlite3.OperationalError("database or disk is full")) == "database or disk is full"
    wrapped = sqlalchemy.exc.OperationalError("INSERT INTO trials ...", {}, sqlite3.OperationalError("disk I/O\nerror"))
    assert describe_storage_failure(wrapped) == "disk I/O error"
    long = describe_storage_failure(sqlite3.DatabaseError("x" * 500))
    assert len(long) == 200 and long.endswith("...")


def test_ctrl_c_during_a_study_write_is_held_and_raised_right_after():
    import os
    import signal
    import time

    from nnlab.search.study import interrupts_held

    steps = []
    # Python's own handler, as in a search started from a terminal (a test worker may ignore SIGINT)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            with interrupts_held():
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)  # the signal has arrived: the write goes on
                steps.append("the write finished")
        assert steps == ["the write finished"]
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)


def test_where_sigint_is_ignored_the_writes_leave_it_ignored():
    import signal

    from nnlab.search.study import interrupts_held

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with interrupts_held():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
