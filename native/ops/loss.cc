// Losses, composed from differentiable ops so every loss has gradients of
// any order.
#include "loss.h"

#include "../autograd.h"
#include "../kernels.h"
#include "../registry.h"
#include "ops.h"

namespace gs::op {

Reduction parse_reduction(const std::string& s) {
  if (s == "none") return Reduction::None;
  if (s == "mean") return Reduction::Mean;
  if (s == "sum") return Reduction::Sum;
  throw ValueError(s + " is not a valid value for reduction (expected 'none', 'mean' or 'sum')");
}

Tensor apply_reduction(const Tensor& loss, Reduction r) {
  switch (r) {
    case Reduction::None: return loss;
    case Reduction::Mean: return mean(loss);
    case Reduction::Sum: return sum(loss);
  }
  return loss;
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction r) {
  return apply_reduction(square(sub(input, target)), r);
}

}  // namespace gs::op

namespace gs {
namespace {
const OpRegistrar reg({
    {"mse_loss(Tensor input, Tensor target, str reduction=\"mean\") -> Tensor", "Mean squared error: (input - target)^2, reduced.",
     [](const Args& a) -> Outs { return {op::mse_loss(a.tensor(0), a.tensor(1), op::parse_reduction(a.str(2)))}; }},
});
}  // namespace
}  // namespace gs
