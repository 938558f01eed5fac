#!/usr/bin/env python3
"""Checks the numbers recorded in the example transcripts against Hugging Face transformers.

For every encodeText, encodeImage and classify request in protocol/examples/*.jsonl whose expected answer is
a result, recomputes it with transformers on the same checkpoint (float32) and compares:
  - encodeText: CLIPTokenizerFast (padding) + CLIPModel.get_text_features, L2-normalized unless normalize=false;
  - encodeImage: transformers.image_utils.load_image (EXIF applied) + CLIPImageProcessor + get_image_features;
  - classify: pipeline("zero-shot-image-classification") scores per label; the recorded ranking must be sorted,
    and topK must keep the best labels (labels tied within the tolerance may come in either order).

    python3 protocol/examples/verify_reference.py [--model Tests/CLIPTests/Fixtures/tiny-clip] [--atol 1e-5]

Prints one line per checked request and `N checked, M mismatched`; exits non-zero on a mismatch. Ran with
torch 2.x (CPU), transformers 5.x and Pillow 13.0.0 (the exact versions are printed first).
"""

import argparse
import base64
import glob
import io
import json
import os
import sys

import PIL
import torch
import transformers
from PIL import Image
from transformers import CLIPModel, CLIPTokenizerFast, pipeline
from transformers.image_utils import load_image

try:  # transformers 5 names the Pillow backend explicitly; CLIPImageProcessor falls back to it without torchvision.
  from transformers import CLIPImageProcessorPil as CLIPImageProcessor
except ImportError:
  from transformers import CLIPImageProcessor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_TEMPLATE = "This is a photo of {}."

sys.path.insert(0, os.path.join(REPO, "clients", "transcript"))
from replay import decode_f32, expand  # noqa: E402  (the replayer's placeholders and base64 decoding)


def embedding_values(row):
  """A recorded embedding: a list of floats, or {"$base64f32": [...]}, or a raw base64 string."""
  if isinstance(row, dict):
    return row["$base64f32"]
  return decode_f32(row) if isinstance(row, str) else row


def exchanges(path, variables):
  """(request, recorded result) pairs of one transcript, batches unpacked by id."""
  with open(path, encoding="utf-8") as handle:
    for text in handle:
      if not text.strip():
        continue
      step = json.loads(text)
      sent, expected = step.get("send"), step.get("expect")
      if sent is None or expected is None:
        continue
      requests = sent if isinstance(sent, list) else [sent]
      answers = expected if isinstance(expected, list) else [expected]
      by_id = {json.dumps(answer.get("id")): answer for answer in answers if isinstance(answer, dict)}
      for request in requests:
        if not isinstance(request, dict) or "id" not in request:
          continue
        answer = by_id.get(json.dumps(request["id"]))
        if not answer or "result" not in answer:
          continue
        result, method = answer["result"], request.get("method")
        recorded_embeddings = isinstance(result, dict) and "embeddings" in result
        if (method in ("encodeText", "encodeImage") and recorded_embeddings) or \
           (method == "classify" and isinstance(result, list)):
          yield expand(request, variables), result


class Reference:
  """The transformers side, loaded once."""

  def __init__(self, model_dir):
    self.model = CLIPModel.from_pretrained(model_dir, dtype=torch.float32).eval()
    self.tokenizer = CLIPTokenizerFast.from_pretrained(model_dir)
    self.processor = CLIPImageProcessor.from_pretrained(model_dir)
    self.classifier = pipeline("zero-shot-image-classification", model=self.model, tokenizer=self.tokenizer,
                               image_processor=self.processor, device="cpu", dtype=torch.float32)

  @staticmethod
  def image(source):
    if "path" in source:
      return load_image(source["path"])
    return load_image(Image.open(io.BytesIO(base64.b64decode(source["data"]))))

  @staticmethod
  def features(output):
    return output if torch.is_tensor(output) else output.pooler_output

  def encode_text(self, texts, normalize):
    tokens = self.tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
      vectors = self.features(self.model.get_text_features(**tokens))
    return self.finish(vectors, normalize)

  def encode_image(self, sources, normalize):
    pixels = self.processor([self.image(source) for source in sources], return_tensors="pt")["pixel_values"]
    with torch.no_grad():
      vectors = self.features(self.model.get_image_features(pixel_values=pixels))
    return self.finish(vectors, normalize)

  @staticmethod
  def finish(vectors, normalize):
    if normalize:
      vectors = vectors / vectors.norm(dim=-1, keepdim=True)
    return vectors.tolist()

  def classify(self, source, labels, template):
    """label -> score from the zero-shot pipeline."""
    ranking = self.classifier(self.image(source), candidate_labels=labels, hypothesis_template=template)
    return {entry["label"]: entry["score"] for entry in ranking}


def largest_difference(computed, recorded):
  return max((abs(a - b) for a, b in zip(computed, recorded)), default=0.0)


def check(reference, request, result, atol):
  """Returns (description, None) when the recorded result matches transformers, else (description, why)."""
  method, params = request["method"], request.get("params") or {}
  normalize = params.get("normalize", True)
  if method in ("encodeText", "encodeImage"):
    inputs = params["texts"] if method == "encodeText" else params["images"]
    if not inputs:
      return "%s of nothing" % method, None if result["embeddings"] == [] else "expected no embeddings"
    computed = (reference.encode_text(inputs, normalize) if method == "encodeText"
                else reference.encode_image(inputs, normalize))
    recorded = [embedding_values(row) for row in result["embeddings"]]
    worst = max(largest_difference(a, b) for a, b in zip(computed, recorded))
    what = "%s %d inputs, normalize=%s (largest difference %.2g)" % (method, len(inputs), normalize, worst)
    if len(computed) != len(recorded) or any(len(a) != len(b) for a, b in zip(computed, recorded)):
      return what, "shape differs"
    return what, None if worst <= atol else "differs by more than %g" % atol
  labels = params.get("labels", params.get("candidate_labels"))
  template = params.get("template", params.get("hypothesis_template", DEFAULT_TEMPLATE))
  images = params["images"] if "images" in params else [params["image"]]
  rankings = result if "images" in params else [result]
  top_k = params.get("topK")
  worst = 0.0
  for source, recorded in zip(images, rankings):
    scores = reference.classify(source, labels, template)
    problem = ranking_problem(scores, recorded, top_k, atol)
    if problem:
      return "classify %s" % labels, problem
    worst = max([worst] + [abs(scores[entry["label"]] - entry["score"]) for entry in recorded])
  what = "classify %d image(s) x %d labels (largest difference %.2g)" % (len(images), len(labels), worst)
  return what, None


def ranking_problem(scores, recorded, top_k, atol):
  """Why a recorded ranking disagrees with transformers' scores (label -> score), or None. Labels whose scores
  tie within atol may come in either order."""
  expected_length = len(scores) if top_k is None else min(top_k, len(scores))
  if len(recorded) != expected_length:
    return "%d entries, expected %d" % (len(recorded), expected_length)
  for entry in recorded:
    if entry["label"] not in scores:
      return "unknown label %r" % entry["label"]
    if abs(scores[entry["label"]] - entry["score"]) > atol:
      return "%r scores %r, transformers gives %r" % (entry["label"], entry["score"], scores[entry["label"]])
  recorded_scores = [entry["score"] for entry in recorded]
  if recorded_scores != sorted(recorded_scores, reverse=True):
    return "not sorted by score"
  left_out = set(scores) - {entry["label"] for entry in recorded}
  if recorded and any(scores[label] > recorded_scores[-1] + atol for label in left_out):
    return "topK left out a better label"
  return None


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  parser.add_argument("--model", default=os.path.join(REPO, "Tests", "CLIPTests", "Fixtures", "tiny-clip"))
  parser.add_argument("--atol", type=float, default=1e-5)
  parser.add_argument("transcripts", nargs="*", default=sorted(glob.glob(os.path.join(HERE, "*.jsonl"))))
  options = parser.parse_args(argv)
  print("torch %s, transformers %s, pillow %s" % (torch.__version__, transformers.__version__, PIL.__version__))
  torch.manual_seed(0)
  reference = Reference(options.model)
  checked = mismatched = 0
  for path in options.transcripts:
    variables = {"MODEL": os.path.abspath(options.model), "REPO": REPO, "HERE": os.path.dirname(os.path.abspath(path))}
    for request, result in exchanges(path, variables):
      what, problem = check(reference, request, result, options.atol)
      checked += 1
      where = "%s id %s" % (os.path.basename(path), json.dumps(request["id"]))
      if problem:
        mismatched += 1
        print("MISMATCH %s: %s: %s" % (where, what, problem))
      else:
        print("ok %s: %s" % (where, what))
  print("%d checked, %d mismatched" % (checked, mismatched))
  return 1 if mismatched or not checked else 0


if __name__ == "__main__":
  sys.exit(main())
