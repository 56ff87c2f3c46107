// libFuzzer target for the engine: decodes a small IR program (inputs of any
// dtype and shape, ops from the registry with arguments of any kind, an
// optional backward) from the fuzz bytes and runs it the way a worker does —
// first in meta mode (shapes and costs, under limits), then for real. Errors
// the engine throws are fine; a crash, an ASan or UBSan report is a finding.
// Built by scripts/libfuzzer.sh (clang++ -fsanitize=fuzzer,address,undefined).
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <string>
#include <vector>

#include "../ir.h"
#include "../registry.h"
#include "../tensor.h"

using namespace gs;

namespace {
struct Reader {
  const uint8_t* p;
  size_t n;
  uint8_t u8() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  uint16_t u16() { return static_cast<uint16_t>(u8() | (u8() << 8)); }
  bool bit() { return u8() & 1; }
  double number() {
    static const double table[] = {0, 1, -1, 2, 3, -2, 0.5, 1e-7, 1e30, -1e30, 1e308, 4, 5, -3, 100, 0.0 / 1.0};
    uint8_t k = u8();
    if (k < 16) return table[k];
    if (k < 32) return std::numeric_limits<double>::infinity() * (k & 1 ? -1 : 1);
    if (k < 40) return std::numeric_limits<double>::quiet_NaN();
    return static_cast<int8_t>(k) / 4.0;
  }
};

const char* kStrings[] = {"mean", "sum", "none", "fro", "tanh", "floor", "trunc", "float64", "int64", "bool", "float32", "", "inf", "nuc", "max", "min"};

Value read_value(Reader& r, int slots) {
  Value v;
  switch (r.u8() % 9) {
    case 0: case 1: case 2:
      v.kind = Value::Kind::Tensor;
      v.slot = slots > 0 ? r.u8() % slots : 0;
      break;
    case 3:
      v.kind = Value::Kind::Number;
      v.number = r.number();
      break;
    case 4:
      v.kind = Value::Kind::Bool;
      v.boolean = r.bit();
      break;
    case 5:
      v.kind = Value::Kind::Str;
      v.str = kStrings[r.u8() % 16];
      break;
    case 6: {
      v.kind = Value::Kind::FloatList;
      int k = r.u8() % 5;
      for (int i = 0; i < k; ++i) v.numbers.push_back(static_cast<int8_t>(r.u8()) % 6);
      break;
    }
    case 7: {
      v.kind = Value::Kind::TensorList;
      int k = r.u8() % 4;
      for (int i = 0; i < k; ++i) v.slots.push_back(slots > 0 ? r.u8() % slots : 0);
      break;
    }
    default:
      v.kind = Value::Kind::None;
  }
  return v;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader r{data, size};
  const auto& ops = all_ops();
  const int ni = 1 + r.u8() % 3;
  std::vector<Shape> shapes;
  std::vector<DType> dtypes;
  std::vector<double> fills;
  std::vector<bool> grads;
  for (int i = 0; i < ni; ++i) {
    Shape s;
    int d = r.u8() % 4;
    for (int k = 0; k < d; ++k) s.push_back(r.u8() % 5);
    shapes.push_back(s);
    DType dt = static_cast<DType>(r.u8() % 4);
    dtypes.push_back(dt);
    fills.push_back(r.number());
    grads.push_back((dt == DType::Float32 || dt == DType::Float64) && r.bit());
  }
  IRProgram p;
  p.num_inputs = ni;
  const int nn = 1 + r.u8() % 6;
  for (int i = 0; i < nn; ++i) {
    IRNode node;
    node.op = &ops[r.u16() % ops.size()];
    const int na = r.u8() % 6;
    for (int a = 0; a < na; ++a) node.args.push_back(read_value(r, ni + i));
    p.nodes.push_back(std::move(node));
  }
  if (r.bit()) {
    p.backward = true;
    p.of = r.u8() % (ni + nn);
    for (int i = 0; i < ni; ++i)
      if (grads[i]) p.wrt.push_back(i);
    if (r.bit()) p.grad_output = r.u8() % (ni + nn);
  }
  // The real run may fuse transposes into products (as RunPrepared does), keeping one slot as an output.
  const bool fuse = r.bit();
  std::vector<int> keep;
  if (r.bit()) keep.push_back(r.u8() % (ni + nn));
  RunOptions o;
  o.limits.max_bytes = 64 << 20;
  o.limits.max_flops = 200'000'000;
  o.limits.max_ops = 20'000;
  o.limits.max_elements = 1 << 20;
  o.deadline_ms = 2000;
  try {
    std::vector<Tensor> meta_inputs;
    for (int i = 0; i < ni; ++i) {
      Tensor t = Tensor::meta(shapes[i], dtypes[i]);
      if (grads[i]) t.set_requires_grad(true);
      meta_inputs.push_back(t);
    }
    o.meta = true;
    execute(p, meta_inputs, o);
    std::vector<Tensor> inputs;
    for (int i = 0; i < ni; ++i) {
      Tensor t = Tensor::full(shapes[i], dtypes[i], fills[i]);
      if (grads[i]) t.set_requires_grad(true);
      inputs.push_back(t);
    }
    o.meta = false;
    if (fuse) o.fuse_keep = &keep;
    execute(p, inputs, o);
  } catch (const std::exception&) {
    // A typed engine error (or a refused limit): the service answers 4xx.
  }
  return 0;
}
