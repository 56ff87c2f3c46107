// The per-thread execution context of one job: meta (shape-only) mode, grad
// mode, the running cost tally, limits, and the cancellation flag/deadline.
// Every allocation and every kernel reports here, so the dry run that costs a
// graph and the real run that executes it share one accounting.
#pragma once
#include <chrono>
#include <cstdint>

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

  void add_bytes(int64_t n);
  void add_flops(int64_t n);
  void add_op();
  // Throws CancelledError when the job was cancelled or is past its deadline.
  void check_cancel() const;
  // The same between two ops: the cancel flag every time, the clock only once
  // kClockEveryOps ops or kClockEveryWork bytes + FLOPs have passed since it
  // was last read (a clock read costs more than a tiny op; a long kernel
  // checks inside itself).
  void check_cancel_between_ops();

 private:
  int64_t work_at_clock_ = 0;
  int ops_since_clock_ = 0;
};

constexpr int kClockEveryOps = 16;
constexpr int64_t kClockEveryWork = int64_t{1} << 20;

// The calling thread's context. An inline variable rather than a function in
// context.cc: ops read it several times each, and inline the compiler can
// reuse one thread-local lookup within a function (it is constant-initialised,
// so no guard runs on access).
inline thread_local ExecContext tls_exec_context;
// Each lookup is a __tls_get_addr call (the addon is a dlopened shared
// object), and GCC re-derives a thread_local's address after calls and
// branches instead of keeping it in a register. The empty asm hands the
// address back as an opaque pointer, which the compiler keeps: a function
// that holds `ExecContext& c = ctx()` pays for one lookup. It emits nothing.
inline ExecContext& ctx() {
  ExecContext* c = &tls_exec_context;
  asm("" : "+r"(c));
  return *c;
}

// Runs a scope with a fresh context and restores the previous one after.
struct ContextScope {
  ExecContext saved;
  ContextScope() : saved(ctx()) { ctx() = ExecContext(); }
  ~ContextScope() { ctx() = saved; }
};

struct GradModeGuard {
  bool prev;
  explicit GradModeGuard(bool enabled) : prev(ctx().grad_mode) { ctx().grad_mode = enabled; }
  ~GradModeGuard() { ctx().grad_mode = prev; }
};

// Long kernels call this every `chunk` iterations of their outer loop.
constexpr int64_t kCancelCheckElements = 1 << 16;

}  // namespace gs
