#include "object_pool.h"

#include <cstdint>

namespace gs::pool_detail {

namespace {

// A thread's free blocks: one intrusive list per size class (a free block
// holds the pointer to the next). Plain data, so reading it costs one TLS
// lookup and no initialisation guard; the Reaper below frees it at thread exit.
struct FreeLists {
  void* head[kClasses];
  uint32_t count[kClasses];
  enum : uint8_t { kUnused, kLive, kGone } state;
};

thread_local FreeLists lists;

struct Reaper {
  ~Reaper() {
    lists.state = FreeLists::kGone;  // blocks freed from now on are released directly
    for (size_t c = 0; c < kClasses; ++c)
      while (void* p = lists.head[c]) {
        lists.head[c] = *static_cast<void**>(p);
        ::operator delete(p);
      }
  }
};

}  // namespace

void* take(size_t cls) {
  FreeLists& l = lists;
  void* p = l.head[cls];
  if (p) {
    l.head[cls] = *static_cast<void**>(p);
    --l.count[cls];
  }
  return p;
}

bool give(void* p, size_t cls) {
  FreeLists& l = lists;
  if (l.state != FreeLists::kLive) {
    if (l.state == FreeLists::kGone) return false;
    static thread_local Reaper reaper;  // registers the cleanup at this thread's exit
    (void)reaper;
    l.state = FreeLists::kLive;
  }
  if (l.count[cls] >= kMaxFree) return false;
  *static_cast<void**>(p) = l.head[cls];
  l.head[cls] = p;
  ++l.count[cls];
  return true;
}

}  // namespace gs::pool_detail
