"""`edgeserve generate` and `edgeserve bench model` from the outside, on the bundled SmolLM2 GGUF.
Reference: transformers loading the same GGUF (tests/fixtures/golden/smollm2_greedy.json, made by
scripts/make_fixtures.py); its greedy answer to the first prompt is "The capital of France is Paris."."""
import json
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = json.loads((ROOT / "tests" / "fixtures" / "golden" / "smollm2_greedy.json").read_text())


def run(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=300)


def test_greedy_chat_answer_equals_transformers(edgeserve_bin, default_model):
    case = GOLDEN["cases"][0]
    expected = case["text"].split("<|im_end|>")[0]  # transformers' greedy answer up to its end-of-turn token
    out = run(edgeserve_bin, "generate", default_model, "--chat", "-p", case["prompt"], "--temperature", "0",
              "--max-tokens", "32", "--dequantize-reference")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == expected
    assert "finish_reason stop" in out.stderr  # stopped on <|im_end|>, not at --max-tokens


def test_seeded_sampling_is_reproducible(edgeserve_bin, default_model):
    args = ["generate", default_model, "--chat", "-p", "Tell me a story.", "--temperature", "0.8", "--top-p", "0.95",
            "--max-tokens", "24", "--seed", "7"]
    first, second = run(edgeserve_bin, *args), run(edgeserve_bin, *args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and first.stdout.strip()
    third = run(edgeserve_bin, *args[:-1], "8")
    assert third.stdout != first.stdout


def test_bad_sampling_flag_names_the_parameter(edgeserve_bin, default_model):
    out = run(edgeserve_bin, "generate", default_model, "-p", "hi", "--top-p", "1.5")
    assert out.returncode == 2
    assert "top_p" in out.stderr


def test_bench_model_prints_pp_and_tg(edgeserve_bin, default_model):
    out = run(edgeserve_bin, "bench", "model", default_model, "-p", "32", "-n", "8", "-r", "2")
    assert out.returncode == 0, out.stderr
    rows = {line.split("|")[1].strip(): float(line.split("|")[2]) for line in out.stdout.splitlines()
            if line.startswith("| pp") or line.startswith("| tg")}
    assert set(rows) == {"pp32", "tg8"} and all(v > 0 for v in rows.values())
    assert "peak RSS" in out.stdout


def test_bench_batch_reports_every_concurrency_level(edgeserve_bin, default_model):
    out = run(edgeserve_bin, "bench", "batch", default_model, "--seqs", "1,3", "-p", "8", "-n", "6")
    assert out.returncode == 0, out.stderr
    rows = [line.split("|")[1:-1] for line in out.stdout.splitlines() if line.startswith("| ") and "sequences" not in line]
    assert [int(r[0]) for r in rows] == [1, 3]
    assert all(float(r[1]) > 0 for r in rows)  # aggregate decode tokens/s measured at each level


def test_generate_rejects_a_prompt_longer_than_the_context(edgeserve_bin, default_model):
    out = run(edgeserve_bin, "generate", default_model, "-p", "word " * 64, "--max-model-len", "32")
    assert out.returncode == 2
    assert "maximum context length is 32 tokens" in out.stderr


def test_default_settings_answer_like_transformers(edgeserve_bin, default_model):
    # activation_precision auto picks F32 activations for the Q4_1 model: transformers' numerics by default.
    case = GOLDEN["cases"][0]
    expected = case["text"].split("<|im_end|>")[0]
    out = run(edgeserve_bin, "generate", default_model, "--chat", "-p", case["prompt"], "--temperature", "0",
              "--max-tokens", "32")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == expected
