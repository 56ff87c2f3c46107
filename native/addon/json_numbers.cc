// readJsonNumbers(bytes, starts, ends, count, out, slots): JSON number tokens
// of a request body's bytes read as JSON.parse reads them
// (native/json_text.h read_json_number), token i = bytes[starts[i], ends[i])
// into out[slots[i]]. src/ir/body-template.ts reads the short tokens (at most
// 15 significant digits, a power of ten within ±22: one exact IEEE operation)
// itself; the others — a float written with all 17 digits, as Python's json
// module writes most — come here, all of one body in one call.
#include <string>

#include "../json_text.h"
#include "convert.h"

namespace gs::addon {

Napi::Value ReadJsonNumbers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    for (const int i : {0, 1, 2, 4, 5})
      if (!info[i].IsTypedArray()) throw ValueError("internal: readJsonNumbers(bytes, starts, ends, count, out, slots) takes typed arrays");
    const TypedView bytes = typed_view(info[0]), starts = typed_view(info[1]), ends = typed_view(info[2]), out = typed_view(info[4]), slots = typed_view(info[5]);
    if (bytes.type != napi_uint8_array || starts.type != napi_int32_array || ends.type != napi_int32_array || out.type != napi_float64_array || slots.type != napi_int32_array)
      throw ValueError("internal: readJsonNumbers takes a Uint8Array, two Int32Arrays, a count, a Float64Array and an Int32Array");
    const double count_js = info[3].ToNumber().DoubleValue();
    const size_t tokens = starts.bytes / 4;
    if (!(count_js >= 0 && count_js <= static_cast<double>(tokens)) || ends.bytes / 4 < tokens || slots.bytes / 4 < tokens)
      throw ValueError("internal: readJsonNumbers count exceeds its arrays");
    const size_t count = static_cast<size_t>(count_js);
    const char* text = static_cast<const char*>(bytes.data);
    const int32_t* s = static_cast<const int32_t*>(starts.data);
    const int32_t* e = static_cast<const int32_t*>(ends.data);
    const int32_t* slot = static_cast<const int32_t*>(slots.data);
    double* values = static_cast<double*>(out.data);
    const size_t n_out = out.bytes / 8;
    for (size_t i = 0; i < count; ++i) {
      if (s[i] < 0 || e[i] <= s[i] || static_cast<size_t>(e[i]) > bytes.bytes || slot[i] < 0 || static_cast<size_t>(slot[i]) >= n_out)
        throw ValueError("internal: readJsonNumbers token " + std::to_string(i) + " is out of bounds");
      values[slot[i]] = read_json_number(text + s[i], text + e[i]);
    }
    return env.Undefined();
  });
}

}  // namespace gs::addon
