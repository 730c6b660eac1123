"""The edgeserve binary from the outside: --version, --help, and `inspect` checked against the python
`gguf` reader (the reference implementation of the GGUF format) on the bundled SmolLM2 model."""
import collections
import json
import os
import pathlib
import subprocess

from gguf import GGUFReader

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run(binary, *args, env=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=120, env=full_env)


def test_version_and_help(edgeserve_bin):
    out = run(edgeserve_bin, "--version")
    assert out.returncode == 0
    assert out.stdout.startswith("edgeserve ")
    out = run(edgeserve_bin, "--help")
    assert out.returncode == 0
    assert "inspect" in out.stdout


def test_inspect_matches_the_gguf_reference_reader(edgeserve_bin, default_model):
    out = run(edgeserve_bin, "inspect", default_model, "--json")
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    reader = GGUFReader(default_model)

    def scalar(key):
        field = reader.fields[key]
        return field.parts[field.data[0]][0]

    assert info["architecture"] == bytes(reader.fields["general.architecture"].parts[-1]).decode()
    assert info["num_hidden_layers"] == scalar("llama.block_count")
    assert info["hidden_size"] == scalar("llama.embedding_length")
    assert info["num_key_value_heads"] == scalar("llama.attention.head_count_kv")
    assert info["num_tensors"] == len(reader.tensors)
    assert info["num_parameters"] == sum(int(t.n_elements) for t in reader.tensors)
    assert info["weight_bytes"] == sum(int(t.n_bytes) for t in reader.tensors)
    counts = collections.Counter(t.tensor_type.name for t in reader.tensors)
    assert {k: v["tensors"] for k, v in info["dtypes"].items()} == dict(counts)
    assert info["vocab_size"] == len(reader.fields["tokenizer.ggml.tokens"].data)
    assert info["chat_template"] is True
    assert info["tie_word_embeddings"] is ("output.weight" not in {t.name for t in reader.tensors})


def test_inspect_defaults_to_the_bundled_model(edgeserve_bin, default_model):
    out = run(edgeserve_bin, "inspect", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["path"].endswith("SmolLM2-135M-Instruct.Q4_1.gguf")


def test_settings_precedence_cli_over_env_over_file(edgeserve_bin, default_model, tmp_path):
    cfg = tmp_path / "edgeserve.json"
    cfg.write_text(json.dumps({"max_model_len": 1024, "block_size": 32}))
    out = run(edgeserve_bin, "--config", str(cfg), "inspect", default_model, "--json",
              env={"EDGESERVE_MAX_MODEL_LEN": "2048"})
    info = json.loads(out.stdout)
    assert (info["max_model_len"], info["block_size"]) == (2048, 32)
    out = run(edgeserve_bin, "--config", str(cfg), "inspect", default_model, "--json", "--max-model-len", "4096",
              env={"EDGESERVE_MAX_MODEL_LEN": "2048"})
    assert json.loads(out.stdout)["max_model_len"] == 4096


def test_bad_setting_and_bad_model_are_named(edgeserve_bin, default_model, tmp_path):
    out = run(edgeserve_bin, "inspect", default_model, env={"EDGESERVE_BLOCK_SIZE": "7"})
    assert out.returncode == 2
    assert "block_size" in out.stderr and "EDGESERVE_BLOCK_SIZE" in out.stderr
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF\x03\x00\x00\x00" + b"\xff" * 20)
    out = run(edgeserve_bin, "inspect", str(bad))
    assert out.returncode == 1
    assert "broken.gguf" in out.stderr


def test_inspect_safetensors_folder(edgeserve_bin):
    folder = ROOT / "tests" / "fixtures" / "models" / "tiny-llama-sharded"
    out = run(edgeserve_bin, "inspect", str(folder), "--json")
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert info["format"] == "safetensors (2 shards)"
    assert info["tokenizer"] == "none"
