// tuneMalloc(mmapThreshold, trimThreshold) -> boolean: glibc malloc's two
// thresholds (mallopt), process-wide. Large request bodies and answers
// (megabytes) are otherwise mmapped fresh for every request and their pages
// faulted in one by one; on the bench VM that cost ~3 ms per MB (a 22 MB
// memset: 65 ms on fresh pages, 1.3 ms on reused ones). Kept in the heap and
// not trimmed, the freed pages are reused warm. src/malloc-tuning.ts decides
// the values; false where the C library is not glibc.
#include <cstdlib>  // defines __GLIBC__ on glibc systems
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "convert.h"

namespace gs::addon {

Napi::Value TuneMalloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const double mmap_threshold = info[0].ToNumber().DoubleValue(), trim_threshold = info[1].ToNumber().DoubleValue();
    // mallopt takes ints; glibc refuses an mmap threshold above 32 MiB (64-bit).
    if (!(mmap_threshold >= 0 && mmap_threshold <= 32.0 * 1024 * 1024) || !(trim_threshold >= 0 && trim_threshold <= 2147483647.0))
      throw ValueError("tuneMalloc: mmapThreshold must be in [0, 32 MiB] and trimThreshold in [0, 2^31 - 1]");
#if defined(__GLIBC__)
    const bool ok = mallopt(M_MMAP_THRESHOLD, static_cast<int>(mmap_threshold)) == 1 &&
                    mallopt(M_TRIM_THRESHOLD, static_cast<int>(trim_threshold)) == 1;
    return Napi::Boolean::New(env, ok);
#else
    return Napi::Boolean::New(env, false);
#endif
  });
}

}  // namespace gs::addon
