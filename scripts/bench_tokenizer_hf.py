"""Times Hugging Face `tokenizers` (the reference) on the inputs bench_tokenizer dumped, single-threaded
encode of one 1 MB string, the same call bench_tokenizer times. Printed, never asserted.
Usage: .venv/bin/python scripts/bench_tokenizer_hf.py DUMP_DIR SHARED_DIR"""
import os
import sys
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")  # one encode call uses one thread anyway; keep it comparable
from tokenizers import Tokenizer  # noqa: E402

dump, shared = sys.argv[1], sys.argv[2]
inputs = [("1 MB mixed text", "mixed.txt"), ("1 MB 'a' word", "a_word.txt"), ("1 MB random-letter word", "random_word.txt")]
for name, folder in (("qwen3", "qwen3-tokenizer"), ("llama3.1", "llama3.1-tokenizer")):
    start = time.perf_counter()
    tok = Tokenizer.from_file(os.path.join(shared, "models", folder, "tokenizer.json"))
    print(f"{name:8s} load {time.perf_counter() - start:.3f} s")
    tok.encode_special_tokens = True  # bench_tokenizer encodes with parse_special=false
    for label, file in inputs:
        text = open(os.path.join(dump, file), encoding="utf-8").read()
        size = len(text.encode())
        tok.encode(text[:4096], add_special_tokens=False)
        start = time.perf_counter()
        ids = tok.encode(text, add_special_tokens=False).ids
        sec = time.perf_counter() - start
        print(f"{name:8s} {label:22s} {size / sec / 1e6:8.2f} MB/s {len(ids) / sec:12.0f} tokens/s  "
              f"({size} bytes -> {len(ids)} tokens in {sec:.3f} s)")
