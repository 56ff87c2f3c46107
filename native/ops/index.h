// Indexing with integer tensors (gather/scatter/index_select/index_add) and
// Python basic indexing (getitem). Every index read from tensor data is
// bounds-checked before it is used.
#pragma once
#include <vector>

#include "../tensor.h"

namespace gs::op {

// out[..i..] = x[..index[..i..]..] along dim; out has index's shape.
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// x with src[..i..] added at x[..index[..i..]..] along dim.
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
// The slices of x at the positions in the 1-D index, along dim.
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
// x with alpha * source's slices added at the positions in the 1-D index.
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source, double alpha = 1.0);

// Basic indexing, compiled by the service into groups of 4 integers
// [kind, a, b, c]: kind 0 = integer a; 1 = slice a:b:c (kGetitemNone for an
// omitted start/stop/step); 2 = ellipsis; 3 = None (a new axis).
constexpr int64_t kGetitemNone = 9007199254740991;  // 2^53 - 1
Tensor getitem(const Tensor& x, const Shape& spec);

}  // namespace gs::op
