// list_get: one tensor of a list-valued result (parts[1] after split/chunk).
#include "../errors.h"
#include "../registry.h"

namespace gs {
namespace {
const OpRegistrar reg({
    {"list_get(Tensor[] list, int index) -> Tensor", "The tensor at index of a list (negative counts from the end).",
     [](const Args& a) -> Outs {
       const auto& l = a.tensors(0);
       int64_t i = a.i64(1), n = static_cast<int64_t>(l.size());
       if (i < -n || i >= n) throw IndexError("list index out of range");
       return {l[static_cast<size_t>(i < 0 ? i + n : i)]};
     }},
});
}  // namespace
}  // namespace gs
