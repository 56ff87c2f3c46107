// PtrMap<V>: a map from pointers to values in one flat table (open
// addressing, linear probing). Backward passes look up every tensor of the
// graph a few times; std::unordered_map allocated a node per entry, and those
// allocations were a tenth of a small graph's run. The table is a SmallVec:
// up to 32 slots (a map of up to 16 keys) live inline, so a small graph's
// map allocates nothing. Values are trivially copyable (flags, indices).
// Entries are never removed: a caller that wants "gone" stores an empty value.
#pragma once
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "small_vector.h"

namespace gs {

template <class V>
class PtrMap {
  static_assert(std::is_trivially_copyable_v<V>, "PtrMap keeps its slots in a SmallVec");

 public:
  explicit PtrMap(size_t expected = 8) { slots_.assign(capacity_for(expected), Slot{nullptr, V{}}); }

  // The value stored for k, or nullptr.
  V* find(const void* k) {
    for (size_t i = home(k);; i = (i + 1) & mask()) {
      Slot& s = slots_[i];
      if (s.key == k) return &s.value;
      if (s.key == nullptr) return nullptr;
    }
  }
  bool contains(const void* k) { return find(k) != nullptr; }

  // The value stored for k, inserted as V{} when absent. k must not be null.
  V& operator[](const void* k) {
    if (2 * (used_ + 1) > slots_.size()) grow();
    return slot_for(k).value;
  }

 private:
  struct Slot {  // a free slot has a null key
    const void* key;
    V value;
  };

  static size_t capacity_for(size_t n) {
    size_t c = 16;
    while (c < 2 * n) c *= 2;
    return c;
  }
  size_t mask() const { return slots_.size() - 1; }
  size_t home(const void* k) const {
    // Fibonacci hashing of the address without its (always zero) low bits.
    return static_cast<size_t>((reinterpret_cast<uintptr_t>(k) >> 4) * 0x9E3779B97F4A7C15ull >> 20) & mask();
  }
  Slot& slot_for(const void* k) {
    for (size_t i = home(k);; i = (i + 1) & mask()) {
      Slot& s = slots_[i];
      if (s.key == k) return s;
      if (s.key == nullptr) {
        s.key = k;
        ++used_;
        return s;
      }
    }
  }
  void grow() {
    const SmallVec<Slot, kInlineSlots> old = std::move(slots_);
    slots_.assign(old.size() * 2, Slot{nullptr, V{}});
    used_ = 0;
    for (const Slot& s : old)
      if (s.key) slot_for(s.key).value = s.value;
  }

  static constexpr size_t kInlineSlots = 32;
  SmallVec<Slot, kInlineSlots> slots_;
  size_t used_ = 0;
};

}  // namespace gs
