// ctc_loss: the CTC forward (alpha) recursion in log space, written as a
// loop over time of ordinary differentiable ops, so the gradient (and the
// gradient of the gradient, which PyTorch cannot give) comes from autograd.
//
// Per batch element n the extended target is l' = [blank, l1, blank, l2,
// ..., blank] (length 2 S + 1). alpha_0 starts at l'_0 and l'_1; then
//   alpha_t(s) = logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), alpha_{t-1}(s-2)) + log_probs[t, n, l'_s]
// where the s-2 move is allowed only onto a label that differs from l'_{s-2}
// (PyTorch's rule). After input_lengths[n] steps alpha stops changing, and
// the loss is -logsumexp(alpha(2 S_n), alpha(2 S_n - 1)). Every logsumexp is
// "safe": -inf everywhere gives -inf with zero (not NaN) gradients, so
// impossible alignments are +inf and zero_infinity gives 0 with zero grads.
#include <algorithm>
#include <cmath>

#include "../autograd.h"
#include "../kernels.h"
#include "../registry.h"
#include "loss.h"
#include "ops.h"

namespace gs::op {

using namespace loss_detail;

namespace {

const char* kFrom = " (while checking arguments for ctc_loss_cpu)";

// logsumexp over a list of same-shaped tensors, shifted by their (constant)
// max; where every term is -inf the result is -inf and no gradient flows.
Tensor safe_logsumexp(const std::vector<Tensor>& xs) {
  Tensor m;
  {
    GradModeGuard no_grad(false);
    m = xs[0].detach();
    for (size_t i = 1; i < xs.size(); ++i) m = maximum(m, xs[i].detach());
  }
  Tensor inf = num(INFINITY, m);
  Tensor m_safe = where(eq(abs(m), inf), num(0.0, m), m);  // no inf - inf
  Tensor s = exp(sub(xs[0], m_safe));
  for (size_t i = 1; i < xs.size(); ++i) s = add(s, exp(sub(xs[i], m_safe)));
  // s == 0 only when every term is -inf; NaN terms stay NaN.
  Tensor none = eq(s, num(0.0, s));
  Tensor lse = add(log(where(none, num(1.0, s), s)), m_safe);
  return where(none, num(-INFINITY, lse), lse);
}

// The T slices of x along dim 0, each [N, L], split as a binary tree so the
// backward (slices placed back into zeros) costs O(T log T) elements, not O(T^2).
void unbind_time(const Tensor& x, int64_t start, int64_t len, std::vector<Tensor>& out) {
  if (len == 1) {
    Shape s(x.shape().begin() + 1, x.shape().end());
    out.push_back(reshape(x, s));
    return;
  }
  const int64_t half = len / 2;
  unbind_time(narrow(x, 0, 0, half), start, half, out);
  unbind_time(narrow(x, 0, half, len - half), start + half, len - half, out);
}

// alpha shifted right by k along the last dim, -inf filling the first k entries.
Tensor shift_right(const Tensor& alpha, int64_t k) {
  const int64_t n = alpha.size(0), l = alpha.size(1);
  if (k >= l) return Tensor::full({n, l}, alpha.dtype(), -INFINITY);
  return cat({Tensor::full({n, k}, alpha.dtype(), -INFINITY), narrow(alpha, 1, 0, l - k)}, 1);
}

std::vector<int64_t> read_ints(const Tensor& t) {
  std::vector<int64_t> v(static_cast<size_t>(t.numel()));
  if (!t.is_meta()) std::copy(t.data<int64_t>(), t.data<int64_t>() + t.numel(), v.begin());
  return v;
}

}  // namespace

// PyTorch's ctc_loss backward returns exp(log_probs) - posterior: the gradient
// with respect to the logits of a log_softmax, not the derivative with respect
// to log_probs (which is -posterior). Chained through log_softmax, as ctc_loss
// is meant to be used, both give the same answer; to also answer a gradient
// taken with respect to log_probs as PyTorch does, each sample's loss gets this
// term: worth 0, with gradient exp(log_probs) on its frames t < input_length.
static Tensor softmax_shortcut_term(const Tensor& lp, const std::vector<int64_t>& il, bool meta) {
  const int64_t T = lp.size(0), N = lp.size(1);
  Tensor valid = Tensor::zeros({T, N, 1}, lp.dtype());
  if (!meta && !valid.is_meta())
    GS_DISPATCH_FLOAT(lp.dtype(), V, {
      for (int64_t t = 0; t < T; ++t)
        for (int64_t b = 0; b < N; ++b) valid.data<V>()[t * N + b] = t < il[static_cast<size_t>(b)] ? V{1} : V{0};
    });
  Tensor out = Tensor::zeros({N}, lp.dtype());
  return record(out, "ctc_softmax_shortcut", {lp}, [lp, valid, N](const Tensor& g, const BackwardCtx&) -> Grads {
    return {mul(reshape(g, {1, N, 1}), mul(exp(lp), valid))};
  });
}

Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets_in, const Tensor& input_lengths_in,
                const Tensor& target_lengths_in, int64_t blank, Reduction r, bool zero_infinity) {
  const bool batched = log_probs.dim() == 3;
  if (log_probs.dim() != 2 && log_probs.dim() != 3)
    throw ShapeError("Expected 3-dimensional tensor, but got " + std::to_string(log_probs.dim() + 1) +
                     "-dimensional tensor for argument #1 'log_probs'" + kFrom);
  require_floating(log_probs, "ctc_loss: log_probs");
  Tensor lp = batched ? log_probs : unsqueeze(log_probs, 1);
  Tensor targets = integer_values(targets_in, "ctc_loss: targets");
  Tensor il_t = integer_values(input_lengths_in, "ctc_loss: input_lengths");
  Tensor tl_t = integer_values(target_lengths_in, "ctc_loss: target_lengths");
  if (targets.dim() < 1 || targets.dim() > 2)
    throw ShapeError("Expected 1 to 2 dimensions, but got " + std::to_string(targets.dim()) +
                     "-dimensional tensor for argument #2 'targets'" + kFrom);
  const int64_t T = lp.size(0), N = lp.size(1), C = lp.size(2);
  if (!(0 <= blank && blank < C)) throw ValueError("blank must be in label range");
  if (il_t.numel() != N) throw ShapeError("input_lengths must be of size batch_size");
  if (tl_t.numel() != N) throw ShapeError("target_lengths must be of size batch_size");
  const bool concatenated = targets.dim() == 1;
  const bool meta = lp.is_meta() || targets.is_meta() || il_t.is_meta() || tl_t.is_meta();

  // Lengths and target offsets, checked as PyTorch checks them (plus the
  // checks PyTorch leaves to undefined behaviour: negative lengths, labels).
  std::vector<int64_t> il = read_ints(il_t), tl = read_ints(tl_t), offset(static_cast<size_t>(N), 0);
  int64_t S = 0;
  if (meta) {
    // Lengths are unknown: size the recursion by the largest the targets allow.
    S = concatenated ? targets.size(0) : targets.size(1);
  } else {
    for (int64_t b = 0; b < N; ++b) {
      if (il[b] < 0) throw ValueError("ctc_loss: input_lengths must be non-negative, got " + std::to_string(il[b]));
      if (tl[b] < 0) throw ValueError("ctc_loss: target_lengths must be non-negative, got " + std::to_string(tl[b]));
      S = std::max(S, tl[b]);
    }
    if (concatenated) {
      // The sum saturates past the targets' size: no signed overflow for huge lengths.
      int64_t pos = 0;
      for (int64_t b = 0; b < N; ++b) {
        offset[b] = pos;
        pos = tl[b] > INT64_MAX - pos ? INT64_MAX : pos + tl[b];
      }
      if (targets.size(0) != pos)
        throw ShapeError("Expected tensor to have size " + std::to_string(pos) + " at dimension 0, but got size " +
                         std::to_string(targets.size(0)) + " for argument #2 'targets'" + kFrom);
    } else {
      if (targets.size(0) != N)
        throw ShapeError("Expected tensor to have size " + std::to_string(N) + " at dimension 0, but got size " +
                         std::to_string(targets.size(0)) + " for argument #2 'targets'" + kFrom);
      if (targets.size(1) < S)
        throw ShapeError("Expected tensor to have size at least " + std::to_string(S) + " at dimension 1, but got size " +
                         std::to_string(targets.size(1)) + " for argument #2 'targets'" + kFrom);
      for (int64_t b = 0; b < N; ++b) offset[b] = b * targets.size(1);
    }
    for (int64_t b = 0; b < N; ++b)
      if (il[b] > T)
        throw ShapeError("Expected input_lengths to have value at most " + std::to_string(T) + ", but got value " +
                         std::to_string(il[b]) + kFrom);
    const int64_t* tp = targets.data<int64_t>();
    for (int64_t b = 0; b < N; ++b)
      for (int64_t s = 0; s < tl[b]; ++s) {
        const int64_t k = tp[offset[b] + s];
        if (k < 0 || k >= C)
          throw IndexError("ctc_loss: target label " + std::to_string(k) + " is out of range for " + std::to_string(C) +
                           " classes");
      }
  }
  const int64_t L = 2 * S + 1;
  const DType dt = lp.dtype();

  // Extended labels, the allowed skips (s-2 -> s) and the positions read at the end.
  Tensor ext = Tensor::empty({N, L}, DType::Int64);
  Tensor skip = Tensor::empty({N, L}, DType::Bool);
  Tensor start = Tensor::empty({N, L}, DType::Bool);
  Tensor fin_idx = Tensor::empty({N, 2}, DType::Int64);
  Tensor fin_ok = Tensor::empty({N, 2}, DType::Bool);
  Tensor idx = Tensor::empty({T, N, L}, DType::Int64);
  bool all_full = !meta, any_empty = false;
  if (!meta) {
    const int64_t* tp = targets.data<int64_t>();
    int64_t* e = ext.data<int64_t>();
    uint8_t* sk = skip.data<uint8_t>();
    uint8_t* st = start.data<uint8_t>();
    for (int64_t b = 0; b < N; ++b) {
      for (int64_t s = 0; s < L; ++s) {
        const int64_t j = (s - 1) / 2;
        e[b * L + s] = (s % 2 == 1 && j < tl[b]) ? tp[offset[b] + j] : blank;
      }
      for (int64_t s = 0; s < L; ++s) {
        sk[b * L + s] = s > 1 && e[b * L + s - 2] != e[b * L + s];
        st[b * L + s] = s == 0 || (s == 1 && tl[b] > 0);
      }
      fin_idx.data<int64_t>()[2 * b] = 2 * tl[b];
      fin_idx.data<int64_t>()[2 * b + 1] = std::max<int64_t>(2 * tl[b] - 1, 0);
      fin_ok.data<uint8_t>()[2 * b] = 1;
      fin_ok.data<uint8_t>()[2 * b + 1] = tl[b] > 0;
      all_full = all_full && il[b] == T;
      any_empty = any_empty || il[b] == 0;
    }
    int64_t* ip = idx.data<int64_t>();
    for (int64_t t = 0; t < T; ++t) std::copy(e, e + N * L, ip + t * N * L);
  }

  Tensor neg_inf = num(-INFINITY, lp);
  Tensor alpha;
  if (T == 0) {
    alpha = Tensor::full({N, L}, dt, -INFINITY);
  } else {
    Tensor E = gather(lp, 2, idx);  // log_probs[t, n, l'_s]: [T, N, L]
    std::vector<Tensor> steps;
    steps.reserve(static_cast<size_t>(T));
    unbind_time(E, 0, T, steps);
    alpha = where(start, steps[0], neg_inf);
    for (int64_t t = 1; t < T; ++t) {
      ctx().check_cancel();
      Tensor a2 = where(skip, shift_right(alpha, 2), neg_inf);
      Tensor next = add(safe_logsumexp({alpha, shift_right(alpha, 1), a2}), steps[static_cast<size_t>(t)]);
      if (all_full) {
        alpha = next;
      } else {
        // Sequences shorter than t keep their alpha.
        Tensor active = Tensor::empty({N, 1}, DType::Bool);
        if (!active.is_meta())
          for (int64_t b = 0; b < N; ++b) active.data<uint8_t>()[b] = t < il[b];
        alpha = where(active, next, alpha);
      }
    }
  }
  Tensor fin = where(fin_ok, gather(alpha, 1, fin_idx), neg_inf);
  Tensor loss = neg(reshape(safe_logsumexp({select(fin, 1, 0), select(fin, 1, 1)}), {N}));
  if (any_empty || meta) {
    // An empty input: 0 for an empty target, else impossible (+inf), as PyTorch.
    Tensor empty_in = Tensor::empty({N}, DType::Bool);
    Tensor empty_val = Tensor::empty({N}, dt);
    if (!meta)
      for (int64_t b = 0; b < N; ++b) {
        empty_in.data<uint8_t>()[b] = il[b] == 0;
        GS_DISPATCH_FLOAT(dt, V, { empty_val.data<V>()[b] = tl[b] == 0 ? V{0} : static_cast<V>(INFINITY); });
      }
    loss = where(empty_in, empty_val, loss);
  }
  loss = add(loss, softmax_shortcut_term(lp, il, meta));
  if (zero_infinity) loss = where(eq(loss, num(INFINITY, loss)), num(0.0, loss), loss);
  switch (r) {
    case Reduction::None: return batched ? loss : reshape(loss, {});
    case Reduction::Sum: return sum(loss);
    case Reduction::Mean: {
      // Each loss divided by its target length (at least 1), then the batch mean.
      Tensor len = clamp(to_dtype(tl_t.with_shape({N}), dt), num(1.0, loss), Tensor());
      return mean(div(loss, len));
    }
  }
  return loss;
}

}  // namespace gs::op

namespace gs {
namespace {

const OpRegistrar reg({
    {"ctc_loss(Tensor log_probs, Tensor targets, Tensor input_lengths, Tensor target_lengths, int blank=0, "
     "str reduction=\"mean\", bool zero_infinity=False) -> Tensor",
     "Connectionist temporal classification loss: log_probs [T, N, C] or [T, C], targets padded [N, S] or concatenated; "
     "inf for impossible alignments (0 with zero_infinity); mean divides each loss by its target length.",
     [](const Args& a) -> Outs {
       return {op::ctc_loss(a.tensor(0), a.tensor(1), a.tensor(2), a.tensor(3), a.i64(4), op::parse_reduction(a.str(5)),
                            a.boolean(6))};
     }},
});

}  // namespace
}  // namespace gs
