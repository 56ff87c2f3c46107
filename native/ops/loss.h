// Loss functions (torch.nn.functional names, argument order and defaults of
// PyTorch 1.13, without the deprecated size_average/reduce). reduction is
// "none", "mean" or "sum" (kl_div also "batchmean"). Every loss is composed
// from differentiable ops, so it has gradients of any order.
#pragma once
#include <string>

#include "../tensor.h"

namespace gs::op {

enum class Reduction { None, Mean, Sum };
Reduction parse_reduction(const std::string& s);  // ValueError with the known names
Tensor apply_reduction(const Tensor& loss, Reduction r);

// Shared by the loss files (loss*.cc).
namespace loss_detail {
// An argument PyTorch requires to be integer (class indices, lengths): int64
// as is; a floating tensor is accepted when every value is integer-valued and
// cast to int64 (ValueError naming `what` otherwise); bool is a DTypeError.
Tensor integer_values(const Tensor& t, const std::string& what);
// torch.Size([2, 3]) as Python prints it.
std::string torch_size(const Shape& s);
// A number as Python/C++ streams print it (1.5, 1e-08).
std::string fmt_number(double v);
// A Python number with x's floating dtype (lowest priority in type promotion).
Tensor num(double v, const Tensor& like);
// Elementwise max(x, 0) whose gradient passes only where x > 0 (PyTorch's
// margin-loss kernels), unlike clamp's inclusive bound.
Tensor relu_strict(const Tensor& x);
// x with its forward value clamped to >= lo but the gradient of x itself
// (PyTorch clamping under no_grad).
Tensor clamp_min_value_only(const Tensor& x, double lo);
void require_floating(const Tensor& x, const char* what);
}  // namespace loss_detail

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction r);

// Class-index targets (int64): input [C], [N, C] or [N, C, d1, ...], target
// [], [N] or [N, d1, ...]. weight (optional, [C]) scales each class; a mean
// divides by the summed weight of the targets that are not ignore_index.
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index, Reduction r);
// log_softmax over the class dim, then nll_loss; a floating target with the
// input's shape holds class probabilities. label_smoothing as PyTorch 1.13+.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index, Reduction r,
                     double label_smoothing);

// Regression and probabilistic losses (loss_regression.cc).
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction r);
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction r, double beta);
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction r, double delta);
Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, bool log_input, bool full, double eps, Reduction r);
Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var, bool full, double eps, Reduction r);
// reduction: none, mean, sum or batchmean.
Tensor kl_div(const Tensor& input, const Tensor& target, const std::string& reduction, bool log_target);
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction r);
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction r,
                                        const Tensor& pos_weight);

// Margin and embedding losses, distances (loss_margin.cc).
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim);
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim, double eps);
Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin, Reduction r);
Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target, double margin, Reduction r);
Tensor soft_margin_loss(const Tensor& input, const Tensor& target, Reduction r);
Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin, Reduction r);
Tensor multilabel_margin_loss(const Tensor& input, const Tensor& target, Reduction r);
Tensor multilabel_soft_margin_loss(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction r);
Tensor multi_margin_loss(const Tensor& input, const Tensor& target, int64_t p, double margin, const Tensor& weight, Reduction r);
Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative, double margin, double p,
                           double eps, bool swap, Reduction r);
// distance_function: "pairwise" (pairwise_distance, the default) or "cosine" (1 - cosine_similarity).
Tensor triplet_margin_with_distance_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                                         const std::string& distance_function, double margin, bool swap, Reduction r);

// Connectionist temporal classification (loss_ctc.cc): log_probs [T, N, C]
// or [T, C]; targets padded [N, S] or concatenated 1-D; lengths [N].
Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths, const Tensor& target_lengths,
                int64_t blank, Reduction r, bool zero_infinity);

}  // namespace gs::op
