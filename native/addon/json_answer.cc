// jsonAnswer(pieces, tensors) -> Uint8Array: a JSON answer's UTF-8 bytes,
// pieces[0] + data(tensors[0]) + pieces[1] + ... + pieces[n], where each
// tensor {data: typed array, dtype, shape} is written as nested JSON text
// (native/json_text.h). src/encoding/encode.ts cuts the pieces from
// JSON.stringify of the answer's skeleton; the megabytes of numbers never
// become JS arrays or pass through JSON.stringify.
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "../json_text.h"
#include "convert.h"

namespace gs::addon {

namespace {

struct DataText {
  DType dtype;
  Shape shape;
  const uint8_t* bytes;
  size_t bound;
};

DataText read_data(const Napi::Value& v) {
  if (!v.IsObject()) throw ValueError("internal: jsonAnswer tensors must be objects");
  const Napi::Object o = v.As<Napi::Object>();
  DataText t{dtype_from_name(o.Get("dtype").As<Napi::String>().Utf8Value()), read_shape(o.Get("shape")), nullptr, 0};
  t.bound = json_data_bound(t.shape.data(), t.shape.size());
  if (t.bound == 0) throw ValueError("internal: jsonAnswer tensor too large");
  const Napi::Value data = o.Get("data");
  if (!data.IsTypedArray()) throw ValueError("internal: jsonAnswer tensor data must be a typed array");
  const TypedView view = typed_view(data);
  size_t numel = 1;
  for (const int64_t d : t.shape) numel *= static_cast<size_t>(d);  // no overflow: the bound did not
  if (view.bytes != numel * dtype_size(t.dtype))
    throw ShapeError("tensor data has " + std::to_string(view.bytes) + " bytes but shape " + shape_str(t.shape) + " of " +
                     dtype_name(t.dtype) + " needs " + std::to_string(numel * dtype_size(t.dtype)));
  t.bytes = static_cast<const uint8_t*>(view.data);
  return t;
}

}  // namespace

Napi::Value JsonAnswer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (!info[0].IsArray() || !info[1].IsArray()) throw ValueError("internal: jsonAnswer(pieces, tensors) takes two arrays");
    const Napi::Array pieces_js = info[0].As<Napi::Array>(), tensors_js = info[1].As<Napi::Array>();
    if (pieces_js.Length() != tensors_js.Length() + 1) throw ValueError("internal: jsonAnswer needs one piece more than tensors");
    std::vector<std::string> pieces;
    std::vector<DataText> tensors;
    pieces.reserve(pieces_js.Length());
    tensors.reserve(tensors_js.Length());
    constexpr size_t kMaxAnswer = std::numeric_limits<int32_t>::max();
    size_t size = 0;
    for (uint32_t i = 0; i < pieces_js.Length(); ++i) {
      const Napi::Value p = pieces_js.Get(i);
      if (!p.IsString()) throw ValueError("internal: jsonAnswer pieces must be strings");
      pieces.push_back(p.As<Napi::String>().Utf8Value());
      size += pieces.back().size();
    }
    for (uint32_t i = 0; i < tensors_js.Length(); ++i) {
      tensors.push_back(read_data(tensors_js.Get(i)));
      if (tensors.back().bound > kMaxAnswer) throw LimitError("the answer is too large to write as JSON; ask for \"encoding\": \"base64\" or the binary framing");
      size += tensors.back().bound;
    }
    if (size > kMaxAnswer) throw LimitError("the answer is too large to write as JSON; ask for \"encoding\": \"base64\" or the binary framing");
    // The bound, not the exact size. A Node Buffer's memory is not zeroed
    // (an ArrayBuffer's is: a memset of the whole bound), and the unwritten
    // tail of a fresh allocation is never touched.
    Napi::Buffer<char> buf = Napi::Buffer<char>::New(env, size);
    char* const begin = buf.Data();
    char* out = begin;
    for (size_t i = 0; i < pieces.size(); ++i) {
      std::memcpy(out, pieces[i].data(), pieces[i].size());
      out += pieces[i].size();
      if (i < tensors.size()) {
        const DataText& t = tensors[i];
        out = write_json_data(out, t.dtype, t.bytes, t.shape.data(), t.shape.size());
      }
    }
    return Napi::Uint8Array::New(env, static_cast<size_t>(out - begin), buf.ArrayBuffer(), buf.ByteOffset());
  });
}

}  // namespace gs::addon
