#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for FUZZ_SECONDS (default 60).
# Not part of CI. Usage: scripts/fuzz.sh [target ...]   (targets: gguf safetensors tokenizer_json jinja)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
BUILD=build-fuzz
OUT=fuzz-out
targets=("$@")
((${#targets[@]})) || targets=(gguf safetensors tokenizer_json jinja)

CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDGESERVE_FUZZ=ON \
  -DEDGESERVE_BUILD_TESTS=OFF -DEDGESERVE_CUDA=OFF >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}")

seed() {  # seed corpus per target: committed fixtures and the real templates
  case "$1" in
    gguf) find tests/fixtures/models tests/fixtures/malformed -name '*.gguf' -size -2M ;;
    safetensors) find tests/fixtures/models tests/fixtures/malformed -name '*.safetensors' -size -2M ;;
    tokenizer_json) find tests/fixtures/tokenizer -name '*tokenizer*.json' -size -2M ;;
    jinja) find "${EDGESERVE_SHARED_DIR:-../shared}/models/chat-templates" -name '*.jinja' 2>/dev/null ;;
  esac
}

status=0
for t in "${targets[@]}"; do
  corpus="$OUT/corpus_$t"
  mkdir -p "$corpus" "$OUT/crashes_$t"
  { seed "$t" || true; } | while read -r f; do cp -f "$f" "$corpus/"; done
  echo "== fuzz_$t for ${SECONDS_EACH}s"
  if ! "$BUILD/tests/fuzz/fuzz_$t" "$corpus" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$OUT/crashes_$t/" -print_final_stats=1 2>"$OUT/fuzz_$t.log"; then
    echo "fuzz_$t FOUND A CRASH: see $OUT/fuzz_$t.log and $OUT/crashes_$t/"; status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$OUT/fuzz_$t.log" || true
done
exit $status
