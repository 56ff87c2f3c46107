#!/usr/bin/env bash
# libFuzzer target for the C++ engine (native/fuzz/fuzz_execute.cc), built with
# clang++ -fsanitize=fuzzer,address,undefined straight from native/*.cc (no
# Node), run for FUZZ_SECONDS (default 120). FUZZ_SANITIZE=undefined builds
# without ASan, which turns the engine's per-thread free lists on
# (native/object_pool.h: they are off under ASan), so the pooled allocation
# path is fuzzed too. Crashing inputs are written to
# native/fuzz/crashes/ (kept as regression inputs: every file there is
# replayed first). Installs clang and its runtimes (Debian) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang++ >/dev/null || [ ! -e "$(clang++ -print-file-name=libclang_rt.fuzzer-x86_64.a)" ]; then
  apt-get update -qq && apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
fi
SANITIZE=${FUZZ_SANITIZE:-address,undefined}
OUT=${FUZZ_OUT:-/tmp/gradserve-libfuzzer-${SANITIZE//,/-}}
mkdir -p "$OUT/corpus" native/fuzz/crashes
BIN="$OUT/fuzz_execute"
SRCS=$(ls native/*.cc native/ops/*.cc native/optim/*.cc native/fuzz/fuzz_execute.cc)
DEFS=""
LIBS=""
if [ -e /usr/include/x86_64-linux-gnu/cblas.h ] || [ -e /usr/include/openblas/cblas.h ]; then DEFS="-DGS_HAVE_CBLAS -I/usr/include/x86_64-linux-gnu -I/usr/include/openblas"; LIBS="-lopenblas"; fi
echo "== building $BIN"
# Compile objects in parallel, then link. An object is reused only when it is
# newer than its source and than every engine header (a changed header can
# change a struct's layout: stale objects would not agree on it).
mkdir -p "$OUT/obj"
NEWEST_H=$(ls -t native/*.h native/*/*.h | head -1)
FLAGS="-std=c++17 -g -O1 -fexceptions -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,$SANITIZE -fno-sanitize-recover=undefined $DEFS"
echo $SRCS | tr ' ' '\n' | xargs -P "$(nproc)" -I{} sh -c 'o="$0/obj/$(echo {} | tr / _).o"; [ "$o" -nt {} ] && [ "$o" -nt "$1" ] || clang++ '"$FLAGS"' -c {} -o "$o"' "$OUT" "$NEWEST_H"
clang++ -fsanitize=fuzzer,$SANITIZE "$OUT"/obj/*.o -o "$BIN" $LIBS -lpthread
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
if ls native/fuzz/crashes/* >/dev/null 2>&1; then
  echo "== replaying $(ls native/fuzz/crashes | wc -l) kept crash inputs"
  "$BIN" -runs=0 native/fuzz/crashes/* 2>&1 | tail -3
fi
SECS=${FUZZ_SECONDS:-120}
echo "== fuzzing for $SECS s"
set +e
"$BIN" -max_total_time="$SECS" -max_len=512 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=native/fuzz/crashes/ -jobs=1 "$OUT/corpus" >"$OUT/fuzz.log" 2>&1
rc=$?
set -e
grep -E "stat::number_of_executed_units|stat::peak_rss_mb|cov:|Done" "$OUT/fuzz.log" | tail -4
if [ $rc -ne 0 ]; then grep -E -B2 -A25 "ERROR: |runtime error|deadly signal" "$OUT/fuzz.log" | head -60; echo "libfuzzer: FINDING (input in native/fuzz/crashes/)"; exit 1; fi
echo "libfuzzer: OK (no crash, no sanitizer report in $SECS s)"
