#!/usr/bin/env python3
"""Writes the zlib/DEFLATE test streams for InflateTests with CPython's zlib (the reference inflater).

Deterministic: inputs come from a fixed-seed generator. Run from anywhere:
    python3 Tests/InflateTests/Fixtures/make_inflate_fixtures.py
Writes inputs/<name>.bin, streams/<name>.<variant>.zlib (or .deflate for raw streams) and cases.json, which lists
every stream with its input and the Adler-32 Python computed.
"""
import json
import os
import random
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def inputs():
    rng = random.Random(1950)
    words = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "pixel", "filter", "huffman",
             "deflate", "window", "distance", "literal", "length", "zlib", "stream", "block", "adler"]
    text = " ".join(rng.choice(words) for _ in range(2000)).encode()
    runs = b"".join(bytes([rng.randrange(4)]) * rng.randrange(1, 300) for _ in range(100))
    # Rows of a smooth gradient, like filtered image data: many short matches at varied distances.
    image = bytes((x * 3 + y * 5 + rng.randrange(3)) & 0xff for y in range(48) for x in range(200))
    return {
        "empty": b"",
        "byte": b"A",
        "text": text,
        "random": bytes(rng.randrange(256) for _ in range(3000)),
        "runs": runs,
        "image": image,
        # Longer than one stored block (65535 bytes) so level 0 writes several.
        "large": bytes(rng.randrange(256) for _ in range(70000)),
    }


VARIANTS = [(f"level{lvl}", lvl, zlib.Z_DEFAULT_STRATEGY) for lvl in range(10)] + [
    ("fixed", 6, zlib.Z_FIXED),            # fixed Huffman blocks only
    ("huffman", 6, zlib.Z_HUFFMAN_ONLY),   # dynamic blocks without matches
    ("rle", 6, zlib.Z_RLE),                # distance-1 matches only
    ("filtered", 6, zlib.Z_FILTERED),
]


def compress(data, level, strategy, wbits):
    c = zlib.compressobj(level, zlib.DEFLATED, wbits, 9, strategy)
    return c.compress(data) + c.flush()


def main():
    os.makedirs(os.path.join(HERE, "inputs"), exist_ok=True)
    os.makedirs(os.path.join(HERE, "streams"), exist_ok=True)
    cases = []
    for name, data in inputs().items():
        with open(os.path.join(HERE, "inputs", name + ".bin"), "wb") as f:
            f.write(data)
        # Random data is stored at every level; the 70 kB input only at level 0, to keep fixtures small.
        variants = [v for v in VARIANTS if name != "large" or v[0] == "level0"]
        for variant, level, strategy in variants:
            stream = compress(data, level, strategy, 15)
            assert zlib.decompress(stream) == data
            file = f"{name}.{variant}.zlib"
            with open(os.path.join(HERE, "streams", file), "wb") as f:
                f.write(stream)
            cases.append({"stream": file, "input": name + ".bin", "raw": False, "adler32": zlib.adler32(data)})
        if name == "large":
            continue
        raw = compress(data, 9, zlib.Z_DEFAULT_STRATEGY, -15)
        file = f"{name}.raw.deflate"
        with open(os.path.join(HERE, "streams", file), "wb") as f:
            f.write(raw)
        cases.append({"stream": file, "input": name + ".bin", "raw": True, "adler32": zlib.adler32(data)})
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump({"python": sys.version.split()[0], "zlib": zlib.ZLIB_RUNTIME_VERSION, "cases": cases}, f,
                  indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
