// Tensors: dtype, shape, contiguous row-major storage, and the autograd
// metadata (requires_grad, grad_fn). Storage is shared, so reshape, view and
// detach cost nothing; every other op writes a fresh contiguous tensor.
// A tensor without storage is a "meta" tensor: shape and dtype only, used by
// the dry run that checks and costs a graph before any kernel runs.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dtype.h"
#include "small_vector.h"

namespace gs {

// Sizes of a tensor's dims; the same type serves strides, dim lists and other
// per-dim int lists. Up to 6 dims live inline (no allocation), more on the heap.
using Shape = SmallVec<int64_t, 6>;

struct Storage {
  void* ptr = nullptr;
  size_t bytes = 0;
  bool owned = true;  // false: not this record's to free (lent by the caller, see Tensor::borrowed, or inline in it)
  explicit Storage(size_t n);
  Storage(void* lent, size_t n) : ptr(lent), bytes(n), owned(false) {}
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
};

struct Node;

struct TensorImpl {
  TensorImpl() = default;
  // Constructs the shape in place (a default one then assigned cost twice).
  TensorImpl(DType d, const Shape& s, int64_t n) : dtype(d), shape(s), numel(n) {}

  DType dtype = DType::Float32;
  Shape shape;
  int64_t numel = 0;
  std::shared_ptr<Storage> storage;  // null for a meta tensor
  bool requires_grad = false;
  // A Python number in a program (`x * 2`): lowest priority in type promotion.
  bool wrapped_number = false;
  std::shared_ptr<Node> grad_fn;     // set on results of recorded ops
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> i) : impl_(std::move(i)) {}

  // A new uninitialised tensor; a meta tensor when the context is in meta mode.
  static Tensor empty(const Shape& shape, DType dtype);
  static Tensor zeros(const Shape& shape, DType dtype);
  static Tensor full(const Shape& shape, DType dtype, double value);
  static Tensor scalar(double value, DType dtype);  // 0-d, wrapped number
  static Tensor meta(const Shape& shape, DType dtype);
  // A tensor over memory the caller owns and keeps alive, unchanged by anyone
  // else, for as long as any tensor sharing it lives (one run: the addon lends
  // a request's input data, and copies every result out before returning).
  // `data` must be aligned for the dtype.
  static Tensor borrowed(const Shape& shape, DType dtype, void* data);

  bool defined() const { return impl_ != nullptr; }
  DType dtype() const { return impl_->dtype; }
  const Shape& shape() const { return impl_->shape; }
  int64_t dim() const { return static_cast<int64_t>(impl_->shape.size()); }
  int64_t numel() const { return impl_->numel; }
  int64_t size(int64_t d) const;  // negative d counts from the end (defined below)
  bool is_meta() const { return impl_->storage == nullptr; }
  bool requires_grad() const { return impl_->requires_grad; }
  bool is_wrapped_number() const { return impl_->wrapped_number; }
  const std::shared_ptr<Node>& grad_fn() const { return impl_->grad_fn; }
  TensorImpl* impl() const { return impl_.get(); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype()); }

  template <class T> T* data() { return static_cast<T*>(impl_->storage->ptr); }
  template <class T> const T* data() const { return static_cast<const T*>(impl_->storage->ptr); }
  void* raw() const { return impl_->storage->ptr; }

  // The value of a one-element tensor as a double.
  double item() const;
  // Same storage, new shape (numel must match); no autograd.
  Tensor with_shape(const Shape& s) const;
  // The same when the caller has already counted s's elements (numel).
  Tensor with_shape(const Shape& s, int64_t numel) const;
  // Same storage, cut from the graph.
  Tensor detach() const;
  // Marks a tensor as a leaf that requires grad (floating dtypes only).
  void set_requires_grad(bool r);

 private:
  std::shared_ptr<TensorImpl> impl_;
};

int64_t shape_numel(const Shape& s);  // throws LimitError past MAX_TENSOR_ELEMENTS
// The same against a limit the caller has at hand (the context's max_elements).
int64_t shape_numel(const Shape& s, int64_t max_elements);
std::string shape_str(const Shape& s);  // "[2, 3]"

[[noreturn]] void throw_dim_out_of_range(int64_t d, int64_t n);
// Wraps a possibly negative dim into [0, ndim); PyTorch's message when out of
// range. Inline: ops wrap dims several times each, and the check is two compares.
inline int64_t wrap_dim(int64_t d, int64_t ndim) {
  const int64_t n = ndim == 0 ? 1 : ndim;  // a 0-d tensor accepts dim 0 and -1, like PyTorch
  if (d < -n || d >= n) throw_dim_out_of_range(d, n);
  return d < 0 ? d + n : d;
}

inline int64_t Tensor::size(int64_t d) const { return shape()[static_cast<size_t>(wrap_dim(d, dim()))]; }

// Row-major strides of a contiguous shape.
Shape contiguous_strides(const Shape& s);

}  // namespace gs
