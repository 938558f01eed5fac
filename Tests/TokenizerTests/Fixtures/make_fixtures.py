"""Writes the tokenizer fixtures from the reference, Hugging Face `CLIPTokenizerFast`.

Run from anywhere: `python3 Tests/TokenizerTests/Fixtures/make_fixtures.py`. Deterministic (fixed seeds, no
network). Ran with:
    python 3.11.7, transformers 5.24.0, tokenizers 0.23.3, torch 2.15.0 (torch is not used by the tokenizer; it
    is recorded because the stack is pinned together). The versions that ran are also written into cases.json.

Writes, beside this script:
  clip/                 the full CLIP vocabulary in the Hub layout (vocab.json, merges.txt, tokenizer_config.json,
                        special_tokens_map.json), built by clip_vocab.write_hub_tokenizer.
  clip-small/           the same with only the first 2000 merges (as small test checkpoints use).
  clip-small-json/      clip-small loaded by CLIPTokenizerFast and saved by `save_pretrained`: tokenizer.json and
                        tokenizer_config.json only (the full vocabulary's tokenizer.json is 3.6 MB, too big).
  cases.json            the corpus (>= 500 strings), for each: the reference ids with the full vocabulary
                        (truncation=True, as the engine truncates), the ids with the small vocabulary (the same
                        from clip-small and clip-small-json), the ids when clip-small-json's added tokens are
                        marked `normalized: true` (only where they differ), and the normalizer's output; plus the
                        pipeline's template
                        sentences with their (padded) ids, a few ~1 MB strings given as a repeated unit, and the ids
                        of a few probes under tokenizer_config.json variants (how special tokens are declared).
  unicode_reference.json  what the reference does per code point: the pre-tokenizer's class of every code point
                        (whitespace, letter, number, other) as runs, the normalizer's output for every code point
                        it changes, the canonical compositions the reference does not perform, and the
                        normalizer's output for 3000 random sequences of scalars where NFC is delicate.
"""
import importlib.metadata
import json
import os
import random
import shutil
import sys
import tempfile
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import clip_vocab  # noqa: E402

from transformers import CLIPTokenizerFast  # noqa: E402

VERSIONS = {name: importlib.metadata.version(name) for name in ("transformers", "tokenizers", "torch")}
VERSIONS["python"] = sys.version.split()[0]
SMALL_MERGES = 2000


# MARK: - Corpus

def hand_written():
    """Cases chosen one by one for what they exercise."""
    cases = [
        # Empty, whitespace only, single characters.
        "", " ", "   ", "\t", "\n", "\r\n", " \t\n\r\v\f ", "a", "A", "z", "0", "!", "'", "<", "|",
        # Plain English.
        "a photo of a cat", "A Photo Of A Cat", "hello world", "Hello, World!", "the quick brown fox jumps over "
        "the lazy dog", "THE QUICK BROWN FOX", "a diagram", "a dog", "an astronaut riding a horse on mars",
        # Contractions, lower and upper case, and apostrophes that are not contractions.
        "don't", "DON'T", "Don't", "I'LL", "i'll", "it's", "IT'S", "It'S", "we've", "WE'VE", "they're", "THEY'RE",
        "I'm", "I'M", "he'd", "HE'D", "'s", "'S", "''s", "'sa", "'ll've", "rock'n'roll", "O'Neil", "o'clock",
        "it\u2019s", "cats'", "'quoted'", "''", "'''", "'d'd'd", "can't't", "'t", "'re", "'ve", "'m", "'ll", "'d",
        "x'sy", "!'s", "1's", "'s's", "'LL", "'Ll", "'lL",
        # Numbers.
        "123", "2024", "3.14159", "1,000,000", "-42", "+1 (555) 123-4567", "10%", "$100", "\u0663\u0664\u0665",
        "\u00b2\u00b3", "\u216b", "\u00bd", "\u0967\u0968\u0969", "\uff11\uff12\uff13", "\u2460\u2461", "0x1F",
        "1e-10", "v2.0.1", "24/7", "12:30pm", "3rd", "21st century", "\U0001d7d8\U0001d7d9",
        # Punctuation runs.
        "!!!", "...", "?!?!", "-->", "@#$%^&*()", "((()))", "a--b", "#hashtag", "@user", "\u2014\u2014", "\u00ab\u00bb",
        "http://example.com/path?q=1&b=2", "email@example.com", "C++", "C#", "f(x) = x^2 + 1", "[1, 2, 3]",
        "{\"key\": \"value\"}", "<b>bold</b>", "snake_case_name", "kebab-case", "a.b.c", "..a..", "~~~", "\\n",
        # Whitespace variants.
        "a  b", "a\tb", "a\nb", "a\r\nb", "a\u00a0b", "a\u2003b", "a\u3000b", "a\u200bb", "a\u2028b", "a\u2029b",
        "a\u0085b", "a\u180eb", "a\u000bb\u000cc", "a\u001cb\u001dc\u001ed\u001ff", "a\u2000b\u2001c\u200ad",
        "a\u202fb\u205fc", "a\ufeffb", "  leading", "trailing  ", "  both  ", "many     spaces     here",
        "\u00a0\u00a0", "\u3000", "\u2028\u2029",
        # Special-token strings: matched on the raw text, before normalization.
        "<|startoftext|>", "<|endoftext|>", "a<|endoftext|>b", "a<|endoftext|>!", "<|endoftext|><|endoftext|>",
        "<|ENDOFTEXT|>", "x<|EndOfText|>!", "<|startoftext|>hello<|endoftext|>", "<|endoftext", "<|endoftext|",
        "<<|endoftext|>>", "<|startoftext|> <|endoftext|>", "a <|endoftext|> b", "<|endoftext|>cat",
        "cat<|startoftext|>", "!<|startoftext|>!", "<|StartOfText|>", "<|start of text|>", "< |endoftext| >",
        "<|endoftext|>" * 3, "<|endoftext|>\u0301", "e<|endoftext|>\u0301", "A<|ENDOFTEXT|>b",
        # Accents and canonical equivalence (NFC).
        "caf\u00e9", "cafe\u0301", "na\u00efve", "nai\u0308ve", "\u00c5ngstr\u00f6m", "\u212bngstr\u00f6m",
        "A\u030angstro\u0308m", "\ufb01le", "\u01c4", "\u01c5", "\u01c6", "a\u0300\u0301", "a\u0301\u0300",
        "q\u0307\u0323", "q\u0323\u0307", "\u0301", "\u0301a", "e\u0301\u0301", "\u1e0b\u0323", "\u1e9b\u0323",
        "\u0340\u0341", "\u0958", "\u0915\u093c", "\u2126", "\u1f71", "\u00e9" * 3, "E\u0301COLE",
        "\u1100\u1161\u11a8", "\u1100\u1161", "\uac00\u11a8", "\U00011935\U00011930", "\U00011938",
        "a\U00011935\U00011930b", "\U00011935\U00011930\u0301",
        # Turkish I, German sharp s, Greek sigma, other case mappings.
        "\u0130stanbul", "ISTANBUL", "\u0131i", "I\u0307", "\u0130", "\u0130\u0130\u0130", "STRASSE", "Stra\u00dfe",
        "\u1e9e", "\u1e9eTRASSE", "\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3", "\u03a3", "\u03a3\u0391\u03a3",
        "\u1f48\u0394\u03a5\u03a3\u03a3\u0395\u038e\u03a3", "\u03c3\u03c2", "\u0178", "\u212a", "\u2c6f", "\u0345",
        "\u1fbc", "\u1f88", "\u0587", "\u0149", "\u01f0", "\u1e96", "\ua7ae", "\U00010400\U00010428",
        "\U0001e900", "\u13a0\uab70",
        # Fullwidth and compatibility forms (NFC keeps them).
        "\uff21\uff22\uff23\uff11\uff12\uff13\uff01",
        "\uff48\uff45\uff4c\uff4c\uff4f\u3000\uff57\uff4f\uff52\uff4c\uff44",
        "\u2460", "\u33a1", "\u2122", "\U0001d573\U0001d58a\U0001d591\U0001d591\U0001d594",
        # Scripts.
        "\u4f60\u597d\u4e16\u754c", "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
        "\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8",
        "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645", "\u05e9\u05dc\u05d5\u05dd",
        "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e",
        "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e0a\u0e32\u0e27\u0e42\u0e25\u0e01",
        "\u0bb5\u0ba3\u0b95\u0bcd\u0b95\u0bae\u0bcd",
        "\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440",
        "\u10d2\u10d0\u10db\u10d0\u10e0\u10ef\u10dd\u10d1\u10d0",
        "\u0540\u0561\u0575\u0565\u0580\u0565\u0576", "\u1200\u1208", "\u0f00\u0f40", "\u1780\u17d2\u1798\u17c2\u179a",
        "\u1000\u103c\u1014\u103a\u1019\u102c", "\u0d2e\u0d32\u0d2f\u0d3e\u0d33\u0d02",
        "\u0634\u06a9\u0631\u06cc\u0647",
        "mixed \u4e2d\u6587 and English", "\u4e2d\u6587123\u4e2d\u6587", "\u3042\u30fc\u3063", "\u30a2\u30a4\u30a6",
        # Emoji and joiners.
        "\U0001f44d", "\U0001f44d\U0001f3fd", "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",
        "\U0001f1eb\U0001f1f7", "\u2764\ufe0f", "\U0001f600\U0001f603\U0001f604", "\U0001f3f3\ufe0f\u200d\U0001f308",
        "1\ufe0f\u20e3", "a\u200db", "a\u200cb", "cat\U0001f431", "\U0001f431 cat", "I \u2764 NY", "\u263a",
        "\U0001f355\U0001f355\U0001f355", "\u00a9\u00ae",
        # Control characters and unusual code points.
        "\x00", "a\x00b", "a\x07b", "\x1b[31mred\x1b[0m", "\x7f", "\x01\x02\x03", "\ufffd", "\ufeff", "\U0010ffff",
        "\U000e0041\U000e0042", "\U000f0000", "\ue000", "\ufdd0", "\U0001ffff", "\U00010348", "\u0378",
        "a\u088fb", "\u088f", "\U00011db0", "\u1c89\u1c8a", "\U000105c0", "\u0cdc", "\U0001e5d0",
    ]
    # Very long words and texts over 77 tokens.
    cases += [
        "a" * 1000, "supercalifragilisticexpialidocious" * 20, "abc" * 300, "\U0001f600" * 100, "ab " * 500,
        "word " * 200, " ".join(str(i) for i in range(300)), "!" * 500, "\u4f60" * 200, "\u00e9" * 300,
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et "
        "dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip "
        "ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore.",
        "<|endoftext|>" * 100, "a<|endoftext|>" * 60, "x" * 75 + " y", "1" * 80, ("one two three " * 30).strip(),
        "\u0130" * 100, "e\u0301" * 100, "I'LL " * 40,
    ]
    return cases


POOLS = {
    "english": "the a of cat dog photo picture red blue green small large car house tree person running "
               "beautiful sunset mountain river city night day food pizza coffee computer phone book".split(),
    "accented": ["caf\u00e9", "na\u00efve", "\u00fcber", "se\u00f1or", "fa\u00e7ade", "\u00e0", "\u00f8re",
                 "Ma\u00f1ana", "\u00c9T\u00c9", "cr\u00e8me", "br\u00fbl\u00e9e", "\u0141\u00f3d\u017a"],
    "combining": ["e\u0301", "a\u0308", "o\u0302", "n\u0303", "c\u0327", "u\u030a", "\u0301", "\u0323\u0307",
                  "A\u030a", "i\u0307", "\u0915\u093c", "\u1100\u1161"],
    "case": ["\u0130", "I", "\u0131", "\u03a3", "\u03c2", "SS", "\u00df", "\u1e9e", "\u01c5", "\u0345", "\u212a"],
    "cjk": ["\u4f60\u597d", "\u4e16\u754c", "\u732b", "\u72d7", "\u65e5\u672c", "\u3072\u3089\u304c\u306a",
            "\u30ab\u30bf\u30ab\u30ca", "\ud55c\uad6d", "\uc0ac\uc9c4"],
    "scripts": ["\u0645\u0631\u062d\u0628\u0627", "\u05e9\u05dc\u05d5\u05dd", "\u0928\u092e\u0938\u094d\u0924\u0947",
                "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35", "\u041f\u0440\u0438\u0432\u0435\u0442",
                "\u0393\u03b5\u03b9\u03ac", "\u10d2\u10d0\u10db\u10d0\u10e0",
                "\u0bb5\u0ba3\u0b95\u0bcd\u0b95\u0bae\u0bcd"],
    "emoji": ["\U0001f600", "\U0001f44d\U0001f3fd", "\U0001f468\u200d\U0001f469\u200d\U0001f467",
              "\U0001f1ef\U0001f1f5",
              "\u2764\ufe0f", "\U0001f431", "\U0001f355", "\u2600", "\U0001f3f3\ufe0f\u200d\U0001f308", "\u200d"],
    "punct": ["!", "?", ".", ",", "...", "!!", "?!", "-", "--", "'", "\"", "(", ")", "[", "]", "#", "@", "&",
              "\u2014", "\u00bf", "\u3002", "\uff01", "*", "/", "\\", "|", "<", ">", "<|", "|>", "_", "~", "`"],
    "contraction": ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'VE", "'M", "'LL", "'D"],
    "digits": ["0", "7", "42", "2024", "3.14", "1,000", "\u0663", "\u00bd", "\u00b2", "\uff15", "\u2167"],
    "space": [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\u3000", "\u2028", "\u0085", " \t ", "\u200b",
              "\u000b", "\u001f"],
    "special": ["<|startoftext|>", "<|endoftext|>", "<|ENDOFTEXT|>", "<|endoftext", "|endoftext|>"],
    "control": ["\x00", "\x07", "\x1b", "\x7f", "\u0080", "\u009f", "\ufffd", "\ufeff"],
    "upper": [w.upper() for w in "cat dog photo street people".split()] + ["McDonald", "iPhone", "NASA"],
}


def random_code_point(rng):
    """A random assigned-or-not scalar value, weighted towards the BMP; never a surrogate."""
    while True:
        c = rng.choice([rng.randrange(0x20, 0x3000), rng.randrange(0x3000, 0x10000), rng.randrange(0x10000, 0x110000)])
        if not 0xD800 <= c <= 0xDFFF:
            return chr(c)


def random_mixes(count, seed):
    """Seeded random concatenations of pool pieces and random code points, some long."""
    rng = random.Random(seed)
    names = sorted(POOLS)
    cases = []
    for i in range(count):
        length = rng.choice([1, 2, 3, 5, 8, 13, 20, 40]) if i % 10 else rng.randrange(60, 200)
        parts = []
        for _ in range(length):
            r = rng.random()
            if r < 0.08:
                parts.append(random_code_point(rng))
            else:
                parts.append(rng.choice(POOLS[rng.choice(names)]))
            # Separate by a space most of the time, so words form; sometimes glue pieces together.
            if rng.random() < 0.7:
                parts.append(" ")
        cases.append("".join(parts))
    return cases


def corpus():
    cases = hand_written() + random_mixes(400, seed=20240601)
    seen = set()
    unique = []
    for text in cases:
        if text not in seen:
            seen.add(text)
            unique.append(text)
    assert len(unique) >= 500, len(unique)
    return unique


# MARK: - Reference runs

TEMPLATE = "This is a photo of {}."
LABELS = ["cat", "dog", "a red car", "New York City", "na\u00efve caf\u00e9", "\U0001f355", "\u00fcber-cool",
          "\u03a3\u03af\u03c3\u03c5\u03c6\u03bf\u03c2", "", "airplane", "O'Neil's DOG", "\u732b"]


# About 1 MB each, stored as (unit, count) so the file stays small; the tests build the strings.
REPEATED = [("a", 1_000_000), ("a photo of a cat. ", 60_000), ("\u4f60", 330_000), ("\U0001f600", 250_000),
            ("e\u0301", 330_000), ("<|endoftext|>", 80_000), ("DON'T ", 170_000), ("\u00a0", 500_000),
            # Long runs that make a naive canonical ordering, or Foundation's NFC, quadratic.
            ("\u0316\u0301", 250_000), ("\u0f73", 200_000), ("\uac00\u11a8", 160_000), ("'", 1_000_000)]

# Scalars where NFC is delicate: starters, marks of several combining classes, scalars that decompose (to
# non-starters too), composition exclusions, Hangul, multi-part Indic vowels, Dives Akuru, and marks newer than
# the reference's Unicode 9.0 normalization tables (U+07FD 11.0 ... U+1ACF 17.0), supplementary starters.
NORMALIZATION_POOL = [
    0x61, 0x65, 0x6F, 0x41, 0x20, 0xE9, 0xEA, 0x1EBF, 0xC5, 0x2126, 0x212B, 0x130, 0x3A3, 0x300, 0x301, 0x302,
    0x307, 0x308, 0x316, 0x323, 0x327, 0x31B, 0x345, 0x344, 0x340, 0x343, 0x5B0, 0xF71, 0xF72, 0xF73, 0xF74, 0xF75,
    0xF80, 0xF81, 0x93C, 0x94D, 0x3099, 0x309A, 0x1100, 0x1161, 0x11A8, 0xAC00, 0xAC01, 0xCC6, 0xCC2, 0xCD5, 0xCCA,
    0xB47, 0xB3E, 0xB57, 0x9C7, 0x9BE, 0xDD9, 0xDCF, 0xDCA, 0xDDC, 0x11935, 0x11930, 0x11938, 0x3B1, 0x313, 0x342,
    0x1F00, 0x304B, 0x304C, 0x958, 0x915, 0xF40, 0xFB5, 0xF69, 0x1E0B, 0x1B05, 0x1B35, 0x1B06, 0x102E, 0x1025,
    0x1026, 0x7FD, 0x897, 0x898, 0xD3B, 0xEBA, 0x1ABF, 0x1ACF, 0x10EFD,
    # Supplementary starters whose low 16 bits are composing starters, and supplementary (de)compositions.
    0x10041, 0x201A1, 0x1003B1, 0x1D15E, 0x1D165, 0x1D16E, 0x11099, 0x110BA, 0x2F800]


def token_object(content, normalized):
    return {"__type": "AddedToken", "content": content, "lstrip": False, "normalized": normalized, "rstrip": False,
            "single_word": False}


def config_variants(directory):
    """tokenizer_config.json variants: special tokens as strings ("S"), as token objects marked normalized ("T")
    or not ("F"), or absent ("-"), with or without `added_tokens_decoder`; each also beside a tokenizer.json whose
    added tokens are normalized. transformers 5's handling of these is intricate; the ids are the evidence."""
    with open(os.path.join(directory, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    start, end = "<|startoftext|>", "<|endoftext|>"
    variants = []
    combos = ["TTTS", "TTTT", "TTT-", "-T--", "-TS-", "-ST-", "---T", "-F-T", "-T-F", "--T-", "--TS", "-STS", "-TT-",
              "-FT-", "-TF-", "TT--", "F---", "SSSS"]
    for combo in combos:
        for decoder in (None, True, False):
            if decoder is not None and combo not in ("SSSS", "TTTS"):
                continue
            config = {"model_max_length": 77}
            for key, code, content in zip(("bos_token", "eos_token", "unk_token", "pad_token"), combo,
                                          (start, end, end, end)):
                if code == "S":
                    config[key] = content
                elif code in "TF":
                    config[key] = token_object(content, code == "T")
            if decoder is not None:
                config["added_tokens_decoder"] = {
                    str(vocab[c]): {"content": c, "lstrip": False, "normalized": decoder, "rstrip": False,
                                    "single_word": False, "special": True} for c in (start, end)}
            for with_json in (False, True):
                variants.append({"config": config, "tokenizerJSON": with_json})
    return variants


CONFIG_PROBES = ["<|STARTOFTEXT|>", "<|ENDOFTEXT|>", "a<|EndOfText|>b", "<|startoftext|>x<|endoftext|>",
                 "x <|StartOfText|>y"]


def vocab_is_unambiguous(directory):
    """Swift dictionaries compare String keys by canonical equivalence: check no two tokens are equivalent."""
    with open(os.path.join(directory, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    return len({unicodedata.normalize("NFD", token) for token in vocab}) == len(vocab)


def unicode_reference(tokenizer):
    """Per-code-point behaviour of the reference's pre-tokenizer and normalizer."""
    backend = tokenizer.backend_tokenizer
    pre, norm = backend.pre_tokenizer, backend.normalizer
    runs = []
    normalized = {}
    for c in range(0x110000):
        if 0xD800 <= c <= 0xDFFF:
            kind = "surrogate"
        else:
            ch = chr(c)
            # Between letters a whitespace character disappears, a letter joins them, a number or other splits.
            pieces = len(pre.pre_tokenize_str("a" + ch + "a"))
            if pieces == 2:
                kind = "whitespace"
            elif pieces == 1:
                kind = "letter"
            else:
                # Between punctuation, other punctuation joins the run and a number splits it.
                kind = "other" if len(pre.pre_tokenize_str("!" + ch + "!")) == 1 else "number"
            out = norm.normalize_str(ch)
            if out != ch:
                normalized[str(c)] = [ord(x) for x in out]
        if not runs or runs[-1][1] != kind:
            runs.append([c, kind])
    # Canonical compositions (per this Python's unicodedata) that the reference does not perform.
    not_composed = {}
    for c in range(0x110000):
        if 0xD800 <= c <= 0xDFFF:
            continue
        decomposed = unicodedata.normalize("NFD", chr(c))
        if decomposed == chr(c):
            continue
        expected = norm.normalize_str(decomposed)
        if expected != norm.normalize_str(chr(c)):
            not_composed[str(c)] = [ord(x) for x in expected]
        # The Swift test also feeds partly composed forms (a composed prefix, then the rest decomposed): the
        # reference gives them the same output as the decomposed form.
        for k in range(1, len(decomposed)):
            partly = unicodedata.normalize("NFC", decomposed[:k]) + decomposed[k:]
            assert norm.normalize_str(partly) == expected, (hex(c), k)
    # Random short sequences of delicate scalars, with the normalizer's output.
    rng = random.Random(7)
    sequences = []
    for _ in range(3000):
        text = "".join(chr(rng.choice(NORMALIZATION_POOL)) for _ in range(rng.randint(1, 8)))
        sequences.append([text, norm.normalize_str(text)])
    return {"unicodedata_version": unicodedata.unidata_version, "classes": runs, "normalized": normalized,
            "not_composed": not_composed, "sequences": sequences}


def main():
    full_dir = os.path.join(HERE, "clip")
    small_dir = os.path.join(HERE, "clip-small")
    json_dir = os.path.join(HERE, "clip-small-json")
    clip_vocab.write_hub_tokenizer(full_dir)
    clip_vocab.write_hub_tokenizer(small_dir, num_merges=SMALL_MERGES)
    assert vocab_is_unambiguous(full_dir)

    full = CLIPTokenizerFast.from_pretrained(full_dir)
    small = CLIPTokenizerFast.from_pretrained(small_dir)
    small.save_pretrained(json_dir)
    for name in os.listdir(json_dir):
        if name not in ("tokenizer.json", "tokenizer_config.json"):
            os.remove(os.path.join(json_dir, name))
    from_json = CLIPTokenizerFast.from_pretrained(json_dir)

    # Hub tokenizer.json files may mark the special tokens `normalized: true`; transformers 5 honours that flag (from
    # tokenizer.json's added_tokens and tokenizer_config.json's added_tokens_decoder): such a token is matched on the
    # normalized text, so "<|ENDOFTEXT|>" becomes the end token. The Swift test makes the same edit to the file.
    with open(os.path.join(json_dir, "tokenizer.json"), encoding="utf-8") as f:
        patched = json.load(f)
    for token in patched["added_tokens"]:
        token["normalized"] = True
    patched_dir = tempfile.mkdtemp(prefix="clip-tokenizer-normalized-true-")
    with open(os.path.join(patched_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(patched, f, ensure_ascii=False)
    shutil.copy(os.path.join(json_dir, "tokenizer_config.json"), patched_dir)
    from_patched = CLIPTokenizerFast.from_pretrained(patched_dir)
    # With vocab.json and merges.txt beside it, transformers still builds from tokenizer.json (the Swift loader
    # too): the same directory plus clip-small's files must give the same ids.
    both_dir = tempfile.mkdtemp(prefix="clip-tokenizer-both-layouts-")
    shutil.copy(os.path.join(patched_dir, "tokenizer.json"), both_dir)
    for name in ("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(os.path.join(small_dir, name), both_dir)
    from_both = CLIPTokenizerFast.from_pretrained(both_dir)
    shutil.rmtree(patched_dir)
    shutil.rmtree(both_dir)

    # The same tokenizer.json and clip-small's vocabulary under each tokenizer_config.json variant.
    variants = []
    for variant in config_variants(small_dir):
        directory = tempfile.mkdtemp(prefix="clip-tokenizer-config-variant-")
        for name in ("vocab.json", "merges.txt"):
            shutil.copy(os.path.join(small_dir, name), directory)
        if variant["tokenizerJSON"]:
            with open(os.path.join(directory, "tokenizer.json"), "w", encoding="utf-8") as f:
                json.dump(patched, f, ensure_ascii=False)
        with open(os.path.join(directory, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            json.dump(variant["config"], f)
        tokenizer = CLIPTokenizerFast.from_pretrained(directory)
        variants.append(dict(variant, ids=[tokenizer(text, truncation=True)["input_ids"] for text in CONFIG_PROBES]))
        shutil.rmtree(directory)

    cases = []
    for text in corpus():
        ids = full(text, truncation=True)["input_ids"]
        ids_small = small(text, truncation=True)["input_ids"]
        assert from_json(text, truncation=True)["input_ids"] == ids_small, repr(text)
        ids_normalized_specials = from_patched(text, truncation=True)["input_ids"]
        assert from_both(text, truncation=True)["input_ids"] == ids_normalized_specials, repr(text)
        normalized = full.backend_tokenizer.normalizer.normalize_str(text)
        case = {"text": text, "ids": ids, "idsSmall": ids_small, "normalized": normalized}
        if ids_normalized_specials != ids_small:
            case["idsSmallNormalizedSpecials"] = ids_normalized_specials
        cases.append(case)

    # The zero-shot pipeline formats each label with its template and tokenizes the batch with padding=True.
    sentences = [TEMPLATE.format(label) for label in LABELS]
    batch = full(sentences, padding=True)
    templates = [{"text": s, "ids": ids, "attentionMask": mask}
                 for s, ids, mask in zip(sentences, batch["input_ids"], batch["attention_mask"])]

    repeated = [{"unit": unit, "count": count, "ids": full(unit * count, truncation=True)["input_ids"]}
                for unit, count in REPEATED]

    with open(os.path.join(HERE, "cases.json"), "w", encoding="utf-8") as f:
        json.dump({"versions": VERSIONS, "maxLength": full.model_max_length, "cases": cases,
                   "templates": templates, "repeated": repeated, "configProbes": CONFIG_PROBES,
                   "configVariants": variants}, f, ensure_ascii=False, separators=(",", ":"))
    with open(os.path.join(HERE, "unicode_reference.json"), "w", encoding="utf-8") as f:
        json.dump(unicode_reference(full), f, ensure_ascii=False, separators=(",", ":"))
    print(f"{len(cases)} cases, {len(templates)} template sentences", file=sys.stderr)


if __name__ == "__main__":
    main()
