// The per-thread execution context of one job: meta (shape-only) mode, grad
// mode, the running cost tally, limits, and the cancellation flag/deadline.
// Every allocation and every kernel reports here, so the dry run that costs a
// graph and the real run that executes it share one accounting.
#pragma once
#include <chrono>
#include <cstdint>

#include "tls_ref.h"

namespace gs {

struct Limits {
  int64_t max_bytes = INT64_MAX;     // sum of all tensor bytes a job allocates
  int64_t max_flops = INT64_MAX;     // estimated floating-point work
  int64_t max_ops = INT64_MAX;       // ops executed, backward passes included
  int64_t max_elements = INT64_MAX;  // elements of any one tensor
};

struct ExecContext {
  bool meta = false;       // allocate no data, run no kernels: shapes and costs only
  bool grad_mode = true;   // record autograd nodes (off inside first-order backward)
  int64_t bytes = 0;
  int64_t flops = 0;
  int64_t ops = 0;
  Limits limits;
  const volatile int32_t* cancel_flag = nullptr;  // in a SharedArrayBuffer; non-zero = stop
  bool has_deadline = false;
  std::chrono::steady_clock::time_point deadline;

  // The tallies are inline (every op adds to them) and throw LimitError past a limit.
  void add_bytes(int64_t n) {
    bytes += n;
    if (bytes > limits.max_bytes) throw_over_bytes();
  }
  void add_flops(int64_t n) {
    flops += n;
    if (flops > limits.max_flops) throw_over_flops();
  }
  void add_op() {
    if (++ops > limits.max_ops) throw_over_ops();
  }
  // Throws CancelledError when the job was cancelled or is past its deadline.
  void check_cancel() const;
  // The same between two ops: the cancel flag every time, the clock only once
  // kClockEveryOps ops or kClockEveryWork bytes + FLOPs have passed since it
  // was last read (a clock read costs more than a tiny op; a long kernel
  // checks inside itself). Inline: it runs before every op.
  void check_cancel_between_ops();

 private:
  [[noreturn]] void throw_over_bytes() const;
  [[noreturn]] void throw_over_flops() const;
  [[noreturn]] void throw_over_ops() const;
  [[noreturn]] static void throw_cancelled();
  void read_clock(int64_t work);  // throws CancelledError past the deadline

  int64_t work_at_clock_ = 0;
  int ops_since_clock_ = 0;
};

constexpr int kClockEveryOps = 16;
constexpr int64_t kClockEveryWork = int64_t{1} << 20;

inline void ExecContext::check_cancel_between_ops() {
  if (cancel_flag && *cancel_flag != 0) throw_cancelled();
  if (!has_deadline) return;
  const int64_t work = bytes + flops;
  if (++ops_since_clock_ < kClockEveryOps && work - work_at_clock_ < kClockEveryWork) return;
  read_clock(work);
}

// The calling thread's context: an inline variable, constant-initialised, so
// no guard runs on access. ctx() looks it up once (tls_ref.h): a function
// holding `ExecContext& c = ctx()` pays for one lookup.
inline thread_local ExecContext tls_exec_context;
inline ExecContext& ctx() { return tls_ref(tls_exec_context); }

// Runs a scope with a fresh context and restores the previous one after.
// The guards keep a reference to the context (its address is fixed for the
// thread): the restore needs no second lookup.
struct ContextScope {
  ExecContext& c;
  ExecContext saved;
  ContextScope() : c(ctx()), saved(c) { c = ExecContext(); }
  ~ContextScope() { c = saved; }
};

struct GradModeGuard {
  ExecContext& c;
  bool prev;
  explicit GradModeGuard(bool enabled) : GradModeGuard(ctx(), enabled) {}
  GradModeGuard(ExecContext& context, bool enabled) : c(context), prev(c.grad_mode) { c.grad_mode = enabled; }
  ~GradModeGuard() { c.grad_mode = prev; }
};

// Long kernels call this every `chunk` iterations of their outer loop.
constexpr int64_t kCancelCheckElements = 1 << 16;

}  // namespace gs
