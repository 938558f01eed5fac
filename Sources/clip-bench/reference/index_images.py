"""Inputs of `clip-bench index`: COUNT new JPEG files in DIR, photo-sized and each different.

Started by the Swift benchmark; usage: python3 index_images.py DIR COUNT [SEED]

Each image is 640x480 or 480x640 (one in five portrait), made of smooth gradients, a few filled ellipses and
rectangles and mild noise (so that it compresses like a photo, 40-90 KB, not like flat colour), saved by Pillow as
baseline JPEG, quality 85-95, 4:2:0. Deterministic for a seed and pinned versions. Prints one JSON line:
{"files": COUNT, "bytes": total, "versions": {...}}.
"""

import json
import os
import sys

import numpy as np
import PIL
from PIL import Image, ImageDraw


def make(index, rng):
    width, height = (480, 640) if index % 5 == 4 else (640, 480)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    channels = []
    for _ in range(3):
        a, b, c = rng.uniform(-1, 1, 3)
        wave = rng.uniform(0.005, 0.03)
        channels.append(128 + 60 * np.sin(wave * (a * x + b * y) + c * 6) + 40 * (x / width - 0.5) * a)
    pixels = np.stack(channels, axis=-1)
    pixels += rng.normal(0, 6, pixels.shape)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(3, 9))):
        x0, y0 = int(rng.integers(0, width - 40)), int(rng.integers(0, height - 40))
        x1, y1 = x0 + int(rng.integers(20, width // 2)), y0 + int(rng.integers(20, height // 2))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x1, y1], fill=colour)
    return image


def main():
    directory, count = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    rng = np.random.default_rng(seed)
    total = 0
    for index in range(count):
        path = os.path.join(directory, f"photo-{index:05d}.jpg")
        make(index, rng).save(path, "JPEG", quality=int(rng.integers(85, 96)), subsampling="4:2:0")
        total += os.path.getsize(path)
    versions = {"Pillow": PIL.__version__, "numpy": np.__version__}
    print(json.dumps({"files": count, "bytes": total, "versions": versions}), flush=True)


if __name__ == "__main__":
    main()
