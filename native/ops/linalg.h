// Matrix products.
#pragma once
#include "../tensor.h"

namespace gs::op {

// torch.matmul: 1-D, 2-D and batched with broadcast batch dimensions.
Tensor matmul(const Tensor& a, const Tensor& b);

// torch.matmul(a.mT if ta else a, b.mT if tb else b) for a and b of at least 2
// dimensions, without copying the transposes (they become GEMM flags, forward
// and backward). The executor uses it for `x @ w.T` (see ir.cc).
Tensor matmul_transposed(const Tensor& a, bool ta, const Tensor& b, bool tb);

}  // namespace gs::op
