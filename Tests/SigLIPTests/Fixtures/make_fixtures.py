#!/usr/bin/env python3
"""Writes the SigLIP family's tiny test checkpoint and the reference outputs `transformers` computes from it.

Committed output, beside this script (a few hundred KB):
  tiny-siglip/        a tiny random-weight `SiglipModel` in the Hub layout: config.json as `save_pretrained` writes
                      it, model.safetensors (F32), preprocessor_config.json (SiglipImageProcessor: 32x32, bicubic,
                      mean/std 0.5, no crop), and the tokenizer as `SiglipTokenizer.save_pretrained` writes it from
                      a small unigram `spiece.model` trained here.
  tiny-siglip-bf16/   the same weights rounded to BF16 (config.json + model.safetensors).
  tiny-siglip2/       a SigLIP 2 fixed-resolution checkpoint: `model_type` siglip with the Gemma tokenizer of
                      Tests/TokenizerTests/Fixtures/gemma (tokenizer.json; left padding and an attention mask, the
                      class defaults), bilinear resizing; with siglip2-inputs.json and siglip2-reference.json.
  inputs.json         texts with their ids as the pipeline tokenizes them (padding="max_length", max_length=64,
                      truncation=True), pixel tensors, and a 45x37 RGB image with the processor's tensor of it.
  reference.json      text_embeds / image_embeds (`get_text_features` / `get_image_features` pooler_output, no
                      attention mask, as the pipeline calls the model), logit_scale (exp'd), logit_bias,
                      logits_per_image of image 0, and the pipeline's own scores for the RGB image.

`--shape base16 [--out DIR]` (default .bench/siglip-base16, about 800 MB, never committed): a random checkpoint with
google/siglip-base-patch16-224's shapes (SiglipConfig's defaults: 768 wide, 12 layers, 196 patches, 32000 token
embeddings), the small tokenizer, and DIR/reference.json. Check it with

  SIGLIP_PARITY_DIR=.bench/siglip-base16 swift test --filter SigLIPTests.FullSizeParityTests

Every reference is computed by loading the written directory with `from_pretrained(..., dtype=torch.float32)`.
Seeds are fixed; versions are recorded.
"""
import argparse
import json
import os
import shutil
import tempfile

import numpy as np
import PIL
from PIL import Image
import safetensors
import sentencepiece
import sentencepiece as spm
import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import SiglipConfig, SiglipModel, SiglipTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
VERSIONS = {
    "torch": torch.__version__, "transformers": transformers.__version__, "safetensors": safetensors.__version__,
    "pillow": PIL.__version__, "numpy": np.__version__, "sentencepiece": sentencepiece.__version__,
}

CORPUS = [
    "a photo of a cat", "a photo of a dog", "this is a photo of a red car", "two people hiking in the mountains",
    "a bowl of soup on a wooden table", "the city at night with lights", "an astronaut riding a horse",
    "a diagram with numbers and arrows", "the quick brown fox jumps over the lazy dog",
    "a painting of a sunflower field", "this is a photo of a bird", "a small house near the lake",
] * 4

TEXTS = [
    "This is a photo of cat.", "This is a photo of dog.", "", "A DIAGRAM, with Numbers: 3.14 and 42!",
    "naïve café 東京 🐱", "  leading   spaces\tand a tab\n", " ".join(["photo"] * 80),
    "the quick brown fox",
]
LABELS = ["cat", "dog", "car", "a bird"]


def tokenizer_files(directory):
    with tempfile.TemporaryDirectory() as scratch:
        corpus = os.path.join(scratch, "corpus.txt")
        with open(corpus, "w") as f:
            f.write("\n".join(CORPUS))
        prefix = os.path.join(scratch, "spiece")
        spm.SentencePieceTrainer.train(
            input=corpus, model_prefix=prefix, vocab_size=120, model_type="unigram", hard_vocab_limit=False,
            pad_id=0, eos_id=1, unk_id=2, bos_id=-1, pad_piece="<pad>", eos_piece="</s>", unk_piece="<unk>",
            normalization_rule_name="identity", minloglevel=2)
        tokenizer = SiglipTokenizer(vocab_file=prefix + ".model", model_max_length=64)
        tokenizer.save_pretrained(directory)
    # As google/siglip-* ship it: the model takes input_ids only, so the pipeline passes no attention mask and
    # the model attends to the padding.
    path = os.path.join(directory, "tokenizer_config.json")
    with open(path) as f:
        config = json.load(f)
    config["model_input_names"] = ["input_ids"]
    with open(path, "w") as f:
        json.dump(config, f, indent=2)
    return SiglipTokenizer.from_pretrained(directory)


def write_tiny_model(out, tokenizer, seed, logit_scale, logit_bias, resample):
    """A tiny random SiglipModel (32 wide, 2 layers, 32x32 images in 8x8 patches) for `tokenizer`, saved to `out`
    with a SiglipImageProcessor config (`resample`: 3 bicubic as SigLIP, 2 bilinear as SigLIP 2)."""
    config = SiglipConfig(
        text_config=dict(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=37, num_hidden_layers=2,
                         num_attention_heads=4, max_position_embeddings=64, pad_token_id=tokenizer.pad_token_id,
                         eos_token_id=tokenizer.eos_token_id),
        vision_config=dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4,
                           image_size=32, patch_size=8))
    torch.manual_seed(seed)
    model = SiglipModel(config).eval()
    with torch.no_grad():
        # Random init leaves some tensors at constants (zeros, ones); make every one of them matter.
        for name, parameter in model.named_parameters():
            parameter.copy_(torch.randn_like(parameter) * (0.5 if "norm" in name else 0.2))
        model.logit_scale.fill_(logit_scale)
        model.logit_bias.fill_(logit_bias)
    model.save_pretrained(out, safe_serialization=True)
    with open(os.path.join(out, "preprocessor_config.json"), "w") as f:
        json.dump({"do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": [0.5, 0.5, 0.5],
                   "image_processor_type": "SiglipImageProcessor", "image_std": [0.5, 0.5, 0.5],
                   "processor_class": "SiglipProcessor", "resample": resample,
                   "rescale_factor": 0.00392156862745098, "size": {"height": 32, "width": 32}}, f, indent=2)


def main():
    out = os.path.join(HERE, "tiny-siglip")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    tokenizer = tokenizer_files(out)
    write_tiny_model(out, tokenizer, seed=7, logit_scale=1.3, logit_bias=-2.5, resample=3)

    bf16 = os.path.join(HERE, "tiny-siglip-bf16")
    shutil.rmtree(bf16, ignore_errors=True)
    os.makedirs(bf16)
    shutil.copy(os.path.join(out, "config.json"), bf16)
    weights = load_file(os.path.join(out, "model.safetensors"))
    save_file({k: v.to(torch.bfloat16) for k, v in weights.items()}, os.path.join(bf16, "model.safetensors"),
              metadata={"format": "pt"})

    loaded = SiglipModel.from_pretrained(out, dtype=torch.float32).eval()
    tokenizer = SiglipTokenizer.from_pretrained(out)
    encoded = tokenizer(TEXTS, padding="max_length", max_length=64, truncation=True, return_attention_mask=True)
    ids, mask = encoded["input_ids"], encoded["attention_mask"]
    generator = torch.Generator().manual_seed(11)
    pixels = torch.randn(3, 3, 32, 32, generator=generator)
    rng = np.random.default_rng(5)
    rgb = rng.integers(0, 256, size=(37, 45, 3), dtype=np.uint8)
    image = Image.fromarray(rgb)
    processor = transformers.AutoImageProcessor.from_pretrained(out)
    processed = processor(images=image, return_tensors="pt")["pixel_values"]

    def reference(model_dir):
        m = SiglipModel.from_pretrained(model_dir, dtype=torch.float32).eval()
        with torch.no_grad():
            text = m.get_text_features(input_ids=torch.tensor(ids)).pooler_output
            images = m.get_image_features(pixel_values=pixels).pooler_output
            rgb_embeds = m.get_image_features(pixel_values=processed).pooler_output
            logits = m(input_ids=torch.tensor(ids), pixel_values=pixels[:1]).logits_per_image[0]
            masked = m.get_text_features(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask)).pooler_output
        return {
            "textEmbeds": text.tolist(), "textEmbedsMasked": masked.tolist(), "imageEmbeds": images.tolist(), "rgbImageEmbeds": rgb_embeds.tolist(),
            "logitScale": float(m.logit_scale.exp()), "logitBias": float(m.logit_bias[0]),
            "logitsPerImage": logits.tolist(),
        }

    classifier = transformers.pipeline("zero-shot-image-classification", model=out)
    scores = classifier(image, candidate_labels=LABELS)
    label_ids = tokenizer([f"This is a photo of {label}." for label in LABELS], padding="max_length",
                          max_length=64, truncation=True)["input_ids"]
    with open(os.path.join(HERE, "inputs.json"), "w") as f:
        json.dump({"versions": VERSIONS, "texts": TEXTS, "tokenIDs": ids, "pixelTensors": pixels.reshape(3, -1).tolist(),
                   "rgb": {"width": 45, "height": 37, "pixels": rgb.reshape(-1).tolist()},
                   "rgbTensor": processed.reshape(-1).tolist(), "labels": LABELS, "labelTokenIDs": label_ids}, f)
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump({"versions": VERSIONS, "f32": reference(out), "bf16": reference(bf16),
                   "pipeline": [{"label": s["label"], "score": s["score"]} for s in scores]}, f)
    print("wrote", out, bf16, "vocabulary", len(tokenizer))
    make_siglip2(image)


def make_siglip2(image):
    """tiny-siglip: SigLIP 2's fixed-resolution layout with a Gemma tokenizer, its ids, embeddings and pipeline."""
    out = os.path.join(HERE, "tiny-siglip2")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    gemma = os.path.join(HERE, "..", "..", "TokenizerTests", "Fixtures", "gemma")
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(gemma, name), out)
    tokenizer = transformers.AutoTokenizer.from_pretrained(out)
    write_tiny_model(out, tokenizer, seed=17, logit_scale=1.6, logit_bias=-1.5, resample=2)
    loaded = SiglipModel.from_pretrained(out, dtype=torch.float32).eval()
    encoded = tokenizer(TEXTS, padding="max_length", max_length=64, truncation=True)
    assert "attention_mask" in encoded and tokenizer.padding_side == "left", (encoded.keys(), tokenizer.padding_side)
    with torch.no_grad():
        text = loaded.get_text_features(input_ids=torch.tensor(encoded["input_ids"]),
                                        attention_mask=torch.tensor(encoded["attention_mask"])).pooler_output
    scores = transformers.pipeline("zero-shot-image-classification", model=out)(image, candidate_labels=LABELS)
    with open(os.path.join(HERE, "siglip2-inputs.json"), "w") as f:
        json.dump({"versions": VERSIONS, "texts": TEXTS, "tokenIDs": encoded["input_ids"],
                   "attentionMask": encoded["attention_mask"], "labels": LABELS}, f)
    with open(os.path.join(HERE, "siglip2-reference.json"), "w") as f:
        json.dump({"versions": VERSIONS, "textEmbeds": text.tolist(),
                   "pipeline": [{"label": s["label"], "score": s["score"]} for s in scores]}, f)
    print("wrote", out)


def make_base16(out):
    """google/siglip-base-patch16-224's shapes with random weights, and its reference embeddings."""
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    tokenizer = tokenizer_files(out)
    config = SiglipConfig(text_config=dict(pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id))
    torch.manual_seed(3)
    model = SiglipModel(config).eval()
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            scale = 0.5 if "norm" in name else 0.02 if parameter.dim() > 1 else 0.05
            parameter.copy_(torch.randn_like(parameter) * scale + (1.0 if "norm" in name and "weight" in name else 0))
        model.logit_scale.fill_(2.3)
        model.logit_bias.fill_(-10.0)
    model.save_pretrained(out, safe_serialization=True)
    del model
    with open(os.path.join(out, "preprocessor_config.json"), "w") as f:
        json.dump({"do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": [0.5, 0.5, 0.5],
                   "image_processor_type": "SiglipImageProcessor", "image_std": [0.5, 0.5, 0.5], "resample": 3,
                   "rescale_factor": 0.00392156862745098, "size": {"height": 224, "width": 224}}, f, indent=2)
    ids = tokenizer(TEXTS, padding="max_length", max_length=64, truncation=True)["input_ids"]
    pixels = torch.randn(3, 3, 224, 224, generator=torch.Generator().manual_seed(11))
    loaded = SiglipModel.from_pretrained(out, dtype=torch.float32).eval()
    with torch.no_grad():
        text = loaded.get_text_features(input_ids=torch.tensor(ids)).pooler_output
        images = loaded.get_image_features(pixel_values=pixels).pooler_output
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump({"versions": VERSIONS, "texts": TEXTS, "tokenIDs": ids, "pixelTensors": pixels.reshape(3, -1).tolist(),
                   "textEmbeds": text.tolist(), "imageEmbeds": images.tolist()}, f)
    print("wrote", out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", choices=["base16"], help="write a full-size random checkpoint instead")
    parser.add_argument("--out", help="the directory for --shape (default .bench/siglip-SHAPE)")
    args = parser.parse_args()
    if args.shape:
        root = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
        make_base16(args.out or os.path.join(root, ".bench", "siglip-" + args.shape))
    else:
        main()
