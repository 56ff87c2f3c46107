// matchJsonTemplate: the native half of /v1/graph's body templates
// (src/ir/body-template.ts).
#include "../json_text.h"
#include "convert.h"

namespace gs::addon {

// matchJsonTemplate(bytes, skeleton, pieceEnds, values) -> boolean: whether
// the body's bytes are the template's skeleton with a JSON number token in
// each gap (native/json_text.h match_json_template); the numbers go to
// values. src/ir/body-template.ts matches every /v1/graph body against its
// last template here: one call instead of a JavaScript loop over every byte
// (two typed-array reads per byte cost ~30 instructions).
Napi::Value MatchJsonTemplate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    for (const int i : {0, 1, 2, 3})
      if (!info[i].IsTypedArray()) throw ValueError("internal: matchJsonTemplate(bytes, skeleton, pieceEnds, values) takes typed arrays");
    const TypedView bytes = typed_view(info[0]), skeleton = typed_view(info[1]), ends = typed_view(info[2]), values = typed_view(info[3]);
    if (bytes.type != napi_uint8_array || skeleton.type != napi_uint8_array || ends.type != napi_int32_array || values.type != napi_float64_array)
      throw ValueError("internal: matchJsonTemplate takes two Uint8Arrays, an Int32Array and a Float64Array");
    const size_t pieces = ends.bytes / 4;
    if (pieces == 0 || values.bytes / 8 < pieces - 1) throw ValueError("internal: matchJsonTemplate needs a piece and room for every number");
    const int32_t* piece_ends = static_cast<const int32_t*>(ends.data);
    int32_t previous = 0;
    for (size_t k = 0; k < pieces; ++k) {
      if (piece_ends[k] < previous || static_cast<size_t>(piece_ends[k]) > skeleton.bytes) throw ValueError("internal: matchJsonTemplate piece ends out of order");
      previous = piece_ends[k];
    }
    const bool match = match_json_template(static_cast<const char*>(bytes.data), bytes.bytes, static_cast<const char*>(skeleton.data), piece_ends, pieces - 1,
                                           static_cast<double*>(values.data));
    return Napi::Boolean::New(env, match);
  });
}

}  // namespace gs::addon
