#include "tensor.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "autograd.h"
#include "context.h"
#include "errors.h"
#include "object_pool.h"

namespace gs {

Storage::Storage(size_t n) : bytes(n) {
  // 64-byte alignment keeps vector loads and BLAS on their fast paths. Small
  // blocks are recycled per thread (object_pool.h): a small graph allocates
  // and frees a few dozen tiny tensors per run, and aligned malloc/free cost
  // more than their kernels.
  const int c = data_class(n);
  if (c >= 0) {
    ptr = take_data_block(c);
    if (!ptr) ptr = std::aligned_alloc(64, kMinDataBlock << c);
  } else {
    ptr = std::aligned_alloc(64, ((n + 63) / 64) * 64);
  }
  if (!ptr) throw LimitError("out of memory allocating " + std::to_string(n) + " bytes");
}

namespace {

// A data record with the data in the same allocation, for tensors of up to
// kBytes: one pooled block instead of a record and a data block (each a
// free-list take and give per tensor; a small graph's tensors are all this
// small). The data keeps the 64-byte alignment of the separate blocks: the
// room has slack to start it on a 64-byte boundary.
struct InlineStorage final : Storage {
  static constexpr size_t kBytes = kMinDataBlock;
  explicit InlineStorage(size_t n) : Storage(nullptr, n) {
    const auto at = (reinterpret_cast<uintptr_t>(room) + 63) & ~uintptr_t{63};
    ptr = room + (at - reinterpret_cast<uintptr_t>(room));
  }
  alignas(16) unsigned char room[kBytes + 48];
};

// Storage for n bytes. Not inline under AddressSanitizer (the pool is off
// there too): a separate block lets it see an overrun of a tiny tensor.
std::shared_ptr<Storage> new_storage(size_t n) {
  if (pool_detail::kEnabled && n <= InlineStorage::kBytes)
    return std::allocate_shared<InlineStorage>(PooledAllocator<InlineStorage>(), n);
  return std::allocate_shared<Storage>(PooledAllocator<Storage>(), n);
}

}  // namespace

Storage::~Storage() {
  if (!owned) return;
  const int c = data_class(bytes);
  if (c >= 0 && give_data_block(ptr, c)) return;
  std::free(ptr);
}

DType dtype_from_name(const std::string& s) {
  if (s == "float32" || s == "float") return DType::Float32;
  if (s == "float64" || s == "double") return DType::Float64;
  if (s == "int64" || s == "long") return DType::Int64;
  if (s == "bool") return DType::Bool;
  throw ValueError("unknown dtype '" + s + "' (expected float32, float64, int64 or bool)");
}

namespace {

// shape_numel's errors, found the way its checks run: dim by dim, the first
// negative dim or the first running product past the limit.
[[noreturn]] void throw_bad_numel(const Shape& s, int64_t max_elements) {
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0) throw ValueError("negative dimension " + std::to_string(d) + " in shape " + shape_str(s));
    if (d != 0 && n > max_elements / d) break;
    n *= d;
  }
  throw LimitError("a tensor of shape " + shape_str(s) + " has more elements than MAX_TENSOR_ELEMENTS (" +
                   std::to_string(max_elements) + ")");
}

}  // namespace

int64_t shape_numel(const Shape& s) { return shape_numel(s, ctx().limits.max_elements); }

int64_t shape_numel(const Shape& s, int64_t max_elements) {
  // Every running product is checked: one past the limit is refused even when
  // a later 0 would bring the total back under it.
  int64_t n = 1;
  for (int64_t d : s)
    if (d < 0 || __builtin_mul_overflow(n, d, &n) || n > max_elements) throw_bad_numel(s, max_elements);
  if (n > max_elements) throw_bad_numel(s, max_elements);
  return n;
}

std::string shape_str(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) r += ", ";
    r += std::to_string(s[i]);
  }
  return r + "]";
}

void throw_dim_out_of_range(int64_t d, int64_t n) {
  throw IndexError("Dimension out of range (expected to be in range of [" + std::to_string(-n) + ", " +
                   std::to_string(n - 1) + "], but got " + std::to_string(d) + ")");
}

Shape contiguous_strides(const Shape& s) {
  Shape st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

static std::shared_ptr<TensorImpl> new_impl(const Shape& shape, DType dtype, int64_t numel) {
  return std::allocate_shared<TensorImpl>(PooledAllocator<TensorImpl>(), dtype, shape, numel);
}

Tensor Tensor::meta(const Shape& shape, DType dtype) { return Tensor(new_impl(shape, dtype, shape_numel(shape))); }

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  ExecContext& c = ctx();
  auto impl = new_impl(shape, dtype, shape_numel(shape, c.limits.max_elements));
  int64_t bytes = impl->numel * static_cast<int64_t>(dtype_size(dtype));
  c.add_bytes(bytes);
  if (!c.meta) impl->storage = new_storage(static_cast<size_t>(bytes));
  return Tensor(impl);
}

Tensor Tensor::borrowed(const Shape& shape, DType dtype, void* data) {
  ExecContext& c = ctx();
  auto impl = new_impl(shape, dtype, shape_numel(shape, c.limits.max_elements));
  const int64_t bytes = impl->numel * static_cast<int64_t>(dtype_size(dtype));
  c.add_bytes(bytes);  // accounted like the copy it replaces
  impl->storage = std::allocate_shared<Storage>(PooledAllocator<Storage>(), data, static_cast<size_t>(bytes));
  return Tensor(impl);
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  if (!t.is_meta()) std::memset(t.raw(), 0, t.nbytes());
  return t;
}

Tensor Tensor::full(const Shape& shape, DType dtype, double value) {
  // Casting NaN, ±inf or anything past ±2^63 to int64 is undefined behaviour
  // (found by the libFuzzer target); PyTorch refuses it the same way.
  if (dtype == DType::Int64 && !(value >= -9.2233720368547758e18 && value < 9.2233720368547758e18))
    throw ValueError("value cannot be converted to type int64_t without overflow");
  Tensor t = empty(shape, dtype);
  if (t.is_meta()) return t;
  int64_t n = t.numel();
  switch (dtype) {
    case DType::Float32: { auto* p = t.data<float>(); for (int64_t i = 0; i < n; ++i) p[i] = static_cast<float>(value); break; }
    case DType::Float64: { auto* p = t.data<double>(); for (int64_t i = 0; i < n; ++i) p[i] = value; break; }
    case DType::Int64: { auto* p = t.data<int64_t>(); for (int64_t i = 0; i < n; ++i) p[i] = static_cast<int64_t>(value); break; }
    case DType::Bool: { auto* p = t.data<uint8_t>(); for (int64_t i = 0; i < n; ++i) p[i] = value != 0; break; }
  }
  return t;
}

Tensor Tensor::scalar(double value, DType dtype) {
  Tensor t = full({}, dtype, value);
  t.impl_->wrapped_number = true;
  return t;
}

double Tensor::item() const {
  if (numel() != 1)
    throw ValueError("a Tensor with " + std::to_string(numel()) + " elements cannot be converted to Scalar");
  if (is_meta()) return 0.0;
  switch (dtype()) {
    case DType::Float32: return data<float>()[0];
    case DType::Float64: return data<double>()[0];
    case DType::Int64: return static_cast<double>(data<int64_t>()[0]);
    case DType::Bool: return data<uint8_t>()[0];
  }
  return 0.0;
}

Tensor Tensor::with_shape(const Shape& s) const { return with_shape(s, shape_numel(s)); }

Tensor Tensor::with_shape(const Shape& s, int64_t numel) const {
  auto impl = new_impl(s, dtype(), numel);
  impl->storage = impl_->storage;
  return Tensor(impl);
}

Tensor Tensor::detach() const { return with_shape(shape()); }

void Tensor::set_requires_grad(bool r) {
  if (r && !is_floating(dtype()))
    throw DTypeError("only Tensors of floating point dtype can require gradients");
  impl_->requires_grad = r;
}

}  // namespace gs
