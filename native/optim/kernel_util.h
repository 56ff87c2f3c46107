// Small helpers for the optimizer kernels: PyTorch-style error text and NaN-
// propagating maximum (torch.maximum / amax propagate NaN, std::max does not).
#pragma once
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "../errors.h"
#include "../kernels.h"
#include "optim.h"

namespace gs::optim {

// A float as Python's repr writes it (0.1, 1.0, 1e-08).
inline std::string pyfloat(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char b[40];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(b, sizeof b, "%.*g", prec, v);
    if (std::strtod(b, nullptr) == v) break;
  }
  std::string s = b;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  // Python writes 1e-08 as 1e-08 and 1e+20 as 1e+20, as %g does.
  return s;
}

template <class T>
inline T nan_max(T a, T b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
  return a > b ? a : b;
}

inline void require(bool ok, const std::string& msg) {
  if (!ok) throw ValueError(msg);
}

}  // namespace gs::optim
