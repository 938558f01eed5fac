#!/usr/bin/env python3
"""Writes the CLIP engine's test checkpoints and the reference outputs `transformers` computes from them.

Default mode (committed output, about 1 MB, beside this script):
  tiny-clip/           a tiny random-weight CLIP checkpoint in the Hub layout: config.json as `save_pretrained`
                       writes it, model.safetensors (F32), preprocessor_config.json, vocab.json + merges.txt,
                       tokenizer_config.json, special_tokens_map.json.
  tiny-clip-f16/       the same weights rounded to F16 (config.json + model.safetensors).
  tiny-clip-bf16/      the same weights rounded to BF16.
  tiny-clip-sharded/   the F16 weights in two shards with model.safetensors.index.json, plus the int64
                       `position_ids` buffers old Hub checkpoints carry (transformers ignores them).
  configs/*.json       configs used with tiny-clip's weights: `gelu` (hidden_act gelu), `legacy-eos`
                       (eos_token_id 2, the argmax pooling rule), `config-dict` (text_config_dict /
                       vision_config_dict overriding text_config / vision_config).
  inputs.json          texts and their token ids from the real CLIPTokenizerFast (unpadded and padded).
  pixels.f32           three random normal pixel tensors [3, 32, 32], raw little-endian float32, one after another.
  rgb-45x37.rgb        a random 45×37 RGB image (raw bytes, rows top to bottom) and rgb-45x37.f32, the tensor
                       CLIPImageProcessor (Pillow backend) makes of it with tiny-clip's preprocessor_config.json.
  references/*.json    per variant: text_embeds (get_text_features), image_embeds (get_image_features),
                       logits_per_image of image 0 against all texts, logit_scale (exp'd).

`--vit-b32 DIR` (default .bench/vit-b32 at the package root, about 600 MB, never committed): a random
checkpoint with openai/clip-vit-base-patch32's shapes and full 49408-token vocabulary, with DIR/reference.json.
Check the Swift engine against it with

  CLIP_PARITY_DIR=.bench/vit-b32 swift test -c release --filter CLIPTests.FullSizeParityTests

`--shape vit-b32|vit-b16|vit-l14|vit-l14-336|metaclip-b32|vit-h14|vit-bigg14 [--f16] [--out DIR]` (default DIR .bench/SHAPE, or SHAPE-f16 with --f16,
which stores the weights as float16): the same for the other OpenAI
shapes: ViT-B/16 (patch 16), ViT-L/14 (text 768 wide, vision 1024 wide x 24 layers, patch 14, projection 768;
about 1.7 GB) and ViT-L/14-336 (the same at 336 pixels); and other CLIPModel checkpoints of the Hub: metaclip-b32
(a config without hidden_act, as MetaCLIP's), vit-h14 (LAION's ViT-H/14: exact gelu, text 1024 wide, vision 1280 x
32, projection 1024; about 3.9 GB) and vit-bigg14 (LAION's ViT-bigG/14: text 1280 wide with 20 heads, vision 1664 x
48 with an MLP of 8192, projection 1280; about 10 GB, or 5 GB with --f16). Check each with CLIP_PARITY_DIR=DIR.

Every reference is computed by loading the written directory with `from_pretrained(..., dtype=torch.float32)`,
so the files themselves are what is tested. Seeds are fixed; versions are recorded in every JSON written.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import PIL
import safetensors
import torch
import transformers
from safetensors.torch import save_file
from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPTokenizerFast

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "Tests", "TokenizerTests", "Fixtures"))
from clip_vocab import write_hub_tokenizer  # noqa: E402

VERSIONS = {
    "torch": torch.__version__,
    "transformers": transformers.__version__,
    "safetensors": safetensors.__version__,
    "pillow": PIL.__version__,
    "numpy": np.__version__,
}

TINY_MERGES = 1000  # -> 1514 tokens: 512 byte symbols, 1000 merges, <|startoftext|> 1512, <|endoftext|> 1513

TEXTS = [
    "a photo of a cat",
    "a photo of a dog",
    "",
    "A DIAGRAM, with Numbers: 3.14159 and 42!",
    "naïve café in 東京 🐱",
    "#### hashtags ### everywhere #",
    "  leading and trailing spaces\tand a tab\n",
    "it's what they'll do, isn't it?",
    " ".join(["word"] * 100),  # truncated to 77 tokens, end token kept
    "the quick brown fox jumps over the lazy dog",
]

PREPROCESSOR = {
    "crop_size": {"height": 32, "width": 32},
    "do_center_crop": True,
    "do_convert_rgb": True,
    "do_normalize": True,
    "do_rescale": True,
    "do_resize": True,
    "image_mean": [0.48145466, 0.4578275, 0.40821073],
    "image_processor_type": "CLIPImageProcessor",
    "image_std": [0.26862954, 0.26130258, 0.27577711],
    "resample": 3,
    "rescale_factor": 0.00392156862745098,
    "size": {"shortest_edge": 32},
}


def tiny_config(**text_overrides):
    text = dict(vocab_size=1514, hidden_size=32, intermediate_size=37, num_attention_heads=4, num_hidden_layers=2,
                max_position_embeddings=77, hidden_act="quick_gelu", bos_token_id=1512, eos_token_id=1513,
                pad_token_id=1)
    text.update(text_overrides)
    vision = dict(hidden_size=48, intermediate_size=61, num_attention_heads=4, num_hidden_layers=2, image_size=32,
                  patch_size=8, hidden_act="quick_gelu")
    return CLIPConfig(text_config=text, vision_config=vision, projection_dim=24, logit_scale_init_value=2.6592)


def randomize(model, seed):
    """Re-draws every parameter so that a weight loaded into the wrong place cannot go unnoticed."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            n = torch.randn(p.shape, generator=g, dtype=torch.float32)
            if name == "logit_scale":
                p.fill_(2.9)  # not the config's 2.6592: the engine must read the tensor
            elif "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * n)
            elif name.endswith("bias"):
                p.copy_(0.2 * n)
            elif "embedding" in name and "patch" not in name:
                p.copy_(0.5 * n)  # token, position and class embeddings
            elif p.dim() == 4:
                p.copy_(n / np.sqrt(p[0].numel()))  # patch convolution, fan-in = 3 * patch²
            else:
                p.copy_(n / np.sqrt(p.shape[1]))  # linear [out, in]
    return model


def features(out):
    return out if torch.is_tensor(out) else out.pooler_output


def floats(t):
    return [[float(x) for x in row] for row in t.detach().to(torch.float32).tolist()]


def load(directory):
    model, info = CLIPModel.from_pretrained(directory, dtype=torch.float32, output_loading_info=True)
    assert not any(info.get(k) for k in ("missing_keys", "unexpected_keys", "mismatched_keys")), info
    return model.eval()


def references(directory, inputs):
    model = load(directory)
    padded = torch.tensor(inputs["padded_token_ids"])
    mask = torch.tensor(inputs["attention_mask"])
    pixels = inputs["pixel_tensors"].reshape(-1, 3, 32, 32)
    with torch.no_grad():
        text = features(model.get_text_features(input_ids=padded, attention_mask=mask))
        image = features(model.get_image_features(pixel_values=pixels))
        logits = model(input_ids=padded, attention_mask=mask, pixel_values=pixels[:1]).logits_per_image
        image_from_rgb = features(model.get_image_features(
            pixel_values=inputs["rgb_tensor"].reshape(1, 3, 32, 32)))
    return {
        "versions": VERSIONS,
        "pooling": "argmax" if model.config.text_config.eos_token_id == 2 else "first_eos",
        "text_config": {k: getattr(model.config.text_config, k) for k in ("hidden_act", "layer_norm_eps",
                                                                          "num_hidden_layers", "eos_token_id")},
        "vision_config": {k: getattr(model.config.vision_config, k) for k in ("hidden_act", "layer_norm_eps",
                                                                              "num_hidden_layers")},
        "logit_scale": float(model.logit_scale.detach().exp()),
        "text_embeds": floats(text),
        "image_embeds": floats(image),
        "rgb_image_embeds": floats(image_from_rgb)[0],
        "logits_per_image": floats(logits)[0],
    }


def write_json(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False)
        f.write("\n")


def make_inputs(tokenizer_dir, processor_dir, image_size, seed):
    tokenizer = CLIPTokenizerFast.from_pretrained(tokenizer_dir)
    unpadded = [tokenizer(t, truncation=True, max_length=77)["input_ids"] for t in TEXTS]
    batch = tokenizer(TEXTS, padding=True, truncation=True, max_length=77)
    g = torch.Generator().manual_seed(seed)
    pixels = torch.randn((3, 3, image_size, image_size), generator=g)
    rng = np.random.default_rng(seed)
    rgb = rng.integers(0, 256, size=(37, 45, 3), dtype=np.uint8)  # height 37, width 45: resize and crop happen
    processor = CLIPImageProcessor.from_pretrained(processor_dir)
    rgb_tensor = processor(images=PIL.Image.fromarray(rgb), return_tensors="pt")["pixel_values"][0]
    pixels.numpy().astype("<f4").tofile(os.path.join(HERE, "pixels.f32"))
    rgb.tofile(os.path.join(HERE, "rgb-45x37.rgb"))
    rgb_tensor.numpy().astype("<f4").tofile(os.path.join(HERE, "rgb-45x37.f32"))
    text_inputs = {
        "versions": VERSIONS,
        "texts": TEXTS,
        "token_ids": unpadded,
        "padded_token_ids": batch["input_ids"],
        "attention_mask": batch["attention_mask"],
    }
    return text_inputs, dict(text_inputs, pixel_tensors=pixels, rgb_tensor=rgb_tensor)


def save_weights(model, path, dtype=torch.float32):
    state = {k: v.detach().to(dtype).contiguous() for k, v in model.state_dict().items()}
    save_file(state, path, metadata={"format": "pt"})
    return state


def make_tiny():
    out = HERE
    model = randomize(CLIPModel(tiny_config()), seed=1234).eval()

    base = os.path.join(out, "tiny-clip")
    shutil.rmtree(base, ignore_errors=True)
    model.save_pretrained(base)
    save_weights(model, os.path.join(base, "model.safetensors"))  # plain F32, same names, format metadata
    write_hub_tokenizer(base, num_merges=TINY_MERGES)
    write_json(os.path.join(base, "preprocessor_config.json"), PREPROCESSOR)

    text_inputs, inputs = make_inputs(base, base, 32, seed=99)
    ids = inputs["token_ids"]
    assert ids[2] == [1512, 1513], ids[2]
    assert len(ids[8]) == 77 and ids[8][-1] == 1513, ids[8]
    # The legacy-eos variant is only discriminating if a text holds token 2 before its end token.
    assert any(2 in row[:-1] for row in ids), "no text contains token id 2"
    write_json(os.path.join(out, "inputs.json"), text_inputs)
    write_json(os.path.join(out, "references", "tiny-clip.json"), references(base, inputs))

    for name, dtype in (("tiny-clip-f16", torch.float16), ("tiny-clip-bf16", torch.bfloat16)):
        d = os.path.join(out, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        shutil.copy(os.path.join(base, "config.json"), d)
        save_weights(model, os.path.join(d, "model.safetensors"), dtype)
        write_json(os.path.join(out, "references", name + ".json"), references(d, inputs))

    make_sharded(model, base, os.path.join(out, "tiny-clip-sharded"), inputs)
    make_config_variants(base, os.path.join(out, "configs"), inputs)


def make_sharded(model, base, d, inputs):
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    shutil.copy(os.path.join(base, "config.json"), d)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    # Old Hub conversions saved the position_ids buffers; transformers drops them when loading.
    state["text_model.embeddings.position_ids"] = torch.arange(77, dtype=torch.int64).unsqueeze(0)
    state["vision_model.embeddings.position_ids"] = torch.arange(17, dtype=torch.int64).unsqueeze(0)
    names = sorted(state)
    halves = [names[: len(names) // 2], names[len(names) // 2:]]
    weight_map = {}
    total = 0
    for i, part in enumerate(halves):
        shard = f"model-{i + 1:05d}-of-00002.safetensors"
        save_file({k: state[k] for k in part}, os.path.join(d, shard), metadata={"format": "pt"})
        for k in part:
            weight_map[k] = shard
            total += state[k].numel() * state[k].element_size()
    write_json(os.path.join(d, "model.safetensors.index.json"),
               {"metadata": {"total_size": total}, "weight_map": weight_map})
    refs = references(d, inputs)
    write_json(os.path.join(HERE, "references", "tiny-clip-sharded.json"), refs)


def make_config_variants(base, configs_dir, inputs):
    with open(os.path.join(base, "config.json")) as f:
        config = json.load(f)

    gelu = json.loads(json.dumps(config))
    gelu["text_config"]["hidden_act"] = "gelu"
    gelu["vision_config"]["hidden_act"] = "gelu"

    legacy = json.loads(json.dumps(config))
    legacy["text_config"]["eos_token_id"] = 2

    # Old Hub configs: `*_config_dict` holds the model; CLIPConfig builds a full config from it (defaults for
    # absent keys) that overrides `*_config` key by key. layer_norm_eps and hidden_act below are set in
    # *_config but absent from *_config_dict, so the defaults (1e-5, quick_gelu) must win.
    arch_text = ("vocab_size", "hidden_size", "intermediate_size", "num_attention_heads", "num_hidden_layers",
                 "bos_token_id", "eos_token_id")
    arch_vision = ("hidden_size", "intermediate_size", "num_attention_heads", "num_hidden_layers", "image_size",
                   "patch_size")
    config_dict = json.loads(json.dumps(config))
    config_dict["text_config_dict"] = {k: config["text_config"][k] for k in arch_text}
    config_dict["vision_config_dict"] = {k: config["vision_config"][k] for k in arch_vision}
    config_dict["text_config"] = {"hidden_size": 16, "num_hidden_layers": 7, "layer_norm_eps": 0.5,
                                  "hidden_act": "gelu"}
    config_dict["vision_config"] = {"patch_size": 4, "layer_norm_eps": 0.25, "hidden_act": "gelu"}

    shutil.rmtree(configs_dir, ignore_errors=True)
    for name, variant in (("gelu", gelu), ("legacy-eos", legacy), ("config-dict", config_dict)):
        path = os.path.join(configs_dir, name + ".json")
        write_json(path, variant)
        with tempfile.TemporaryDirectory() as d:
            shutil.copy(path, os.path.join(d, "config.json"))
            shutil.copy(os.path.join(base, "model.safetensors"), d)
            refs = references(d, inputs)
        if name == "config-dict":
            assert refs["text_config"]["layer_norm_eps"] == 1e-5 and refs["text_config"]["hidden_act"] == "quick_gelu"
            assert refs["vision_config"]["layer_norm_eps"] == 1e-5, refs
        if name == "legacy-eos":
            assert refs["pooling"] == "argmax"
        write_json(os.path.join(HERE, "references", name + ".json"), refs)


# The other OpenAI checkpoints' shapes, as their Hub config.json files give them (text / vision towers).
LARGE_TEXT = dict(hidden_size=768, intermediate_size=3072, num_attention_heads=12)
LARGE_VISION = dict(hidden_size=1024, intermediate_size=4096, num_attention_heads=16, num_hidden_layers=24,
                    patch_size=14)
# LAION's OpenCLIP ViT-H/14 and ViT-bigG/14 as converted to CLIPModel: exact `gelu`, wider text towers, and bigG's
# MLP (8192) not 4x its width (1664).
HUGE_TEXT = dict(hidden_size=1024, intermediate_size=4096, num_attention_heads=16, num_hidden_layers=24,
                 hidden_act="gelu")
HUGE_VISION = dict(hidden_size=1280, intermediate_size=5120, num_attention_heads=16, num_hidden_layers=32,
                   patch_size=14, hidden_act="gelu")
BIGG_TEXT = dict(hidden_size=1280, intermediate_size=5120, num_attention_heads=20, num_hidden_layers=32,
                 hidden_act="gelu")
BIGG_VISION = dict(hidden_size=1664, intermediate_size=8192, num_attention_heads=16, num_hidden_layers=48,
                   patch_size=14, hidden_act="gelu")
SHAPES = {
    "vit-b32": dict(text={}, vision={}, projection_dim=512),
    # MetaCLIP's configs omit hidden_act: CLIPConfig's default, quick_gelu, applies.
    "metaclip-b32": dict(text={}, vision={}, projection_dim=512, omit=["hidden_act"]),
    "vit-h14": dict(text=HUGE_TEXT, vision=HUGE_VISION, projection_dim=1024),
    "vit-bigg14": dict(text=BIGG_TEXT, vision=BIGG_VISION, projection_dim=1280),
    "vit-b16": dict(text={}, vision=dict(patch_size=16), projection_dim=512),
    "vit-l14": dict(text=LARGE_TEXT, vision=LARGE_VISION, projection_dim=768),
    "vit-l14-336": dict(text=LARGE_TEXT, vision=dict(LARGE_VISION, image_size=336), projection_dim=768),
}


def make_vit_b32(d):
    """openai/clip-vit-base-patch32's shapes (CLIPConfig's defaults) with random weights."""
    make_shape(d, "vit-b32")


def make_shape(d, name, half=False):
    """A random-weight checkpoint with one of `SHAPES` and the full vocabulary, with d/reference.json; with `half`,
    its weights stored as float16 (as some Hub checkpoints are), the references still computed in float32."""
    shape = SHAPES[name]
    torch.manual_seed(0)
    # The Hub configs keep the pre-2023 eos_token_id 2 (argmax pooling) and bos 0.
    config = CLIPConfig(text_config=dict(shape["text"], bos_token_id=0, eos_token_id=2, pad_token_id=1),
                        vision_config=dict(shape["vision"]), projection_dim=shape["projection_dim"])
    size = config.vision_config.image_size
    model = randomize(CLIPModel(config), seed=4321).eval()
    shutil.rmtree(d, ignore_errors=True)
    model.save_pretrained(d)
    if shape.get("omit"):
        path = os.path.join(d, "config.json")
        with open(path) as f:
            saved = json.load(f)
        for key in shape["omit"]:
            for tower in ("text_config", "vision_config"):
                saved[tower].pop(key, None)
        write_json(path, saved)
    if half:
        save_weights(model, os.path.join(d, "model.safetensors"), torch.float16)
    del model
    write_hub_tokenizer(d)
    pre = dict(PREPROCESSOR, crop_size={"height": size, "width": size}, size={"shortest_edge": size})
    write_json(os.path.join(d, "preprocessor_config.json"), pre)
    tokenizer = CLIPTokenizerFast.from_pretrained(d)
    ids = [tokenizer(t, truncation=True, max_length=77)["input_ids"] for t in TEXTS]
    batch = tokenizer(TEXTS, padding=True, truncation=True, max_length=77, return_tensors="pt")
    g = torch.Generator().manual_seed(7)
    pixels = torch.randn((3, 3, size, size), generator=g)
    model = load(d)
    with torch.no_grad():
        text = features(model.get_text_features(**batch))
        image = features(model.get_image_features(pixel_values=pixels))
    write_json(os.path.join(d, "reference.json"), {
        "versions": VERSIONS, "texts": TEXTS, "token_ids": ids,
        "pixel_tensors": [[float(x) for x in p.flatten().tolist()] for p in pixels],
        "text_embeds": floats(text), "image_embeds": floats(image),
        "logit_scale": float(model.logit_scale.detach().exp()),
    })


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vit-b32", nargs="?", const=os.path.join(ROOT, ".bench", "vit-b32"), metavar="DIR",
                        help="write the ViT-B/32-shaped checkpoint and references to DIR instead")
    parser.add_argument("--shape", choices=sorted(SHAPES), metavar="SHAPE",
                        help="write a random checkpoint of this shape (%(choices)s) and references to --out, "
                             "default .bench/SHAPE")
    parser.add_argument("--out", metavar="DIR", help="the directory for --shape")
    parser.add_argument("--f16", action="store_true",
                        help="with --shape: store the weights as float16 (default DIR .bench/SHAPE-f16)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.shape:
        suffix = "-f16" if args.f16 else ""
        make_shape(args.out or os.path.join(ROOT, ".bench", args.shape + suffix), args.shape, half=args.f16)
    elif args.vit_b32:
        make_vit_b32(args.vit_b32)
    else:
        make_tiny()


if __name__ == "__main__":
    main()
