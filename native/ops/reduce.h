// Reductions. `dims` empty means all dimensions.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "../tensor.h"

namespace gs::op {

Tensor sum(const Tensor& x, const Shape& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const Shape& dims = {}, bool keepdim = false);
Tensor prod(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor amax(const Tensor& x, const Shape& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const Shape& dims = {}, bool keepdim = false);
// Full max()/min() of all elements; ties share the gradient evenly.
Tensor max(const Tensor& x);
Tensor min(const Tensor& x);
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
// max/min along a dim: the values; the gradient goes to the index PyTorch picks.
Tensor max_dim(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor min_dim(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor logsumexp(const Tensor& x, const Shape& dims, bool keepdim = false);
Tensor var(const Tensor& x, const Shape& dims, double correction, bool keepdim = false);
Tensor std(const Tensor& x, const Shape& dims, double correction, bool keepdim = false);
// topk along dim: values (a gather, so the gradient goes to the picked
// indices) and their int64 indices. Ties: lower index first; NaN is largest.
Tensor topk(const Tensor& x, int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true);
Tensor topk_indices(const Tensor& x, int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true);
// The k-th smallest (k from 1) along dim and its index.
Tensor kthvalue(const Tensor& x, int64_t k, int64_t dim = -1, bool keepdim = false);
Tensor kthvalue_indices(const Tensor& x, int64_t k, int64_t dim = -1, bool keepdim = false);
// p is 1, 2, inf, -inf, any positive number, or "fro" (passed as 2).
Tensor norm(const Tensor& x, double p, const Shape& dims = {}, bool keepdim = false);

}  // namespace gs::op
