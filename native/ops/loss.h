// Loss functions. reduction is "none", "mean" or "sum".
#pragma once
#include <string>

#include "../tensor.h"

namespace gs::op {

enum class Reduction { None, Mean, Sum };
Reduction parse_reduction(const std::string& s);  // ValueError with the known names
Tensor apply_reduction(const Tensor& loss, Reduction r);

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction r);

// Class-index targets (int64): input [C], [N, C] or [N, C, d1, ...], target
// [], [N] or [N, d1, ...]. weight (optional, [C]) scales each class; a mean
// divides by the summed weight of the targets that are not ignore_index.
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index, Reduction r);
// log_softmax over the class dim, then nll_loss; a floating target with the
// input's shape holds class probabilities. label_smoothing as PyTorch 1.13+.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index, Reduction r,
                     double label_smoothing);

}  // namespace gs::op
