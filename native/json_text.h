// Tensor data as JSON text, byte for byte what JSON.stringify writes for the
// service's nested `tolist()` values (src/encoding/encode.ts): each element
// as the double it equals, in JavaScript's Number-to-String form; NaN and
// ±Infinity as the strings "NaN", "Infinity", "-Infinity"; int64 as the
// nearest double; bool as true/false; a 0-d tensor as a bare scalar.
// Large JSON answers are written here rather than as JS arrays handed to
// JSON.stringify: 2–4x less time for a 1M-element answer (bench/README,
// ninth round).
#pragma once
#include <cstddef>
#include <cstdint>

#include "dtype.h"

namespace gs {

// Most bytes one element can take: "-0.0000012345678901234567" (a sign,
// "0.", five zeros and 17 digits), plus the comma after it.
constexpr size_t kJsonElementMax = 26;

// An upper bound of write_json_data's output size; 0 if the shape is invalid
// (a negative extent) or the bound overflows size_t.
size_t json_data_bound(const int64_t* shape, size_t ndim);

// Writes the nested text of `numel(shape)` elements of `dtype` read from
// `data` (row-major, native byte order, any alignment) at `out`, which holds
// at least json_data_bound(shape, ndim) bytes. Returns the end of the text.
char* write_json_data(char* out, DType dtype, const uint8_t* data, const int64_t* shape, size_t ndim);

// A finite double as JavaScript's Number::toString writes it (-0 as "0").
char* write_js_number(char* out, double v);

// The double JSON.parse gives the JSON number token [first, last), which the
// caller has checked against JSON's grammar (-?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?):
// the nearest double (ties to even), ±Infinity beyond the largest, ±0 below
// half the smallest subnormal. Throws ValueError for text from_chars cannot
// read whole.
double read_json_number(const char* first, const char* last);

// End of the JSON number token starting at text[i] (text has len bytes), or
// kNoNumber when none starts there: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?, as long as
// the grammar allows (a following digit after a leading 0 is not consumed).
constexpr size_t kNoNumber = static_cast<size_t>(-1);
size_t json_number_end(const char* text, size_t len, size_t i);

// Whether text[0, len) is `skeleton` with one JSON number token in each gap:
// piece k is skeleton[piece_ends[k-1], piece_ends[k]) (from 0 for k = 0), and
// a number follows each of the first n pieces (n + 1 pieces in all). The
// numbers' values (read_json_number) go to values[0, n). piece_ends must be
// nondecreasing and end within the skeleton (the caller checks).
bool match_json_template(const char* text, size_t len, const char* skeleton, const int32_t* piece_ends, size_t n, double* values);

}  // namespace gs
