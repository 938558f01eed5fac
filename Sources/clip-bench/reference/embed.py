#!/usr/bin/env python3
"""Reference side of `clip-bench embed`: transformers' CLIPModel, SiglipModel or Siglip2Model (AutoModel) on the
checkpoint the Swift side loads.

Started by the Swift benchmark as a child process that stays up, so its runs can alternate with ours under the
same machine load. One request line in, one JSON line out:
  load MODEL PIXELS COUNT   loads CLIPModel (dtype=torch.float32, eval) and CLIPTokenizerFast from MODEL and
                            COUNT pixel tensors [3, S, S] (raw little-endian float32, one after another) from
                            PIXELS -> {"load_seconds", "versions", "threads"}
  load-naflex MODEL RGB SIZES MAX
                            a SigLIP 2 NaFlex checkpoint (Siglip2Model, model_type siglip2): loads it, its tokenizer
                            and its image processor (Siglip2ImageProcessorPil, as the pipeline without torchvision),
                            reads the images SIZES ([[width, height], ...], JSON without spaces) from RGB (raw bytes,
                            rows top to bottom, one image after another) and runs the processor on them once, with
                            max_num_patches MAX -> {"load_seconds", "versions", "threads", "patches"} (each image's
                            real patches; pixel_values are padded to MAX, masked, as the processor returns them)
  image B                   time per get_image_features call on the first B tensors -> {"seconds", "cpu_seconds"}
                            (NaFlex: on the first B images' pixel_values, pixel_attention_mask and spatial_shapes)
  embed-images              the embeddings of every image loaded (batches of 16) -> {"embeddings"}
  embed-texts JSON-LIST     the texts' embeddings, tokenized as for "text" -> {"embeddings"}
  text JSON-LIST            time per call of tokenizer(texts, padding=True, return_tensors="pt") then
                            get_text_features -> {"seconds", "cpu_seconds"}
  memory                    this process's peak and current resident set -> {"peak_bytes", "resident_bytes",
                            "before_load_bytes"} (before_load: resident after importing torch and transformers)
  quit
Each timed request repeats the call until 0.1 s have passed (one call at least) and returns the time per call;
the first request of each kind is preceded by one untimed warm-up call. "seconds" is wall clock, "cpu_seconds"
the process's CPU time (all threads, OpenMP's spinning included). Threads: CLIP_BENCH_THREADS
(torch.set_num_threads), the Swift side passes its own count. Calls run under torch.inference_mode().
"""
import json
import os
import resource
import sys
import time

import numpy as np
import PIL
from PIL import Image
import torch
import transformers
from transformers import AutoImageProcessor, AutoModel, AutoTokenizer


def memory_bytes(field):
  """VmHWM / VmRSS from /proc/self/status on Linux; elsewhere the peak from getrusage for both."""
  try:
    with open("/proc/self/status") as status:
      for line in status:
        if line.startswith(field + ":"):
          return int(line.split()[1]) * 1024
  except OSError:
    pass
  peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
  return peak if sys.platform == "darwin" else peak * 1024


def time_per_call(call, warm):
  if not warm:
    call()
  calls, start, start_cpu = 0, time.perf_counter(), time.process_time()
  while True:
    call()
    calls += 1
    elapsed = time.perf_counter() - start
    if elapsed >= 0.1:
      return {"seconds": elapsed / calls, "cpu_seconds": (time.process_time() - start_cpu) / calls}


def reply(value):
  sys.stdout.write(json.dumps(value) + "\n")
  sys.stdout.flush()


def main():
  torch.set_num_threads(int(os.environ.get("CLIP_BENCH_THREADS", "2")))
  before_load = memory_bytes("VmRSS")
  model = tokenizer = pixels = text_options = None
  naflex = None  # the processor's output for load-naflex
  warmed = set()
  for line in sys.stdin:
    words = line.split(maxsplit=1)
    if not words:
      continue
    command, rest = words[0], (words[1] if len(words) > 1 else "")
    if command == "load":
      directory, path, count = rest.split()
      start = time.perf_counter()
      model = AutoModel.from_pretrained(directory, dtype=torch.float32).eval()
      tokenizer = AutoTokenizer.from_pretrained(directory)
      # As the zero-shot pipeline tokenizes: SigLIP pads to 64 ids.
      text_options = (dict(padding="max_length", max_length=64, truncation=True)
                      if "siglip" in model.config.model_type else dict(padding=True))
      load_seconds = time.perf_counter() - start
      size = model.config.vision_config.image_size
      pixels = torch.from_numpy(np.fromfile(path, dtype="<f4").reshape(int(count), 3, size, size))
      reply({"load_seconds": load_seconds, "threads": torch.get_num_threads(),
             "versions": {"torch": torch.__version__, "transformers": transformers.__version__}})
    elif command == "load-naflex":
      directory, path, sizes, max_patches = rest.split()
      start = time.perf_counter()
      model = AutoModel.from_pretrained(directory, dtype=torch.float32).eval()
      tokenizer = AutoTokenizer.from_pretrained(directory)
      text_options = dict(padding="max_length", max_length=64, truncation=True)
      processor = AutoImageProcessor.from_pretrained(directory)
      load_seconds = time.perf_counter() - start
      if type(processor).__name__ != "Siglip2ImageProcessorPil":
        raise SystemExit(f"embed.py: {type(processor).__name__}, not the Pillow processor (is torchvision installed?)")
      data, images, offset = np.fromfile(path, dtype=np.uint8), [], 0
      for width, height in json.loads(sizes):
        images.append(Image.fromarray(data[offset: offset + width * height * 3].reshape(height, width, 3)))
        offset += width * height * 3
      naflex = processor(images=images, return_tensors="pt", max_num_patches=int(max_patches))
      reply({"load_seconds": load_seconds, "threads": torch.get_num_threads(),
             "patches": naflex["pixel_attention_mask"].sum(dim=1).tolist(),
             "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                          "pillow": PIL.__version__}})
    elif command == "image":
      count = int(rest)
      inputs = ({name: value[:count] for name, value in naflex.items()} if naflex is not None
                else {"pixel_values": pixels[:count]})
      with torch.inference_mode():
        timing = time_per_call(lambda: model.get_image_features(**inputs), ("image", rest) in warmed)
      warmed.add(("image", rest))
      reply(timing)
    elif command == "text":
      texts = json.loads(rest)

      def call():
        model.get_text_features(**tokenizer(texts, return_tensors="pt", **text_options))

      with torch.inference_mode():
        timing = time_per_call(call, ("text", rest) in warmed)
      warmed.add(("text", rest))
      reply(timing)
    elif command == "embed-images":
      count = len(naflex["pixel_values"]) if naflex is not None else len(pixels)
      out = []
      with torch.inference_mode():
        for first in range(0, count, 16):
          inputs = ({name: value[first: first + 16] for name, value in naflex.items()} if naflex is not None
                    else {"pixel_values": pixels[first: first + 16]})
          out.append(model.get_image_features(**inputs).pooler_output)
      reply({"embeddings": torch.cat(out).double().tolist()})
    elif command == "embed-texts":
      with torch.inference_mode():
        tokens = tokenizer(json.loads(rest), return_tensors="pt", **text_options)
        reply({"embeddings": model.get_text_features(**tokens).pooler_output.double().tolist()})
    elif command == "memory":
      reply({"peak_bytes": memory_bytes("VmHWM"), "resident_bytes": memory_bytes("VmRSS"),
             "before_load_bytes": before_load})
    elif command == "quit":
      break
    else:
      reply({"error": f"unknown command {command!r}"})


if __name__ == "__main__":
  main()
