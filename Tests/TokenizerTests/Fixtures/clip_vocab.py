"""Builds CLIP's BPE vocabulary in the Hugging Face Hub layout (vocab.json + merges.txt).

The source is `bpe_simple_vocab_16e6.txt.gz`, which ships inside the `open-clip-torch` package (installed
with `pip install --no-deps open-clip-torch`: its torchvision dependency must stay out, see README). The
construction is the one OpenAI's `SimpleTokenizer` and `CLIPTokenizer` use: 256 byte symbols, the same with
`</w>`, one token per merge in rank order, then `<|startoftext|>` and `<|endoftext|>`.

`num_merges` keeps only the first merges, which is still a valid BPE tokenizer (every merge's product is in
the vocabulary); small test checkpoints use it to keep their embedding tables small.
"""
import gzip
import importlib.util
import json
import os

FULL_MERGES = 49152 - 256 - 2  # 48894 merges -> 49408 tokens


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(2**8):
        if b not in bs:
            bs.append(b)
            cs.append(2**8 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def bpe_path():
    spec = importlib.util.find_spec("open_clip")
    if spec is None:
        raise SystemExit("open-clip-torch is needed for its BPE file: pip install --no-deps open-clip-torch")
    return os.path.join(spec.submodule_search_locations[0], "bpe_simple_vocab_16e6.txt.gz")


def build_vocab(num_merges=FULL_MERGES):
    with gzip.open(bpe_path()) as f:
        lines = f.read().decode("utf-8").split("\n")
    merges = [tuple(line.split()) for line in lines[1 : 1 + num_merges]]
    vocab = list(bytes_to_unicode().values())
    vocab = vocab + [v + "</w>" for v in vocab]
    vocab += ["".join(m) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    return {token: i for i, token in enumerate(vocab)}, merges


def write_hub_tokenizer(directory, num_merges=FULL_MERGES, model_max_length=77):
    """Writes vocab.json, merges.txt, tokenizer_config.json and special_tokens_map.json as on the Hub."""
    vocab, merges = build_vocab(num_merges)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(directory, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    special = {
        "bos_token": "<|startoftext|>",
        "eos_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>",
        "pad_token": "<|endoftext|>",
    }
    with open(os.path.join(directory, "special_tokens_map.json"), "w") as f:
        json.dump(special, f, indent=2)
    config = dict(special, model_max_length=model_max_length, do_lower_case=True,
                  errors="replace", tokenizer_class="CLIPTokenizer")
    with open(os.path.join(directory, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=2)
    return vocab, merges
