// Activation functions, each with PyTorch's numerics at the edges.
#pragma once
#include "../tensor.h"

namespace gs::op {

Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

}  // namespace gs::op
