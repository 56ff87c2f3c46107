// matmul with PyTorch's rules for 1-D, 2-D and broadcast-batched operands.
#include "linalg.h"

#include "../autograd.h"
#include "../gemm.h"
#include "../kernels.h"
#include "../registry.h"
#include "ops.h"

namespace gs::op {

namespace {

// op(a) @ op(b) with broadcast batch dims, where op transposes the last two
// dims when its flag is set; both at least 2-D. The transposes are never
// materialised: they are GEMM flags. Backward is four such products, so no
// transpose is copied at any order of differentiation.
Tensor matmul_t(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  const int64_t M = a.size(ta ? -1 : -2), K = a.size(ta ? -2 : -1), K2 = b.size(tb ? -1 : -2), N = b.size(tb ? -2 : -1);
  if (K != K2) {
    int64_t arows = a.numel() / std::max<int64_t>(K, 1);
    if (a.dim() > 2) arows = M;
    throw ShapeError("mat1 and mat2 shapes cannot be multiplied (" + std::to_string(arows) + "x" + std::to_string(K) + " and " +
                     std::to_string(K2) + "x" + std::to_string(N) + ")");
  }
  Shape ab(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
  Shape batch = ab == bb ? ab : broadcast_shapes(ab, bb);
  Shape out_shape = batch;
  out_shape.push_back(M);
  out_shape.push_back(N);
  ExecContext& ec = ctx();
  Tensor out = Tensor::empty(out_shape, a.dtype());
  // The batch's element count: a prefix of out's shape, whose running
  // products Tensor::empty has just checked, so a plain product.
  int64_t nb = 1;
  for (int64_t d : batch) nb *= d;
  ec.add_flops(2 * nb * M * N * K);
  if (!out.is_meta() && out.numel() > 0) {
    const int64_t lda = ta ? M : K, ldb = tb ? K : N;
    GS_DISPATCH_ALL(a.dtype(), T, {
      if constexpr (std::is_same_v<T, uint8_t>) {
        throw DTypeError("\"addmm_impl_cpu_\" not implemented for 'Bool'");
      } else {
        const T* ap = a.data<T>();
        const T* bp = b.data<T>();
        T* op = out.data<T>();
        if (bb.empty() && !ta) {
          // [..., M, K] @ [K, N]: the batch folds into the rows of one product.
          gemm<T>(false, tb, nb * M, N, K, ap, lda, bp, ldb, op, N);
        } else if (ab == bb) {
          for (int64_t i = 0; i < nb; ++i) gemm<T>(ta, tb, M, N, K, ap + i * M * K, lda, bp + i * K * N, ldb, op + i * M * N, N);
        } else {
          auto sa = broadcast_strides(ab, batch), sb = broadcast_strides(bb, batch);
          auto cs = contiguous_strides(batch);
          for (int64_t i = 0; i < nb; ++i) {
            int64_t oa = 0, ob = 0, rem = i;
            for (size_t d = 0; d < batch.size(); ++d) {
              int64_t idx = rem / cs[d];
              rem %= cs[d];
              oa += idx * sa[d];
              ob += idx * sb[d];
            }
            gemm<T>(ta, tb, M, N, K, ap + oa * M * K, lda, bp + ob * K * N, ldb, op + i * M * N, N);
          }
        }
      }
    });
  }
  // Nothing to record (a first-order backward's products): skip building the
  // closure, whose two tensor copies cost reference-count updates.
  if (!ec.grad_mode || !(a.requires_grad() || b.requires_grad())) return out;
  // C = op(A) op(B): dA = G op(B)^T (or its transpose), dB = op(A)^T G (or
  // its transpose). The engine sums each gradient over broadcast batch dims.
  return record(out, "matmul", {a, b}, [a, b, ta, tb](const Tensor& g, const BackwardCtx& c) -> Grads {
    Tensor ga, gb;
    if (c.need(0)) ga = ta ? matmul_t(b, g, tb, true) : matmul_t(g, b, false, !tb);
    if (c.need(1)) {
      if (b.dim() == 2 && a.dim() > 2 && !ta) {
        // b was shared by every batch: its gradient sums over the batch, which
        // is one product over the folded rows (views, no copies).
        const int64_t rows = shape_numel(Shape(g.shape().begin(), g.shape().end() - 1));
        const Tensor a2 = reshape(a, {rows, a.size(-1)}), g2 = reshape(g, {rows, g.size(-1)});
        gb = tb ? matmul_t(g2, a2, true, false) : matmul_t(a2, g2, true, false);
      } else {
        gb = tb ? matmul_t(g, a, true, ta) : matmul_t(a, g, !ta, false);
      }
    }
    return {ga, gb};
  });
}

Tensor matmul_nd(const Tensor& a, const Tensor& b) { return matmul_t(a, b, false, false); }

void check_same_dtype(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype())
    throw DTypeError(std::string("expected m1 and m2 to have the same dtype, but got: ") + dtype_name(a.dtype()) + " != " + dtype_name(b.dtype()));
}

}  // namespace

Tensor matmul_transposed(const Tensor& a, bool ta, const Tensor& b, bool tb) {
  if (a.dim() < 2 || b.dim() < 2) throw ValueError("internal: matmul_transposed needs operands of at least 2 dimensions");
  check_same_dtype(a, b);
  return matmul_t(a, b, ta, tb);
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  if (a.dim() == 0 || b.dim() == 0)
    throw ShapeError("both arguments to matmul need to be at least 1D, but they are " + std::to_string(a.dim()) + "D and " +
                     std::to_string(b.dim()) + "D");
  check_same_dtype(a, b);
  if (a.dim() == 1 && b.dim() == 1) {
    if (a.numel() != b.numel())
      throw ShapeError("inconsistent tensor size, expected tensor [" + std::to_string(a.numel()) + "] and src [" + std::to_string(b.numel()) +
                       "] to have the same number of elements, but got " + std::to_string(a.numel()) + " and " + std::to_string(b.numel()) +
                       " elements respectively");
    return sum(mul(a, b));
  }
  if (a.dim() == 1) return squeeze(matmul_nd(unsqueeze(a, 0), b), {-2});
  if (b.dim() == 1) return squeeze(matmul_nd(a, unsqueeze(b, -1)), {-1});
  return matmul_nd(a, b);
}

}  // namespace gs::op

namespace gs {
namespace {
const OpRegistrar reg({
    {"matmul(Tensor input, Tensor other) -> Tensor", "Matrix product with broadcasting (`@`), as torch.matmul.",
     [](const Args& a) -> Outs { return {op::matmul(a.tensor(0), a.tensor(1))}; }},
    {"mm(Tensor input, Tensor mat2) -> Tensor", "Product of two 2-D matrices.",
     [](const Args& a) -> Outs {
       if (a.tensor(0).dim() != 2 || a.tensor(1).dim() != 2) throw ShapeError("mm: both arguments must be 2-D matrices");
       return {op::matmul(a.tensor(0), a.tensor(1))};
     }},
});
}  // namespace
}  // namespace gs
