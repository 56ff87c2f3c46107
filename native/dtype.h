// Element types and PyTorch's type-promotion rules.
#pragma once
#include <cstdint>
#include <string>

namespace gs {

enum class DType : uint8_t { Float32 = 0, Float64 = 1, Int64 = 2, Bool = 3 };

inline size_t dtype_size(DType d) {
  switch (d) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Int64: return 8;
    case DType::Bool: return 1;
  }
  return 1;
}

inline const char* dtype_name(DType d) {
  switch (d) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int64: return "int64";
    case DType::Bool: return "bool";
  }
  return "?";
}

DType dtype_from_name(const std::string& s);  // throws ValueError

inline bool is_floating(DType d) { return d == DType::Float32 || d == DType::Float64; }

// Both operands' dtype as torch.promote_types gives it.
inline DType promote_types(DType a, DType b) {
  if (a == b) return a;
  if (a == DType::Float64 || b == DType::Float64) return DType::Float64;
  if (a == DType::Float32 || b == DType::Float32) return DType::Float32;
  if (a == DType::Int64 || b == DType::Int64) return DType::Int64;
  return DType::Bool;
}

}  // namespace gs
