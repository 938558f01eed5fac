"""Reference side of `clip-bench images`: decode + preprocess with transformers and Pillow.

Started by the Swift benchmark as a child process; it is not meant to be run by hand, though it can be
(type the commands below). Usage: python3 images.py DIR

1. Writes the benchmark inputs into DIR (which must exist): scikit-image's astronaut, chelsea, coffee and
   rocket photos fitted or tiled with Pillow to 640x480 and 1600x1200, each saved as baseline JPEG
   (quality 90, 4:2:0), progressive JPEG (same settings) and PNG; plus openai/clip-vit-base-patch32's
   preprocessor_config.json. The output is deterministic for pinned versions (no randomness involved).
2. Prints one JSON line: {"files": [names...], "versions": {...}}.
3. Answers commands read from stdin, one per line, each with one JSON line on stdout:
     time NAME         -> {"wall": seconds, "cpu": seconds, "decode_cpu": seconds} for one load_image +
                          processor call; decode_cpu is the thread CPU time of load_image alone
     tensor NAME PATH  -> writes pixel_values[0] (3x224x224 float32, little-endian) to PATH; {"ok": true}
     quit              -> exits
   The timed call is what the zero-shot pipeline's preprocess does: `load_image(path)` then
   `image_processor(images=[image], return_tensors="pt")`.

Runs single-threaded (torch.set_num_threads(1)) so that its figures compare with the Swift side's per-image
time. torchvision must not be installed: AutoImageProcessor would then pick the torchvision backend.
"""

import importlib.util
import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import PIL  # noqa: E402
import skimage  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402
from skimage import data  # noqa: E402
from transformers import AutoImageProcessor  # noqa: E402
from transformers.image_utils import load_image  # noqa: E402

# openai/clip-vit-base-patch32's preprocessor_config.json as published on the Hub.
CLIP_PREPROCESSOR_CONFIG = {
  "crop_size": 224,
  "do_center_crop": True,
  "do_normalize": True,
  "do_resize": True,
  "feature_extractor_type": "CLIPFeatureExtractor",
  "image_mean": [0.48145466, 0.4578275, 0.40821073],
  "image_std": [0.26862954, 0.26130258, 0.27577711],
  "resample": 3,
  "size": 224,
}

PHOTOS = ["astronaut", "chelsea", "coffee", "rocket"]
SIZES = [(640, 480), (1600, 1200)]


def photo(name, size):
  """A `size` (width, height) RGB photo: the 640x480 ones are fitted (scaled to cover, centre-cropped);
  the large ones tile four 800x600 fits, so that they keep a photo's detail per pixel instead of being
  a blurred upscale (blur would make JPEG decoding unrealistically cheap)."""
  source = Image.fromarray(getattr(data, name)()).convert("RGB")
  width, height = size
  if width <= 800:
    return ImageOps.fit(source, size, Image.Resampling.LANCZOS)
  tile = ImageOps.fit(source, (width // 2, height // 2), Image.Resampling.LANCZOS)
  canvas = Image.new("RGB", size)
  for index, (x, y) in enumerate([(0, 0), (width // 2, 0), (0, height // 2), (width // 2, height // 2)]):
    # Mirror alternate tiles so that the seams do not repeat one block pattern.
    canvas.paste(ImageOps.mirror(tile) if index % 2 else tile, (x, y))
  return canvas


def write_inputs(directory):
  names = []
  for name in PHOTOS:
    for size in SIZES:
      image = photo(name, size)
      stem = f"{name}-{size[0]}x{size[1]}"
      image.save(os.path.join(directory, stem + "-baseline.jpg"), quality=90, subsampling=2)
      image.save(os.path.join(directory, stem + "-progressive.jpg"), quality=90, subsampling=2, progressive=True)
      image.save(os.path.join(directory, stem + ".png"))
      names += [stem + "-baseline.jpg", stem + "-progressive.jpg", stem + ".png"]
  with open(os.path.join(directory, "preprocessor_config.json"), "w") as f:
    json.dump(CLIP_PREPROCESSOR_CONFIG, f, indent=2)
  return names


def reply(value):
  sys.stdout.write(json.dumps(value) + "\n")
  sys.stdout.flush()


def main():
  if importlib.util.find_spec("torchvision") is not None:
    sys.exit("images.py: torchvision is installed; transformers would not use the Pillow backend")
  directory = sys.argv[1]
  torch.set_num_threads(1)
  names = write_inputs(directory)
  processor = AutoImageProcessor.from_pretrained(directory)

  def preprocess(path):
    return processor(images=[load_image(path)], return_tensors="pt")["pixel_values"]

  reply({
    "files": names,
    "versions": {
      "transformers": transformers.__version__, "pillow": PIL.__version__, "torch": torch.__version__,
      "numpy": np.__version__, "scikit-image": skimage.__version__, "processor": type(processor).__name__,
    },
  })
  for line in sys.stdin:
    command = line.split()
    if not command:
      continue
    if command[0] == "time":
      path = os.path.join(directory, command[1])
      wall, cpu = time.perf_counter(), time.thread_time()
      image = load_image(path)
      loaded = time.thread_time()
      processor(images=[image], return_tensors="pt")
      reply({"wall": time.perf_counter() - wall, "cpu": time.thread_time() - cpu, "decode_cpu": loaded - cpu})
    elif command[0] == "tensor":
      values = preprocess(os.path.join(directory, command[1]))[0].numpy().astype("<f4")
      values.tofile(command[2])
      reply({"ok": True})
    elif command[0] == "quit":
      break
    else:
      reply({"error": f"unknown command {command[0]!r}"})


if __name__ == "__main__":
  main()
