"""Structured output against the reference validator: the C++ property test (test_structured, tag [property])
samples random schemas with uniformly random allowed tokens of the Qwen3 and SmolLM2 vocabularies and dumps
every finished (schema, output) pair; python-jsonschema (Draft 2020-12) must accept each output, and each
output must parse with Python's json module."""
import json
import os
import pathlib
import subprocess

import jsonschema
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def structured_test_bin() -> str:
    path = os.environ.get("EDGESERVE_STRUCTURED_TEST_BIN",
                          str(ROOT / "build" / "engine" / "structured" / "test_structured"))
    if not os.path.exists(path):
        pytest.fail(f"test_structured not found at {path}: build it first (or set EDGESERVE_STRUCTURED_TEST_BIN)")
    return path


def test_property_outputs_validate_with_jsonschema(structured_test_bin, tmp_path):
    dump = tmp_path / "pairs.jsonl"
    env = dict(os.environ, EDGESERVE_STRUCTURED_DUMP=str(dump))
    out = subprocess.run([structured_test_bin, "[property]"], capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    pairs = [json.loads(line) for line in dump.read_text(encoding="utf-8").splitlines()]
    by_vocab = {v: sum(p["vocab"] == v for p in pairs) for v in ("qwen3", "smollm2")}
    assert by_vocab["qwen3"] >= 180 and by_vocab["smollm2"] >= 180, by_vocab
    for pair in pairs:
        schema, output = pair["schema"], pair["output"]
        jsonschema.Draft202012Validator.check_schema(schema)
        document = json.loads(output)
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(document))
        assert not errors, f"{pair['vocab']}: {output!r} violates {json.dumps(schema)}: {errors[0].message}"
