#!/usr/bin/env bash
# Builds the addon with clang + AddressSanitizer + UndefinedBehaviorSanitizer
# (in a scratch copy, so build/Release stays the normal one) and runs the
# whole test suite against it (but the browser test, whose chromium must not
# get libasan preloaded): GS_ADDON points src/native.ts at the sanitized
# build, LD_PRELOAD loads libasan into node. Any sanitizer report fails the run.
# Installs clang and its runtimes (Debian) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
if ! command -v clang++ >/dev/null || [ -z "$(clang++ -print-file-name=libclang_rt.asan-x86_64.so | grep /)" ] || [ ! -e "$(clang++ -print-file-name=libclang_rt.asan-x86_64.so)" ]; then
  apt-get update -qq && apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
fi
WORK=${SAN_DIR:-/tmp/gradserve-asan}
mkdir -p "$WORK"
# The scratch copy is rebuilt incrementally, so a changed file must get a new
# mtime: copied with its own (cp -a, rsync -a), an edit made after the previous
# build had compiled that file looked older than its object, and make kept the
# stale object. Only files whose content changed are copied; removed ones go.
sync_tree() { # sync_tree SRC_DIR DST_DIR
  local src=$1 dst=$2 rel
  mkdir -p "$dst"
  (cd "$src" && find . -type f) | while read -r rel; do
    cmp -s "$src/$rel" "$dst/$rel" || { mkdir -p "$(dirname "$dst/$rel")"; cp "$src/$rel" "$dst/$rel"; }
  done
  (cd "$dst" && find . -type f) | while read -r rel; do [ -e "$src/$rel" ] || rm -f "$dst/$rel"; done
}
sync_tree "$ROOT/native" "$WORK/native"
sync_tree "$ROOT/tools" "$WORK/tools"
cmp -s "$ROOT/binding.gyp" "$WORK/binding.gyp" || cp "$ROOT/binding.gyp" "$WORK/binding.gyp"
ln -sfn "$ROOT/node_modules" "$WORK/node_modules"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -shared-libasan"
echo "== building the addon with ASan/UBSan in $WORK"
( cd "$WORK" && export CC=clang CXX=clang++ CXXFLAGS="$SAN -g -O1" LDFLAGS="$SAN" && { [ -e build/Makefile ] || npx node-gyp configure; } >"$WORK/build.log" 2>&1 && npx node-gyp build -j max >>"$WORK/build.log" 2>&1 ) || { tail -30 "$WORK/build.log"; exit 1; }
ADDON="$WORK/build/Release/gradserve.node"
LIBASAN=$(clang++ -print-file-name=libclang_rt.asan-x86_64.so)
npm run build >/dev/null
echo "== test suite against $ADDON (LD_PRELOAD=$LIBASAN)"
LOG="$WORK/test.log"
set +e
# Node itself is not instrumented: leak checking at exit would report V8's
# allocations, so it is off; every other ASan/UBSan error aborts the process.
GS_ADDON="$ADDON" LD_PRELOAD="$LIBASAN" \
  ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:allocator_may_return_null=1:detect_odr_violation=0" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  FUZZ_RUNS="${FUZZ_RUNS:-5000}" \
  npx vitest run --exclude "test/browser/**" "$@" 2>&1 | tee "$LOG" | grep -E "Test Files|Tests |FAIL|ERROR: AddressSanitizer|runtime error" 
rc=${PIPESTATUS[0]}
set -e
if grep -qE "ERROR: AddressSanitizer|runtime error:|LeakSanitizer" "$LOG"; then
  echo "sanitizers: REPORTS FOUND (see $LOG)"; grep -E -A20 "ERROR: AddressSanitizer|runtime error:" "$LOG" | head -60; exit 1
fi
[ "$rc" = 0 ] || { echo "sanitizers: test suite failed (rc $rc, see $LOG)"; exit "$rc"; }
echo "sanitizers: OK (no ASan/UBSan report; full suite green against the sanitized addon)"
