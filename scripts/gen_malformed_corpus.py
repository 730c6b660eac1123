#!/usr/bin/env python3
"""Writes the malformed model-file corpus into tests/fixtures/malformed/ plus expected.json
(file or folder name -> a substring the loader's error message must contain; the message must also name the
file). Every file is a small valid GGUF / safetensors file with exactly one fault, built here byte by byte
from the format specs (GGUF: github.com/ggml-org/ggml docs/gguf.md; safetensors: huggingface/safetensors
README), so each case isolates one check of the reader.
Run: .venv/bin/python scripts/gen_malformed_corpus.py
"""
import json
import shutil
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "malformed"
HUGE = 1 << 60

# GGUF value type ids
U8, I8, U16, I16, U32, I32, F32V, BOOL, STRING, ARRAY, U64, I64, F64V = range(13)
# ggml tensor type ids
T_F32, T_F16, T_Q8_0 = 0, 1, 8


def gstr(b: bytes) -> bytes:
    return struct.pack("<Q", len(b)) + b


def kv(key: bytes, vtype: int, payload: bytes) -> bytes:
    return gstr(key) + struct.pack("<I", vtype) + payload


def tinfo(name: bytes, ne: list, ggml_type: int, offset: int) -> bytes:
    out = gstr(name) + struct.pack("<I", len(ne))
    for d in ne:
        out += struct.pack("<Q", d)
    return out + struct.pack("<I", ggml_type) + struct.pack("<Q", offset)


def base_kvs(alignment_payload=struct.pack("<I", 32), alignment_type=U32) -> list:
    return [kv(b"general.architecture", STRING, gstr(b"llama")),
            kv(b"general.alignment", alignment_type, alignment_payload)]


def base_tensors() -> list:
    # 'a': F32 ne [8] = 32 bytes at 0; 'b': F16 ne [4, 4] = 32 bytes at 32
    return [tinfo(b"a", [8], T_F32, 0), tinfo(b"b", [4, 4], T_F16, 32)]


def gguf(kvs=None, tensors=None, data_len=64, version=3, magic=b"GGUF", n_tensors=None, n_kv=None,
         alignment=32, version_bytes=None) -> bytes:
    kvs = base_kvs() if kvs is None else kvs
    tensors = base_tensors() if tensors is None else tensors
    out = magic + (version_bytes if version_bytes is not None else struct.pack("<I", version))
    out += struct.pack("<QQ", len(tensors) if n_tensors is None else n_tensors, len(kvs) if n_kv is None else n_kv)
    out += b"".join(kvs) + b"".join(tensors)
    out += b"\0" * ((alignment - len(out) % alignment) % alignment)
    return out + bytes(i % 256 for i in range(data_len))


def nested_array(depth: int) -> bytes:
    payload = struct.pack("<I", U8) + struct.pack("<Q", 1) + b"\x01"
    for _ in range(depth - 1):
        payload = struct.pack("<I", ARRAY) + struct.pack("<Q", 1) + payload
    return payload


def safetensors(header, data: bytes = b"", raw_header: bytes | None = None, length: int | None = None) -> bytes:
    text = raw_header if raw_header is not None else json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text) if length is None else length) + text + data


def st_entry(dtype="F32", shape=(2,), offsets=(0, 8)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    expected = {}

    def put(name: str, data: bytes, substring: str) -> None:
        (OUT / name).write_bytes(data)
        expected[name] = substring

    valid = gguf()
    header_end = 4 + 4 + 16
    first_kv_end = header_end + len(base_kvs()[0])
    kvs_end = header_end + sum(len(k) for k in base_kvs())

    # --- GGUF -------------------------------------------------------------------------------------
    put("gguf_empty.gguf", b"", "too short for the GGUF magic")
    put("gguf_truncated_magic.gguf", b"GG", "too short for the GGUF magic")
    put("gguf_truncated_header.gguf", valid[:12], "truncated file: tensor count needs 8 bytes")
    put("gguf_truncated_in_kv_value.gguf", valid[:first_kv_end + 8 + 17 + 4 + 2], "truncated file")
    put("gguf_truncated_in_tensor_info.gguf", valid[:kvs_end + 12], "truncated file")
    put("gguf_truncated_data.gguf", valid[:-8], "past end of file")
    put("gguf_bad_magic.gguf", b"GGUX" + valid[4:], "bad magic")
    put("gguf_version1.gguf", gguf(version=1), "GGUF version 1 is not supported")
    put("gguf_version99.gguf", gguf(version=99), "unsupported GGUF version 99")
    put("gguf_big_endian.gguf", gguf(version_bytes=struct.pack(">I", 3)), "big-endian GGUF files are not supported")
    put("gguf_tensor_count_huge.gguf", gguf(n_tensors=HUGE), f"tensor count {HUGE} cannot fit")
    put("gguf_kv_count_huge.gguf", gguf(n_kv=HUGE), f"metadata key/value count {HUGE} cannot fit")
    put("gguf_key_length_past_end.gguf",
        gguf(kvs=[struct.pack("<Q", 1 << 40) + b"general.architecture"]), f"string length {1 << 40}")
    put("gguf_string_value_past_end.gguf",
        gguf(kvs=[kv(b"general.name", STRING, struct.pack("<Q", 1 << 33) + b"x")]), "past end of file")
    put("gguf_array_count_huge.gguf",
        gguf(kvs=[kv(b"test.array", ARRAY, struct.pack("<I", U32) + struct.pack("<Q", HUGE))]), f"array count {HUGE}")
    put("gguf_string_array_count_huge.gguf",
        gguf(kvs=[kv(b"tokenizer.ggml.tokens", ARRAY, struct.pack("<I", STRING) + struct.pack("<Q", HUGE))]),
        f"array count {HUGE} of string cannot fit")
    put("gguf_nested_too_deep.gguf", gguf(kvs=[kv(b"test.deep", ARRAY, nested_array(40))]), "nested deeper than 8")
    put("gguf_unknown_value_type.gguf", gguf(kvs=[kv(b"test.x", 13, b"\0" * 8)]), "unknown value type 13")
    put("gguf_unknown_array_element_type.gguf",
        gguf(kvs=[kv(b"test.x", ARRAY, struct.pack("<I", 99) + struct.pack("<Q", 1) + b"\0" * 8)]), "unknown value type 99")
    put("gguf_bool_not_0_or_1.gguf", gguf(kvs=[kv(b"test.flag", BOOL, b"\x07")]), "bool value 7 is neither 0 nor 1")
    put("gguf_unknown_tensor_type_4.gguf", gguf(tensors=[tinfo(b"a", [8], 4, 0)]), "unsupported tensor type 4")
    put("gguf_unknown_tensor_type_1000.gguf", gguf(tensors=[tinfo(b"a", [8], 1000, 0)]), "unsupported tensor type 1000")
    put("gguf_ndims_0.gguf", gguf(tensors=[tinfo(b"a", [], T_F32, 0)]), "n_dims 0 out of range 1..4")
    put("gguf_ndims_9.gguf", gguf(tensors=[tinfo(b"a", [1] * 9, T_F32, 0)]), "n_dims 9 out of range 1..4")
    put("gguf_dims_product_overflow.gguf", gguf(tensors=[tinfo(b"a", [1 << 40, 1 << 40], T_F32, 0)]), "overflows")
    put("gguf_bytes_overflow.gguf", gguf(tensors=[tinfo(b"a", [1 << 31, 1 << 31], T_F32, 0)]), "overflows")
    put("gguf_dim_too_large.gguf", gguf(tensors=[tinfo(b"a", [(1 << 63) + 5], T_F32, 0)]), "too large")
    put("gguf_row_not_block_multiple.gguf", gguf(tensors=[tinfo(b"a", [40], T_Q8_0, 0)]),
        "row length 40 is not a multiple of the Q8_0 block size 32")
    put("gguf_offset_past_end.gguf", gguf(tensors=[tinfo(b"a", [8], T_F32, 1 << 20)]), "offset 1048576 + size 32 past end of file")
    put("gguf_offset_huge.gguf", gguf(tensors=[tinfo(b"a", [8], T_F32, (1 << 64) - 32)]), "past end of file")
    put("gguf_offset_misaligned.gguf", gguf(tensors=[tinfo(b"a", [8], T_F32, 4)]), "offset 4 is not a multiple of the alignment 32")
    put("gguf_alignment_0.gguf", gguf(kvs=base_kvs(struct.pack("<I", 0))), "general.alignment 0 is not a nonzero power of two")
    put("gguf_alignment_3.gguf", gguf(kvs=base_kvs(struct.pack("<I", 3))), "general.alignment 3 is not a nonzero power of two")
    put("gguf_alignment_string.gguf", gguf(kvs=base_kvs(gstr(b"32"), STRING)), "general.alignment has type string")
    put("gguf_duplicate_key.gguf", gguf(kvs=base_kvs() + [kv(b"general.architecture", STRING, gstr(b"qwen3"))]),
        "duplicate metadata key 'general.architecture'")
    put("gguf_duplicate_tensor.gguf", gguf(tensors=[tinfo(b"a", [8], T_F32, 0), tinfo(b"a", [8], T_F32, 32)]),
        "duplicate tensor name 'a'")
    put("gguf_invalid_utf8_key.gguf", gguf(kvs=base_kvs() + [kv(b"bad\xff\xfekey", U8, b"\x01")]), "is not valid UTF-8")
    put("gguf_invalid_utf8_tensor_name.gguf", gguf(tensors=[tinfo(b"w\xc0\xaf", [8], T_F32, 0)]),
        "tensor name 'w\\xc0\\xaf' at offset")

    # --- safetensors ------------------------------------------------------------------------------
    data16 = bytes(range(16))
    put("st_empty.safetensors", b"", "too short for the 8-byte header length")
    put("st_header_length_huge.safetensors", struct.pack("<Q", 1 << 62) + b"{}", "exceeds the limit")
    put("st_header_length_past_end.safetensors", safetensors({"a": st_entry()}, data16, length=4096),
        "header length 4096 past end of file")
    put("st_header_not_json.safetensors", safetensors(None, data16, raw_header=b'{"a": {"dtype": "F32",'), "header is not valid JSON")
    put("st_header_not_object.safetensors", safetensors([1, 2, 3], data16), "header is not a JSON object")
    put("st_offsets_past_end.safetensors", safetensors({"a": st_entry(offsets=(8, 16 + 8), shape=(4,))}, data16),
        "past end of file (data section holds 16 bytes)")
    put("st_begin_greater_than_end.safetensors", safetensors({"a": st_entry(offsets=(8, 4))}, data16), "begin 8 > end 4")
    put("st_size_mismatch.safetensors", safetensors({"a": st_entry(shape=(3,), offsets=(0, 8))}, data16),
        "data_offsets span 8 bytes, but shape [3] of F32 needs 12")
    put("st_overlap.safetensors",
        safetensors({"a": st_entry(offsets=(0, 8)), "b": st_entry(shape=(2,), offsets=(4, 12))}, data16), "overlap")
    put("st_shape_overflow.safetensors", safetensors({"a": st_entry(shape=(1 << 40, 1 << 40), offsets=(0, 8))}, data16),
        "overflows")
    put("st_shape_negative.safetensors", safetensors({"a": st_entry(shape=(-2,))}, data16), "is not a non-negative integer")
    deep = 100_000  # a shape entry nested this deep once overflowed the stack when quoted in the error
    put("st_shape_deeply_nested.safetensors",
        safetensors(None, data16, raw_header=b'{"a":{"dtype":"F32","shape":[' + b"[" * deep + b"]" * deep +
                    b'],"data_offsets":[0,8]}}'), "shape entry of type array is not a non-negative integer")
    put("st_unknown_dtype.safetensors", safetensors({"a": st_entry(dtype="Q9")}, data16), "unknown dtype 'Q9'")
    put("st_unsupported_dtype.safetensors", safetensors({"a": st_entry(dtype="U8")}, data16), "unsupported dtype U8 for tensor 'a'")
    put("st_duplicate_name.safetensors",
        safetensors(None, data16, raw_header=b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
                                             b'"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}'),
        "header repeats the key 'a'")
    put("st_invalid_utf8_name.safetensors",
        safetensors(None, data16, raw_header=b'{"w\xff":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'), "UTF-8")
    put("st_metadata_not_strings.safetensors",
        safetensors({"__metadata__": {"format": 1}, "a": st_entry()}, data16), "__metadata__ value of 'format' is not a string")
    put("st_data_offsets_malformed.safetensors", safetensors({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0]}}, data16),
        "must be [begin, end]")
    put("st_entry_not_object.safetensors", safetensors({"a": [1, 2]}, data16), "entry is not a JSON object")

    good_shard = safetensors({"a": st_entry()}, data16[:8])

    def folder(name: str, files: dict, substring: str) -> None:
        d = OUT / name
        d.mkdir()
        for fname, content in files.items():
            (d / fname).write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
        expected[name] = substring

    folder("st_index_missing_shard",
           {"model.safetensors.index.json": {"weight_map": {"a": "model-00001-of-00002.safetensors",
                                                            "b": "model-00002-of-00002.safetensors"}},
            "model-00001-of-00002.safetensors": good_shard},
           "shard 'model-00002-of-00002.safetensors' named in weight_map is missing")
    folder("st_index_missing_tensor",
           {"model.safetensors.index.json": {"weight_map": {"a": "s1.safetensors", "zz": "s1.safetensors"}},
            "s1.safetensors": good_shard},
           "weight_map puts tensor 'zz' in shard 's1.safetensors', which has no such tensor")
    folder("st_shards_duplicate_tensor",
           {"model.safetensors.index.json": {"weight_map": {"a": "s1.safetensors", "b": "s2.safetensors"}},
            "s1.safetensors": good_shard,
            "s2.safetensors": safetensors({"a": st_entry(), "b": st_entry(offsets=(8, 16))}, data16)},
           "tensor 'a' is also in shard")
    folder("st_index_escapes_folder",
           {"model.safetensors.index.json": {"weight_map": {"a": "../st_empty.safetensors"}}},
           "leaves the model folder")
    folder("st_index_no_weight_map", {"model.safetensors.index.json": {"metadata": {}}}, "no \"weight_map\" object")

    (OUT / "expected.json").write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n")
    print(f"{len(expected)} malformed cases written to {OUT}")


if __name__ == "__main__":
    main()
