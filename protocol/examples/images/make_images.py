"""Writes the two tiny test images used by the example transcripts and the client tests.

Deterministic (no randomness); ran with Pillow 13.0.0. Run from anywhere: python3 make_images.py
- disk.png: 32x32 8-bit RGB PNG, a red disk on a light blue background.
- gradient.jpg: 48x32 baseline JPEG (quality 90, 4:2:0), a horizontal red-to-green and vertical blue ramp.
"""

import os

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def disk():
  image = Image.new("RGB", (32, 32), (170, 200, 230))
  pixels = image.load()
  for y in range(32):
    for x in range(32):
      if (x - 15.5) ** 2 + (y - 15.5) ** 2 <= 10 ** 2:
        pixels[x, y] = (210, 30, 40)
  image.save(os.path.join(HERE, "disk.png"), optimize=False)


def gradient():
  image = Image.new("RGB", (48, 32))
  pixels = image.load()
  for y in range(32):
    for x in range(48):
      pixels[x, y] = (255 - x * 5, x * 5, y * 8)
  image.save(os.path.join(HERE, "gradient.jpg"), quality=90, subsampling=2, progressive=False)


if __name__ == "__main__":
  disk()
  gradient()
