"""What the numbers were measured on: CPU, BLAS library and its threads, versions, load."""

from __future__ import annotations

import os
import platform
import sys


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas_threads() -> int:
    """Threads of the BLAS that NumPy uses (what torch is given too, for a fair fight)."""
    from threadpoolctl import threadpool_info

    import numpy  # noqa: F401  (load NumPy's BLAS so threadpoolctl sees it)

    blas = [pool for pool in threadpool_info() if pool.get("user_api") == "blas"]
    return int(blas[0]["num_threads"]) if blas else 1


def describe_environment() -> dict:
    """A JSON-ready record of the machine and libraries."""
    from threadpoolctl import threadpool_info

    import numpy

    import nnlab

    versions = {"python": sys.version.split()[0], "numpy": numpy.__version__, "nnlab": getattr(nnlab, "__version__", "?")}
    for name, module in (("scikit-learn", "sklearn"), ("torch", "torch")):
        try:
            versions[name] = __import__(module).__version__
        except ImportError:
            versions[name] = None
    info = {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "versions": versions,
        "blas_threads": blas_threads(),
        "threadpools": threadpool_info(),
    }
    try:
        import torch

        info["torch_threads"] = torch.get_num_threads()
        info["torch_config"] = torch.__config__.parallel_info().splitlines()[:8]
    except ImportError:
        pass
    return info
