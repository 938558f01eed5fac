#!/usr/bin/env python3
"""Writes the pickled-checkpoint fixtures of TorchCheckpointTests with real `torch.save` (about 90 KB in all).

  micro-clip/          a micro random-weight CLIP (tiny-clip's 1514-token tokenizer, 4-wide towers, one layer each):
                       config.json, model.safetensors (F32, the reference), pytorch_model.bin (torch.save of the same
                       state_dict, an OrderedDict with its _metadata).
  micro-clip-f16/      pytorch_model.bin of the same weights rounded to F16 (the tests round the F32 reference).
  micro-clip-sharded/  the F32 weights as pytorch_model-00001-of-00002.bin, -00002-of-00002.bin and
                       pytorch_model.bin.index.json, as transformers' sharded save writes them.
  cases/views.bin      tensors sharing one storage (a tied weight twice, a transposed view, a strided slice with an
                       offset), a scalar, F16, BF16 and int64 tensors; cases/views.safetensors holds each one
                       contiguous, the reference.
  cases/views-big-endian.bin, views-deflated.bin, views-zip64.bin
                       the same archive rewritten: byteorder "big" with every storage byte-swapped; entries deflated;
                       every size and offset saturated to 0xFFFFFFFF with ZIP64 extra fields and a ZIP64 end record.
  cases/os-system.bin, eval.bin, stack-global.bin, inst.bin
                       a torch.save of an object reducing to posix.system (what os.system pickles as), eval (__builtin__.eval
                       in protocol 2);
                       a hand-made pickle naming os.system with STACK_GLOBAL; one using INST (a call by name).
  cases/out-of-bounds.bin, storage-size.bin, not-a-dict.bin
                       hand-made data.pkl: a view past its storage's end; a storage entry shorter than declared; a list.
  cases/legacy.bin     torch.save(..., _use_new_zipfile_serialization=False), the pre-1.6 format.

Run from anywhere: python3 Tests/TorchCheckpointTests/Fixtures/make_fixtures.py. Seeds are fixed; versions.json
records the versions used.
"""
import io
import json
import os
import shutil
import struct
import zipfile
import zlib

import numpy as np
import torch
import transformers
from safetensors.torch import save_file
from transformers import CLIPConfig, CLIPModel

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")


def micro_config():
    text = dict(vocab_size=1514, hidden_size=4, intermediate_size=5, num_attention_heads=2, num_hidden_layers=1,
                max_position_embeddings=77, hidden_act="quick_gelu", bos_token_id=1512, eos_token_id=1513,
                pad_token_id=1)
    vision = dict(hidden_size=4, intermediate_size=5, num_attention_heads=2, num_hidden_layers=1, image_size=32,
                  patch_size=8, hidden_act="quick_gelu")
    return CLIPConfig(text_config=text, vision_config=vision, projection_dim=3, logit_scale_init_value=2.6592)


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            n = torch.randn(p.shape, generator=g, dtype=torch.float32)
            if name == "logit_scale":
                p.fill_(2.9)
            elif "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * n)
            elif name.endswith("bias"):
                p.copy_(0.2 * n)
            elif "embedding" in name and "patch" not in name:
                p.copy_(0.5 * n)
            elif p.dim() == 4:
                p.copy_(n / np.sqrt(p[0].numel()))
            else:
                p.copy_(n / np.sqrt(p.shape[1]))
    return model


def fresh(d):
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def make_micro():
    model = randomize(CLIPModel(micro_config()), seed=4321).eval()
    base = fresh(os.path.join(HERE, "micro-clip"))
    model.config.save_pretrained(base)
    state = model.state_dict()  # an OrderedDict with _metadata, as from_pretrained-era checkpoints were saved
    save_file({k: v.contiguous() for k, v in state.items()}, os.path.join(base, "model.safetensors"),
              metadata={"format": "pt"})
    torch.save(state, os.path.join(base, "pytorch_model.bin"))

    half = fresh(os.path.join(HERE, "micro-clip-f16"))
    model.config.save_pretrained(half)
    half_state = {k: v.half() for k, v in state.items()}
    torch.save(half_state, os.path.join(half, "pytorch_model.bin"))

    sharded = fresh(os.path.join(HERE, "micro-clip-sharded"))
    model.config.save_pretrained(sharded)
    names = list(state.keys())
    shards = [names[: len(names) // 2], names[len(names) // 2:]]
    weight_map = {}
    for i, part in enumerate(shards):
        file = f"pytorch_model-{i + 1:05d}-of-{len(shards):05d}.bin"
        torch.save({k: state[k] for k in part}, os.path.join(sharded, file))
        weight_map.update({k: file for k in part})
    total = sum(v.numel() * v.element_size() for v in state.values())
    with open(os.path.join(sharded, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2, sort_keys=True)


def make_views():
    g = torch.Generator().manual_seed(7)
    base = torch.randn(4, 6, generator=g)
    tied = torch.randn(5, 3, generator=g)
    state = {
        "tied.a": tied, "tied.b": tied,  # one tensor twice: one storage, one entry
        "transposed": base.t(),  # strides (1, 6)
        "slice": base[1:, ::2],  # offset 6, strides (6, 2)
        "row": base[2],  # offset 12 into the same storage
        "scalar": torch.tensor(0.25),
        "half": torch.randn(3, 2, generator=g).half(),
        "bfloat": torch.randn(2, 3, generator=g).bfloat16(),
        "ids": torch.arange(7, dtype=torch.int64).view(1, 7),
        "empty": torch.zeros(0, 3),
    }
    path = os.path.join(CASES, "views.bin")
    torch.save(state, path)
    save_file({k: v.contiguous() for k, v in state.items() if k != "tied.b"},
              os.path.join(CASES, "views.safetensors"))
    entries = read_zip(path)
    write_zip(os.path.join(CASES, "views-deflated.bin"), entries, deflate=True)
    write_zip(os.path.join(CASES, "views-zip64.bin"), entries, zip64=True)
    widths = storage_widths(state)
    swapped = []
    for name, data in entries:
        key = name.split("/data/")[-1] if "/data/" in name else None
        if name.endswith("/byteorder"):
            data = b"big"
        elif key is not None:
            w = widths[key]
            data = b"".join(data[i:i + w][::-1] for i in range(0, len(data), w))
        swapped.append((name, data))
    write_zip(os.path.join(CASES, "views-big-endian.bin"), swapped)


def storage_widths(state):
    """The element width of each storage key, as torch.save numbers them (in order of first use)."""
    widths, seen = {}, []
    for v in state.values():
        ptr = v.untyped_storage().data_ptr()
        if ptr not in seen:
            seen.append(ptr)
            widths[str(len(seen) - 1)] = v.element_size()
    return widths


def read_zip(path):
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i.filename)) for i in z.infolist()]


def write_zip(path, entries, deflate=False, zip64=False):
    """A zip written by hand: stored or deflated; with `zip64`, every 32-bit size and offset saturated and carried in
    ZIP64 extra fields, and a ZIP64 end record, as an archive past 4 GB has them."""
    out, central = io.BytesIO(), []
    for name, data in entries:
        raw = name.encode()
        body = zlib.compress(data, 9)[2:-4] if deflate else data
        method = 8 if deflate else 0
        crc = zlib.crc32(data)
        offset = out.tell()
        sizes = (0xFFFFFFFF, 0xFFFFFFFF) if zip64 else (len(body), len(data))
        local_extra = struct.pack("<HHQQ", 1, 16, len(data), len(body)) if zip64 else b""
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, method, 0, 0, crc, sizes[0], sizes[1], len(raw),
                              len(local_extra)) + raw + local_extra + body)
        extra = struct.pack("<HHQQQ", 1, 24, len(data), len(body), offset) if zip64 else b""
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, method, 0, 0, crc, sizes[0], sizes[1],
                                   len(raw), len(extra), 0, 0, 0, 0, 0xFFFFFFFF if zip64 else offset) + raw + extra)
    start = out.tell()
    for c in central:
        out.write(c)
    size = out.tell() - start
    if zip64:
        record = out.tell()
        out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(entries), len(entries), size, start))
        out.write(struct.pack("<IIQI", 0x07064B50, 0, record, 1))
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))
    else:
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), size, start, 0))
    with open(path, "wb") as f:
        f.write(out.getvalue())


class Reduces:
    def __init__(self, function, argument):
        self.function, self.argument = function, argument

    def __reduce__(self):
        return (self.function, (self.argument,))


def archive(path, pkl, storages):
    """A torch.save-shaped archive around a hand-made data.pkl and its storages."""
    entries = [("archive/data.pkl", pkl), ("archive/byteorder", b"little")]
    entries += [(f"archive/data/{k}", v) for k, v in storages.items()]
    entries.append(("archive/version", b"3\n"))
    write_zip(path, entries)


def rebuild(storage_key, count, offset, size, stride):
    """The protocol-2 opcodes torch.save emits for one float32 tensor (BINPERSID of the storage, _rebuild_tensor_v2)."""
    def ints(values):
        return b"(" + b"".join(b"K" + bytes([v]) for v in values) + b"t"
    return (b"ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\n"
            + b"X" + struct.pack("<I", len(storage_key)) + storage_key.encode() + b"X\x03\x00\x00\x00cpu"
            + b"K" + bytes([count]) + b"tQ" + b"K" + bytes([offset]) + ints(size) + ints(stride)
            + b"\x89ccollections\nOrderedDict\n)RtR")  # requires_grad False, backward hooks OrderedDict(): (..)R


def make_hostile():
    torch.save({"w": torch.ones(2), "x": Reduces(os.system, "echo owned")}, os.path.join(CASES, "os-system.bin"))
    torch.save({"w": torch.ones(2), "x": Reduces(eval, "1+1")}, os.path.join(CASES, "eval.bin"))
    floats = struct.pack("<6f", *range(6))
    stack_global = b"\x80\x02}(X\x01\x00\x00\x00x\x8c\x02os\x8c\x06system\x93X\x02\x00\x00\x00id\x85Ru."
    archive(os.path.join(CASES, "stack-global.bin"), stack_global, {})
    archive(os.path.join(CASES, "inst.bin"), b"\x80\x02(X\x02\x00\x00\x00idios\nsystem\n.", {})
    archive(os.path.join(CASES, "out-of-bounds.bin"),
            b"\x80\x02}X\x01\x00\x00\x00w" + rebuild("0", 6, 4, [3], [1]) + b"s.", {"0": floats})
    archive(os.path.join(CASES, "storage-size.bin"),
            b"\x80\x02}X\x01\x00\x00\x00w" + rebuild("0", 6, 0, [6], [1]) + b"s.", {"0": floats[:20]})
    archive(os.path.join(CASES, "not-a-dict.bin"), b"\x80\x02]" + rebuild("0", 6, 0, [6], [1]) + b"a.",
            {"0": floats})
    # A genuine torch.save of the valid hand-made layout, to prove rebuild() matches what torch writes.
    check = os.path.join(CASES, "hand-made-check.bin")
    archive(check, b"\x80\x02}X\x01\x00\x00\x00w" + rebuild("0", 6, 2, [2, 2], [2, 1]) + b"s.", {"0": floats})
    loaded = torch.load(check, weights_only=True)
    assert loaded["w"].tolist() == [[2.0, 3.0], [4.0, 5.0]], loaded
    os.remove(check)
    for name in ("os-system.bin", "eval.bin", "stack-global.bin", "inst.bin"):
        try:
            torch.load(os.path.join(CASES, name), weights_only=True)
            raise AssertionError(f"torch.load(weights_only=True) accepted {name}")
        except Exception as error:  # noqa: BLE001: torch raises UnpicklingError (or a subclass of it)
            assert "weights_only" in str(error) or "Unsupported" in str(error) or "global" in str(error), error
    torch.save({"w": torch.ones(2)}, os.path.join(CASES, "legacy.bin"), _use_new_zipfile_serialization=False)


def main():
    fresh(CASES)
    make_micro()
    make_views()
    make_hostile()
    for name in ("views", "views-deflated", "views-zip64", "views-big-endian"):
        loaded = torch.load(os.path.join(CASES, name + ".bin"), weights_only=True)
        assert torch.equal(loaded["slice"], torch.load(os.path.join(CASES, "views.bin"))["slice"]), name
    with open(os.path.join(HERE, "versions.json"), "w") as f:
        json.dump({"torch": torch.__version__, "transformers": transformers.__version__, "numpy": np.__version__},
                  f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
