#!/usr/bin/env python3
"""Reference side of `clip-bench runtimes`: the towers of one checkpoint in PyTorch, ONNX Runtime and OpenVINO.

  runtimes.py export MODEL DIR
      Writes DIR/{vision,text}.onnx (torch.onnx.export(dynamo=False) of get_image_features / get_text_features'
      pooler_output, dynamic batch and sequence) and DIR/{vision,text}-int8.onnx (onnxruntime's quantize_dynamic,
      QInt8 weights), unless DIR/stamp.json already names this checkpoint (its size and mtime). Progress on stderr;
      one JSON line on stdout: {"exported": bool, "max_abs_diff": {...}} (ORT F32 against PyTorch on two inputs).

  runtimes.py serve RUNTIME          RUNTIME: torch | ort-f32 | ort-int8 | ov-f32
      A child that stays up, one request line in, one JSON line out (as embed.py):
        load MODEL DIR PIXELS COUNT  the checkpoint's tokenizer, the runtime's towers (DIR: the exports), COUNT pixel
                                     tensors [3, S, S] (raw little-endian float32) -> {"load_seconds", "versions",
                                     "threads"}
        image B                      time per image-tower call on the first B tensors -> {"seconds", "cpu_seconds"}
        text JSON-LIST               time per call of tokenizing (as the zero-shot pipeline does) and the text tower
        embed-images                 the embeddings of all COUNT tensors (batches of 16) -> {"embeddings"}
        embed-texts JSON-LIST        the texts' embeddings -> {"embeddings"}
        memory                       {"peak_bytes", "resident_bytes", "before_load_bytes"}
        quit
Threads: CLIP_BENCH_THREADS (2 by default) for every runtime: torch.set_num_threads; ORT intra_op_num_threads
(inter_op 1, ORT_ENABLE_ALL); OpenVINO INFERENCE_NUM_THREADS with the LATENCY hint and f32 inference precision.
"""
import json
import os
import sys
import time

import numpy as np

from embed import memory_bytes, reply, time_per_call

THREADS = int(os.environ.get("CLIP_BENCH_THREADS", "2"))


def log(message):
  sys.stderr.write(f"runtimes.py: {message}\n")
  sys.stderr.flush()


def is_siglip(config):
  return "siglip" in config.model_type


def text_options(config):
  # As the zero-shot pipeline tokenizes: SigLIP pads to 64 ids (and passes no attention mask).
  return (dict(padding="max_length", max_length=64, truncation=True) if is_siglip(config)
          else dict(padding=True))


def features(output):
  """get_*_features' output object in transformers 5 (its pooler_output), or the tensor of older versions."""
  return getattr(output, "pooler_output", output)


def checkpoint_stamp(model_dir):
  weights = os.path.join(model_dir, "model.safetensors")
  status = os.stat(weights)
  return {"checkpoint": os.path.realpath(model_dir), "size": status.st_size, "mtime": status.st_mtime}


def export(model_dir, out_dir):
  stamp_path = os.path.join(out_dir, "stamp.json")
  stamp = checkpoint_stamp(model_dir)
  if os.path.exists(stamp_path):
    with open(stamp_path) as file:
      if json.load(file).get("checkpoint_stamp") == stamp:
        reply({"exported": False})
        return
  import onnx
  import onnxruntime
  import torch
  import transformers
  from onnxruntime.quantization import QuantType, quantize_dynamic
  from transformers import AutoModel, AutoTokenizer

  os.makedirs(out_dir, exist_ok=True)
  if os.path.exists(stamp_path):
    os.remove(stamp_path)
  torch.set_num_threads(THREADS)
  model = AutoModel.from_pretrained(model_dir, dtype=torch.float32, attn_implementation="eager").eval()
  tokenizer = AutoTokenizer.from_pretrained(model_dir)
  siglip = is_siglip(model.config)
  size = model.config.vision_config.image_size

  class ImageTower(torch.nn.Module):
    def __init__(self):
      super().__init__()
      self.model = model

    def forward(self, pixel_values):
      return features(self.model.get_image_features(pixel_values=pixel_values))

  class TextTower(torch.nn.Module):
    def __init__(self):
      super().__init__()
      self.model = model

    def forward(self, input_ids, attention_mask=None):
      return features(self.model.get_text_features(input_ids=input_ids, attention_mask=attention_mask))

  pixels = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(0))
  texts = ["a photo of a cat", "a diagram of a very small and rather complicated machine"]
  tokens = tokenizer(texts, return_tensors="pt", **text_options(model.config))
  text_inputs = (tokens["input_ids"],) if siglip else (tokens["input_ids"], tokens["attention_mask"])
  text_names = ["input_ids"] if siglip else ["input_ids", "attention_mask"]
  sequence_axes = {name: {0: "batch", 1: "sequence"} for name in text_names}

  vision_path, text_path = os.path.join(out_dir, "vision.onnx"), os.path.join(out_dir, "text.onnx")
  start = time.perf_counter()
  with torch.inference_mode():
    torch.onnx.export(ImageTower().eval(), (pixels,), vision_path, input_names=["pixel_values"],
                      output_names=["embeddings"], opset_version=17, dynamo=False,
                      dynamic_axes={"pixel_values": {0: "batch"}, "embeddings": {0: "batch"}})
    torch.onnx.export(TextTower().eval(), text_inputs, text_path, input_names=text_names,
                      output_names=["embeddings"], opset_version=17, dynamo=False,
                      dynamic_axes=dict(sequence_axes, embeddings={0: "batch"}))
    expected_image = ImageTower()(pixels).numpy()
    expected_text = TextTower()(*text_inputs).numpy()
  log(f"exported {vision_path}, {text_path} in {time.perf_counter() - start:.1f} s")
  for name in ["vision", "text"]:
    start = time.perf_counter()
    quantize_dynamic(os.path.join(out_dir, f"{name}.onnx"), os.path.join(out_dir, f"{name}-int8.onnx"),
                     weight_type=QuantType.QInt8)
    log(f"quantized {name} (quantize_dynamic, QInt8) in {time.perf_counter() - start:.1f} s")
  session = onnxruntime.InferenceSession(vision_path, providers=["CPUExecutionProvider"])
  image_diff = float(np.abs(session.run(None, {"pixel_values": pixels.numpy()})[0] - expected_image).max())
  session = onnxruntime.InferenceSession(text_path, providers=["CPUExecutionProvider"])
  feeds = {name: value.numpy() for name, value in zip(text_names, text_inputs)}
  text_diff = float(np.abs(session.run(None, feeds)[0] - expected_text).max())
  with open(stamp_path, "w") as file:
    json.dump({"checkpoint_stamp": stamp, "versions": {
      "torch": torch.__version__, "transformers": transformers.__version__, "onnx": onnx.__version__,
      "onnxruntime": onnxruntime.__version__}}, file)
  reply({"exported": True, "max_abs_diff": {"image": image_diff, "text": text_diff}})


class TorchTowers:
  def __init__(self, model_dir, _):
    import torch
    import transformers
    from transformers import AutoModel
    torch.set_num_threads(THREADS)
    self.torch = torch
    self.model = AutoModel.from_pretrained(model_dir, dtype=torch.float32).eval()
    self.config = self.model.config
    self.versions = {"torch": torch.__version__, "transformers": transformers.__version__}
    self.threads = torch.get_num_threads()
    self.tensor_type = "pt"

  def image(self, pixels):
    with self.torch.inference_mode():
      return features(self.model.get_image_features(pixel_values=self.torch.from_numpy(pixels))).numpy()

  def text(self, tokens):
    with self.torch.inference_mode():
      return features(self.model.get_text_features(**tokens)).numpy()


class OrtTowers:
  def __init__(self, model_dir, export_dir, suffix):
    import onnxruntime
    from transformers import AutoConfig
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = THREADS
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    load = lambda name: onnxruntime.InferenceSession(os.path.join(export_dir, f"{name}{suffix}.onnx"), options,
                                                     providers=["CPUExecutionProvider"])
    self.vision, self.text_session = load("vision"), load("text")
    self.text_names = [value.name for value in self.text_session.get_inputs()]
    self.config = AutoConfig.from_pretrained(model_dir)
    self.versions = {"onnxruntime": onnxruntime.__version__}
    self.threads = THREADS
    self.tensor_type = "np"

  def image(self, pixels):
    return self.vision.run(None, {"pixel_values": pixels})[0]

  def text(self, tokens):
    return self.text_session.run(None, {name: tokens[name].astype(np.int64) for name in self.text_names})[0]


class OpenVinoTowers:
  def __init__(self, model_dir, export_dir):
    import openvino
    from transformers import AutoConfig
    core = openvino.Core()
    properties = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": THREADS,
                  "INFERENCE_PRECISION_HINT": "f32"}
    load = lambda name: core.compile_model(core.read_model(os.path.join(export_dir, f"{name}.onnx")), "CPU",
                                           properties)
    self.vision, self.text_model = load("vision"), load("text")
    self.text_names = [port.get_any_name() for port in self.text_model.inputs]
    self.vision_request = self.vision.create_infer_request()
    self.text_request = self.text_model.create_infer_request()
    self.config = AutoConfig.from_pretrained(model_dir)
    self.versions = {"openvino": openvino.__version__.split("-")[0]}
    self.threads = THREADS
    self.tensor_type = "np"

  def image(self, pixels):
    return self.vision_request.infer({"pixel_values": pixels})[0].copy()

  def text(self, tokens):
    feeds = {name: tokens[name].astype(np.int64) for name in self.text_names}
    return self.text_request.infer(feeds)[0].copy()


def serve(runtime):
  before_load = memory_bytes("VmRSS")
  towers = tokenizer = pixels = options = None
  warmed = set()
  for line in sys.stdin:
    words = line.split(maxsplit=1)
    if not words:
      continue
    command, rest = words[0], (words[1] if len(words) > 1 else "")
    try:
      if command == "load":
        model_dir, export_dir, path, count = rest.split()
        start = time.perf_counter()
        from transformers import AutoTokenizer
        if runtime == "torch":
          towers = TorchTowers(model_dir, export_dir)
        elif runtime in ("ort-f32", "ort-int8"):
          towers = OrtTowers(model_dir, export_dir, "" if runtime == "ort-f32" else "-int8")
        elif runtime == "ov-f32":
          towers = OpenVinoTowers(model_dir, export_dir)
        else:
          raise ValueError(f"unknown runtime {runtime!r}")
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        options = text_options(towers.config)
        size = towers.config.vision_config.image_size
        pixels = np.ascontiguousarray(np.fromfile(path, dtype="<f4").reshape(int(count), 3, size, size))
        reply({"load_seconds": time.perf_counter() - start, "threads": towers.threads, "versions": towers.versions})
      elif command == "image":
        batch = np.ascontiguousarray(pixels[: int(rest)])
        reply(time_per_call(lambda: towers.image(batch), ("image", rest) in warmed))
        warmed.add(("image", rest))
      elif command == "text":
        texts = json.loads(rest)
        call = lambda: towers.text(tokenizer(texts, return_tensors=towers.tensor_type, **options))
        reply(time_per_call(call, ("text", rest) in warmed))
        warmed.add(("text", rest))
      elif command == "embed-images":
        out = [towers.image(np.ascontiguousarray(pixels[i: i + 16])) for i in range(0, len(pixels), 16)]
        reply({"embeddings": np.concatenate(out).astype(np.float64).tolist()})
      elif command == "embed-texts":
        tokens = tokenizer(json.loads(rest), return_tensors=towers.tensor_type, **options)
        reply({"embeddings": np.asarray(towers.text(tokens)).astype(np.float64).tolist()})
      elif command == "memory":
        reply({"peak_bytes": memory_bytes("VmHWM"), "resident_bytes": memory_bytes("VmRSS"),
               "before_load_bytes": before_load})
      elif command == "quit":
        break
      else:
        reply({"error": f"unknown command {command!r}"})
    except Exception as error:  # the Swift side shows it and stops
      reply({"error": f"{command}: {type(error).__name__}: {error}"})


def main():
  if len(sys.argv) == 4 and sys.argv[1] == "export":
    export(sys.argv[2], sys.argv[3])
  elif len(sys.argv) == 3 and sys.argv[1] == "serve":
    serve(sys.argv[2])
  else:
    sys.stderr.write("usage: runtimes.py export MODEL DIR | serve torch|ort-f32|ort-int8|ov-f32\n")
    sys.exit(2)


if __name__ == "__main__":
  main()
