"""Writes the SigLIP and SigLIP 2 (Gemma) tokenizer fixtures from the reference, Hugging Face `transformers`.

Run from anywhere: `python3 Tests/TokenizerTests/Fixtures/make_sentencepiece_fixtures.py`. Deterministic (fixed
seeds, no network). The versions that ran are written into sentencepiece_cases.json ("versions").

It trains two small SentencePiece models on a corpus it writes itself (in a temporary directory):
  - a unigram model (nmt_nfkc normalization, as SigLIP's spiece.model), saved by `SiglipTokenizer.save_pretrained`;
  - a BPE model with byte_fallback=True and Gemma's special pieces (<pad> 0, <eos> 1, <bos> 2, <unk> 3, user
    symbols <mask>, <start_of_turn>, <end_of_turn>), converted by `GemmaTokenizer.from_pretrained` with
    add_bos_token=False, add_eos_token=True as SigLIP 2 ships it, and saved by `save_pretrained`.

Writes, beside this script:
  siglip/       spiece.model, tokenizer_config.json (as transformers 5 saves them) and a config.json saying
                model_type "siglip" (so AutoTokenizer resolves as for a SigLIP checkpoint).
  gemma/        tokenizer.json, tokenizer_config.json as transformers 5 saves them, config.json (model_type "siglip":
                SigLIP 2's fixed-resolution checkpoints are `siglip` models with a Gemma tokenizer).
  sentencepiece_cases.json:
    cases       for every string: `siglip` (AutoTokenizer on siglip/), `gemma` (AutoTokenizer on gemma/), and
                `siglip2` (AutoTokenizer on gemma/ with config.json saying model_type "siglip2", which transformers
                maps to Siglip2Tokenizer: Gemma's tokenizer with lower-casing), all with truncation=True,
                max_length=64, no padding.
    siglipVariants / gemmaVariants   tokenizer_config.json (and special_tokens_map.json) variants written beside
                the committed model files, as the Hub's repos have them, with the ids of `probes` under each.
    pythonLower the code points whose Python str.lower() is not themselves, with the result (SigLIP's lower-casing).
    rustLower   the same for `tokenizers`' Lowercase normalizer (Siglip2Tokenizer's).
    pythonWhitespace  the code points Python's str.isspace() (and re's \\s) accepts.
"""
import importlib.metadata
import json
import os
import random
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sentencepiece as spm  # noqa: E402
from tokenizers import normalizers  # noqa: E402
from transformers import AutoTokenizer, GemmaTokenizer, SiglipTokenizer  # noqa: E402

import make_fixtures  # noqa: E402  (the CLIP fixtures' hand-written corpus is reused)

VERSIONS = {name: importlib.metadata.version(name) for name in ("transformers", "tokenizers", "sentencepiece")}
VERSIONS["python"] = sys.version.split()[0]
MAX_LENGTH = 64
WORK = tempfile.mkdtemp()  # everything temporary goes here; removed at the end


# MARK: - Training corpus

def training_corpus():
    rng = random.Random(15)
    syllables = ["ka", "to", "ri", "mo", "na", "su", "pe", "lo", "da", "chi", "ba", "ne", "qu", "sh", "th", "ing",
                 "er", "an", "ou", "ai", "st", "pr", "gl", "ve", "xi", "zu"]
    base = ("This is a photo of the cat dog bird car tree house red blue green small large running jumping café "
            "naïve résumé über straße Ñandú façade 東京 猫 写真 犬 こんにちは 世界 Привет мир Ελλάδα hello world "
            "123 4567 2024 astronaut horse diagram painting sketch").split()
    words = base + ["".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) for _ in range(500)]
    lines = []
    for _ in range(5000):
        line = " ".join(rng.choice(words) for _ in range(rng.randint(3, 14)))
        if rng.random() < 0.3:
            line = line.capitalize() + rng.choice([".", "!", "?", ",", " -", "..."])
        lines.append(line)
    return "\n".join(lines) + "\n"


def train(directory):
    corpus = os.path.join(directory, "corpus.txt")
    with open(corpus, "w", encoding="utf-8") as handle:
        handle.write(training_corpus())
    quiet = {"minloglevel": 2}
    unigram = os.path.join(directory, "unigram")
    spm.SentencePieceTrainer.train(
        input=corpus, model_prefix=unigram, vocab_size=1200, model_type="unigram", hard_vocab_limit=False,
        character_coverage=0.9995, **quiet)
    bpe = os.path.join(directory, "bpe")
    spm.SentencePieceTrainer.train(
        input=corpus, model_prefix=bpe, vocab_size=1200, model_type="bpe", byte_fallback=True,
        hard_vocab_limit=False, character_coverage=0.995, pad_id=0, eos_id=1, bos_id=2, unk_id=3,
        pad_piece="<pad>", eos_piece="<eos>", bos_piece="<bos>", unk_piece="<unk>",
        user_defined_symbols=["<mask>", "<start_of_turn>", "<end_of_turn>"], **quiet)
    return unigram + ".model", bpe + ".model"


# MARK: - Strings to tokenize

def strings():
    cases = [
        "", " ", "  ", "\t", "\n", " \t\n\r\v\f ", "a", "A", ".", "...", "!?", "a photo of a cat", "A Photo Of A Cat",
        "This is a photo of a cat.", "This is a photo of {}.", "hello world", "Hello, World!", "HELLO WORLD",
        "  leading spaces", "trailing spaces   ", "  both  ", "many     inner      spaces", "tabs\tand\nnewlines",
        "line one\nline two\r\nline three", "\u00a0no-break\u00a0space", "ideographic\u3000space", "em\u2003space",
        "zero\u200bwidth", "word\u2028separator", "x\u0085y", "x\x1cy\x1fz",
        # Punctuation runs (SigLIP strips ASCII punctuation only).
        "!!!", "hello!!!world", "a-b-c", "snake_case_name", "e.g. i.e.", "(parenthesised)", "[brackets] {braces}",
        "quote \"double\" 'single'", "back`tick` ~tilde^ caret", "100% #1 @home $5 &more*", "a/b\\c|d", "<tag>",
        "¡Hola! ¿Qué tal?", "«guillemets» „quotes“", "“curly” ‘quotes’", "em—dash en–dash", "ellipsis…",
        "full．width，punct！", "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３", "ﬁ ligature ﬀ", "Ⅻ roman", "① circled", "x² y³ ½",
        # Accents, composed and decomposed.
        "café", "cafe\u0301", "naïve", "nai\u0308ve", "résumé", "Ñandú", "N\u0303andu\u0301", "façade", "über straße",
        "ÜBER STRASSE", "Å Å Å", "ǅ ǈ ǋ", "İstanbul", "ΣΊΣΥΦΟΣ", "ὈΔΥΣΣΕΎΣ", "Ελλάδα", "Привет мир", "ПРИВЕТ",
        "ﬃ", "ﬅ", "a\u0300\u0301\u0302", "\u0301leading mark", "Ǆemal", "ᾼ ᾈ", "K Kelvin", "Ω ohm", "Å angstrom",
        # CJK and other scripts.
        "東京", "猫の写真", "犬", "こんにちは世界", "ｶﾀｶﾅ", "カタカナ", "한국어 문장", "中文句子，有标点。", "東京 猫 写真",
        "ภาษาไทย", "हिन्दी", "العربية", "עברית", "ελληνικά", "𠀋 rare cjk", "\U00020000",
        # Emoji.
        "😀", "a 🐱 cat", "👍🏽", "👨‍👩‍👧‍👦 family", "🇫🇷 flag", "❤️", "✨✨✨", "emoji😀in😀words", "🐱🐶🐭",
        # Digits.
        "0", "123", "4567", "2024-01-01", "3.14159", "1,000,000", "٣٤٥", "１２３", "number 42 and 7",
        # Special-token strings inside text.
        "</s>", "<unk>", "<pad>", "<s>", "<eos>", "<bos>", "<mask>", "<start_of_turn>", "<end_of_turn>",
        "a </s> b", "a</s>b", "</s></s>", "hello </s>", "hello</s>", " </s> ", "<eos> hello <bos>", "x<eos>y",
        "<start_of_turn>user\nhi<end_of_turn>", "<<mask>>", "</s", "<unk", "<EOS>", "<Mask>", "▁", "▁hello",
        "hello▁world", "▁▁▁", "a ▁ b",
        # Control characters.
        "\x00", "a\x00b", "\x07bell", "\x7f", "\ufeffbom", "\ufffd", "\U0010ffff",
    ]
    labels = ["cat", "dog", "a bird", "Eiffel Tower", "café au lait", "東京", "🐱", "New York City", "t-shirt",
              "O'Neil", "rock & roll", "3D printer", "über", ""]
    cases += [f"This is a photo of {label}." for label in labels]
    cases += [f"a photo of a {label}" for label in labels]
    # Over-long texts (truncation), and </s> / <eos> right at the truncation boundary.
    rng = random.Random(64)
    vocabulary = "the a photo of cat dog bird red blue green small large 東京 猫 café naïve 123".split()
    for length in (40, 63, 64, 65, 100, 300):
        cases.append(" ".join(rng.choice(vocabulary) for _ in range(length)))
    for position in range(58, 68):
        cases.append("cat " * position + "</s> dog dog")
        cases.append("cat " * position + "<eos> dog dog")
    cases.append("x" * 500)
    cases.append("東" * 200)
    cases.append("😀" * 100)
    cases.append(" " * 300 + "end")
    cases += make_fixtures.hand_written()
    unique = []
    for case in cases:
        if case not in unique:
            unique.append(case)
    return unique


PROBES = ["", "a photo of a cat", "This is a photo of a Cat.", "a </s> b", "a</s>b", "</s>", "<unk> x", "<pad>",
          "hello <eos> world", "<bos>hi", "<mask>", "Ünïcödé CAFÉ", "  spaced  out  ", "<start_of_turn>x",
          "<EOS>", "x" * 120]


# MARK: - Reference ids

def ids(tokenizer, text):
    return tokenizer(text, truncation=True, max_length=MAX_LENGTH)["input_ids"]


def with_config(model_files, config, special_map=None, model_type="siglip"):
    """A temporary directory with the model files, the given tokenizer_config.json and a config.json."""
    directory = tempfile.mkdtemp(dir=WORK)
    for path in model_files:
        shutil.copy(path, directory)
    with open(os.path.join(directory, "tokenizer_config.json"), "w", encoding="utf-8") as handle:
        json.dump(config, handle)
    if special_map is not None:
        with open(os.path.join(directory, "special_tokens_map.json"), "w", encoding="utf-8") as handle:
            json.dump(special_map, handle)
    with open(os.path.join(directory, "config.json"), "w", encoding="utf-8") as handle:
        json.dump({"model_type": model_type}, handle)
    return directory


def token(content, lstrip=False, rstrip=False, normalized=False):
    return {"content": content, "lstrip": lstrip, "normalized": normalized, "rstrip": rstrip, "single_word": False,
            "special": True}


def siglip_variants(spiece):
    """tokenizer_config.json files as SigLIP repos have them (the Hub's were saved by transformers 4)."""
    processor = spm.SentencePieceProcessor(model_file=spiece)
    eos, unk = processor.piece_to_id("</s>"), processor.piece_to_id("<unk>")
    hub_decoder = {str(eos): token("</s>", True, True), str(unk): token("<unk>", True, True)}
    hub = {"added_tokens_decoder": hub_decoder, "additional_special_tokens": [], "clean_up_tokenization_spaces": True,
           "do_lower_case": True, "eos_token": "</s>", "model_input_names": ["input_ids"], "model_max_length": 64,
           "pad_token": "</s>", "processor_class": "SiglipProcessor", "sp_model_kwargs": {},
           "tokenizer_class": "SiglipTokenizer", "unk_token": "<unk>"}
    special_map = {"eos_token": token("</s>", True, True), "pad_token": token("</s>", True, True),
                   "unk_token": token("<unk>", True, True)}
    variants = [
        ("hub", hub, special_map),
        ("hub, cased", dict(hub, do_lower_case=False), special_map),
        ("no added_tokens_decoder", {k: v for k, v in hub.items() if k != "added_tokens_decoder"}, special_map),
        ("strings only", {"tokenizer_class": "SiglipTokenizer", "model_max_length": 64}, None),
        ("empty config", {}, None),
    ]
    return variants


def gemma_variants(tokenizer_json):
    with open(tokenizer_json, encoding="utf-8") as handle:
        added = json.load(handle)["added_tokens"]
    decoder = {str(item["id"]): {k: v for k, v in item.items() if k != "id"} for item in added}
    hub = {"add_bos_token": False, "add_eos_token": True, "added_tokens_decoder": decoder,
           "additional_special_tokens": ["<start_of_turn>", "<end_of_turn>"], "bos_token": "<bos>",
           "clean_up_tokenization_spaces": False, "eos_token": "<eos>", "mask_token": "<mask>",
           "model_max_length": 64, "pad_token": "<pad>", "padding_side": "right", "processor_class": "SiglipProcessor",
           "sp_model_kwargs": {}, "spaces_between_special_tokens": False, "tokenizer_class": "GemmaTokenizer",
           "unk_token": "<unk>", "use_default_system_prompt": False}
    return [
        ("hub", hub, "siglip"),
        ("hub, model_type siglip2", hub, "siglip2"),
        ("hub with bos", dict(hub, add_bos_token=True), "siglip"),
        ("hub without eos", dict(hub, add_eos_token=False), "siglip"),
        ("no add_*_token: tokenizer.json's post-processor",
         {k: v for k, v in hub.items() if k not in ("add_bos_token", "add_eos_token")}, "siglip"),
        ("no added_tokens_decoder", {k: v for k, v in hub.items() if k != "added_tokens_decoder"}, "siglip"),
    ]


def lower_tables():
    python, rust = {}, {}
    lowercase = normalizers.Lowercase()
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        if char.lower() != char:
            python[str(code)] = [ord(c) for c in char.lower()]
        lowered = lowercase.normalize_str(char)
        if lowered != char:
            rust[str(code)] = [ord(c) for c in lowered]
    return python, rust


def main():
    work = WORK
    unigram, bpe = train(work)

    siglip_dir = os.path.join(HERE, "siglip")
    shutil.rmtree(siglip_dir, ignore_errors=True)
    SiglipTokenizer(vocab_file=unigram).save_pretrained(siglip_dir)
    with open(os.path.join(siglip_dir, "config.json"), "w", encoding="utf-8") as handle:
        json.dump({"model_type": "siglip"}, handle)

    gemma_dir = os.path.join(HERE, "gemma")
    shutil.rmtree(gemma_dir, ignore_errors=True)
    source = os.path.join(work, "gemma-source")
    os.makedirs(source)
    shutil.copy(bpe, os.path.join(source, "tokenizer.model"))
    gemma = GemmaTokenizer.from_pretrained(source, add_bos_token=False, add_eos_token=True, model_max_length=64)
    gemma.save_pretrained(gemma_dir)
    config_path = os.path.join(gemma_dir, "tokenizer_config.json")
    with open(config_path, encoding="utf-8") as handle:
        config = json.load(handle)
    for key in ("vocab_file", "is_local", "local_files_only"):  # paths and flags of this machine
        config.pop(key, None)
    with open(config_path, "w", encoding="utf-8") as handle:
        json.dump(config, handle, indent=2, ensure_ascii=False)
    with open(os.path.join(gemma_dir, "config.json"), "w", encoding="utf-8") as handle:
        json.dump({"model_type": "siglip"}, handle)
    gemma_siglip2_dir = with_config(
        [os.path.join(gemma_dir, "tokenizer.json")], config, model_type="siglip2")

    siglip = AutoTokenizer.from_pretrained(siglip_dir)
    gemma = AutoTokenizer.from_pretrained(gemma_dir)
    siglip2 = AutoTokenizer.from_pretrained(gemma_siglip2_dir)
    assert type(siglip).__name__ == "SiglipTokenizer", type(siglip)
    assert type(gemma).__name__ == "GemmaTokenizer", type(gemma)
    assert type(siglip2).__name__ == "Siglip2Tokenizer", type(siglip2)

    cases = [{"text": text, "siglip": ids(siglip, text), "gemma": ids(gemma, text), "siglip2": ids(siglip2, text)}
             for text in strings()]

    spiece = os.path.join(siglip_dir, "spiece.model")
    siglip_out = []
    for name, variant, special_map in siglip_variants(spiece):
        directory = with_config([spiece], variant, special_map)
        tokenizer = AutoTokenizer.from_pretrained(directory)
        siglip_out.append({"name": name, "config": variant, "specialTokensMap": special_map,
                           "ids": [ids(tokenizer, probe) for probe in PROBES]})
    tokenizer_json = os.path.join(gemma_dir, "tokenizer.json")
    gemma_out = []
    for name, variant, model_type in gemma_variants(tokenizer_json):
        directory = with_config([tokenizer_json], variant, model_type=model_type)
        tokenizer = AutoTokenizer.from_pretrained(directory)
        gemma_out.append({"name": name, "config": variant, "modelType": model_type,
                          "tokenizerClass": type(tokenizer).__name__,
                          "ids": [ids(tokenizer, probe) for probe in PROBES]})

    python_lower, rust_lower = lower_tables()
    whitespace = [code for code in range(0x110000) if chr(code).isspace()]
    output = {
        "versions": VERSIONS, "maxLength": MAX_LENGTH, "cases": cases, "probes": PROBES,
        "siglipVariants": siglip_out, "gemmaVariants": gemma_out,
        "siglipPadTokenID": siglip.pad_token_id, "gemmaPadTokenID": gemma.pad_token_id,
        "siglipVocabularySize": len(siglip), "gemmaVocabularySize": len(gemma),
        "pythonLower": python_lower, "rustLower": rust_lower, "pythonWhitespace": whitespace,
    }
    with open(os.path.join(HERE, "sentencepiece_cases.json"), "w", encoding="utf-8") as handle:
        json.dump(output, handle, ensure_ascii=False, separators=(",", ":"))
    shutil.rmtree(work)
    print(f"{len(cases)} cases, {len(siglip_out)} + {len(gemma_out)} config variants", file=sys.stderr)


if __name__ == "__main__":
    main()
