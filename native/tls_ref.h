// A thread_local's address, looked up once. In a shared object (the addon is
// dlopened) every use of a thread_local's address is a __tls_get_addr call,
// and GCC re-derives the address at each use after a call or a branch instead
// of keeping it in a register. Passing the address through an empty asm makes
// it an opaque value the compiler keeps: a function holding the reference
// pays for one lookup. The asm emits no instruction.
#pragma once

namespace gs {

template <class T>
inline T& tls_ref(T& thread_local_object) {
  T* p = &thread_local_object;
  asm("" : "+r"(p));
  return *p;
}

}  // namespace gs
