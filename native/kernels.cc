#include "kernels.h"

#include <string>

namespace gs {

namespace {
int category(DType d) { return d == DType::Bool ? 0 : d == DType::Int64 ? 1 : 2; }

struct Group {
  bool any = false;
  DType dt = DType::Bool;
  void add(DType d) {
    dt = any ? promote_types(dt, d) : d;
    any = true;
  }
};

// PyTorch's combine_categories: the higher-priority group wins unless the
// lower one brings a higher category.
Group combine(const Group& higher, const Group& lower) {
  if (!higher.any) return lower;
  if (!lower.any) return higher;
  if (category(higher.dt) >= category(lower.dt)) return higher;
  Group g = higher;
  g.dt = promote_types(higher.dt, lower.dt);
  return g;
}
}  // namespace

namespace {
template <class List>
DType result_type_of(const List& operands) {
  Group dim, zero, wrapped;
  for (const Tensor* t : operands) {
    if (!t || !t->defined()) continue;
    if (t->is_wrapped_number()) wrapped.add(t->dtype() == DType::Float64 ? DType::Float32 : t->dtype());
    else if (t->dim() == 0) zero.add(t->dtype());
    else dim.add(t->dtype());
  }
  Group r = combine(dim, combine(zero, wrapped));
  return r.any ? r.dt : DType::Float32;
}
}  // namespace

DType result_type(const std::vector<const Tensor*>& operands) { return result_type_of(operands); }
DType result_type(std::initializer_list<const Tensor*> operands) { return result_type_of(operands); }

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      throw ShapeError("The size of tensor a (" + std::to_string(da) + ") must match the size of tensor b (" +
                       std::to_string(db) + ") at non-singleton dimension " + std::to_string(i));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Shape broadcast_strides(const Shape& s, const Shape& out) {
  Shape st(out.size(), 0);
  auto cs = contiguous_strides(s);
  size_t off = out.size() - s.size();
  for (size_t i = 0; i < s.size(); ++i) st[off + i] = s[i] == 1 ? 0 : cs[i];
  return st;
}

Tensor cast_raw(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  Tensor out = Tensor::empty(x.shape(), dtype);
  if (out.is_meta()) return out;
  GS_DISPATCH_ALL(x.dtype(), S, {
    GS_DISPATCH_ALL(dtype, D, {
      map_unary<D, S>(out, x, [](S v) { return convert<D, S>(v); });
    });
  });
  return out;
}

}  // namespace gs
