// Typed engine errors. The addon turns each kind into a JS error with `code`
// (see src/errors.ts), which maps it to one problem+json type and HTTP status.
#pragma once
#include <stdexcept>
#include <string>

namespace gs {

struct Error : std::runtime_error {
  const char* kind;
  int node = -1;  // index of the IR node that raised it, set by the executor
  Error(const char* k, const std::string& msg) : std::runtime_error(msg), kind(k) {}
};

// A shape that does not fit the op (422).
struct ShapeError : Error { explicit ShapeError(const std::string& m) : Error("shape", m) {} };
// A dtype the op does not accept (422).
struct DTypeError : Error { explicit DTypeError(const std::string& m) : Error("dtype", m) {} };
// A bad option or value, e.g. a negative size or an unknown reduction (422).
struct ValueError : Error { explicit ValueError(const std::string& m) : Error("value", m) {} };
// An index out of range, coming from tensor data or arguments (422).
struct IndexError : Error { explicit IndexError(const std::string& m) : Error("index", m) {} };
// Estimated or actual work over a configured limit (413).
struct LimitError : Error { explicit LimitError(const std::string& m) : Error("limit", m) {} };
// The job's deadline passed or the caller cancelled it (504).
struct CancelledError : Error { explicit CancelledError(const std::string& m) : Error("cancelled", m) {} };

}  // namespace gs
