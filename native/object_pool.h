// Per-thread free lists for the engine's small, short-lived blocks.
//  - PooledAllocator<T>: the allocator std::allocate_shared gets for the
//    per-op objects (tensor headers, storage records, autograd nodes); blocks
//    in 16-byte size classes up to 256 bytes, at most kMaxFree per class.
//  - take_data_block/give_data_block: tensor data up to 4 KiB, 64-byte aligned.
// A small graph's run allocates and frees some hundred of each; glibc's
// per-thread cache keeps only 7 free blocks per size, so most frees took its
// slower shared path. All lists of a thread live in one plain thread_local
// struct: one TLS lookup per call, no initialisation guard. Bounded: at most
// ~2.2 MB of objects and ~2.1 MB of data blocks kept per thread.
//
// Every block is an ordinary heap allocation, so a block freed on another
// thread than the one that made it is simply kept by that thread.
// Builds with AddressSanitizer allocate directly, so ASan still sees each
// object's and each buffer's lifetime (use after free, double free).
#pragma once
#include <cstddef>
#include <new>

namespace gs {

namespace pool_detail {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kEnabled = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kEnabled = false;
#else
constexpr bool kEnabled = true;
#endif
#else
constexpr bool kEnabled = true;
#endif

constexpr size_t kStep = 16;
constexpr size_t kClasses = 16;  // blocks of 16, 32, ..., 256 bytes
constexpr size_t kMaxFree = 1024;

void* take(size_t cls);            // a free block of class cls, or nullptr
bool give(void* p, size_t cls);    // keeps p for reuse; false when the list is full

}  // namespace pool_detail

// Tensor data: 64-byte aligned blocks (std::aligned_alloc) of 64 << c bytes
// for class c < kDataClasses (64 B to 4 KiB), kept the same way, at most
// kMaxFreeData per class (~2 MiB per thread).
constexpr size_t kDataClasses = 7;
constexpr size_t kMaxFreeData = 256;
constexpr size_t kMinDataBlock = 64;
// The class of a data block of n bytes, or -1 when it is too large to keep.
inline int data_class(size_t n) {
  int c = 0;
  for (size_t size = kMinDataBlock; size < n; size <<= 1)
    if (++c == static_cast<int>(kDataClasses)) return -1;
  return c;
}
void* take_data_block(int cls);          // a kept block, or nullptr
bool give_data_block(void* p, int cls);  // false: not kept (free it)

namespace pool_detail {

}  // namespace pool_detail

template <class T>
struct PooledAllocator {
  using value_type = T;

  PooledAllocator() noexcept = default;
  template <class U>
  PooledAllocator(const PooledAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    if (pooled(n)) {
      if (void* p = pool_detail::take(size_class())) return static_cast<T*>(p);
      return static_cast<T*>(::operator new(class_bytes()));
    }
    return static_cast<T*>(::operator new(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) noexcept {
    if (pooled(n) && pool_detail::give(p, size_class())) return;
    ::operator delete(p);
  }

  template <class U>
  bool operator==(const PooledAllocator<U>&) const noexcept { return true; }
  template <class U>
  bool operator!=(const PooledAllocator<U>&) const noexcept { return false; }

 private:
  static constexpr size_t size_class() { return (sizeof(T) + pool_detail::kStep - 1) / pool_detail::kStep - 1; }
  static constexpr size_t class_bytes() { return (size_class() + 1) * pool_detail::kStep; }
  static constexpr bool pooled(size_t n) {
    return pool_detail::kEnabled && n == 1 && alignof(T) <= alignof(std::max_align_t) && size_class() < pool_detail::kClasses;
  }
};

}  // namespace gs
