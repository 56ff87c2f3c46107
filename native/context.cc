#include "context.h"

#include <string>

#include "errors.h"

namespace gs {

void ExecContext::throw_over_bytes() const {
  throw LimitError("the job would allocate more than MAX_JOB_BYTES (" + std::to_string(limits.max_bytes) + " bytes)");
}

void ExecContext::throw_over_flops() const {
  throw LimitError("the job would need more than MAX_JOB_FLOPS (" + std::to_string(limits.max_flops) +
                   " floating-point operations)");
}

void ExecContext::throw_over_ops() const {
  throw LimitError("the job would execute more than " + std::to_string(limits.max_ops) +
                   " ops (backward passes and jacobians included)");
}

void ExecContext::throw_cancelled() { throw CancelledError("the job was cancelled"); }

void ExecContext::check_cancel() const {
  if (cancel_flag && *cancel_flag != 0) throw_cancelled();
  if (has_deadline && std::chrono::steady_clock::now() > deadline)
    throw CancelledError("the job passed its deadline (JOB_DEADLINE_MS) and was stopped");
}

void ExecContext::read_clock(int64_t work) {
  ops_since_clock_ = 0;
  work_at_clock_ = work;
  if (std::chrono::steady_clock::now() > deadline)
    throw CancelledError("the job passed its deadline (JOB_DEADLINE_MS) and was stopped");
}

}  // namespace gs
