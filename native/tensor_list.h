// TensorList<N>: a short list of tensors that keeps up to N inline. An op's
// recorded inputs, a backward's gradients and an op's results are one to
// three tensors; as std::vector each list cost a malloc and a free, and a
// small graph builds a few dozen per run. A longer list (cat's parts, split's
// pieces) moves all its tensors to a std::vector.
#pragma once
#include <array>
#include <cstddef>
#include <utility>
#include <vector>

#include "tensor.h"

namespace gs {

template <size_t N>
class TensorList {
 public:
  TensorList() = default;
  // `return {a, b};` reads as one of these: tensors passed by value are moved
  // in (an initializer_list's elements could only be copied).
  TensorList(Tensor a) { push_back(std::move(a)); }
  TensorList(Tensor a, Tensor b) {
    push_back(std::move(a));
    push_back(std::move(b));
  }
  TensorList(Tensor a, Tensor b, Tensor c) {
    push_back(std::move(a));
    push_back(std::move(b));
    push_back(std::move(c));
  }
  TensorList(std::vector<Tensor> v) : heap_(std::move(v)), size_(heap_.size()), spilled_(true) {}
  TensorList(const TensorList&) = default;
  TensorList& operator=(const TensorList&) = default;
  // A moved-from list is empty (the defaults would leave its size behind).
  TensorList(TensorList&& o) noexcept
      : inline_(std::move(o.inline_)), heap_(std::move(o.heap_)), size_(o.size_), spilled_(o.spilled_) {
    o.forget();
  }
  TensorList& operator=(TensorList&& o) noexcept {
    if (this != &o) {
      inline_ = std::move(o.inline_);
      heap_ = std::move(o.heap_);
      size_ = o.size_;
      spilled_ = o.spilled_;
      o.forget();
    }
    return *this;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Tensor* data() { return spilled_ ? heap_.data() : inline_.data(); }
  const Tensor* data() const { return spilled_ ? heap_.data() : inline_.data(); }
  Tensor& operator[](size_t i) { return data()[i]; }
  const Tensor& operator[](size_t i) const { return data()[i]; }
  Tensor* begin() { return data(); }
  Tensor* end() { return data() + size_; }
  const Tensor* begin() const { return data(); }
  const Tensor* end() const { return data() + size_; }

  void push_back(Tensor t) {
    if (!spilled_ && size_ < N) {
      inline_[size_++] = std::move(t);
      return;
    }
    if (!spilled_) spill();
    heap_.push_back(std::move(t));
    ++size_;
  }

  // Drops tensors past n, or appends undefined ones up to n.
  void resize(size_t n) {
    while (size_ > n) data()[--size_] = Tensor();
    if (spilled_) heap_.resize(size_);
    while (size_ < n) push_back(Tensor());
  }

  // The tensors as a std::vector (a list-valued op's result goes to a slot).
  std::vector<Tensor> to_vector() && {
    std::vector<Tensor> v;
    if (spilled_) {
      v = std::move(heap_);
    } else {
      v.reserve(size_);
      for (size_t i = 0; i < size_; ++i) v.push_back(std::move(inline_[i]));
    }
    forget();
    return v;
  }

 private:
  // Empty, after the tensors were moved out.
  void forget() {
    heap_.clear();
    size_ = 0;
    spilled_ = false;
  }
  // Moves the inline tensors to the vector, which keeps all of them from now on.
  void spill() {
    heap_.reserve(2 * N + 2);
    for (size_t i = 0; i < size_; ++i) heap_.push_back(std::move(inline_[i]));
    spilled_ = true;
  }

  std::array<Tensor, N> inline_;
  std::vector<Tensor> heap_;
  size_t size_ = 0;
  bool spilled_ = false;
};

}  // namespace gs
