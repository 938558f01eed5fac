#!/usr/bin/env python3
"""Writes search_reference.json: the exact cosine ranking that NumPy computes for a few text queries over the
embeddings `transformers` gives for the fixture images (images/*), on Tests/CLIPTests/Fixtures/tiny-clip in
float32. The worker's `search` over a collection of those images must return the same order and scores.

Images are read as the zero-shot pipeline reads them (transformers.image_utils.load_image: EXIF orientation
applied); the embeddings are get_image_features / get_text_features (.pooler_output), normalized by NumPy, the
scores their dot products in float64, sorted highest first.
"""
import argparse
import json
import os

import numpy as np
import PIL
import torch
import transformers
from transformers import CLIPModel, CLIPProcessor
from transformers.image_utils import load_image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
MODEL = "Tests/CLIPTests/Fixtures/tiny-clip"
IMAGES = ["gradient-64x64.png", "noise-23x51.png", "noise-40x30.png", "oriented-36x20.jpg"]
QUERIES = ["a photo of a cat", "a dog on a beach", "noise", "a gradient from black to white"]


def main():
    argparse.ArgumentParser(description=__doc__).parse_args()
    model = CLIPModel.from_pretrained(os.path.join(ROOT, MODEL), dtype=torch.float32).eval()
    processor = CLIPProcessor.from_pretrained(os.path.join(ROOT, MODEL))
    with torch.no_grad():
        pixels = processor(images=[load_image(os.path.join(HERE, "images", name)) for name in IMAGES],
                           return_tensors="pt")
        images = model.get_image_features(**pixels).pooler_output.numpy().astype(np.float64)
        tokens = processor(text=QUERIES, padding=True, return_tensors="pt")
        texts = model.get_text_features(**tokens).pooler_output.numpy().astype(np.float64)
    images /= np.linalg.norm(images, axis=1, keepdims=True)
    texts /= np.linalg.norm(texts, axis=1, keepdims=True)
    queries = []
    for text, vector in zip(QUERIES, texts):
        scores = images @ vector
        order = np.argsort(-scores, kind="stable")
        queries.append({"text": text, "ranking": [{"image": IMAGES[i], "score": float(scores[i])} for i in order]})
    reference = {
        "model": MODEL,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "pillow": PIL.__version__, "numpy": np.__version__},
        "queries": queries,
    }
    with open(os.path.join(HERE, "search_reference.json"), "w", encoding="utf-8") as file:
        json.dump(reference, file, indent=1)
        file.write("\n")


if __name__ == "__main__":
    main()
