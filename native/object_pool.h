// PooledAllocator<T>: the allocator the engine gives std::allocate_shared for
// its per-op objects (tensor headers, storage records, autograd nodes). A
// small graph's run allocates and frees some hundred of them; glibc's
// per-thread cache keeps only 7 free blocks per size, so most frees took its
// slower shared path. Here each thread keeps freed blocks in lists by size
// class (16-byte steps up to 256 bytes, at most kMaxFree per class) and hands
// them out again.
//
// Every block is an ordinary operator new allocation, so a block freed on
// another thread than the one that made it is simply kept by that thread.
// Builds with AddressSanitizer allocate directly, so ASan still sees each
// object's lifetime (use after free, double free).
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
