// Matrix products.
#pragma once
#include "../tensor.h"

namespace gs::op {

// torch.matmul: 1-D, 2-D and batched with broadcast batch dimensions.
Tensor matmul(const Tensor& a, const Tensor& b);

}  // namespace gs::op
