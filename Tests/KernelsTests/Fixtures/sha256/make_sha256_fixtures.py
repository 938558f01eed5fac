"""Writes digests.txt: SHA-256 digests by CPython's hashlib (OpenSSL) of the test messages of
Tests/KernelsTests/SHA256BlocksTests.swift, one `length hexdigest` per line.

Message byte i (0-based) is `(x >> 24 ^ x >> 11) & 0xff` with `x = (i + 1) * 0x9E3779B1 mod 2**32`; the message of
length n is the first n bytes. Lengths: every one of 0...300, then 24 drawn by `random.Random(16)` in 301...1 MiB,
then 1 MiB - 1 and 1 MiB.

    python3 make_sha256_fixtures.py
"""
import hashlib
import platform
import random
import ssl

LIMIT = 1 << 20


def message(length):
    out = bytearray(length)
    for i in range(length):
        x = ((i + 1) * 0x9E3779B1) & 0xFFFFFFFF
        out[i] = ((x >> 24) ^ (x >> 11)) & 0xFF
    return bytes(out)


def main():
    rng = random.Random(16)
    lengths = list(range(301)) + sorted(rng.randrange(301, LIMIT + 1) for _ in range(24)) + [LIMIT - 1, LIMIT]
    full = message(LIMIT)
    with open("digests.txt", "w") as out:
        out.write(f"# python {platform.python_version()}, {ssl.OPENSSL_VERSION}\n")
        for n in lengths:
            out.write(f"{n} {hashlib.sha256(full[:n]).hexdigest()}\n")


if __name__ == "__main__":
    main()
