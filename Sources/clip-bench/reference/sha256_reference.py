"""clip-bench sha's reference: hashlib.sha256 (OpenSSL, on the SHA extensions where the CPU has them).

Reads `size` lines on stdin; for each, hashes `size` random bytes repeatedly until 20 ms have passed (after one
warm-up call) and answers `<seconds per call> <hex digest>` on one line.
"""
import hashlib
import random
import sys
import time


def seconds_per_call(data):
    hashlib.sha256(data).digest()
    repetitions = 1
    while True:
        start = time.perf_counter()
        for _ in range(repetitions):
            hashlib.sha256(data).digest()
        elapsed = time.perf_counter() - start
        if elapsed >= 0.02:
            return elapsed / repetitions
        repetitions *= 2


def main():
    rng = random.Random(16)
    for line in sys.stdin:
        data = rng.randbytes(int(line))
        print(f"{seconds_per_call(data):.9g} {hashlib.sha256(data).hexdigest()}", flush=True)


if __name__ == "__main__":
    main()
