#!/usr/bin/env python3
"""Writes tests/fixtures/quant/: ggml block bytes and their reference (de)quantization by gguf-py.

Reference: the python `gguf` package (gguf.quants.quantize / gguf.quants.dequantize), whose quantizers mirror
ggml's *_ref C quantizers and whose dequantizers are numpy ports of ggml's dequantize_row_*.

Per case NAME (listed in index.json with its dtype and element count):
  NAME.input.bin    float32 values fed to gguf.quants.quantize      (only where gguf-py can quantize the type)
  NAME.blocks.bin   the raw block bytes (gguf-py's quantization of the input, or random bytes, or a real model row)
  NAME.dequant.bin  gguf.quants.dequantize(blocks) as float32
Cases:
  quantized from random floats: Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, F16, BF16 (with rounding ties, subnormals,
                                overflow, zero blocks and constant blocks)
  random bytes with finite f16 scales: Q4_K, Q5_K, Q6_K (gguf-py has no quantizer for them)
  real blocks: the first 2 rows of blk.0.attn_q.weight (Q4_1) and token_embd.weight (Q8_0) of the default
               SmolLM2 GGUF (scripts/default_model.sh); the test re-reads those bytes from the model itself.

Usage: .venv/bin/python scripts/gen_quant_fixtures.py [--model PATH] [--out tests/fixtures/quant]
"""
import argparse
import json
import subprocess
import warnings
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGUFReader
from gguf.quants import dequantize, quantize

SEED = 20261125
REAL_ROWS = 2


def random_floats(rng: np.random.Generator, num_blocks: int, block: int) -> np.ndarray:
    """Blocks at very different scales, plus all-zero, constant, one-spike and subnormal blocks."""
    scales = [1e-4, 0.02, 1.0, 7.5, 300.0]
    rows = [rng.standard_normal(block) * scales[i % len(scales)] for i in range(num_blocks)]
    rows.append(np.zeros(block))
    rows.append(np.full(block, 0.37))
    spike = rng.standard_normal(block) * 0.01
    spike[block // 3] = -4.0
    rows.append(spike)
    # subnormal values: 1/d overflows to inf in the quantizers, which numpy's casts turn into 0
    tiny = np.zeros(block)
    tiny[:6] = [1e-44, -3e-45, 2e-40, 0.0, -1e-39, 1.4e-45]
    rows.append(tiny)
    return np.concatenate(rows).astype(np.float32)


def f16_specials() -> np.ndarray:
    """Round-to-nearest-even ties, subnormals, overflow and signed zero for F32 -> F16."""
    vals = [1 + 2**-11, 1 + 3 * 2**-11, -(1 + 2**-11), 2**-25, 3 * 2**-25, 2**-24, 2**-14 - 2**-25, 2**-14,
            65504, 65519, 65520, 65535.9, 1e6, -1e6, 0.0, -0.0, 6e-8, 1e-10, -1e-10, np.inf, -np.inf,
            1 / 3, -2 / 3, 0.1, 1e-5, 3.14159]
    out = np.array(vals, dtype=np.float32)
    return np.concatenate([out, np.zeros(32 - len(out) % 32 if len(out) % 32 else 0, dtype=np.float32)])


def bf16_specials(rng: np.random.Generator) -> np.ndarray:
    """Exact ties (low half 0x8000) with even and odd kept bit, near-ties, inf and a NaN."""
    upper = rng.integers(0x0080, 0x7f00, size=16, dtype=np.uint32)
    ties = (upper << 16) | 0x8000
    near = np.concatenate([(upper << 16) | 0x7fff, (upper << 16) | 0x8001])
    special = np.array([0x7f800000, 0xff800000, 0x7f800001, 0x00000000, 0x80000000, 0x7f7fffff, 0x00008000],
                       dtype=np.uint32)
    bits = np.concatenate([ties, ties | 0x80000000, near, special]).astype(np.uint32)
    return bits.view(np.float32)


def random_k_blocks(rng: np.random.Generator, qtype: T, num_blocks: int) -> np.ndarray:
    """Random quant bytes with the f16 scale fields set to finite, moderate values."""
    from gguf.constants import GGML_QUANT_SIZES
    _, type_size = GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, size=(num_blocks, type_size), dtype=np.uint8)
    d = (rng.uniform(1e-4, 0.05, size=num_blocks) * rng.choice([-1, 1], size=num_blocks)).astype(np.float16)
    dmin = rng.uniform(1e-4, 0.05, size=num_blocks).astype(np.float16)
    if qtype in (T.Q4_K, T.Q5_K):
        blocks[:, 0:2] = d.view(np.uint8).reshape(num_blocks, 2)
        blocks[:, 2:4] = dmin.view(np.uint8).reshape(num_blocks, 2)
    elif qtype == T.Q6_K:
        blocks[:, type_size - 2:] = d.view(np.uint8).reshape(num_blocks, 2)
    return blocks


def write_case(out: Path, index: list, name: str, qtype: T, blocks: np.ndarray, inputs=None, source="") -> None:
    blocks = np.ascontiguousarray(blocks).view(np.uint8).reshape(-1)
    deq = dequantize(blocks, qtype).astype(np.float32).reshape(-1)
    (out / f"{name}.blocks.bin").write_bytes(blocks.tobytes())
    (out / f"{name}.dequant.bin").write_bytes(deq.tobytes())
    entry = {"name": name, "dtype": qtype.name, "num_elements": int(deq.size), "source": source}
    if inputs is not None:
        (out / f"{name}.input.bin").write_bytes(np.ascontiguousarray(inputs, dtype=np.float32).tobytes())
        entry["has_input"] = True
    else:
        entry["has_input"] = False
    index.append(entry)


def main() -> None:
    warnings.simplefilter("ignore", RuntimeWarning)  # numpy warns on the inf/NaN steps of the subnormal block
    repo = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None)
    parser.add_argument("--out", default=str(repo / "tests" / "fixtures" / "quant"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    index: list = []

    for qtype in (T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1):
        x = random_floats(rng, 10, 32)
        write_case(out, index, qtype.name.lower(), qtype, quantize(x, qtype), x, "gguf.quants.quantize(random)")

    x = np.concatenate([f16_specials(), random_floats(rng, 5, 32)])
    write_case(out, index, "f16", T.F16, quantize(x, T.F16), x, "numpy astype(float16)")
    x = np.concatenate([bf16_specials(rng), random_floats(rng, 5, 32)])
    write_case(out, index, "bf16", T.BF16, quantize(x, T.BF16), x, "gguf.quants.quantize(random, BF16)")

    for qtype in (T.Q4_K, T.Q5_K, T.Q6_K):
        write_case(out, index, qtype.name.lower(), qtype, random_k_blocks(rng, qtype, 6), None,
                   "random bytes, finite f16 scales")

    model = args.model or subprocess.check_output([str(repo / "scripts" / "default_model.sh")], text=True).strip()
    reader = GGUFReader(model)
    for tensor_name, case in (("blk.0.attn_q.weight", "smollm2_attn_q"), ("token_embd.weight", "smollm2_token_embd")):
        tensor = next(t for t in reader.tensors if t.name == tensor_name)
        rows = np.asarray(tensor.data)[:REAL_ROWS]
        write_case(out, index, case, T(tensor.tensor_type), rows, None, f"{Path(model).name}:{tensor_name}")
        index[-1]["tensor"] = tensor_name
        index[-1]["rows"] = REAL_ROWS

    (out / "index.json").write_text(json.dumps({"seed": SEED, "gguf_reference": "gguf.quants", "cases": index},
                                               indent=1) + "\n")
    total = sum(p.stat().st_size for p in out.iterdir())
    print(f"wrote {len(index)} cases to {out} ({total} bytes)")


if __name__ == "__main__":
    main()
