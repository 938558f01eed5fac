#!/usr/bin/env python3
"""Writes the ImageProcessing fixtures: input images as raw RGB bytes, preprocessor configs, the pixel
tensors transformers' CLIP image processor (Pillow backend) makes from them, and Pillow's resized bytes.

Run from anywhere:  python3 Tests/ImageProcessingTests/Fixtures/make_fixtures.py
Deterministic: photos come from scikit-image's bundled data, noise from fixed seeds. torchvision must NOT be
installed (with it, transformers switches CLIPImageProcessor to its torchvision backend); the script checks.

Layout (all little-endian, row-major):
  images/<name>.rgb               width*height*3 bytes, RGB interleaved
  configs/<name>.json             a preprocessor_config.json
  tensors/<config>--<image>.f32   float32 pixel_values[0], shape (3, height, width)
  resized/<image>--<w>x<h>--<filter>.rgb   PIL.Image.resize((w, h), filter) of the image, RGB bytes
  manifest.json                   what is where, shapes, and the versions that produced it
"""
import importlib.util
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import PIL
import skimage
import skimage.data
import torch
import transformers
from PIL import Image
from transformers import AutoImageProcessor

HERE = os.path.dirname(os.path.abspath(__file__))

CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def photo(array, width, height):
    """Center-crops a photo to the target aspect ratio, then resizes it with Pillow (Lanczos)."""
    image = Image.fromarray(array).convert("RGB")
    w, h = image.size
    if w * height > h * width:
        new_w = h * width // height
        image = image.crop(((w - new_w) // 2, 0, (w - new_w) // 2 + new_w, h))
    else:
        new_h = w * height // width
        image = image.crop((0, (h - new_h) // 2, w, (h - new_h) // 2 + new_h))
    return np.asarray(image.resize((width, height), Image.Resampling.LANCZOS))


def noise(width, height, seed):
    return np.random.default_rng(seed).integers(0, 256, size=(height, width, 3), dtype=np.uint8)


def edges(width, height):
    """Hard 0/255 edges in every direction: blocks, a diagonal, one-pixel lines, saturated colours. These make
    bicubic and Lanczos overshoot, so the clipping to 0..255 between passes matters."""
    y, x = np.mgrid[0:height, 0:width]
    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[..., 0] = np.where(((x // 3) + (y // 4)) % 2 == 0, 255, 0)
    image[..., 1] = np.where(x > y, 255, 0)
    image[..., 2] = np.where((x % 5 == 0) | (y % 7 == 0), 255, 0)
    return image


IMAGES = {
    "noise_1x1": lambda: noise(1, 1, seed=1),
    "noise_3x5": lambda: noise(3, 5, seed=2),
    "edges_20x14": lambda: edges(20, 14),
    "photo_14x14": lambda: photo(skimage.data.chelsea(), 14, 14),
    "photo_27x41": lambda: photo(skimage.data.astronaut(), 27, 41),
    "photo_64x48": lambda: photo(skimage.data.coffee(), 64, 48),
    "noise_31x77": lambda: noise(31, 77, seed=3),
    "edges_97x61": lambda: edges(97, 61),
    "photo_640x480": lambda: photo(skimage.data.rocket(), 640, 480),
}

# The real openai/clip-vit-base-patch32 preprocessor_config.json.
CLIP_VIT_BASE_PATCH32 = {
    "crop_size": 224, "do_center_crop": True, "do_normalize": True, "do_resize": True,
    "feature_extractor_type": "CLIPFeatureExtractor", "image_mean": CLIP_MEAN, "image_std": CLIP_STD,
    "resample": 3, "size": 224,
}


def small(**overrides):
    """The CLIP config at a small size (14), so that many tensors fit in the committed fixtures."""
    config = dict(CLIP_VIT_BASE_PATCH32, size=14, crop_size=14)
    config.update(overrides)
    return config


CONFIGS = {
    "clip_vit_base_patch32": CLIP_VIT_BASE_PATCH32,
    "small_bicubic": small(),
    "small_bilinear": small(resample=2, size={"shortest_edge": 14}, crop_size={"height": 14, "width": 14}),
    "small_nearest": small(resample=0),
    "small_lanczos": small(resample=1),
    "height_width": small(size={"height": 14, "width": 22}, crop_size={"height": 12, "width": 18}),
    "size_list": small(size=[19, 13], crop_size=[11, 13]),
    "no_center_crop": small(resample=2, do_center_crop=False, size={"height": 13, "width": 19}),
    # The crop is taller than the resized image (padded) and narrower (cropped); odd differences test the
    # floor/ceil of the offsets.
    "crop_larger": small(size={"height": 9, "width": 26}, crop_size={"height": 16, "width": 15}),
    "no_resize": small(do_resize=False),
    "rescale_custom": small(rescale_factor=1 / 127.5, image_mean=1.0, image_std=1.0),
    "no_normalize": small(do_normalize=False),
    "no_rescale": small(do_rescale=False, image_mean=[127.5, 120.25, 100.0], image_std=[60.0, 64.5, 70.3]),
    "default_to_square": small(size=15, default_to_square=True, do_center_crop=False),
    # transformers keeps an explicit null as None: null switches are off, and a null value is fine when its
    # step is off (a null the enabled steps need is an error, tested in Swift).
    "null_fields": small(do_rescale=None, do_convert_rgb=None, default_to_square=None, rescale_factor=None,
                         do_center_crop=None, crop_size=None, size={"height": 10, "width": 12}),
}

# Configs at 224 make 600 kB tensors; only the 640x480 photo goes through them.
FULL_SIZE_CONFIGS = {"clip_vit_base_patch32"}

FILTERS = {0: "nearest", 1: "lanczos", 2: "bilinear", 3: "bicubic", 4: "box", 5: "hamming"}
# (image, [(width, height), ...], filters): shrink, enlarge, identity, one axis only, a strong shrink, and
# both sides of Pillow 13's choice of pass order (vertical first iff rows lost > max(0, 2 * columns lost)).
RESIZES = [
    ("noise_3x5", [(7, 4), (1, 1), (3, 9)], FILTERS),
    ("edges_20x14", [(9, 6), (31, 23), (20, 14), (20, 5), (11, 14)], FILTERS),
    ("noise_31x77", [(13, 19), (34, 85), (31, 40)], FILTERS),
    ("edges_97x61", [(33, 20)], FILTERS),
    ("photo_640x480", [(37, 29)], FILTERS),
    ("edges_20x14", [(18, 10), (18, 9), (25, 13), (25, 15)], [2, 3]),
    ("noise_3x5", [(2, 3), (2, 2)], [2, 3]),
]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main():
    if importlib.util.find_spec("torchvision") is not None:
        sys.exit("torchvision is installed: transformers would use its torchvision backend, not Pillow")
    for folder in ("images", "configs", "tensors", "resized"):
        shutil.rmtree(os.path.join(HERE, folder), ignore_errors=True)

    manifest = {
        "versions": {"transformers": transformers.__version__, "pillow": PIL.__version__,
                     "torch": torch.__version__, "numpy": np.__version__, "scikit-image": skimage.__version__},
        "images": [], "configs": [], "processor_cases": [], "resize_cases": [],
    }
    pil_images = {}
    for name, make in IMAGES.items():
        array = np.ascontiguousarray(make(), dtype=np.uint8)
        height, width, _ = array.shape
        write(os.path.join(HERE, "images", name + ".rgb"), array.tobytes())
        pil_images[name] = Image.frombytes("RGB", (width, height), array.tobytes())
        manifest["images"].append({"name": name, "width": width, "height": height, "file": f"images/{name}.rgb"})

    with tempfile.TemporaryDirectory() as scratch:
        for config_name, config in CONFIGS.items():
            text = json.dumps(config, indent=2) + "\n"
            write(os.path.join(HERE, "configs", config_name + ".json"), text.encode())
            manifest["configs"].append({"name": config_name, "file": f"configs/{config_name}.json"})
            directory = os.path.join(scratch, config_name)
            write(os.path.join(directory, "preprocessor_config.json"), text.encode())
            # The zero-shot pipeline loads its image processor exactly this way.
            processor = AutoImageProcessor.from_pretrained(directory)
            assert type(processor).__name__ == "CLIPImageProcessorPil", type(processor)
            for image_name, image in pil_images.items():
                if config_name in FULL_SIZE_CONFIGS and image_name != "photo_640x480":
                    continue
                # As the pipeline calls it: a list with one PIL image, torch tensors out.
                pixels = processor(images=[image], return_tensors="pt")["pixel_values"][0].numpy()
                assert pixels.dtype == np.float32 and pixels.shape[0] == 3, (pixels.dtype, pixels.shape)
                file = f"tensors/{config_name}--{image_name}.f32"
                write(os.path.join(HERE, file), pixels.astype("<f4").tobytes())
                manifest["processor_cases"].append({
                    "config": config_name, "image": image_name, "file": file,
                    "height": int(pixels.shape[1]), "width": int(pixels.shape[2])})

    for image_name, sizes, filters in RESIZES:
        for width, height in sizes:
            for number in filters:
                filter_name = FILTERS[number]
                resized = pil_images[image_name].resize((width, height), resample=number)
                file = f"resized/{image_name}--{width}x{height}--{filter_name}.rgb"
                write(os.path.join(HERE, file), resized.tobytes())
                manifest["resize_cases"].append({
                    "image": image_name, "width": width, "height": height, "filter": number, "file": file})

    # One record per line: readable diffs without the bulk of full indentation.
    lines = [f' "{key}": ' + json.dumps(value) for key, value in manifest.items() if key == "versions"]
    for key in ("images", "configs", "processor_cases", "resize_cases"):
        lines.append(f' "{key}": [\n  ' + ",\n  ".join(json.dumps(item) for item in manifest[key]) + "\n ]")
    write(os.path.join(HERE, "manifest.json"), ("{\n" + ",\n".join(lines) + "\n}\n").encode())
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(HERE) for f in fs)
    print(f"{len(manifest['processor_cases'])} processor cases, {len(manifest['resize_cases'])} resize cases, "
          f"{total / 1e6:.2f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
