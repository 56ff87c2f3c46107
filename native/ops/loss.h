// Loss functions. reduction is "none", "mean" or "sum".
#pragma once
#include <string>

#include "../tensor.h"

namespace gs::op {

enum class Reduction { None, Mean, Sum };
Reduction parse_reduction(const std::string& s);  // ValueError with the known names
Tensor apply_reduction(const Tensor& loss, Reduction r);

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction r);

}  // namespace gs::op
