#!/usr/bin/env python3
"""Reference side of `clip-bench classify`: transformers' zero-shot-image-classification pipeline.

Two modes, both started by the Swift benchmark:

  classify.py serve MODEL DIR COUNT
      Writes COUNT distinct 640x480 JPEG photos into DIR (scikit-image's photos, each a different crop,
      alternate ones mirrored; quality 90, 4:2:0, as images.py saves them), builds
      pipeline("zero-shot-image-classification", model=MODEL, dtype=torch.float32) and prints
      {"files": [names...], "versions": {...}, "threads": N}. Then answers one JSON line per request line:
        {"path": P, "labels": [...]}  -> {"seconds": wall time of pipe(P, candidate_labels=labels),
                                           "cpu_seconds": its process CPU time (all threads),
                                           "scores": {label: score}}
        quit                          -> exits
  classify.py once MODEL IMAGE LABELS-JSON
      What a person starting from nothing pays: imports transformers, builds the pipeline, answers one call
      and prints {"scores": {label: score}}. The Swift side times the whole process from its spawn to that line.

Threads: CLIP_BENCH_THREADS (torch.set_num_threads), 2 unless set. The template is the pipeline's default
("This is a photo of {}."), which is also the worker's. torchvision must not be installed (it would change
the image backend).
"""
import json
import os
import sys
import time

import torch
import transformers
from transformers import pipeline


def build(model):
  torch.set_num_threads(int(os.environ.get("CLIP_BENCH_THREADS", "2")))
  return pipeline("zero-shot-image-classification", model=model, dtype=torch.float32)


def scores(pipe, path, labels):
  return {entry["label"]: entry["score"] for entry in pipe(path, candidate_labels=labels)}


def reply(value):
  sys.stdout.write(json.dumps(value) + "\n")
  sys.stdout.flush()


def write_photos(directory, count):
  """COUNT distinct 640x480 JPEGs: photo k is PHOTOS[k % 4], cropped at a position that moves with k."""
  from images import PHOTOS
  from PIL import Image, ImageOps
  from skimage import data

  names = []
  for k in range(count):
    name = PHOTOS[k % len(PHOTOS)]
    source = Image.fromarray(getattr(data, name)()).convert("RGB")
    step = k // len(PHOTOS)
    # Cover 10% more than 640x480 so that the crop window has room to move.
    image = ImageOps.fit(source, (704, 528), Image.Resampling.LANCZOS)
    x, y = (step * 13) % 64, (step * 7) % 48
    image = image.crop((x, y, x + 640, y + 480))
    if step % 2:
      image = ImageOps.mirror(image)
    file = f"{name}-{k:03d}.jpg"
    image.save(os.path.join(directory, file), quality=90, subsampling=2)
    names.append(file)
  return names


def serve(model, directory, count):
  import PIL

  files = write_photos(directory, count)
  pipe = build(model)
  reply({"files": files, "threads": torch.get_num_threads(),
         "versions": {"transformers": transformers.__version__, "torch": torch.__version__, "pillow": PIL.__version__}})
  for line in sys.stdin:
    if line.strip() == "quit":
      break
    request = json.loads(line)
    start, cpu = time.perf_counter(), time.process_time()
    result = scores(pipe, request["path"], request["labels"])
    reply({"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu, "scores": result})


def main():
  if sys.argv[1] == "serve":
    serve(sys.argv[2], sys.argv[3], int(sys.argv[4]))
  elif sys.argv[1] == "once":
    reply({"scores": scores(build(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4]))})
  else:
    sys.exit(f"classify.py: unknown mode {sys.argv[1]!r}")


if __name__ == "__main__":
  main()
