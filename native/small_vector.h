// SmallVec<T, N>: a vector of trivially copyable T that keeps up to N elements
// inline and moves to the heap only beyond that. Shapes, strides and dim lists
// are the engine's most frequent temporaries: as std::vector each one cost a
// malloc and a free, a third of a tiny graph's run. The interface is the part
// of std::vector the engine uses, with the same meaning (brace-init is an
// element list, (n, v) is n copies of v).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <new>
#include <stdexcept>
#include <type_traits>

namespace gs {

template <class T, size_t N>
class SmallVec {
  static_assert(std::is_trivially_copyable_v<T>, "SmallVec copies its elements with memcpy");

 public:
  using value_type = T;
  using size_type = size_t;
  using difference_type = std::ptrdiff_t;
  using reference = T&;
  using const_reference = const T&;
  using pointer = T*;
  using const_pointer = const T*;
  using iterator = T*;
  using const_iterator = const T*;
  using reverse_iterator = std::reverse_iterator<iterator>;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;

  SmallVec() noexcept = default;
  explicit SmallVec(size_t n) { resize(n); }
  SmallVec(size_t n, const T& v) { assign(n, v); }
  SmallVec(std::initializer_list<T> l) { assign(l.begin(), l.end()); }
  template <class It, class = std::enable_if_t<!std::is_integral_v<It>>>
  SmallVec(It first, It last) { assign(first, last); }
  SmallVec(const SmallVec& o) { copy_from(o); }
  SmallVec(SmallVec&& o) noexcept { take(o); }
  ~SmallVec() { release(); }

  SmallVec& operator=(const SmallVec& o) {
    if (this != &o) copy_from(o);
    return *this;
  }
  SmallVec& operator=(SmallVec&& o) noexcept {
    if (this != &o) {
      release();
      take(o);
    }
    return *this;
  }
  SmallVec& operator=(std::initializer_list<T> l) {
    assign(l.begin(), l.end());
    return *this;
  }

  void assign(size_t n, const T& v) {
    const T copy = v;  // v may live in this vector
    clear();
    reserve(n);
    std::fill_n(ptr_, n, copy);
    size_ = n;
  }
  template <class It, class = std::enable_if_t<!std::is_integral_v<It>>>
  void assign(It first, It last) {
    SmallVec tmp;  // the range may alias this vector
    const auto n = static_cast<size_t>(std::distance(first, last));
    tmp.reserve(n);
    for (; first != last; ++first) tmp.ptr_[tmp.size_++] = static_cast<T>(*first);
    *this = std::move(tmp);
  }
  void assign(std::initializer_list<T> l) { assign(l.begin(), l.end()); }

  iterator begin() noexcept { return ptr_; }
  iterator end() noexcept { return ptr_ + size_; }
  const_iterator begin() const noexcept { return ptr_; }
  const_iterator end() const noexcept { return ptr_ + size_; }
  const_iterator cbegin() const noexcept { return ptr_; }
  const_iterator cend() const noexcept { return ptr_ + size_; }
  reverse_iterator rbegin() noexcept { return reverse_iterator(end()); }
  reverse_iterator rend() noexcept { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const noexcept { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const noexcept { return const_reverse_iterator(begin()); }

  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  size_t capacity() const noexcept { return cap_; }
  T* data() noexcept { return ptr_; }
  const T* data() const noexcept { return ptr_; }
  T& operator[](size_t i) noexcept { return ptr_[i]; }
  const T& operator[](size_t i) const noexcept { return ptr_[i]; }
  T& at(size_t i) {
    if (i >= size_) throw std::out_of_range("SmallVec::at");
    return ptr_[i];
  }
  const T& at(size_t i) const {
    if (i >= size_) throw std::out_of_range("SmallVec::at");
    return ptr_[i];
  }
  T& front() noexcept { return ptr_[0]; }
  const T& front() const noexcept { return ptr_[0]; }
  T& back() noexcept { return ptr_[size_ - 1]; }
  const T& back() const noexcept { return ptr_[size_ - 1]; }

  void reserve(size_t n) {
    if (n <= cap_) return;
    const size_t cap = std::max(n, 2 * cap_);
    T* p = static_cast<T*>(std::malloc(cap * sizeof(T)));
    if (!p) throw std::bad_alloc();
    const size_t n_kept = size_;
    if (n_kept) std::memcpy(p, ptr_, n_kept * sizeof(T));
    release();
    ptr_ = p;
    cap_ = cap;
    size_ = n_kept;
  }
  void clear() noexcept { size_ = 0; }
  void resize(size_t n) { resize(n, T()); }
  void resize(size_t n, const T& v) {
    if (n > size_) {
      const T copy = v;
      reserve(n);
      std::fill(ptr_ + size_, ptr_ + n, copy);
    }
    size_ = n;
  }
  void push_back(const T& v) {
    if (size_ == cap_) {
      const T copy = v;  // v may live in this vector
      reserve(size_ + 1);
      ptr_[size_++] = copy;
      return;
    }
    ptr_[size_++] = v;
  }
  template <class... A>
  T& emplace_back(A&&... a) {
    push_back(T(std::forward<A>(a)...));
    return back();
  }
  void pop_back() noexcept { --size_; }

  iterator insert(const_iterator pos, const T& v) { return insert(pos, size_t{1}, v); }
  iterator insert(const_iterator pos, size_t n, const T& v) {
    const T copy = v;
    const size_t at = open_gap(pos, n);
    std::fill_n(ptr_ + at, n, copy);
    return ptr_ + at;
  }
  template <class It, class = std::enable_if_t<!std::is_integral_v<It>>>
  iterator insert(const_iterator pos, It first, It last) {
    const SmallVec src(first, last);  // the range may alias this vector
    const size_t at = open_gap(pos, src.size_);
    if (src.size_) std::memcpy(ptr_ + at, src.ptr_, src.size_ * sizeof(T));
    return ptr_ + at;
  }
  iterator insert(const_iterator pos, std::initializer_list<T> l) { return insert(pos, l.begin(), l.end()); }

  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
  iterator erase(const_iterator first, const_iterator last) {
    const size_t a = static_cast<size_t>(first - ptr_), b = static_cast<size_t>(last - ptr_);
    if (b > a) {
      if (size_ > b) std::memmove(ptr_ + a, ptr_ + b, (size_ - b) * sizeof(T));
      size_ -= b - a;
    }
    return ptr_ + a;
  }

  friend bool operator==(const SmallVec& a, const SmallVec& b) {
    // A plain loop: std::equal becomes a memcmp call, which costs more than
    // comparing a shape's few dims (ops compare shapes several times each).
    if (a.size_ != b.size_) return false;
    for (size_t i = 0; i < a.size_; ++i)
      if (!(a.ptr_[i] == b.ptr_[i])) return false;
    return true;
  }
  friend bool operator!=(const SmallVec& a, const SmallVec& b) { return !(a == b); }
  friend bool operator<(const SmallVec& a, const SmallVec& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  bool on_heap() const noexcept { return ptr_ != inline_; }
  void release() noexcept {
    if (on_heap()) std::free(ptr_);
    ptr_ = inline_;
    cap_ = N;
    size_ = 0;
  }
  // Replaces the elements with o's (another vector, so no aliasing): one
  // memcpy, no temporary (shapes are copied into every new tensor).
  void copy_from(const SmallVec& o) {
    clear();
    reserve(o.size_);
    if (o.size_) std::memcpy(ptr_, o.ptr_, o.size_ * sizeof(T));
    size_ = o.size_;
  }
  // Takes o's elements (o is left empty); this vector must hold none.
  void take(SmallVec& o) noexcept {
    if (o.on_heap()) {
      ptr_ = o.ptr_;
      cap_ = o.cap_;
      o.ptr_ = o.inline_;
      o.cap_ = N;
    } else if (o.size_) {
      // An inline o holds at most N; the bound says so to GCC's -Warray-bounds.
      std::memcpy(inline_, o.inline_, std::min(o.size_, N) * sizeof(T));
    }
    size_ = o.size_;
    o.size_ = 0;
  }
  // Makes room for n elements at pos; returns pos as an index.
  size_t open_gap(const_iterator pos, size_t n) {
    const size_t at = static_cast<size_t>(pos - ptr_);
    reserve(size_ + n);
    if (size_ > at) std::memmove(ptr_ + at + n, ptr_ + at, (size_ - at) * sizeof(T));
    size_ += n;
    return at;
  }

  T* ptr_ = inline_;
  size_t size_ = 0;
  size_t cap_ = N;
  // Not zeroed: only the first size_ elements are ever read, and each is
  // written first (zeroing a scratch vector's inline room cost more than
  // filling it).
  T inline_[N];
};

}  // namespace gs
