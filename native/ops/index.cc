// Index ops. gather and scatter_add are each other's gradient, as are
// index_select and index_add; getitem is select/slice/unsqueeze. Indices that
// come from tensor data are checked before use, with PyTorch's messages.
#include "index.h"

#include <cstring>

#include "../autograd.h"
#include "../kernels.h"
#include "../registry.h"
#include "ops.h"

namespace gs::op {

namespace {

const char* torch_type_name(DType d) {
  switch (d) {
    case DType::Float32: return "Float";
    case DType::Float64: return "Double";
    case DType::Int64: return "Long";
    case DType::Bool: return "Bool";
  }
  return "?";
}

int64_t nonempty_dim(const Tensor& t) { return t.dim() == 0 ? 1 : t.dim(); }

// A 0-d tensor read as shape [1] (PyTorch treats it so in gather/scatter).
Tensor as_1d(const Tensor& t) { return t.dim() == 0 ? reshape(t, {1}) : t; }

// Strides of a contiguous `s`, zero along d (the indexed dim is addressed by value).
Shape strides_without(const Shape& s, int64_t d) {
  auto st = contiguous_strides(s);
  st[static_cast<size_t>(d)] = 0;
  return st;
}

[[noreturn]] void out_of_bounds(int64_t k, int64_t d, int64_t n) {
  throw IndexError("index " + std::to_string(k) + " is out of bounds for dimension " + std::to_string(d) + " with size " + std::to_string(n));
}

// A 1-D (or 0-d) int64 index whose values all lie in [0, n).
void check_vector_index(const Tensor& index, const std::string& op, int64_t n) {
  if (index.dtype() != DType::Int64) throw DTypeError(op + "(): Expected dtype int64 for index");
  if (index.dim() > 1) throw IndexError(op + "(): Index is supposed to be a vector");
  if (index.is_meta()) return;
  const int64_t* p = index.data<int64_t>();
  for (int64_t i = 0; i < index.numel(); ++i)
    if (p[i] < 0 || p[i] >= n) throw IndexError("index out of range in self");
}

Tensor copy_of(const Tensor& x) {
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  if (!out.is_meta() && x.nbytes() > 0) std::memcpy(out.raw(), x.raw(), x.nbytes());
  return out;
}

// g of index's shape placed in the leading corner of zeros of `shape` (the
// gradient of a src larger than its index), differentiably.
Tensor pad_to(Tensor g, const Shape& shape) {
  for (size_t i = 0; i < shape.size(); ++i) {
    if (g.shape()[i] == shape[i]) continue;
    Shape s = g.shape();
    s[i] = shape[i];
    g = slice_backward(g, s, static_cast<int64_t>(i), 0, g.shape()[i], 1);
  }
  return g;
}

}  // namespace

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  if (index.dtype() != DType::Int64) throw DTypeError("gather(): Expected dtype int64 for index");
  const int64_t d = wrap_dim(dim, x.dim());
  if (nonempty_dim(x) != nonempty_dim(index)) throw ShapeError("Index tensor must have the same number of dimensions as input tensor");
  if (x.dim() == 0 || index.dim() == 0) return reshape(gather(as_1d(x), d, as_1d(index)), index.shape());
  for (int64_t i = 0; i < x.dim(); ++i)
    if (i != d && index.size(i) > x.size(i))
      throw ShapeError("Size does not match at dimension " + std::to_string(i) + " expected index " + shape_str(index.shape()) +
                       " to be smaller than self " + shape_str(x.shape()) + " apart of dimension " + std::to_string(d));
  Tensor out = Tensor::empty(index.shape(), x.dtype());
  ctx().add_flops(index.numel());
  if (!out.is_meta() && out.numel() > 0) {
    const int64_t n = x.size(d), xs = contiguous_strides(x.shape())[static_cast<size_t>(d)];
    const int64_t* ip = index.data<int64_t>();
    std::array<Shape, 2> st{contiguous_strides(index.shape()), strides_without(x.shape(), d)};
    GS_DISPATCH_ALL(x.dtype(), T, {
      const T* xp = x.data<T>();
      T* o = out.data<T>();
      for_each_row<2>(index.shape(), st, [&](const std::array<int64_t, 2>& off, int64_t m, const std::array<int64_t, 2>& in) {
        for (int64_t j = 0; j < m; ++j) {
          const int64_t k = ip[off[0] + j];
          if (k < 0 || k >= n) out_of_bounds(k, d, n);
          o[off[0] + j] = xp[off[1] + j * in[1] + k * xs];
        }
      });
    });
  }
  Shape in_shape = x.shape();
  return record(out, "gather", {x}, [in_shape, d, index](const Tensor& g, const BackwardCtx&) -> Grads {
    return {scatter_add(Tensor::zeros(in_shape, g.dtype()), d, index, g)};
  });
}

Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  if (index.dtype() != DType::Int64) throw DTypeError("scatter(): Expected dtype int64 for index");
  if (x.dtype() != src.dtype()) throw DTypeError("scatter(): Expected self.dtype to be equal to src.dtype");
  const int64_t d = wrap_dim(dim, x.dim());
  if (nonempty_dim(x) != nonempty_dim(index)) throw ShapeError("Index tensor must have the same number of dimensions as self tensor");
  if (nonempty_dim(src) != nonempty_dim(index)) throw ShapeError("Index tensor must have the same number of dimensions as src tensor");
  if (x.dim() == 0 || index.dim() == 0 || src.dim() == 0)
    return reshape(scatter_add(as_1d(x), d, as_1d(index), as_1d(src)), x.shape());
  for (int64_t i = 0; i < x.dim(); ++i)
    if ((i != d && index.size(i) > x.size(i)) || index.size(i) > src.size(i))
      throw ShapeError("Expected index " + shape_str(index.shape()) + " to be smaller than self " + shape_str(x.shape()) +
                       " apart from dimension " + std::to_string(d) + " and to be smaller size than src " + shape_str(src.shape()));
  Tensor out = copy_of(x);
  ctx().add_flops(index.numel());
  if (!out.is_meta() && index.numel() > 0) {
    const int64_t n = x.size(d), xs = contiguous_strides(x.shape())[static_cast<size_t>(d)];
    const int64_t* ip = index.data<int64_t>();
    std::array<Shape, 3> st{contiguous_strides(index.shape()), strides_without(x.shape(), d),
                                           contiguous_strides(src.shape())};
    GS_DISPATCH_ALL(x.dtype(), T, {
      const T* sp = src.data<T>();
      T* o = out.data<T>();
      for_each_row<3>(index.shape(), st, [&](const std::array<int64_t, 3>& off, int64_t m, const std::array<int64_t, 3>& in) {
        for (int64_t j = 0; j < m; ++j) {
          const int64_t k = ip[off[0] + j];
          if (k < 0 || k >= n) out_of_bounds(k, d, n);
          T& dst = o[off[1] + j * in[1] + k * xs];
          if constexpr (std::is_same_v<T, uint8_t>) dst = static_cast<T>(dst || sp[off[2] + j * in[2]]);
          else dst = wrap_add(dst, sp[off[2] + j * in[2]]);
        }
      });
    });
  }
  Shape src_shape = src.shape();
  return record(out, "scatter_add", {x, src}, [d, index, src_shape](const Tensor& g, const BackwardCtx& c) -> Grads {
    return {g, c.need(1) ? pad_to(gather(g, d, index), src_shape) : Tensor()};
  });
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  if (index.dtype() != DType::Int64) throw DTypeError("index_select(): Expected dtype int32 or int64 for index");
  if (index.dim() > 1) throw IndexError("index_select(): Index is supposed to be a vector");
  const int64_t d = wrap_dim(dim, x.dim());
  if (x.dim() == 0) {
    if (index.numel() != 1)
      throw IndexError("index_select(): Index to scalar can have only 1 value, got " + std::to_string(index.numel()) + " value(s)");
    return reshape(index_select(reshape(x, {1}), 0, index), {});
  }
  const int64_t n = x.size(d);
  check_vector_index(index, "index_select", n);
  Shape out_shape = x.shape();
  out_shape[static_cast<size_t>(d)] = index.numel();
  Tensor out = Tensor::empty(out_shape, x.dtype());
  ctx().add_flops(out.numel());
  if (!out.is_meta() && out.numel() > 0) {
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < d; ++i) outer *= x.size(i);
    for (int64_t i = d + 1; i < x.dim(); ++i) inner *= x.size(i);
    const size_t es = dtype_size(x.dtype()), row = static_cast<size_t>(inner) * es;
    const int64_t* ip = index.data<int64_t>();
    const int64_t m = index.numel();
    const auto* src = static_cast<const uint8_t*>(x.raw());
    auto* dst = static_cast<uint8_t*>(out.raw());
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < m; ++i)
        std::memcpy(dst + static_cast<size_t>(o * m + i) * row, src + static_cast<size_t>(o * n + ip[i]) * row, row);
      if (m * inner >= kCancelCheckElements) ctx().check_cancel();
    }
  }
  Shape in_shape = x.shape();
  return record(out, "index_select", {x}, [in_shape, d, index](const Tensor& g, const BackwardCtx&) -> Grads {
    return {index_add(Tensor::zeros(in_shape, g.dtype()), d, index, g)};
  });
}

Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source, double alpha) {
  if (index.dtype() != DType::Int64) throw DTypeError("index_add_(): Expected dtype int32/int64 for index");
  if (index.dim() > 1) throw IndexError("index_add_(): Index is supposed to be a vector");
  if (x.dtype() != source.dtype())
    throw DTypeError(std::string("index_add_(): self (") + torch_type_name(x.dtype()) + ") and source (" + torch_type_name(source.dtype()) +
                     ") must have the same scalar type");
  const int64_t d = wrap_dim(dim, x.dim());
  if (x.dim() == 0 || source.dim() == 0) {
    if (nonempty_dim(x) != nonempty_dim(source))
      throw ShapeError("index_add_(): source tensor shape must match self tensor shape, excluding the specified dimension. Got self.shape = " +
                       shape_str(x.shape()) + " source.shape = " + shape_str(source.shape()));
    return reshape(index_add(as_1d(x), d, index, as_1d(source), alpha), x.shape());
  }
  bool same = x.dim() == source.dim();
  for (int64_t i = 0; same && i < x.dim(); ++i) same = i == d || x.size(i) == source.size(i);
  if (!same)
    throw ShapeError("index_add_(): source tensor shape must match self tensor shape, excluding the specified dimension. Got self.shape = " +
                     shape_str(x.shape()) + " source.shape = " + shape_str(source.shape()));
  if (index.numel() != source.size(d))
    throw ShapeError("index_add_(): Number of indices (" + std::to_string(index.numel()) + ") should be equal to source.size(dim) (" +
                     std::to_string(source.size(d)) + ")");
  const int64_t n = x.size(d);
  check_vector_index(index, "index_add_", n);
  Tensor out = copy_of(x);
  ctx().add_flops(2 * source.numel());
  if (!out.is_meta() && source.numel() > 0) {
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < d; ++i) outer *= x.size(i);
    for (int64_t i = d + 1; i < x.dim(); ++i) inner *= x.size(i);
    const int64_t* ip = index.data<int64_t>();
    const int64_t m = index.numel();
    GS_DISPATCH_ALL(x.dtype(), T, {
      const T* s = source.data<T>();
      T* o = out.data<T>();
      const T a = convert<T>(alpha);
      for (int64_t oi = 0; oi < outer; ++oi) {
        for (int64_t i = 0; i < m; ++i) {
          T* dst = o + (oi * n + ip[i]) * inner;
          const T* sr = s + (oi * m + i) * inner;
          for (int64_t j = 0; j < inner; ++j) {
            if constexpr (std::is_same_v<T, uint8_t>) dst[j] = static_cast<T>(dst[j] || (a && sr[j]));
            else dst[j] = wrap_add(dst[j], alpha == 1.0 ? sr[j] : wrap_mul(a, sr[j]));
          }
        }
        if (m * inner >= kCancelCheckElements) ctx().check_cancel();
      }
    });
  }
  return record(out, "index_add", {x, source}, [d, index, alpha](const Tensor& g, const BackwardCtx& c) -> Grads {
    if (!c.need(1)) return {g, Tensor()};
    Tensor gs = index_select(g, d, index);
    return {g, alpha == 1.0 ? gs : mul(gs, alpha)};
  });
}

Tensor getitem(const Tensor& x, const Shape& spec) {
  if (spec.size() % 4 != 0) throw ValueError("getitem(): the index spec must be groups of 4 integers [kind, a, b, c]");
  int64_t consumed = 0, ellipses = 0;
  for (size_t i = 0; i < spec.size(); i += 4) {
    const int64_t kind = spec[i];
    if (kind == 0 || kind == 1) ++consumed;
    else if (kind == 2) ++ellipses;
    else if (kind != 3) throw ValueError("getitem(): unknown index kind " + std::to_string(kind));
  }
  if (ellipses > 1) throw IndexError("an index can only have a single ellipsis ('...')");
  if (consumed > x.dim()) throw IndexError("too many indices for tensor of dimension " + std::to_string(x.dim()));
  Tensor t = x;
  int64_t d = 0;  // the dim of t the next index item applies to
  for (size_t i = 0; i < spec.size(); i += 4) {
    const int64_t kind = spec[i], a = spec[i + 1], b = spec[i + 2], c = spec[i + 3];
    if (kind == 0) {
      t = select(t, d, a);
    } else if (kind == 1) {
      const int64_t step = c == kGetitemNone ? 1 : c;
      if (step <= 0) throw ValueError("step must be greater than zero");
      t = slice(t, d, a == kGetitemNone ? 0 : a, b == kGetitemNone ? INT64_MAX : b, step);
      ++d;
    } else if (kind == 2) {
      d += x.dim() - consumed;
    } else {
      t = unsqueeze(t, d);
      ++d;
    }
  }
  return t;
}

}  // namespace gs::op

namespace gs {
namespace {

const OpRegistrar reg({
    {"gather(Tensor input, int dim, Tensor index) -> Tensor", "Values of input at index along dim (int64 index of input's rank).",
     [](const Args& a) -> Outs { return {op::gather(a.tensor(0), a.i64(1), a.tensor(2))}; }},
    {"scatter_add(Tensor input, int dim, Tensor index, Tensor src) -> Tensor", "input with src added at index along dim.",
     [](const Args& a) -> Outs { return {op::scatter_add(a.tensor(0), a.i64(1), a.tensor(2), a.tensor(3))}; }},
    {"index_select(Tensor input, int dim, Tensor index) -> Tensor", "The slices of input at the 1-D int64 index along dim.",
     [](const Args& a) -> Outs { return {op::index_select(a.tensor(0), a.i64(1), a.tensor(2))}; }},
    {"index_add(Tensor input, int dim, Tensor index, Tensor source, *, Scalar alpha=1) -> Tensor",
     "input with alpha * source's slices added at the 1-D int64 index along dim.",
     [](const Args& a) -> Outs { return {op::index_add(a.tensor(0), a.i64(1), a.tensor(2), a.tensor(3), a.f64(4))}; }},
    {"getitem(Tensor input, int[] spec) -> Tensor",
     "Basic indexing x[...] as groups [kind, a, b, c]: 0 integer a, 1 slice a:b:c (2^53-1 = omitted), 2 ellipsis, 3 None.",
     [](const Args& a) -> Outs { return {op::getitem(a.tensor(0), a.ints(1))}; }},
});

}  // namespace
}  // namespace gs
