#!/usr/bin/env python3
"""NumPy side of `clip-bench matmul`: times `x @ W.T` (the linear layer's product) on request.

Protocol (one line each way, so the Swift side can alternate its own runs with ours):
  request:  "<M> <N> <K> [cpu]" reply: "<seconds per multiply>" (wall clock, or process CPU time with "cpu")
  request:  "info"              reply: "numpy <version> <BLAS core> threads=<n>"
Each reply times enough repetitions to last at least 20 ms after one warm-up (timing.py). The caller sets the
BLAS environment (OPENBLAS_NUM_THREADS); this script only reports what it got.
"""
import ctypes
import glob
import os
import sys

import numpy as np
from timing import seconds_per_call


def blas_core():
    """OpenBLAS's chosen kernel family (e.g. Haswell, SkylakeX), when the bundled library says."""
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs", "*openblas*"))
    for path in libs:
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_corename64_", "openblas_get_corename64_", "openblas_get_corename"):
            if hasattr(lib, name):
                fn = getattr(lib, name)
                fn.restype = ctypes.c_char_p
                return fn().decode()
    return "unknown"


def main():
    rng = np.random.default_rng(0)
    cache = {}
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "info":
            threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
            print(f"numpy {np.__version__} OpenBLAS {blas_core()} threads={threads}", flush=True)
            continue
        m, n, k = (int(w) for w in words[:3])
        if (m, n, k) not in cache:
            cache.clear()
            x = rng.standard_normal((m, k), dtype=np.float32)
            w = rng.standard_normal((n, k), dtype=np.float32)
            cache[(m, n, k)] = (x, w)
        x, w = cache[(m, n, k)]
        print(f"{seconds_per_call(lambda: x @ w.T, cpu=words[3:] == ['cpu']):.9e}", flush=True)


if __name__ == "__main__":
    main()
