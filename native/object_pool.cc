#include "object_pool.h"

#include <cstdint>
#include <cstdlib>

#include "tls_ref.h"

namespace gs::pool_detail {

namespace {

// A thread's free blocks: one intrusive list per size class (a free block
// holds the pointer to the next). Plain data, so reading it costs one TLS
// lookup and no initialisation guard; the Reaper below frees it at thread exit.
struct FreeLists {
  void* head[kClasses];
  uint32_t count[kClasses];
  void* data_head[kDataClasses];
  uint32_t data_count[kDataClasses];
  enum : uint8_t { kUnused, kLive, kGone } state;
};

thread_local FreeLists lists;

// This thread's lists, looked up once per call (tls_ref.h).
FreeLists& my_lists() { return tls_ref(lists); }

struct Reaper {
  ~Reaper() {
    lists.state = FreeLists::kGone;  // blocks freed from now on are released directly
    for (size_t c = 0; c < kClasses; ++c)
      while (void* p = lists.head[c]) {
        lists.head[c] = *static_cast<void**>(p);
        ::operator delete(p);
      }
    for (size_t c = 0; c < kDataClasses; ++c)
      while (void* p = lists.data_head[c]) {
        lists.data_head[c] = *static_cast<void**>(p);
        std::free(p);
      }
  }
};

// Makes the lists live on this thread's first use; false once it is exiting.
bool ensure_live(FreeLists& l) {
  if (l.state == FreeLists::kLive) return true;
  if (l.state == FreeLists::kGone) return false;
  static thread_local Reaper reaper;  // registers the cleanup at this thread's exit
  (void)reaper;
  l.state = FreeLists::kLive;
  return true;
}

// One list's pop and push (a free block's first word links to the next).
void* pop(void*& head, uint32_t& count) {
  void* p = head;
  if (p) {
    head = *static_cast<void**>(p);
    --count;
  }
  return p;
}

void push(void* p, void*& head, uint32_t& count) {
  *static_cast<void**>(p) = head;
  head = p;
  ++count;
}

}  // namespace

void* take(size_t cls) {
  FreeLists& l = my_lists();
  return pop(l.head[cls], l.count[cls]);
}

bool give(void* p, size_t cls) {
  FreeLists& l = my_lists();
  if (!ensure_live(l) || l.count[cls] >= kMaxFree) return false;
  push(p, l.head[cls], l.count[cls]);
  return true;
}

}  // namespace gs::pool_detail

namespace gs {

void* take_data_block(int cls) {
  if (!pool_detail::kEnabled) return nullptr;
  pool_detail::FreeLists& l = pool_detail::my_lists();
  return pool_detail::pop(l.data_head[cls], l.data_count[cls]);
}

bool give_data_block(void* p, int cls) {
  if (!pool_detail::kEnabled) return false;
  pool_detail::FreeLists& l = pool_detail::my_lists();
  if (!pool_detail::ensure_live(l) || l.data_count[cls] >= kMaxFreeData) return false;
  pool_detail::push(p, l.data_head[cls], l.data_count[cls]);
  return true;
}

}  // namespace gs
