#!/usr/bin/env python3
"""Writes the worker's end-to-end fixtures: small PNG test images and the scores that transformers'
zero-shot-image-classification pipeline gives for them on the engine's tiny test checkpoint.

  images/*.png, *.jpg        deterministic images (fixed seeds), a few KB each; the JPEG carries EXIF
                             orientation 6, so the pipeline (load_image) and the worker both rotate it.
  classify_reference.json    per case: image, candidate_labels, hypothesis_template and the exact list
                             `pipeline(...)(image, candidate_labels=..., hypothesis_template=...)` returns,
                             plus the versions of torch/transformers/pillow that computed it, on
                             Tests/CLIPTests/Fixtures/tiny-clip (softmax scores);
  classify_reference_siglip.json  the same on Tests/SigLIPTests/Fixtures/tiny-siglip (sigmoid scores), and
  classify_reference_siglip2.json on tiny-siglip2 (SigLIP 2 fixed resolution: Gemma tokenizer, masked), and
  classify_reference_siglip2_naflex.json on tiny-siglip2-naflex (SigLIP 2 NaFlex: aspect ratio kept, patches).

`--only NAME` rewrites that one reference (the images are rewritten too: they are deterministic).

The checkpoints are written by those folders' make_fixtures.py. The models are loaded in float32, as the worker
computes.
"""
import argparse
import json
import os

import numpy as np
import PIL
import torch
import transformers
from PIL import Image
from transformers import pipeline

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
MODELS = {
    "classify_reference.json": "Tests/CLIPTests/Fixtures/tiny-clip",
    "classify_reference_siglip.json": "Tests/SigLIPTests/Fixtures/tiny-siglip",
    "classify_reference_siglip2.json": "Tests/SigLIPTests/Fixtures/tiny-siglip2",
    "classify_reference_siglip2_naflex.json": "Tests/SigLIPTests/Fixtures/tiny-siglip2-naflex",
}

IMAGES = {
    # name: (width, height, seed)
    "noise-40x30.png": (40, 30, 1),
    "noise-23x51.png": (23, 51, 2),
    "gradient-64x64.png": (64, 64, None),
    "oriented-36x20.jpg": (36, 20, 3),
}

CASES = [
    {"image": "noise-40x30.png", "candidate_labels": ["cat", "dog", "car", "a tree"],
     "hypothesis_template": "This is a photo of {}."},
    {"image": "noise-23x51.png", "candidate_labels": ["cat", "dog", "car", "a tree"],
     "hypothesis_template": "This is a photo of {}."},
    {"image": "gradient-64x64.png", "candidate_labels": ["sunset", "ocean", "café", "mountain", "city"],
     "hypothesis_template": "a picture of a {}"},
    {"image": "noise-40x30.png", "candidate_labels": ["only one"], "hypothesis_template": "{}"},
    {"image": "oriented-36x20.jpg", "candidate_labels": ["left", "right", "up", "down"],
     "hypothesis_template": "This is a photo of {}."},
]


def write_images():
    os.makedirs(os.path.join(HERE, "images"), exist_ok=True)
    for name, (width, height, seed) in IMAGES.items():
        if seed is None:
            x = np.linspace(0, 255, width, dtype=np.float64)[None, :, None]
            y = np.linspace(0, 255, height, dtype=np.float64)[:, None, None]
            pixels = np.concatenate([np.broadcast_to(x, (height, width, 1)), np.broadcast_to(y, (height, width, 1)),
                                     np.broadcast_to((x + y) / 2, (height, width, 1))], axis=2).astype(np.uint8)
        else:
            pixels = np.random.default_rng(seed).integers(0, 256, size=(height, width, 3), dtype=np.uint8)
        image = Image.fromarray(pixels, "RGB")
        path = os.path.join(HERE, "images", name)
        if name.endswith(".jpg"):
            # Smooth blocks (JPEG's home ground) and orientation 6: stored sideways, shown rotated 90° clockwise.
            image = image.resize((width // 4, height // 4), Image.NEAREST).resize((width, height), Image.BILINEAR)
            exif = Image.Exif()
            exif[0x0112] = 6
            image.save(path, quality=90, exif=exif.tobytes())
        else:
            image.save(path, optimize=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(MODELS), help="rewrite this reference only")
    args = parser.parse_args()
    torch.manual_seed(0)
    write_images()
    for name, model in MODELS.items():
        if args.only in (None, name):
            write_reference(name, model)


def write_reference(name, model):
    classifier = pipeline("zero-shot-image-classification", model=os.path.join(ROOT, model), dtype=torch.float32,
                          device="cpu")
    cases = []
    for case in CASES:
        image = os.path.join(HERE, "images", case["image"])
        result = classifier(image, candidate_labels=case["candidate_labels"],
                            hypothesis_template=case["hypothesis_template"])
        cases.append(dict(case, result=result))
    reference = {
        "model": model,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "pillow": PIL.__version__, "numpy": np.__version__},
        "cases": cases,
    }
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as file:
        json.dump(reference, file, indent=1, ensure_ascii=False)
        file.write("\n")


if __name__ == "__main__":
    main()
