// Checks SmallVec (native/small_vector.h) against std::vector on random
// operation sequences, PtrMap (native/ptr_map.h) against std::unordered_map,
// and PooledAllocator (native/object_pool.h) for reuse and thread exit.
// Built by test/native/containers.test.ts (with ASan/UBSan when g++ has them);
// prints "ok" and exits 0, or names the first mismatch and exits 1.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <thread>
#include <unordered_map>
#include <vector>

#include "object_pool.h"
#include "ptr_map.h"
#include "small_vector.h"

namespace {

int failures = 0;
#define CHECK(cond, ...)                         \
  do {                                           \
    if (!(cond)) {                               \
      std::fprintf(stderr, "FAIL %s: ", #cond);  \
      std::fprintf(stderr, __VA_ARGS__);         \
      std::fprintf(stderr, "\n");                \
      if (++failures > 10) std::exit(1);         \
    }                                            \
  } while (0)

uint64_t rng = 88172645463325252ull;
uint64_t next() {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

using SV = gs::SmallVec<int64_t, 4>;

bool same(const SV& a, const std::vector<int64_t>& b) {
  if (a.size() != b.size() || a.empty() != b.empty()) return false;
  for (size_t i = 0; i < b.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

void small_vector_random() {
  for (int round = 0; round < 2000; ++round) {
    SV a;
    std::vector<int64_t> b;
    for (int step = 0; step < 40; ++step) {
      const int64_t v = static_cast<int64_t>(next() % 100);
      const size_t pos = b.empty() ? 0 : next() % (b.size() + 1);
      switch (next() % 12) {
        case 0: a.push_back(v); b.push_back(v); break;
        case 1: if (!b.empty()) { a.pop_back(); b.pop_back(); } break;
        case 2: a.insert(a.begin() + pos, v); b.insert(b.begin() + static_cast<std::ptrdiff_t>(pos), v); break;
        case 3: {  // insert a range of the vector itself (aliasing)
          SV copy = a;
          a.insert(a.begin() + pos, copy.begin(), copy.end());
          std::vector<int64_t> bc = b;
          b.insert(b.begin() + static_cast<std::ptrdiff_t>(pos), bc.begin(), bc.end());
          break;
        }
        case 4: a.insert(a.begin() + pos, a.begin(), a.end()); {
          std::vector<int64_t> bc = b;
          b.insert(b.begin() + static_cast<std::ptrdiff_t>(pos), bc.begin(), bc.end());
        } break;
        case 5: if (pos < b.size()) { a.erase(a.begin() + pos); b.erase(b.begin() + static_cast<std::ptrdiff_t>(pos)); } break;
        case 6: { const size_t n = next() % 9; a.resize(n, v); b.resize(n, v); break; }
        case 7: { SV moved = std::move(a); a = moved; break; }
        case 8: { SV c(a); a = std::move(c); break; }
        case 9: if (!b.empty()) { a.push_back(a.back()); b.push_back(b.back()); } break;  // element of itself
        case 10: { const size_t n = next() % 7; a.assign(n, v); b.assign(n, v); break; }
        case 11: if (b.size() > 20) { a.clear(); b.clear(); } break;
      }
      CHECK(same(a, b), "round %d step %d: size %zu vs %zu", round, step, a.size(), b.size());
    }
  }
  SV l{1, 2, 3};
  CHECK(l.size() == 3 && l[2] == 3, "initializer list");
  SV n(5, 7);
  CHECK(n.size() == 5 && n[4] == 7, "(n, v) constructor");
  SV z(3);
  CHECK(z.size() == 3 && z[0] == 0 && z[2] == 0, "(n) constructor zero-fills");
  const bool ordered = SV{1, 2} < SV{1, 3} && SV{1, 2} == SV{1, 2} && SV{1} != SV{1, 0};
  CHECK(ordered, "comparisons");
  SV big(100, 1);
  SV moved = std::move(big);
  CHECK(moved.size() == 100 && big.empty(), "moving a heap vector leaves the source empty");
}

void ptr_map_random() {
  std::vector<int> objects(5000);
  gs::PtrMap<int> m(2);
  std::unordered_map<const void*, int> ref;
  for (int i = 0; i < 20000; ++i) {
    const void* k = &objects[next() % objects.size()];
    if (next() % 3 == 0) {
      const int v = static_cast<int>(next() % 1000);
      m[k] = v;
      ref[k] = v;
    } else {
      int* got = m.find(k);
      auto it = ref.find(k);
      CHECK((got == nullptr) == (it == ref.end()), "presence of key %d", i);
      if (got && it != ref.end()) CHECK(*got == it->second, "value of key %d", i);
    }
  }
  for (auto& [k, v] : ref) CHECK(m.find(k) && *m.find(k) == v, "final value");
}

struct Obj {
  int64_t a[5];
};

void pool_reuse_and_threads() {
  // Freed blocks come back (outside ASan builds, where the pool is off).
  void* first;
  {
    auto p = std::allocate_shared<Obj>(gs::PooledAllocator<Obj>());
    first = p.get();
  }
  auto q = std::allocate_shared<Obj>(gs::PooledAllocator<Obj>());
  if (gs::pool_detail::kEnabled) CHECK(q.get() == first, "a freed block is reused");
  // Objects made on one thread and freed on another, and threads that exit
  // with blocks in their lists (ASan/LSan would report a bad free or a leak).
  std::vector<std::shared_ptr<Obj>> handed;
  std::thread t([&] {
    for (int i = 0; i < 3000; ++i) handed.push_back(std::allocate_shared<Obj>(gs::PooledAllocator<Obj>()));
    for (int i = 0; i < 1500; ++i) handed.pop_back();
  });
  t.join();
  for (auto& h : handed) h->a[0] = 1;  // still valid after their thread exited
  handed.clear();                       // freed on this thread
  std::vector<std::shared_ptr<Obj>> many;
  for (int i = 0; i < 5000; ++i) many.push_back(std::allocate_shared<Obj>(gs::PooledAllocator<Obj>()));
  many.clear();  // more than the list keeps: the rest go back to the heap
}

}  // namespace

int main() {
  small_vector_random();
  ptr_map_random();
  pool_reuse_and_threads();
  if (failures) return 1;
  std::puts("ok");
  return 0;
}
