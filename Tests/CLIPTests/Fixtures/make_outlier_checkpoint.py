#!/usr/bin/env python3
"""Derives an "outlier" CLIP checkpoint from a random-weight one, for int8 fidelity measurements (issue 14).

  python3 Tests/CLIPTests/Fixtures/make_outlier_checkpoint.py [SOURCE [DEST]]
      SOURCE: a random CLIP checkpoint (default .bench/vit-b32, written by make_fixtures.py --vit-b32);
      DEST: default .bench/vit-b32-outliers. Never committed (600 MB, `.bench/` is git-ignored).
  Options: --channels N (outlier channels per tower, default 4), --factors 20,35,60,100 (their magnitudes, cycled),
  --residual (also put them into the residual stream itself; see below), --seed S.

Why: random weights have no outlier channels, trained CLIP weights do. In trained transformers a few hidden
dimensions -- the same few in every layer, and in nearly every token -- carry values 20-100x (and in the residual
stream up to 1000x) larger than the others:
  - Dettmers et al., "LLM.int8()" (2022): "outlier features" of magnitude up to 20x the rest in a handful of hidden
    dimensions, systematic across layers and tokens; per-row (per-token) int8 quantization of the inputs of the
    attention projections and the first MLP layer loses its precision to them.
  - Wei et al., "Outlier Suppression" (2022) and Kovaleva et al., "BERT Busters" (2021): those dimensions are the
    ones where the LayerNorm's scale (gamma) and bias are large: the LayerNorm *amplifies* them, and its output is
    the input of q/k/v (layer_norm1) and of fc1 (layer_norm2).
  - Xiao et al., "SmoothQuant" (2023) and Sun et al., "Massive Activations" (2024): the same in vision transformers
    and CLIP's towers (CLIP ViT-L among them); Darcet et al., "Vision Transformers Need Registers" (2023): trained
    ViTs' high-norm tokens.
The construction imitates that mechanism, per tower (vision_model and text_model), with one fixed set of channels
for all its layers:
  - every encoder layer's layer_norm1 and layer_norm2 get their weight and bias multiplied by a factor F (20-100) in
    those channels, so that the inputs of q/k/v_proj and fc1 carry them at F times the others' magnitude, in every
    token (the bias makes them systematic, as in the papers);
  - the matching input columns of q/k/v_proj and of fc1 are divided by sqrt(F): the outlier channels then contribute
    about sqrt(F) times what a normal channel does to those layers' outputs -- they matter (as in trained models,
    where zeroing them breaks the model) without drowning the rest, and the construction is no exact inverse that a
    load-time rescaling could simply undo;
  - with --residual, also the residual stream: the vision tower's pre_layrnorm and the text tower's token and
    position embeddings get the factor in those channels, so every layer norm sees channels of the residual stream
    F times larger than the rest (massive activations), as trained ViTs show before their layer norms.
Everything else is the source's. The output directory has the source's config, tokenizer and preprocessor files,
not its reference.json (clip-bench runtimes computes PyTorch's embeddings itself). Writes DEST/outliers.json: the
channels, factors and versions used.
"""
import argparse
import json
import os
import shutil

import numpy as np
import safetensors
import torch
from safetensors.torch import load_file, save_file

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def layer_count(weights, tower):
  prefix = f"{tower}.encoder.layers."
  return 1 + max(int(name[len(prefix):].split(".")[0]) for name in weights if name.startswith(prefix))


def main():
  parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument("source", nargs="?", default=os.path.join(ROOT, ".bench", "vit-b32"))
  parser.add_argument("dest", nargs="?", default=None)
  parser.add_argument("--channels", type=int, default=4)
  parser.add_argument("--factors", default="20,35,60,100")
  parser.add_argument("--residual", action="store_true")
  parser.add_argument("--seed", type=int, default=14)
  args = parser.parse_args()
  dest = args.dest or os.path.join(ROOT, ".bench", "vit-b32-outliers" + ("-residual" if args.residual else ""))
  factors = [float(f) for f in args.factors.split(",")]

  weights = load_file(os.path.join(args.source, "model.safetensors"))
  generator = np.random.default_rng(args.seed)
  record = {"source": os.path.realpath(args.source), "residual": args.residual, "towers": {},
            "versions": {"torch": torch.__version__, "numpy": np.__version__,
                         "safetensors": safetensors.__version__}}
  with torch.no_grad():
    for tower in ("vision_model", "text_model"):
      width = weights[f"{tower}.encoder.layers.0.layer_norm1.weight"].shape[0]
      channels = sorted(int(c) for c in generator.choice(width, size=args.channels, replace=False))
      scale = torch.ones(width)
      for index, channel in enumerate(channels):
        scale[channel] = factors[index % len(factors)]
      for layer in range(layer_count(weights, tower)):
        base = f"{tower}.encoder.layers.{layer}"
        for norm, linears in (("layer_norm1", ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"]),
                              ("layer_norm2", ["mlp.fc1"])):
          weights[f"{base}.{norm}.weight"] *= scale
          weights[f"{base}.{norm}.bias"] *= scale
          for linear in linears:
            weights[f"{base}.{linear}.weight"] /= scale.sqrt()  # input columns: [out, in] / [in]
      if args.residual:
        names = ([f"{tower}.pre_layrnorm.weight", f"{tower}.pre_layrnorm.bias"] if tower == "vision_model" else
                 [f"{tower}.embeddings.token_embedding.weight", f"{tower}.embeddings.position_embedding.weight"])
        for name in names:
          weights[name] *= scale
      record["towers"][tower] = {"channels": channels, "factors": [float(scale[c]) for c in channels]}

  shutil.rmtree(dest, ignore_errors=True)
  os.makedirs(dest)
  for name in sorted(os.listdir(args.source)):
    if name not in ("model.safetensors", "reference.json") and os.path.isfile(os.path.join(args.source, name)):
      shutil.copy(os.path.join(args.source, name), os.path.join(dest, name))
  save_file({k: v.contiguous() for k, v in weights.items()}, os.path.join(dest, "model.safetensors"),
            metadata={"format": "pt"})
  with open(os.path.join(dest, "outliers.json"), "w") as file:
    json.dump(record, file, indent=2)
  print(f"wrote {dest}: {json.dumps(record['towers'])}")


if __name__ == "__main__":
  main()
