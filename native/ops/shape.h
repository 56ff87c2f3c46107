// Shape ops (index ops are in index.h). Results are contiguous copies, except reshape/view,
// which share storage.
#pragma once
#include <vector>

#include "../tensor.h"

namespace gs::op {

Tensor reshape(const Tensor& x, const Shape& shape);  // one -1 allowed
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor squeeze(const Tensor& x);
Tensor squeeze(const Tensor& x, const Shape& dims);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
Tensor permute(const Tensor& x, const Shape& dims);
Tensor t(const Tensor& x);
Tensor expand(const Tensor& x, const Shape& shape);  // -1 keeps a size
Tensor sum_to(const Tensor& x, const Shape& shape);  // undoes broadcasting
Tensor repeat(const Tensor& x, const Shape& repeats);
Tensor cat(const std::vector<Tensor>& xs, int64_t dim);
Tensor stack(const std::vector<Tensor>& xs, int64_t dim);
// One element: a chunk size (torch.split(x, n)); two or more: the sizes.
std::vector<Tensor> split(const Tensor& x, const Shape& sizes_or_size, int64_t dim);
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim);
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
// Python slicing along one dim (start/end clamped, step > 0).
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step);
// The gradient of slice: g placed into zeros of `shape`.
Tensor slice_backward(const Tensor& g, const Shape& shape, int64_t dim, int64_t start, int64_t end, int64_t step);
Tensor select(const Tensor& x, int64_t dim, int64_t index);

}  // namespace gs::op
