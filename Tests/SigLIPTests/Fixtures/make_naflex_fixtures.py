#!/usr/bin/env python3
"""Writes SigLIP 2 NaFlex's tiny test checkpoint (`model_type` siglip2, `Siglip2Model`) and the references
`transformers` computes from it.

Committed output, beside this script (about 300 KB in all):
  tiny-siglip2-naflex/   a tiny random-weight `Siglip2Model` in the Hub layout: config.json as `save_pretrained`
                         writes it (vision 32 wide, 2 layers, patch 4, a 4x4 position grid; text 8 wide with a
                         32-wide head), model.safetensors (F32), preprocessor_config.json (Siglip2ImageProcessor:
                         patch 4, max_num_patches 32, bilinear, mean/std 0.5), and the Gemma tokenizer of
                         Tests/TokenizerTests/Fixtures/gemma (a siglip2 checkpoint: Siglip2Tokenizer, lower-cased).
  naflex-reference.json  - sizes: get_image_size_for_max_num_patches for (height, width, patch, max) cases;
                         - positions: Siglip2VisionEmbeddings.resize_positional_embeddings of random grids to
                           odd shapes, up and down, padded (the padding repeats position 0);
                         - images: RGB images of several aspect ratios, the processor's pixel_values /
                           pixel_attention_mask / spatial_shapes of each (the Pillow processor, as the pipeline
                           uses without torchvision), and get_image_features of them in one batch;
                         - texts: ids and mask as the pipeline tokenizes them, get_text_features;
                         - the pipeline's scores for images[0].

`--shape base16 [--out DIR]` (default .bench/siglip2-naflex-base16, about 750 MB, never committed): google/siglip2-base-patch16-naflex's vision shapes (768 wide, 12 layers,
patch 16, 256 positions, max_num_patches 256) with random weights, and DIR/reference.json. Check it with

  SIGLIP2_NAFLEX_PARITY_DIR=.bench/siglip2-naflex-base16 swift test --filter SigLIPTests.NaFlexFullSizeParityTests

Every reference is computed by loading the written directory with `from_pretrained(..., dtype=torch.float32)`.
Seeds are fixed; versions are recorded.
"""
import argparse
import json
import os
import shutil

import numpy as np
import PIL
from PIL import Image
import safetensors
import torch
import torch.nn.functional as F
import transformers
from transformers import AutoImageProcessor, AutoTokenizer, Siglip2Config, Siglip2Model
from transformers.models.siglip2.image_processing_pil_siglip2 import get_image_size_for_max_num_patches
from transformers.models.siglip2.modeling_siglip2 import Siglip2VisionEmbeddings

HERE = os.path.dirname(os.path.abspath(__file__))
GEMMA = os.path.join(HERE, "..", "..", "TokenizerTests", "Fixtures", "gemma")
VERSIONS = {
    "torch": torch.__version__, "transformers": transformers.__version__, "safetensors": safetensors.__version__,
    "pillow": PIL.__version__, "numpy": np.__version__,
}

TEXTS = [
    "This is a photo of cat.", "", "A DIAGRAM, with Numbers: 3.14 and 42!", "naïve café 東京 🐱",
    " ".join(["photo"] * 80),
]
LABELS = ["cat", "dog", "car", "a bird"]

# (width, height, seed): wide, tall, tiny, square, one a single patch row tall, one larger than the budget.
IMAGES = [(30, 9, 1), (7, 33, 2), (3, 2, 3), (16, 16, 4), (130, 4, 5), (24, 18, 6)]

SIZE_CASES = [
    (h, w, p, m)
    for (h, w) in [(1, 1), (2, 3), (13, 45), (50, 9), (480, 640), (640, 480), (224, 224), (256, 256), (1, 10000),
                   (10000, 1), (333, 517), (1080, 1920), (17, 4096), (255, 257)]
    for (p, m) in [(16, 256), (16, 1024), (4, 32), (14, 729), (16, 576)]
]

POSITION_CASES = [(4, [(1, 1), (2, 1), (20, 1), (1, 20), (3, 7), (4, 4), (5, 9), (16, 2), (2, 16), (8, 8)]),
                  (5, [(1, 1), (3, 2), (4, 4), (5, 5), (7, 11), (2, 13)])]


def f32(values):
    """float32 values written in their shortest round-trip form (half the bytes of float64 reprs)."""
    return [float(str(np.float32(v))) for v in np.asarray(values, dtype=np.float32).reshape(-1)]


def write_model(out, vision, text_hidden, num_patches, patch, max_patches, seed, logit_scale, logit_bias, tokenizer,
                randomize=True):
    config = Siglip2Config(
        text_config=dict(vocab_size=len(tokenizer), hidden_size=text_hidden, intermediate_size=23 if randomize else 3072,
                         num_hidden_layers=2 if randomize else 12, num_attention_heads=4 if randomize else 12,
                         max_position_embeddings=64, projection_size=vision["hidden_size"],
                         pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id),
        vision_config=dict(vision, patch_size=patch, num_patches=num_patches))
    torch.manual_seed(seed)
    model = Siglip2Model(config).eval()
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if randomize:
                # Random init leaves some tensors at constants (zeros, ones); make every one of them matter.
                parameter.copy_(torch.randn_like(parameter) * (0.5 if "norm" in name else 0.2))
            else:
                scale = 0.5 if "norm" in name else 0.02 if parameter.dim() > 1 else 0.05
                parameter.copy_(torch.randn_like(parameter) * scale
                                + (1.0 if "norm" in name and "weight" in name else 0))
        model.logit_scale.fill_(logit_scale)
        model.logit_bias.fill_(logit_bias)
    model.save_pretrained(out, safe_serialization=True)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(GEMMA, name), out)
    with open(os.path.join(out, "preprocessor_config.json"), "w") as f:
        json.dump({"do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": [0.5, 0.5, 0.5],
                   "image_processor_type": "Siglip2ImageProcessor", "image_std": [0.5, 0.5, 0.5],
                   "max_num_patches": max_patches, "patch_size": patch, "processor_class": "Siglip2Processor",
                   "resample": 2, "rescale_factor": 0.00392156862745098}, f, indent=2)


def image_references(out, model):
    processor = AutoImageProcessor.from_pretrained(out)
    assert type(processor).__name__ == "Siglip2ImageProcessorPil", type(processor)
    images, pils = [], []
    for width, height, seed in IMAGES:
        rgb = np.random.default_rng(seed).integers(0, 256, size=(height, width, 3), dtype=np.uint8)
        pils.append(Image.fromarray(rgb))
        images.append({"width": width, "height": height, "pixels": rgb.reshape(-1).tolist()})
    processed = processor(images=pils, return_tensors="pt")
    with torch.no_grad():
        embeds = model.get_image_features(**processed).pooler_output
    for i, image in enumerate(images):
        mask = processed["pixel_attention_mask"][i]
        count = int(mask.sum())
        # The padding is zeros after the real patches (checked here, so only the real patches are written).
        assert mask[:count].all() and not processed["pixel_values"][i][count:].any()
        image["pixelValues"] = f32(processed["pixel_values"][i][:count])
        image["mask"] = mask.tolist()
        image["spatialShape"] = processed["spatial_shapes"][i].tolist()
        image["imageEmbeds"] = f32(embeds[i])
    return images, pils


def text_references(out, model):
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert type(tokenizer).__name__ == "Siglip2Tokenizer", type(tokenizer)
    encoded = tokenizer(TEXTS, padding="max_length", max_length=64, truncation=True, return_tensors="pt")
    assert "attention_mask" in tokenizer.model_input_names
    with torch.no_grad():
        embeds = model.get_text_features(**encoded).pooler_output
    return {"texts": TEXTS, "tokenIDs": encoded["input_ids"].tolist(), "attentionMask": encoded["attention_mask"].tolist(),
            "textEmbeds": [f32(row) for row in embeds]}


def main():
    out = os.path.join(HERE, "tiny-siglip2-naflex")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    tokenizer = AutoTokenizer.from_pretrained(GEMMA)
    write_model(out, dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4),
                text_hidden=8, num_patches=16, patch=4, max_patches=32, seed=23, logit_scale=1.4, logit_bias=-1.2,
                tokenizer=tokenizer)
    model = Siglip2Model.from_pretrained(out, dtype=torch.float32).eval()
    images, pils = image_references(out, model)

    sizes = [{"height": h, "width": w, "patch": p, "maxPatches": m,
              "size": list(get_image_size_for_max_num_patches(h, w, p, m))} for (h, w, p, m) in SIZE_CASES]
    positions = []
    generator = torch.Generator().manual_seed(31)
    for grid, shapes in POSITION_CASES:
        table = torch.randn(grid, grid, 3, generator=generator)
        for shape in shapes:
            length = shape[0] * shape[1] + 2
            resized = Siglip2VisionEmbeddings.resize_positional_embeddings(table, torch.tensor([shape]), length)[0]
            # F.interpolate(mode="bilinear", align_corners=False, antialias=True), which transformers 4 called,
            # agrees to 1e-6 except where an output side is 1 and the other is not (torch 2.15 then repeats the
            # first row): transformers 5 computes the same triangle filter itself, and that is the reference.
            interpolated = F.interpolate(table.permute(2, 0, 1)[None], size=shape, mode="bilinear",
                                         align_corners=False, antialias=True)[0].reshape(3, -1).T
            assert (resized[:shape[0] * shape[1]] - interpolated).abs().max() < 1e-6 or 1 in shape, shape
            positions.append({"grid": grid, "table": f32(table), "shape": list(shape), "length": length,
                              "resized": f32(resized)})

    classifier = transformers.pipeline("zero-shot-image-classification", model=out, dtype=torch.float32)
    scores = classifier(pils[0], candidate_labels=LABELS)
    with open(os.path.join(HERE, "naflex-reference.json"), "w") as f:
        json.dump({"versions": VERSIONS, "sizes": sizes, "positions": positions, "images": images,
                   "text": text_references(out, model), "labels": LABELS,
                   "pipeline": [{"label": s["label"], "score": s["score"]} for s in scores]}, f)
    print("wrote", out)


def make_base16(out):
    """google/siglip2-base-patch16-naflex's shapes with random weights (the small Gemma vocabulary), references."""
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    tokenizer = AutoTokenizer.from_pretrained(GEMMA)
    write_model(out, dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12),
                text_hidden=768, num_patches=256, patch=16, max_patches=256, seed=3, logit_scale=2.3,
                logit_bias=-10.0, tokenizer=tokenizer, randomize=False)
    global IMAGES
    IMAGES = [(640, 480, 1), (200, 900, 2), (224, 224, 3), (31, 5000, 4)]
    model = Siglip2Model.from_pretrained(out, dtype=torch.float32).eval()
    images, _ = image_references(out, model)
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump({"versions": VERSIONS, "images": images, "text": text_references(out, model)}, f)
    print("wrote", out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", choices=["base16"], help="write a full-size random checkpoint instead")
    parser.add_argument("--out", help="the directory for --shape (default .bench/siglip2-naflex-SHAPE)")
    args = parser.parse_args()
    if args.shape:
        root = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
        make_base16(args.out or os.path.join(root, ".bench", "siglip2-naflex-" + args.shape))
    else:
        main()
