"""Writes GGUF files of the exact Qwen3-0.6B shape with seeded random weights and the real Qwen3 tokenizer,
for `edgeserve bench model` (speed does not depend on weight values; no real Qwen3 weights exist on these
machines and nothing may download them).

Shape: 28 layers, hidden 1024, intermediate 3072, 16 query heads, 8 KV heads, head_dim 128, vocab 151936,
tied embeddings, q/k norm, rope theta 1e6, rms eps 1e-6. Tensor names and metadata keys as llama.cpp's
converter writes them for `qwen3`. Every file holds the same weights (one seed per tensor name).

Usage: .venv/bin/python scripts/make_bench_model.py [--out bench/models] [--types bf16,q8_0,q4_0]
       [--shared ../shared] [--shape 0.6b|tiny]
Writes <out>/qwen3-0.6b-shape-<type>.gguf. Norm weights are F32 (as llama.cpp keeps them).
`--shape tiny` writes <out>/qwen3-tiny-<type>.gguf instead: the Qwen3 architecture and the full real vocabulary
with 2 layers, hidden 64 (a few MB of BF16; what the end-to-end tests of thinking mode serve).
"""
import argparse
import json
import os
import zlib

import numpy as np
from gguf import GGMLQuantizationType, GGUFWriter, TokenType
from gguf.quants import quantize

SHAPES = {  # layers, hidden, intermediate, query heads, KV heads, head_dim
    "0.6b": (28, 1024, 3072, 16, 8, 128),
    "tiny": (2, 64, 128, 4, 2, 16),
}
N_LAYERS, HIDDEN, FFN, N_HEADS, N_KV, HEAD_DIM = SHAPES["0.6b"]
VOCAB = 151936
TYPES = {"bf16": GGMLQuantizationType.BF16, "q8_0": GGMLQuantizationType.Q8_0, "q4_0": GGMLQuantizationType.Q4_0}


def weight(name: str, shape: tuple[int, ...], std: float) -> np.ndarray:
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    return (rng.standard_normal(shape, dtype=np.float32) * std).astype(np.float32)


def tensors():
    """(name, shape outermost-first, std or None for a norm of ones)."""
    yield "token_embd.weight", (VOCAB, HIDDEN), 0.02
    for i in range(N_LAYERS):
        p = f"blk.{i}."
        yield p + "attn_norm.weight", (HIDDEN,), None
        yield p + "attn_q.weight", (N_HEADS * HEAD_DIM, HIDDEN), 0.02
        yield p + "attn_k.weight", (N_KV * HEAD_DIM, HIDDEN), 0.02
        yield p + "attn_v.weight", (N_KV * HEAD_DIM, HIDDEN), 0.02
        yield p + "attn_q_norm.weight", (HEAD_DIM,), None
        yield p + "attn_k_norm.weight", (HEAD_DIM,), None
        yield p + "attn_output.weight", (HIDDEN, N_HEADS * HEAD_DIM), 0.02
        yield p + "ffn_norm.weight", (HIDDEN,), None
        yield p + "ffn_gate.weight", (FFN, HIDDEN), 0.02
        yield p + "ffn_up.weight", (FFN, HIDDEN), 0.02
        yield p + "ffn_down.weight", (HIDDEN, FFN), 0.02
    yield "output_norm.weight", (HIDDEN,), None


def add_tokenizer(w: GGUFWriter, shared: str) -> None:
    folder = os.path.join(shared, "models", "qwen3-tokenizer")
    tok = json.load(open(os.path.join(folder, "tokenizer.json"), encoding="utf-8"))
    cfg = json.load(open(os.path.join(folder, "tokenizer_config.json"), encoding="utf-8"))
    by_id = {i: t for t, i in tok["model"]["vocab"].items()}
    types = {i: TokenType.NORMAL for i in by_id}
    for a in tok["added_tokens"]:
        by_id[a["id"]] = a["content"]
        types[a["id"]] = TokenType.CONTROL if a["special"] else TokenType.USER_DEFINED
    tokens, toktypes = [], []
    for i in range(VOCAB):  # the embedding is padded past the tokenizer, as llama.cpp's converter pads it
        tokens.append(by_id.get(i, f"[PAD{i}]"))
        toktypes.append(types.get(i, TokenType.UNUSED))
    merges = [m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]]
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(toktypes)
    w.add_token_merges(merges)
    w.add_eos_token_id(tok["model"]["vocab"].get(cfg["eos_token"], None) or
                       next(a["id"] for a in tok["added_tokens"] if a["content"] == cfg["eos_token"]))
    w.add_bos_token_id(next(a["id"] for a in tok["added_tokens"] if a["content"] == "<|endoftext|>"))
    w.add_pad_token_id(next(a["id"] for a in tok["added_tokens"] if a["content"] == "<|endoftext|>"))
    w.add_add_bos_token(False)
    w.add_chat_template(cfg["chat_template"])


def write(path: str, qtype: GGMLQuantizationType, shared: str) -> None:
    w = GGUFWriter(path, "qwen3")
    w.add_name("Qwen3-0.6B-shaped random weights (edgeserve bench model)")
    w.add_block_count(N_LAYERS)
    w.add_context_length(40960)
    w.add_embedding_length(HIDDEN)
    w.add_feed_forward_length(FFN)
    w.add_head_count(N_HEADS)
    w.add_head_count_kv(N_KV)
    w.add_key_length(HEAD_DIM)
    w.add_value_length(HEAD_DIM)
    w.add_rope_freq_base(1e6)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_vocab_size(VOCAB)
    add_tokenizer(w, shared)
    for name, shape, std in tensors():
        if std is None:
            w.add_tensor(name, np.ones(shape, dtype=np.float32))
            continue
        data = weight(name, shape, std)
        if qtype == GGMLQuantizationType.BF16:
            w.add_tensor(name, quantize(data, qtype), raw_shape=quantize(data, qtype).shape, raw_dtype=qtype)
        else:
            q = quantize(data, qtype)
            w.add_tensor(name, q, raw_shape=q.shape, raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def default_shared(root: str) -> str:
    """The nearest ancestor's shared/ folder holding models/ (../shared in the usual layout)."""
    here = os.path.dirname(root)
    while True:
        candidate = os.path.join(here, "shared")
        if os.path.isdir(os.path.join(candidate, "models")):
            return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return os.path.join(root, "..", "shared")
        here = parent


def main() -> None:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(root, "bench", "models"))
    ap.add_argument("--types", default="bf16,q8_0,q4_0")
    ap.add_argument("--shared", default=os.environ.get("EDGESERVE_SHARED_DIR", default_shared(root)))
    ap.add_argument("--shape", choices=sorted(SHAPES), default="0.6b")
    args = ap.parse_args()
    global N_LAYERS, HIDDEN, FFN, N_HEADS, N_KV, HEAD_DIM
    N_LAYERS, HIDDEN, FFN, N_HEADS, N_KV, HEAD_DIM = SHAPES[args.shape]
    os.makedirs(args.out, exist_ok=True)
    for t in args.types.split(","):
        stem = "qwen3-0.6b-shape" if args.shape == "0.6b" else f"qwen3-{args.shape}"
        path = os.path.join(args.out, f"{stem}-{t}.gguf")
        write(path, TYPES[t], args.shared)
        print(f"wrote {path} ({os.path.getsize(path) / 2**20:.0f} MiB)")


if __name__ == "__main__":
    main()
