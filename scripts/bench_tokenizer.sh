#!/usr/bin/env bash
# Tokenizer throughput, edgeserve vs Hugging Face `tokenizers`, on the same inputs in one run.
# Usage: scripts/bench_tokenizer.sh [build-dir]   (after `make build`)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
dump=$(mktemp -d)
trap 'rm -rf "$dump"' EXIT
echo "== edgeserve (C++)"
"$BUILD/engine/tokenizer/bench_tokenizer" --dump "$dump"
echo "== Hugging Face tokenizers $(.venv/bin/python -c 'import tokenizers; print(tokenizers.__version__)')"
shared=${EDGESERVE_SHARED_DIR:-../shared}
.venv/bin/python scripts/bench_tokenizer_hf.py "$dump" "$shared"
