#!/usr/bin/env python3
"""Writes tests/fixtures/tokenizer/{qwen3,llama3,smollm2}.json: golden token ids from Hugging Face `tokenizers`.

Reference tokenizers:
  qwen3   /work/shared/models/qwen3-tokenizer/tokenizer.json     (Tokenizer.from_file)
  llama3  /work/shared/models/llama3.1-tokenizer/tokenizer.json  (Tokenizer.from_file)
  smollm2 reconstructed here from the default model GGUF (scripts/default_model.sh), because no tokenizer.json
          of SmolLM2 is available offline. What is reconstructed, as published in HuggingFaceTB/SmolLM2-135M-Instruct
          tokenizer.json (and as llama.cpp's "smollm" pre-tokenizer mirrors it):
            model          BPE, vocab = tokenizer.ggml.tokens (id = index), merges = tokenizer.ggml.merges,
                           no unk token, no dropout, ignore_merges false
            normalizer     none
            pre_tokenizer  Sequence[Digits(individual_digits=True),
                                    ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)]
            post_processor ByteLevel(trim_offsets=False)   (adds nothing: SmolLM2 adds no BOS)
            decoder        ByteLevel
            added tokens   every token with tokenizer.ggml.token_type == 3 (CONTROL): special=True,
                           normalized=False, no lstrip/rstrip/single_word (ids 0..16: <|endoftext|>, <|im_start|>, ...)

Per case the fixture holds:
  ids            Tokenizer.encode(text, add_special_tokens=False).ids  (special tokens in text are parsed)
  ids_plain      same with tokenizer.encode_special_tokens = True      (special tokens are plain text)   [subset]
  ids_add_special  Tokenizer.encode(text, add_special_tokens=True).ids                                  [subset]
  decoded        Tokenizer.decode(ids, skip_special_tokens=False)
  decoded_skip   Tokenizer.decode(ids, skip_special_tokens=True)

Usage: .venv/bin/python scripts/gen_tokenizer_golden.py [--shared /work/shared] [--out tests/fixtures/tokenizer]
"""
import argparse
import json
import os
import subprocess
import sys
import unicodedata

import tokenizers
import tokenizers.normalizers
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cases():
    nfd = unicodedata.normalize("NFD", "Crème brûlée, naïve café, Ångström")
    texts = [
        # ASCII prose
        "",
        "Hello world",
        "Hello, world! How are you doing today?",
        "The quick brown fox jumps over the lazy dog.",
        " leading space",
        "trailing space ",
        "trailing spaces   ",
        "  two leading spaces",
        "a",
        " ",
        "   ",
        "Mr. O'Neil said: \"It's 5 o'clock somewhere.\"",
        # contractions with different case
        "I'm sure they'll say we've done what we'd planned, isn't it?",
        "I'M SURE THEY'LL SAY WE'VE DONE WHAT WE'D PLANNED, ISN'T IT? IT'S",
        "John'S car, Mary'Ll go, they'Re here, 'S 'LL 'VE 'D 'M 'T",
        # whitespace runs
        "line one\nline two\n\nline four",
        "tabs\tand\t\tmore\ttabs",
        "windows\r\nline\r\nendings\r\n",
        "\n\n\n",
        "\t\t",
        "a  b   c    d     e",
        "spaces then newline   \n  indented",
        "mixed \t \n \r\n whitespace",
        "end with newline\n",
        # digits and numbers
        "1234567890",
        "The year 2024 had 366 days; pi is 3.14159265358979.",
        "Phone: +1 (555) 123-4567, price $1,234,567.89",
        "12345678901234567890123456789012345678901234567890",
        "x1y22z333w4444",
        "٣٤٥ ١٢ Arabic-Indic digits and ５６ fullwidth",
        # CJK
        "你好，世界！今天天气怎么样？",
        "机器学习是人工智能的一个分支。",
        "こんにちは、世界。カタカナとひらがなと漢字。",
        "안녕하세요, 세계! 한국어 텍스트입니다.",
        "中文English混合text测试123",
        # emoji: ZWJ, flags, skin tones, keycaps
        "😀😃😄😁",
        "👨‍👩‍👧‍👦 family",
        "🏳️‍🌈 and 🇺🇸🇯🇵🇩🇪 flags",
        "👍🏽👋🏿🧑🏻‍💻",
        "1️⃣ #️⃣ keycaps",
        "I ❤️ emoji 🎉🎉🎉!",
        # rare characters that even large vocabularies split into byte pieces
        "🫠🪿🫨 new emoji, 𓀀𓁐 hieroglyphs, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 fraktur, ꙮ multiocular o",
        "𠀀𠀁𪚥 rare CJK extension B, ᚠᛇᚻ runes, ⠓⠑⠇⠇⠕ braille",
        # mixed scripts
        "مرحبا بالعالم، هذا نص عربي.",
        "नमस्ते दुनिया, यह हिंदी है।",
        "Привет, мир! Это русский текст.",
        "สวัสดีชาวโลก ภาษาไทย",
        "Ελληνικά και עברית και ქართული",
        # code
        "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
        "#include <vector>\nint main() {\n  std::vector<int> v{1, 2, 3};\n  return v.size() > 2 ? 0 : 1;\n}\n",
        "{\"name\": \"edgeserve\", \"version\": [0, 1], \"ok\": true, \"nested\": {\"a\": null}}",
        "for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; }",
        "    indented_code = {'key': \"value\"}  # comment",
        "<html><body class=\"main\">&amp; &lt;tag&gt;</body></html>",
        # text that looks like special tokens
        "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n",
        "<think>\nreasoning\n</think>\n\nanswer",
        "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>",
        "partial <|im_ and <|im_start and im_start|> and <|",
        "<|endoftext|><|endoftext|>",
        "<|begin_of_text|>Hello",
        "text<|im_end|>more text",
        " <tool_call>\n{\"name\": \"f\"}\n</tool_call> ",
        "<|end_of_text|> <|endoftext|> <|im_end|>",
        # combining accents: NFC vs NFD input
        "Crème brûlée, naïve café, Ångström",
        nfd,
        "e\u0301 a\u0308 n\u0303 o\u0302",
        "\u1e9b\u0323 Å Ω ﬁ",
        # valid but unusual code points
        "\ufffd replacement \ufffd",
        "zero\u200dwidth\u200djoiner alone \u200d",
        "\ufeffBOM at start",
        "nbsp\u00a0here and\u2003em space and\u3000ideographic",
        "mongolian\u180evowel separator \u180e ",
        "next line\u0085char and\u2028line sep",
        "control \x01\x02\x7f chars",
        "math ∑∫√∞ ≠ ≤ ≥ and arrows → ← ↔",
        # long-ish
        "a" * 300,
        "ab" * 150 + " " + "xyz" * 50,
        "Supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
    ]
    return texts


# Long generated inputs (text = unit * repeat + suffix): long whitespace runs and single long words stress the
# regex lookahead and the merge loop. Their ids are recorded as a count and an FNV-1a 64 hash of the ids (each
# id as 4 little-endian bytes) to keep the fixture small.
STRESS = [
    (" ", 20000, ""), (" ", 20000, "x"), ("\t", 5000, "x"), ("\n", 7000, ""), ("!", 30000, ""),
    (" \t\u00a0 \n\r", 3000, "end"), ("<|im_", 4000, ""), ("a", 50000, ""), ("ab", 20000, " cd"),
    ("7", 10001, ""), ("\u4e2d", 20000, ""), ("\U0001fae0", 5000, ""), ("e\u0301", 5000, ""),
    ("xyzzy", 9000, ""), ("'s", 10000, ""), ("\u0085", 3000, "y"),
]


def fnv1a64(ids):
    h = 0xcbf29ce484222325
    for i in ids:
        for b in int(i).to_bytes(4, "little"):
            h ^= b
            h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def stress_cases(tok):
    tok.encode_special_tokens = False
    out = []
    for unit, repeat, suffix in STRESS:
        ids = tok.encode(unit * repeat + suffix, add_special_tokens=False).ids
        out.append({"unit": unit, "repeat": repeat, "suffix": suffix, "num_ids": len(ids),
                    "ids_fnv1a64": f"{fnv1a64(ids):016x}"})
    return out


# Subsets for the extra modes.
def wants_plain(text):
    return "<" in text


def build_smollm2(gguf_path):
    from gguf import GGUFReader

    reader = GGUFReader(gguf_path)

    def strings(key):
        field = reader.fields[key]
        return [bytes(field.parts[i]).decode("utf-8") for i in field.data]

    tokens = strings("tokenizer.ggml.tokens")
    merges = strings("tokenizer.ggml.merges")
    field = reader.fields["tokenizer.ggml.token_type"]
    token_types = [int(field.parts[i][0]) for i in field.data]
    assert str(bytes(reader.fields["tokenizer.ggml.pre"].parts[-1]), "utf-8") == "smollm"

    vocab = {tok: i for i, tok in enumerate(tokens)}
    merge_pairs = [tuple(m.split(" ")) for m in merges]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merge_pairs, ignore_merges=False))
    tok.normalizer = None
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True),
         pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)])
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.decoder = decoders.ByteLevel()
    specials = [AddedToken(tokens[i], special=True, normalized=False, lstrip=False, rstrip=False, single_word=False)
                for i, t in enumerate(token_types) if t == 3]
    tok.add_special_tokens(specials)
    return tok


def golden(tok, name, source, add_special_subset):
    out_cases = []
    for text in cases():
        case = {"text": text}
        tok.encode_special_tokens = False
        ids = tok.encode(text, add_special_tokens=False).ids
        case["ids"] = ids
        case["decoded"] = tok.decode(ids, skip_special_tokens=False)
        case["decoded_skip"] = tok.decode(ids, skip_special_tokens=True)
        if wants_plain(text):
            tok.encode_special_tokens = True
            case["ids_plain"] = tok.encode(text, add_special_tokens=False).ids
            tok.encode_special_tokens = False
        if add_special_subset:
            case["ids_add_special"] = tok.encode(text, add_special_tokens=True).ids
        out_cases.append(case)
    return {
        "header": {
            "generator": "scripts/gen_tokenizer_golden.py",
            "reference": f"huggingface tokenizers {tokenizers.__version__}",
            "tokenizer": name,
            "source": source,
            "python": sys.version.split()[0],
        },
        "cases": out_cases,
        "stress": stress_cases(tok),
    }


def build_tiny(ignore_merges):
    """A hand-made byte-level BPE covering the options the real vocabularies leave unused: lstrip, rstrip,
    single_word, normalized added tokens (content normalized too), NFKC, ignore_merges, a template that adds
    tokens on both sides. Saved as tiny_tokenizer.json (also the fuzzer's seed)."""
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    extra = ["he", "ll", "hell", "hello", "lo", "Ġw", "or", "ld", "Ġworld", "abc", "Ġh", "Ġhello", "fi", "fix"]
    vocab = {c: i for i, c in enumerate(alphabet)}
    for t in extra:
        vocab.setdefault(t, len(vocab))
    # "Ġworld", "Ġhello" and "abc" have no merge path: only ignore_merges can emit them.
    merges = [("h", "e"), ("l", "l"), ("he", "ll"), ("hell", "o"), ("l", "o"), ("Ġ", "w"), ("o", "r"), ("l", "d"),
              ("Ġ", "h"), ("f", "i"), ("fi", "x")]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, ignore_merges=ignore_merges))
    tok.normalizer = tokenizers.normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(tokenizers.Regex(
            r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"),
            behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken("<s>", special=True, normalized=False),
                            AddedToken("</s>", special=True, normalized=False),
                            AddedToken("<|sp|>", special=True, normalized=False)])
    tok.add_tokens([AddedToken("<L>", lstrip=True, normalized=False),
                    AddedToken("<R>", rstrip=True, normalized=False),
                    AddedToken("<LR>", lstrip=True, rstrip=True, normalized=False),
                    AddedToken("word", single_word=True, normalized=False),
                    AddedToken("\ufb01ne", normalized=True),
                    AddedToken("<sp>", normalized=False)])
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", tok.token_to_id("<s>")), ("</s>", tok.token_to_id("</s>"))])
    return tok


TINY_TEXTS = [
    "hello world", "hello", "abc", " abc", "abcabc", "hellohello", "say hello to the world",
    "x <L> y", "x   <L>y", "x<R>   y", "a <LR>  b", "  <LR>  ", "<L><L>  <R>  <R>",
    "word", "a word here", "swordfish", "words", "word_x", "(word)", "1word",
    "fine", "\ufb01ne", "re\ufb01ned", "\ufb01x fix", "<s>hello</s>", "<|sp|> <sp> <|sp",
    "\u00c5ngstr\u00f6m A\u030angstro\u0308m", "\u2460\u2461 \u00bd", "",
    "hello 123world", "12ab 3", "\thello", "a<sp>b", "say  hello\n\nworld 42",
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.environ.get("EDGESERVE_SHARED_DIR", os.path.join(REPO, "..", "shared")))
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "fixtures", "tokenizer"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    gguf_path = subprocess.check_output([os.path.join(REPO, "scripts", "default_model.sh")], text=True).strip()
    jobs = [
        ("qwen3", "shared/models/qwen3-tokenizer/tokenizer.json",
         lambda: Tokenizer.from_file(os.path.join(args.shared, "models/qwen3-tokenizer/tokenizer.json")), False),
        ("llama3", "shared/models/llama3.1-tokenizer/tokenizer.json",
         lambda: Tokenizer.from_file(os.path.join(args.shared, "models/llama3.1-tokenizer/tokenizer.json")), True),
        ("smollm2", "reconstructed from " + os.path.basename(gguf_path) + " (see script docstring)",
         lambda: build_smollm2(gguf_path), False),
    ]
    for name, source, make, add_special in jobs:
        data = golden(make(), name, source, add_special)
        if name == "tiny":
            continue
        path = os.path.join(args.out, name + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=True, indent=1)
            f.write("\n")
        print(f"{path}: {len(data['cases'])} cases")
    write_tiny(args.out)


def write_tiny(out_dir):
    tiny = build_tiny(ignore_merges=False)
    with open(os.path.join(out_dir, "tiny_tokenizer.json"), "w", encoding="utf-8") as f:
        f.write(tiny.to_str(pretty=True))
        f.write("\n")
    data = {"header": {"generator": "scripts/gen_tokenizer_golden.py",
                       "reference": f"huggingface tokenizers {tokenizers.__version__}",
                       "tokenizer": "tiny_tokenizer.json (ids), the same with model.ignore_merges = true "
                                    "(ids_ignore_merges), the same with pre_tokenizer = Sequence[Digits(individual_digits="
                                    "False), ByteLevel(add_prefix_space=True, use_regex=True)] (ids_prefix_space)"},
            "cases": []}
    tiny_ignore = build_tiny(ignore_merges=True)
    # Third variant: pre_tokenizer replaced by PREFIX_SPACE_PRE_TOKENIZER (the C++ test makes the same edit).
    tiny_prefix = build_tiny(ignore_merges=False)
    tiny_prefix.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=False),
        pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True)])
    for text in TINY_TEXTS:
        case = {"text": text}
        for key, tok in (("ids", tiny), ("ids_ignore_merges", tiny_ignore), ("ids_prefix_space", tiny_prefix)):
            tok.encode_special_tokens = False
            case[key] = tok.encode(text, add_special_tokens=False).ids
        tiny.encode_special_tokens = True
        case["ids_plain"] = tiny.encode(text, add_special_tokens=False).ids
        tiny.encode_special_tokens = False
        case["ids_add_special"] = tiny.encode(text, add_special_tokens=True).ids
        case["decoded"] = tiny.decode(case["ids"], skip_special_tokens=False)
        case["decoded_skip"] = tiny.decode(case["ids"], skip_special_tokens=True)
        data["cases"].append(case)
    with open(os.path.join(out_dir, "tiny.json"), "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=True, indent=1)
        f.write("\n")
    print(f"{out_dir}/tiny.json: {len(data['cases'])} cases")


if __name__ == "__main__":
    main()
