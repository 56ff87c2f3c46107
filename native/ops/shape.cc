// Shape ops: views that share storage (reshape) and copies (permute, expand,
// cat). Each backward is the inverse shape op.
#include "shape.h"

#include <algorithm>
#include <cstring>

#include "../autograd.h"
#include "../kernels.h"
#include "../registry.h"
#include "ops.h"

namespace gs::op {

namespace {

// Copies x into a new contiguous tensor of shape `out_shape`, reading x with
// `strides` (one per output dim; 0 repeats an element).
Tensor strided_copy(const Tensor& x, const Shape& out_shape, const Shape& strides, int64_t base = 0) {
  Tensor out = Tensor::empty(out_shape, x.dtype());
  if (out.is_meta() || out.numel() == 0) return out;
  const size_t es = dtype_size(x.dtype());
  std::array<Shape, 2> st{contiguous_strides(out_shape), strides};
  auto* o = static_cast<uint8_t*>(out.raw());
  const auto* s = static_cast<const uint8_t*>(x.raw());
  GS_DISPATCH_ALL(x.dtype(), T, {
    T* od = reinterpret_cast<T*>(o);
    const T* sd = reinterpret_cast<const T*>(s) + base;
    for_each_row<2>(out_shape, st, [&](const std::array<int64_t, 2>& off, int64_t m, const std::array<int64_t, 2>& in) {
      if (in[1] == 1) std::memcpy(od + off[0], sd + off[1], static_cast<size_t>(m) * es);
      else for (int64_t j = 0; j < m; ++j) od[off[0] + j] = sd[off[1] + j * in[1]];
    });
  });
  return out;
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  Shape s = shape;
  int64_t infer = -1, known = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      if (infer >= 0) throw ValueError("only one dimension can be inferred");
      infer = static_cast<int64_t>(i);
    } else if (s[i] < 0) {
      throw ValueError("invalid shape dimension " + std::to_string(s[i]));
    } else if (__builtin_mul_overflow(known, s[i], &known)) {
      // No tensor has that many elements: the same error as any other mismatch.
      throw ShapeError("shape '" + shape_str(shape) + "' is invalid for input of size " + std::to_string(x.numel()));
    }
  }
  if (infer >= 0) {
    if (known == 0 || x.numel() % known != 0)
      throw ShapeError("shape '" + shape_str(shape) + "' is invalid for input of size " + std::to_string(x.numel()));
    s[static_cast<size_t>(infer)] = x.numel() / known;
  }
  if (shape_numel(s) != x.numel())
    throw ShapeError("shape '" + shape_str(shape) + "' is invalid for input of size " + std::to_string(x.numel()));
  if (s == x.shape()) return x;
  Tensor out = x.with_shape(s, x.numel());
  if (!ctx().grad_mode || !x.requires_grad()) return out;  // nothing records: no closure (nor its shape copy)
  Shape in_shape = x.shape();
  return record(out, "reshape", {x}, [in_shape](const Tensor& g, const BackwardCtx&) -> Grads { return {reshape(g, in_shape)}; });
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  if (x.dim() == 0) return reshape(x, {1});
  int64_t s = wrap_dim(start_dim, x.dim()), e = wrap_dim(end_dim, x.dim());
  if (s > e) throw ValueError("flatten() has invalid args: start_dim cannot come after end_dim");
  Shape out;
  int64_t m = 1;
  for (int64_t i = 0; i < x.dim(); ++i) {
    if (i < s || i > e) out.push_back(x.shape()[static_cast<size_t>(i)]);
    else {
      m *= x.shape()[static_cast<size_t>(i)];
      if (i == e) out.push_back(m);
    }
  }
  return reshape(x, out);
}

Tensor squeeze(const Tensor& x) {
  Shape out;
  for (int64_t d : x.shape())
    if (d != 1) out.push_back(d);
  return reshape(x, out);
}

Tensor squeeze(const Tensor& x, const Shape& dims) {
  std::vector<bool> drop(static_cast<size_t>(x.dim()), false);
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, x.dim());
    if (x.dim() > 0 && x.shape()[static_cast<size_t>(w)] == 1) drop[static_cast<size_t>(w)] = true;
  }
  Shape out;
  for (int64_t i = 0; i < x.dim(); ++i)
    if (!drop[static_cast<size_t>(i)]) out.push_back(x.shape()[static_cast<size_t>(i)]);
  return reshape(x, out);
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  int64_t d = wrap_dim(dim, x.dim() + 1);
  Shape out = x.shape();
  out.insert(out.begin() + d, 1);
  return reshape(x, out);
}

Tensor permute(const Tensor& x, const Shape& dims) {
  const int64_t n = x.dim();
  if (static_cast<int64_t>(dims.size()) != n)
    throw ShapeError("permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = " +
                     std::to_string(n) + " is not equal to len(dims) = " + std::to_string(dims.size()));
  Shape p(static_cast<size_t>(n));
  std::vector<bool> seen(static_cast<size_t>(n), false);
  for (int64_t i = 0; i < n; ++i) {
    int64_t d = wrap_dim(dims[static_cast<size_t>(i)], n);
    if (seen[static_cast<size_t>(d)]) throw ValueError("permute(): duplicate dims are not allowed.");
    seen[static_cast<size_t>(d)] = true;
    p[static_cast<size_t>(i)] = d;
  }
  bool identity = true;
  for (int64_t i = 0; i < n; ++i) identity = identity && p[static_cast<size_t>(i)] == i;
  if (identity) return x;
  auto cs = contiguous_strides(x.shape());
  Shape out_shape(static_cast<size_t>(n));
  Shape st(static_cast<size_t>(n));
  for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
    out_shape[i] = x.shape()[static_cast<size_t>(p[i])];
    st[i] = cs[static_cast<size_t>(p[i])];
  }
  Tensor out = strided_copy(x, out_shape, st);
  Shape inv(static_cast<size_t>(n));
  for (size_t i = 0; i < static_cast<size_t>(n); ++i) inv[static_cast<size_t>(p[i])] = static_cast<int64_t>(i);
  return record(out, "permute", {x}, [inv](const Tensor& g, const BackwardCtx&) -> Grads { return {permute(g, inv)}; });
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  if (x.dim() == 0) return x;
  int64_t a = wrap_dim(dim0, x.dim()), b = wrap_dim(dim1, x.dim());
  Shape p(static_cast<size_t>(x.dim()));
  for (int64_t i = 0; i < x.dim(); ++i) p[static_cast<size_t>(i)] = i;
  std::swap(p[static_cast<size_t>(a)], p[static_cast<size_t>(b)]);
  return permute(x, p);
}

Tensor t(const Tensor& x) {
  if (x.dim() > 2) throw ShapeError("t() expects a tensor with <= 2 dimensions, but self is " + std::to_string(x.dim()) + "D");
  return x.dim() < 2 ? x : transpose(x, 0, 1);
}

Tensor expand(const Tensor& x, const Shape& shape) {
  if (shape.size() < x.shape().size())
    throw ShapeError("expand(torch.FloatTensor{" + shape_str(x.shape()) + "}, size=" + shape_str(shape) +
                     "): the number of sizes provided (" + std::to_string(shape.size()) +
                     ") must be greater or equal to the number of dimensions in the tensor (" + std::to_string(x.dim()) + ")");
  Shape out = shape;
  size_t off = shape.size() - x.shape().size();
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t have = i < off ? 1 : x.shape()[i - off];
    if (out[i] == -1) {
      if (i < off) throw ShapeError("The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension " + std::to_string(i));
      out[i] = have;
    } else if (have != 1 && have != out[i]) {
      throw ShapeError("The expanded size of the tensor (" + std::to_string(out[i]) + ") must match the existing size (" +
                       std::to_string(have) + ") at non-singleton dimension " + std::to_string(i) +
                       ".  Target sizes: " + shape_str(shape) + ".  Tensor sizes: " + shape_str(x.shape()));
    }
  }
  if (out == x.shape()) return x;
  Tensor res = strided_copy(x, out, broadcast_strides(x.shape(), out));
  Shape in_shape = x.shape();
  return record(res, "expand", {x}, [in_shape](const Tensor& g, const BackwardCtx&) -> Grads { return {sum_to(g, in_shape)}; });
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  const size_t lead = x.shape().size() - shape.size();
  // Dims of size 1 need no sum, leading ones either: a bias's gradient over a
  // batch of one ([1, n] -> [n]) is a reshape, not a reduction.
  Shape dims;
  for (size_t i = 0; i < x.shape().size(); ++i)
    if (x.shape()[i] != 1 && (i < lead || shape[i - lead] == 1)) dims.push_back(static_cast<int64_t>(i));
  Tensor r = dims.empty() ? x : sum(x, dims, true);
  return reshape(r, shape);
}

Tensor cat(const std::vector<Tensor>& xs, int64_t dim) {
  if (xs.empty()) throw ValueError("torch.cat(): expected a non-empty list of Tensors");
  // 1-D empty tensors are skipped, as in PyTorch.
  std::vector<Tensor> parts;
  for (const auto& x : xs)
    if (!(x.dim() == 1 && x.numel() == 0)) parts.push_back(x);
  if (parts.empty()) return xs[0];
  const Tensor& ref = parts[0];
  if (ref.dim() == 0) throw ShapeError("zero-dimensional tensor (at position 0) cannot be concatenated");
  int64_t d = wrap_dim(dim, ref.dim());
  std::vector<const Tensor*> ptrs;
  for (const auto& p : parts) ptrs.push_back(&p);
  DType dt = result_type(ptrs);
  Shape out_shape = ref.shape();
  out_shape[static_cast<size_t>(d)] = 0;
  for (size_t k = 0; k < parts.size(); ++k) {
    const Tensor& p = parts[k];
    if (p.dim() != ref.dim())
      throw ShapeError("Tensors must have same number of dimensions: got " + std::to_string(ref.dim()) + " and " + std::to_string(p.dim()));
    for (int64_t i = 0; i < ref.dim(); ++i)
      if (i != d && p.shape()[static_cast<size_t>(i)] != ref.shape()[static_cast<size_t>(i)])
        throw ShapeError("Sizes of tensors must match except in dimension " + std::to_string(d) + ". Expected size " +
                         std::to_string(ref.shape()[static_cast<size_t>(i)]) + " but got size " +
                         std::to_string(p.shape()[static_cast<size_t>(i)]) + " for tensor number " + std::to_string(k) + " in the list.");
    out_shape[static_cast<size_t>(d)] += p.shape()[static_cast<size_t>(d)];
  }
  Tensor out = Tensor::empty(out_shape, dt);
  if (!out.is_meta()) {
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < d; ++i) outer *= out_shape[static_cast<size_t>(i)];
    for (int64_t i = d + 1; i < ref.dim(); ++i) inner *= out_shape[static_cast<size_t>(i)];
    const size_t es = dtype_size(dt);
    auto* o = static_cast<uint8_t*>(out.raw());
    int64_t row = out_shape[static_cast<size_t>(d)] * inner;
    int64_t at = 0;
    for (const auto& p : parts) {
      Tensor pc = cast_raw(p, dt);
      int64_t len = p.shape()[static_cast<size_t>(d)] * inner;
      const auto* s = static_cast<const uint8_t*>(pc.raw());
      // An empty part may have no data pointer at all: memcpy must not see it.
      if (len > 0)
        for (int64_t r = 0; r < outer; ++r)
          std::memcpy(o + static_cast<size_t>(r * row + at) * es, s + static_cast<size_t>(r * len) * es, static_cast<size_t>(len) * es);
      at += len;
    }
  }
  Shape sizes;
  for (const auto& p : parts) sizes.push_back(p.shape()[static_cast<size_t>(d)]);
  return record(out, "cat", parts, [sizes, d](const Tensor& g, const BackwardCtx& c) -> Grads {
    Grads r;
    int64_t start = 0;
    for (size_t k = 0; k < sizes.size(); ++k) {
      r.push_back(c.need(k) ? narrow(g, d, start, sizes[k]) : Tensor());
      start += sizes[k];
    }
    return r;
  });
}

Tensor stack(const std::vector<Tensor>& xs, int64_t dim) {
  if (xs.empty()) throw ValueError("stack expects a non-empty TensorList");
  int64_t d = wrap_dim(dim, xs[0].dim() + 1);
  std::vector<Tensor> us;
  for (size_t k = 0; k < xs.size(); ++k) {
    if (xs[k].shape() != xs[0].shape())
      throw ShapeError("stack expects each tensor to be equal size, but got " + shape_str(xs[0].shape()) +
                       " at entry 0 and " + shape_str(xs[k].shape()) + " at entry " + std::to_string(k));
    us.push_back(unsqueeze(xs[k], d));
  }
  return cat(us, d);
}

namespace {
struct SliceSpec {
  int64_t start, len;
};
// Python slice bounds clamped to a dim of size n (step > 0).
SliceSpec clamp_slice(int64_t n, int64_t start, int64_t end, int64_t step) {
  if (step <= 0) throw ValueError("slice step must be positive");
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  return {start, (end - start + step - 1) / step};
}
}  // namespace

Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (x.dim() == 0) throw IndexError("slice() cannot be applied to a 0-dim tensor.");
  int64_t d = wrap_dim(dim, x.dim());
  SliceSpec sp = clamp_slice(x.shape()[static_cast<size_t>(d)], start, end, step);
  Shape out_shape = x.shape();
  out_shape[static_cast<size_t>(d)] = sp.len;
  if (sp.start == 0 && step == 1 && out_shape == x.shape()) return x;
  auto st = contiguous_strides(x.shape());
  int64_t base = sp.start * st[static_cast<size_t>(d)];
  st[static_cast<size_t>(d)] *= step;
  Tensor out = strided_copy(x, out_shape, st, base);
  Shape in_shape = x.shape();
  int64_t s0 = sp.start, s1 = sp.start + sp.len * step;
  return record(out, "slice", {x}, [in_shape, d, s0, s1, step](const Tensor& g, const BackwardCtx&) -> Grads {
    return {slice_backward(g, in_shape, d, s0, s1, step)};
  });
}

Tensor slice_backward(const Tensor& g, const Shape& shape, int64_t dim, int64_t start, int64_t end, int64_t step) {
  Tensor out = Tensor::zeros(shape, g.dtype());
  int64_t d = wrap_dim(dim, static_cast<int64_t>(shape.size()));
  SliceSpec sp = clamp_slice(shape[static_cast<size_t>(d)], start, end, step);
  if (!out.is_meta() && g.numel() > 0) {
    auto ost = contiguous_strides(shape);
    int64_t base = sp.start * ost[static_cast<size_t>(d)];
    ost[static_cast<size_t>(d)] *= step;
    std::array<Shape, 2> st{ost, contiguous_strides(g.shape())};
    GS_DISPATCH_ALL(g.dtype(), T, {
      T* o = out.data<T>() + base;
      const T* s = g.data<T>();
      for_each_row<2>(g.shape(), st, [&](const std::array<int64_t, 2>& off, int64_t m, const std::array<int64_t, 2>& in) {
        for (int64_t j = 0; j < m; ++j) o[off[0] + j * in[0]] = s[off[1] + j];
      });
    });
  }
  return record(out, "slice_backward", {g}, [d, start, end, step](const Tensor& gg, const BackwardCtx&) -> Grads {
    return {slice(gg, d, start, end, step)};
  });
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  if (x.dim() == 0) throw IndexError("narrow() cannot be applied to a 0-dim tensor.");
  int64_t d = wrap_dim(dim, x.dim());
  int64_t n = x.shape()[static_cast<size_t>(d)];
  if (start < -n || start > n)
    throw IndexError("start out of range (expected to be in range of [" + std::to_string(-n) + ", " + std::to_string(n) + "], but got " + std::to_string(start) + ")");
  if (start < 0) start += n;
  if (length < 0 || start + length > n)
    throw IndexError("start (" + std::to_string(start) + ") + length (" + std::to_string(length) + ") exceeds dimension size (" + std::to_string(n) + ").");
  return slice(x, d, start, start + length, 1);
}

Tensor select(const Tensor& x, int64_t dim, int64_t index) {
  if (x.dim() == 0) throw IndexError("select() cannot be applied to a 0-dim tensor.");
  int64_t d = wrap_dim(dim, x.dim());
  int64_t n = x.shape()[static_cast<size_t>(d)];
  if (index < -n || index >= n)
    throw IndexError("index " + std::to_string(index) + " is out of bounds for dimension " + std::to_string(d) + " with size " + std::to_string(n));
  if (index < 0) index += n;
  return squeeze(slice(x, d, index, index + 1, 1), {d});
}


Tensor repeat(const Tensor& x, const Shape& repeats) {
  if (static_cast<int64_t>(repeats.size()) < x.dim())
    throw ShapeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  // x as [1, s0, 1, s1, ...], expanded to [r0, s0, r1, s1, ...], then merged:
  // every step is a differentiable shape op, so the gradient is a sum.
  const size_t lead = repeats.size() - static_cast<size_t>(x.dim());
  Shape inter, wide, target;
  for (size_t i = 0; i < repeats.size(); ++i) {
    int64_t s = i < lead ? 1 : x.shape()[i - lead];
    inter.insert(inter.end(), {1, s});
    wide.insert(wide.end(), {repeats[i], s});
    const int64_t r = repeats[i];
    if (r > 0 && s > INT64_MAX / r)
      throw LimitError("repeat(): the result would have more elements than MAX_TENSOR_ELEMENTS");
    target.push_back(r < 0 ? r : r * s);
  }
  for (int64_t r : repeats)
    if (r < 0) throw ValueError("Trying to create tensor with negative dimension " + std::to_string(r) + ": " + shape_str(target));
  shape_numel(target);  // the size limit, before any work
  return reshape(expand(reshape(x, inter), wide), target);
}

namespace {
std::vector<Tensor> split_by_sizes(const Tensor& x, const Shape& sizes, int64_t d) {
  std::vector<Tensor> out;
  out.reserve(sizes.size());
  int64_t start = 0;
  for (size_t k = 0; k < sizes.size(); ++k) {
    if ((k & 1023) == 1023) ctx().check_cancel();
    ctx().add_bytes(static_cast<int64_t>(sizeof(TensorImpl)));  // each piece's metadata counts too
    out.push_back(narrow(x, d, start, sizes[k]));
    start += sizes[k];
  }
  return out;
}
}  // namespace

std::vector<Tensor> split(const Tensor& x, const Shape& sizes_or_size, int64_t dim) {
  if (x.dim() == 0) throw ShapeError("split expects at least a 1-dimensional tensor");
  const int64_t d = wrap_dim(dim, x.dim());
  const int64_t n = x.size(d);
  if (sizes_or_size.size() == 1) {
    // One number is a chunk size (torch.split(x, 2)); the last chunk may be smaller.
    const int64_t s = sizes_or_size[0];
    if (s < 0) throw ValueError("split expects split_size be non-negative, but got split_size=" + std::to_string(s));
    if (s == 0 && n != 0)
      throw ValueError("split_size can only be 0 if dimension size is 0, but got dimension size of " + std::to_string(n));
    const int64_t num = s == 0 ? 1 : std::max<int64_t>((n + s - 1) / s, 1);
    Shape sizes(static_cast<size_t>(num), s);
    sizes.back() = s - (s * num - n);
    return split_by_sizes(x, sizes, d);
  }
  int64_t total = 0;
  for (int64_t s : sizes_or_size) {
    if (s < 0)
      throw ValueError("split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=" + shape_str(sizes_or_size));
    if (total <= n) total += std::min(s, n + 1);  // stops growing past n: no overflow
  }
  if (total != n)
    throw ValueError("split_with_sizes expects split_sizes to sum exactly to " + std::to_string(n) + " (input tensor's size at dimension " +
                     std::to_string(d) + "), but got split_sizes=" + shape_str(sizes_or_size));
  return split_by_sizes(x, sizes_or_size, d);
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  if (x.dim() == 0) throw ShapeError("chunk expects at least a 1-dimensional tensor");
  if (chunks <= 0) throw ValueError("chunk expects `chunks` to be greater than 0, got: " + std::to_string(chunks));
  const int64_t d = wrap_dim(dim, x.dim());
  const int64_t n = x.size(d);
  const int64_t s = n / chunks + (n % chunks != 0);  // ceil(n / chunks), as PyTorch
  if (s == 0) return split_by_sizes(x, Shape(static_cast<size_t>(std::min<int64_t>(chunks, 1 << 20)), 0), d);
  return split(x, {s}, d);
}

}  // namespace gs::op

namespace gs {
namespace {

const OpRegistrar reg({
    {"reshape(Tensor input, int[] shape) -> Tensor", "The same data with a new shape (one -1 is inferred); shares storage.",
     [](const Args& a) -> Outs { return {op::reshape(a.tensor(0), a.ints(1))}; }},
    {"view(Tensor input, int[] size) -> Tensor", "Same as reshape (every tensor is contiguous here).",
     [](const Args& a) -> Outs { return {op::reshape(a.tensor(0), a.ints(1))}; }},
    {"flatten(Tensor input, int start_dim=0, int end_dim=-1) -> Tensor", "Merges dims start_dim..end_dim into one.",
     [](const Args& a) -> Outs { return {op::flatten(a.tensor(0), a.i64(1), a.i64(2))}; }},
    {"squeeze(Tensor input, int[]? dim=None) -> Tensor", "Removes dims of size 1 (only those in dim when given).",
     [](const Args& a) -> Outs { return {a.is_none(1) ? op::squeeze(a.tensor(0)) : op::squeeze(a.tensor(0), a.ints(1))}; }},
    {"unsqueeze(Tensor input, int dim) -> Tensor", "Inserts a dim of size 1 at dim.",
     [](const Args& a) -> Outs { return {op::unsqueeze(a.tensor(0), a.i64(1))}; }},
    {"transpose(Tensor input, int dim0, int dim1) -> Tensor", "Swaps two dims.",
     [](const Args& a) -> Outs { return {op::transpose(a.tensor(0), a.i64(1), a.i64(2))}; }},
    {"permute(Tensor input, int[] dims) -> Tensor", "Reorders the dims.",
     [](const Args& a) -> Outs { return {op::permute(a.tensor(0), a.ints(1))}; }},
    {"t(Tensor input) -> Tensor", "Transpose of a tensor with at most 2 dims (`x.T`).",
     [](const Args& a) -> Outs { return {op::t(a.tensor(0))}; }},
    {"expand(Tensor input, int[] size) -> Tensor", "Broadcasts to size (-1 keeps a dim); the gradient is summed back.",
     [](const Args& a) -> Outs { return {op::expand(a.tensor(0), a.ints(1))}; }},
    {"repeat(Tensor input, int[] repeats) -> Tensor", "Tiles the tensor repeats[i] times along each dim.",
     [](const Args& a) -> Outs { return {op::repeat(a.tensor(0), a.ints(1))}; }},
    {"cat(Tensor[] tensors, int dim=0) -> Tensor", "Concatenates along an existing dim.",
     [](const Args& a) -> Outs { return {op::cat(a.tensors(0), a.i64(1))}; }},
    {"stack(Tensor[] tensors, int dim=0) -> Tensor", "Stacks equal-shaped tensors along a new dim.",
     [](const Args& a) -> Outs { return {op::stack(a.tensors(0), a.i64(1))}; }},
    {"split(Tensor input, int[] split_size_or_sections, int dim=0) -> Tensor[]",
     "Splits along dim: one number is a chunk size (the last chunk may be smaller), a list of two or more gives the sizes.",
     [](const Args& a) -> Outs { return op::split(a.tensor(0), a.ints(1), a.i64(2)); }},
    {"chunk(Tensor input, int chunks, int dim=0) -> Tensor[]", "Splits into chunks of ceil(size / chunks) (so possibly fewer chunks).",
     [](const Args& a) -> Outs { return op::chunk(a.tensor(0), a.i64(1), a.i64(2)); }},
    {"narrow(Tensor input, int dim, int start, int length) -> Tensor", "length elements of dim from start.",
     [](const Args& a) -> Outs { return {op::narrow(a.tensor(0), a.i64(1), a.i64(2), a.i64(3))}; }},
    {"select(Tensor input, int dim, int index) -> Tensor", "The slice at index along dim, without that dim (`x[i]`).",
     [](const Args& a) -> Outs { return {op::select(a.tensor(0), a.i64(1), a.i64(2))}; }},
    {"slice(Tensor input, int dim=0, int? start=None, int? end=None, int step=1) -> Tensor", "Python slicing start:end:step along dim.",
     [](const Args& a) -> Outs {
       return {op::slice(a.tensor(0), a.i64(1), a.opt_i64(2).value_or(0), a.opt_i64(3).value_or(INT64_MAX), a.i64(4))};
     }},
});

}  // namespace
}  // namespace gs
