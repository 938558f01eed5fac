"""Timing shared by the reference scripts of clip-bench (the Swift side times itself the same way)."""
import time


def seconds_per_call(call, cpu=False):
    """Seconds per call of `call`, repeated until 20 ms have passed after one warm-up call.

    With `cpu`, process CPU time instead of wall-clock time.
    """
    clock = time.process_time if cpu else time.perf_counter
    call()
    reps = 1
    while True:
        start = clock()
        for _ in range(reps):
            call()
        elapsed = clock() - start
        if elapsed >= 0.02:
            return elapsed / reps
        reps *= 2
