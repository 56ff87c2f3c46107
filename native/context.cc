#include "context.h"

#include <string>

#include "errors.h"

namespace gs {

void ExecContext::add_bytes(int64_t n) {
  bytes += n;
  if (bytes > limits.max_bytes)
    throw LimitError("the job would allocate more than MAX_JOB_BYTES (" +
                     std::to_string(limits.max_bytes) + " bytes)");
}

void ExecContext::add_flops(int64_t n) {
  flops += n;
  if (flops > limits.max_flops)
    throw LimitError("the job would need more than MAX_JOB_FLOPS (" +
                     std::to_string(limits.max_flops) + " floating-point operations)");
}

void ExecContext::add_op() {
  if (++ops > limits.max_ops)
    throw LimitError("the job would execute more than " + std::to_string(limits.max_ops) +
                     " ops (backward passes and jacobians included)");
}

void ExecContext::check_cancel() const {
  if (cancel_flag && *cancel_flag != 0) throw CancelledError("the job was cancelled");
  if (has_deadline && std::chrono::steady_clock::now() > deadline)
    throw CancelledError("the job passed its deadline (JOB_DEADLINE_MS) and was stopped");
}

void ExecContext::check_cancel_between_ops() {
  if (cancel_flag && *cancel_flag != 0) throw CancelledError("the job was cancelled");
  if (!has_deadline) return;
  const int64_t work = bytes + flops;
  if (++ops_since_clock_ < kClockEveryOps && work - work_at_clock_ < kClockEveryWork) return;
  ops_since_clock_ = 0;
  work_at_clock_ = work;
  if (std::chrono::steady_clock::now() > deadline)
    throw CancelledError("the job passed its deadline (JOB_DEADLINE_MS) and was stopped");
}

}  // namespace gs
