"""`edgeserve bench serve` against the real server on 127.0.0.1: every request succeeds and the JSON report
carries the vLLM metric names with sane values (TTFT <= E2EL, output tokens as asked)."""
import json
import subprocess


def test_bench_serve_against_the_server(server, edgeserve_bin, tmp_path):
    report = tmp_path / "bench.json"
    out = subprocess.run([edgeserve_bin, "bench", "serve", "--base-url", server.base_url, "--concurrency", "4",
                          "--num-prompts", "8", "--input-len", "32", "--output-len", "12", "--json", str(report)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    r = json.loads(report.read_text())
    assert r["completed"] == 8 and not any(r["errors"])   # per-request error strings, all empty
    assert r["total_output_tokens"] == 8 * 12          # ignore_eos: every request runs to its output length
    assert 0 < r["median_ttft_ms"] <= r["median_e2el_ms"]
    assert r["output_throughput"] > 0
