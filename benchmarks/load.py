"""The "busy" scenario: one ordinary process that keeps one core busy while the peers are timed.

Users train on laptops and shared servers where something else is always running; a benchmark
on a quiet machine says nothing about that. :class:`BackgroundLoad` starts one plain Python
busy loop (ordinary priority, nothing else: no memory traffic, no I/O) that the benchmark
switches on (``SIGCONT``) and off (``SIGSTOP``) between measurements, so that quiet and busy
measurements of a round run seconds apart. The loop ends by itself after ``max_seconds`` even
if the benchmark dies, and :meth:`close` kills it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

SCENARIOS = ("quiet", "busy")

_LOOP = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"


class BackgroundLoad:
    """One busy-looping process, stopped until :meth:`set` ("busy") lets it run.

    Use as a context manager; ``set("quiet")`` / ``set("busy")`` between measurements.
    """

    def __init__(self, max_seconds: float = 3600):
        self.process = subprocess.Popen([sys.executable, "-c", _LOOP.format(seconds=float(max_seconds))])
        self._stop()
        self.state = "quiet"

    def _stop(self) -> None:
        self.process.send_signal(signal.SIGSTOP)
        os.waitpid(self.process.pid, os.WUNTRACED)  # returns once it is stopped (or gone)

    def set(self, scenario: str) -> None:
        if scenario not in SCENARIOS:
            raise ValueError(f"scenario must be one of {SCENARIOS}; got {scenario!r}")
        if scenario != self.state and self.process.poll() is None:
            if scenario == "busy":
                self.process.send_signal(signal.SIGCONT)
                time.sleep(0.05)  # let the scheduler give it its core before the timing starts
            else:
                self._stop()
        self.state = scenario

    def running(self) -> bool:
        """Is the loop alive (it may have reached ``max_seconds``)?"""
        return self.process.poll() is None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class NoLoad:
    """Stands in for :class:`BackgroundLoad` when only the quiet scenario runs."""

    state = "quiet"

    def set(self, scenario: str) -> None:
        if scenario != "quiet":
            raise ValueError(f"no background load here: only the quiet scenario; got {scenario!r}")

    def running(self) -> bool:
        return False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass
