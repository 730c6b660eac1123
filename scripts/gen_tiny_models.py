#!/usr/bin/env python3
"""Generates the loader's tiny model fixtures into tests/fixtures/models/ (fixed seed, deterministic).

  tiny-qwen3/            HF layout: config.json, generation_config.json, model.safetensors (BF16, Qwen3 names)
  tiny-llama-sharded/    HF layout, F16, two shards + model.safetensors.index.json
  tiny-qwen3.expected.json, tiny-llama-sharded.expected.json
                         per tensor: dtype, shape, nbytes, byte_sum (sum of the raw bytes) -- the reference the
                         C++ reader is compared against
  tiny-v3.gguf           GGUF v3 written by the `gguf` package: F32/F16/Q8_0/Q4_0 tensors, one metadata key of
                         every value type incl. a nested array, general.alignment 64
  ggml-types.expected.json  gguf-py's GGML_QUANT_SIZES (type id, block elements, block bytes) for DType
  smollm2-gguf.expected.json  summary of the real SmolLM2 GGUF read by gguf-py's GGUFReader (tensor names,
                         types, shapes; metadata key types, scalar values, array lengths), when the model exists
  tiny-v2.gguf           the same bytes with the version field patched to 2 (v2 and v3 share the layout)
  tiny-gguf.expected.json  every metadata key (type, value) and tensor (dtype, shape, nbytes, byte_sum)

The safetensors files are written by hand (8-byte little-endian header length, JSON header padded with
spaces to a multiple of 8, then the data) so that no torch/safetensors install is needed.
Run: .venv/bin/python scripts/gen_tiny_models.py
"""
import json
import struct
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "models"
SEED = 1234


def to_bf16_bytes(a: np.ndarray) -> bytes:
    """float32 -> bfloat16 with round-to-nearest-even, as torch does."""
    bits = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16).tobytes()


def tensor_bytes(a: np.ndarray, dtype: str) -> bytes:
    if dtype == "BF16":
        return to_bf16_bytes(a)
    if dtype == "F16":
        return a.astype(np.float16).tobytes()
    if dtype == "F32":
        return a.astype(np.float32).tobytes()
    raise ValueError(dtype)


def write_safetensors(path: Path, tensors: dict, dtype: str, metadata: dict | None = None) -> dict:
    """tensors: name -> float32 array. Returns the expectations for each tensor."""
    header = {}
    blobs = []
    offset = 0
    expected = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, array in tensors.items():
        raw = tensor_bytes(array, dtype)
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        expected[name] = {"dtype": dtype, "shape": list(array.shape), "nbytes": len(raw), "byte_sum": int(sum(raw))}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)
    return expected


def decoder_tensors(rng, cfg: dict, qk_norm: bool, tied: bool) -> dict:
    h, inter, nl = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    hd = cfg.get("head_dim", h // cfg["num_attention_heads"])
    nq, nkv, vocab = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["vocab_size"]

    def w(*shape):
        return (rng.standard_normal(shape) * 0.05).astype(np.float32)

    def norm(n):
        return (1.0 + rng.standard_normal(n) * 0.01).astype(np.float32)

    t = {"model.embed_tokens.weight": w(vocab, h)}
    for i in range(nl):
        p = f"model.layers.{i}."
        t[p + "self_attn.q_proj.weight"] = w(nq * hd, h)
        t[p + "self_attn.k_proj.weight"] = w(nkv * hd, h)
        t[p + "self_attn.v_proj.weight"] = w(nkv * hd, h)
        t[p + "self_attn.o_proj.weight"] = w(h, nq * hd)
        if qk_norm:
            t[p + "self_attn.q_norm.weight"] = norm(hd)
            t[p + "self_attn.k_norm.weight"] = norm(hd)
        t[p + "mlp.gate_proj.weight"] = w(inter, h)
        t[p + "mlp.up_proj.weight"] = w(inter, h)
        t[p + "mlp.down_proj.weight"] = w(h, inter)
        t[p + "input_layernorm.weight"] = norm(h)
        t[p + "post_attention_layernorm.weight"] = norm(h)
    t["model.norm.weight"] = norm(h)
    if not tied:
        t["lm_head.weight"] = w(vocab, h)
    return t


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=False) + "\n")


def gen_tiny_qwen3(rng) -> None:
    d = OUT / "tiny-qwen3"
    d.mkdir(parents=True, exist_ok=True)
    cfg = {
        "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_size": 64, "intermediate_size": 128,
        "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
        "vocab_size": 512, "tie_word_embeddings": True, "rope_theta": 1000000, "rms_norm_eps": 1e-6,
        "max_position_embeddings": 2048, "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
        "attention_bias": False, "torch_dtype": "bfloat16",
    }
    write_json(d / "config.json", cfg)
    write_json(d / "generation_config.json", {"bos_token_id": 1, "eos_token_id": [2], "do_sample": False})
    expected = write_safetensors(d / "model.safetensors", decoder_tensors(rng, cfg, qk_norm=True, tied=True), "BF16",
                                 metadata={"format": "pt"})
    write_json(OUT / "tiny-qwen3.expected.json", expected)


def gen_tiny_llama_sharded(rng) -> None:
    d = OUT / "tiny-llama-sharded"
    d.mkdir(parents=True, exist_ok=True)
    cfg = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
        "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 512,
        "tie_word_embeddings": False, "rope_theta": 500000.0, "rms_norm_eps": 1e-5, "max_position_embeddings": 4096,
        "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu", "torch_dtype": "float16",
    }
    write_json(d / "config.json", cfg)
    write_json(d / "generation_config.json", {"bos_token_id": 1, "eos_token_id": 2})
    tensors = decoder_tensors(rng, cfg, qk_norm=False, tied=False)
    names = list(tensors)
    half = len(names) // 2
    shards = {"model-00001-of-00002.safetensors": names[:half], "model-00002-of-00002.safetensors": names[half:]}
    expected, weight_map, total = {}, {}, 0
    for shard, shard_names in shards.items():
        exp = write_safetensors(d / shard, {n: tensors[n] for n in shard_names}, "F16", metadata={"format": "pt"})
        expected.update(exp)
        for n in shard_names:
            weight_map[n] = shard
            total += exp[n]["nbytes"]
    write_json(d / "model.safetensors.index.json", {"metadata": {"total_size": total}, "weight_map": weight_map})
    write_json(OUT / "tiny-llama-sharded.expected.json", expected)


def gen_gguf(rng) -> None:
    import gguf
    from gguf import GGMLQuantizationType as Q, GGUFValueType as V

    path = OUT / "tiny-v3.gguf"
    writer = gguf.GGUFWriter(str(path), arch="llama")
    writer.add_custom_alignment(64)
    expected_kv = {"general.architecture": {"type": "string", "value": "llama"},
                   "general.alignment": {"type": "uint32", "value": 64}}

    def kv(key, value, vtype, sub_type=None, expected_value=None):
        writer.add_key_value(key, value, vtype, sub_type=sub_type)
        entry = {"type": vtype.name.lower(), "value": value if expected_value is None else expected_value}
        if sub_type is not None:
            entry["element_type"] = sub_type.name.lower()
        expected_kv[key] = entry

    kv("test.uint8", 200, V.UINT8)
    kv("test.int8", -100, V.INT8)
    kv("test.uint16", 60000, V.UINT16)
    kv("test.int16", -30000, V.INT16)
    kv("test.uint32", 4000000000, V.UINT32)
    kv("test.int32", -2000000000, V.INT32)
    kv("test.float32", 1e-6, V.FLOAT32, expected_value=float(np.float32(1e-6)))
    kv("test.bool_true", True, V.BOOL)
    kv("test.bool_false", False, V.BOOL)
    kv("test.string", "héllo wörld ✓", V.STRING)
    kv("test.uint64", 18000000000000000000, V.UINT64)
    kv("test.int64", -9000000000000000000, V.INT64)
    kv("test.float64", 3.141592653589793, V.FLOAT64)
    kv("test.array_int32", [1, -2, 3, -4], V.ARRAY, sub_type=V.INT32)
    kv("test.array_float32", [0.5, -1.25, 3.0], V.ARRAY, sub_type=V.FLOAT32)
    kv("test.array_string", ["a", "bc", "", "日本"], V.ARRAY, sub_type=V.STRING)
    kv("test.array_bool", [True, False, True], V.ARRAY, sub_type=V.BOOL)
    kv("test.array_uint8", [0, 255, 7], V.ARRAY, sub_type=V.UINT8)
    kv("test.array_nested", [[1, 2], [3, 4, 5]], V.ARRAY, sub_type=V.ARRAY,
       expected_value=[[1, 2], [3, 4, 5]])
    kv("test.array_long", list(range(100)), V.ARRAY, sub_type=V.INT32)

    expected_tensors = {}

    def tensor(name, array, qtype):
        if qtype in (Q.F32, Q.F16):
            data = array.astype(np.float32 if qtype == Q.F32 else np.float16)
            writer.add_tensor(name, data)
        else:
            data = gguf.quants.quantize(array.astype(np.float32), qtype)
            writer.add_tensor(name, data, raw_dtype=qtype)
        raw = data.tobytes()
        expected_tensors[name] = {"dtype": qtype.name, "shape": list(array.shape), "nbytes": len(raw),
                                  "byte_sum": int(sum(raw))}

    tensor("token_embd.weight", rng.standard_normal((8, 64)).astype(np.float32), Q.F32)
    tensor("blk.0.attn_norm.weight", rng.standard_normal(64).astype(np.float32), Q.F16)
    tensor("blk.0.attn_q.weight", rng.standard_normal((3, 64)).astype(np.float32), Q.Q8_0)
    tensor("blk.0.ffn_up.weight", rng.standard_normal((2, 4, 96)).astype(np.float32), Q.Q4_0)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    raw = bytearray(path.read_bytes())
    raw[4:8] = struct.pack("<I", 2)
    (OUT / "tiny-v2.gguf").write_bytes(bytes(raw))
    write_json(OUT / "tiny-gguf.expected.json", {"alignment": 64, "metadata": expected_kv, "tensors": expected_tensors})


def gen_ggml_types() -> None:
    from gguf.constants import GGML_QUANT_SIZES
    write_json(OUT / "ggml-types.expected.json",
               {t.name: {"id": int(t.value), "block_elements": s[0], "block_bytes": s[1]} for t, s in GGML_QUANT_SIZES.items()})


def gen_smollm2_summary() -> None:
    import subprocess
    import gguf
    path = subprocess.run([str(ROOT / "scripts" / "default_model.sh")], capture_output=True, text=True).stdout.strip()
    if not path or not Path(path).exists():
        print("warning: SmolLM2 GGUF not found, smollm2-gguf.expected.json not regenerated")
        return
    reader = gguf.GGUFReader(path)
    metadata = {}
    for field in reader.fields.values():
        if field.name.startswith("GGUF."):
            continue
        vtype = field.types[0]
        entry = {"type": vtype.name.lower()}
        if vtype == gguf.GGUFValueType.ARRAY:
            entry["element_type"] = field.types[1].name.lower()
            entry["length"] = len(field.data)
        else:
            value = field.contents()
            entry["value"] = float(value) if vtype == gguf.GGUFValueType.FLOAT32 else value
        metadata[field.name] = entry
    tensors = [{"name": t.name, "dtype": t.tensor_type.name, "shape": [int(d) for d in reversed(t.shape)],
                "nbytes": int(t.n_bytes), "file_offset": int(t.data_offset)} for t in reader.tensors]
    write_json(OUT / "smollm2-gguf.expected.json",
               {"file": Path(path).name, "file_size": Path(path).stat().st_size, "metadata": metadata, "tensors": tensors})


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    gen_tiny_qwen3(rng)
    gen_tiny_llama_sharded(rng)
    gen_gguf(rng)
    gen_ggml_types()
    gen_smollm2_summary()


if __name__ == "__main__":
    main()
