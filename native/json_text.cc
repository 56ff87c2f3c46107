#include "json_text.h"

#include "errors.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

namespace gs {

namespace {

char* put(char* out, const char* s, size_t n) {
  std::memcpy(out, s, n);
  return out + n;
}

// ECMAScript Number::toString(x), radix 10: with k shortest round-trip
// digits d and x = d × 10^(n−k), it writes d with zeros (k ≤ n ≤ 21), with a
// decimal point (0 < n ≤ 21), as 0.000d (−6 < n ≤ 0), or else as
// d[.ddd]e±(n−1). std::to_chars gives the same shortest digits as V8 (both
// pick the nearest of the shortest decimals that read back as x).
char* js_number_positive(char* out, double v) {
  char sci[32];
  const auto r = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
  // sci is "D[.DDD]e±XX": the digits, then the decimal exponent of the first.
  char digits[20];
  int k = 0;
  const char* p = sci;
  for (; p < r.ptr && *p != 'e'; ++p)
    if (*p != '.') digits[k++] = *p;
  int e = 0;
  std::from_chars(p + (p[1] == '+' ? 2 : 1), r.ptr, e);
  const int n = e + 1;
  if (k <= n && n <= 21) {
    out = put(out, digits, static_cast<size_t>(k));
    std::memset(out, '0', static_cast<size_t>(n - k));
    return out + (n - k);
  }
  if (0 < n && n <= 21) {
    out = put(out, digits, static_cast<size_t>(n));
    *out++ = '.';
    return put(out, digits + n, static_cast<size_t>(k - n));
  }
  if (-6 < n && n <= 0) {
    *out++ = '0';
    *out++ = '.';
    std::memset(out, '0', static_cast<size_t>(-n));
    out += -n;
    return put(out, digits, static_cast<size_t>(k));
  }
  *out++ = digits[0];
  if (k > 1) {
    *out++ = '.';
    out = put(out, digits + 1, static_cast<size_t>(k - 1));
  }
  *out++ = 'e';
  *out++ = n - 1 < 0 ? '-' : '+';
  return std::to_chars(out, out + 4, std::abs(n - 1)).ptr;
}

// One element; the non-finite ones as the strings tolist() answers carry.
char* write_element(char* out, DType dtype, const uint8_t* at) {
  double v = 0;
  switch (dtype) {
    case DType::Float32: {
      float f;
      std::memcpy(&f, at, sizeof f);
      v = f;
      break;
    }
    case DType::Float64:
      std::memcpy(&v, at, sizeof v);
      break;
    case DType::Int64: {
      int64_t i;
      std::memcpy(&i, at, sizeof i);
      v = static_cast<double>(i);  // rounds once to nearest, as Number(bigint)
      break;
    }
    case DType::Bool:
      return *at != 0 ? put(out, "true", 4) : put(out, "false", 5);
  }
  if (v != v) return put(out, "\"NaN\"", 5);
  if (v == std::numeric_limits<double>::infinity()) return put(out, "\"Infinity\"", 10);
  if (v == -std::numeric_limits<double>::infinity()) return put(out, "\"-Infinity\"", 11);
  return write_js_number(out, v);
}

// Nested arrays without recursion (a tensor may have thousands of
// dimensions of extent 1): next[d] is the index of the next child of the
// array open at depth d.
char* write_rows(char* out, DType dtype, const uint8_t* data, const int64_t* shape, size_t ndim) {
  const size_t size = dtype_size(dtype);
  std::vector<int64_t> next(ndim, 0);
  size_t depth = 0;
  *out++ = '[';
  for (;;) {
    if (depth + 1 == ndim) {  // a row of elements
      for (int64_t i = 0; i < shape[depth]; ++i) {
        if (i > 0) *out++ = ',';
        out = write_element(out, dtype, data);
        data += size;
      }
      *out++ = ']';
      if (depth == 0) return out;
      --depth;
    } else if (next[depth] < shape[depth]) {  // open the next child
      if (next[depth] > 0) *out++ = ',';
      ++next[depth];
      next[++depth] = 0;
      *out++ = '[';
    } else {  // every child written
      *out++ = ']';
      if (depth == 0) return out;
      --depth;
    }
  }
}

}  // namespace

char* write_js_number(char* out, double v) {
  if (v == 0) {
    *out++ = '0';
    return out;
  }
  if (v < 0) {
    *out++ = '-';
    v = -v;
  }
  return js_number_positive(out, v);
}

size_t json_data_bound(const int64_t* shape, size_t ndim) {
  // Elements, then per nesting level its arrays' brackets and commas.
  constexpr size_t kMax = std::numeric_limits<size_t>::max() / 4;
  size_t arrays = 1;  // arrays at the current level
  size_t bound = 0;
  for (size_t d = 0; d < ndim; ++d) {
    if (shape[d] < 0) return 0;
    const size_t n = static_cast<size_t>(shape[d]);
    bound += arrays * (2 + n);  // "[", "]" and at most n commas each
    if (n != 0 && arrays > kMax / n) return 0;
    arrays *= n;
    if (bound > kMax) return 0;
  }
  // `arrays` is now the element count (1 for a 0-d tensor).
  if (arrays > kMax / kJsonElementMax) return 0;
  bound += arrays * kJsonElementMax;
  return bound > kMax ? 0 : bound;
}

char* write_json_data(char* out, DType dtype, const uint8_t* data, const int64_t* shape, size_t ndim) {
  if (ndim == 0) return write_element(out, dtype, data);
  return write_rows(out, dtype, data, shape, ndim);
}

namespace {

// Whether an out-of-range token is too large (not too small): the power of
// ten of its leading nonzero digit is positive. Out of range means beyond
// ~1.8e308 or below ~2.5e-324, so the sign of that power decides.
bool beyond_largest(const char* p, const char* last) {
  if (p < last && *p == '-') ++p;
  long long index = 0, lead = -1, int_digits = 0;
  for (; p < last && *p >= '0' && *p <= '9'; ++p, ++index, ++int_digits)
    if (lead < 0 && *p != '0') lead = index;
  if (p < last && *p == '.')
    for (++p; p < last && *p >= '0' && *p <= '9'; ++p, ++index)
      if (lead < 0 && *p != '0') lead = index;
  // Capped far beyond any text's length (the most `lead` can be), so the sign below stays right.
  long long e = 0;
  if (p < last && (*p == 'e' || *p == 'E')) {
    ++p;
    const bool minus = p < last && *p == '-';
    if (p < last && (*p == '-' || *p == '+')) ++p;
    for (; p < last && *p >= '0' && *p <= '9'; ++p)
      if (e < 100000000000000LL) e = e * 10 + (*p - '0');
    if (minus) e = -e;
  }
  if (lead < 0) return false;  // all zeros: never out of range
  return (int_digits - 1 - lead) + e > 0;
}

}  // namespace

double read_json_number(const char* first, const char* last) {
  double v = 0;
  const auto r = std::from_chars(first, last, v, std::chars_format::general);
  if (r.ec == std::errc() && r.ptr == last) return v;
  if (r.ec == std::errc::result_out_of_range && r.ptr == last) {
    const bool negative = *first == '-';
    const double magnitude = beyond_largest(first, last) ? std::numeric_limits<double>::infinity() : 0.0;
    return negative ? -magnitude : magnitude;
  }
  throw ValueError("not a JSON number: " + std::string(first, static_cast<size_t>(std::min<ptrdiff_t>(last - first, 40))));
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

size_t json_number_end(const char* text, size_t len, size_t i) {
  if (i < len && text[i] == '-') ++i;
  if (i >= len || !is_digit(text[i])) return kNoNumber;
  if (text[i] == '0')
    ++i;
  else
    while (i < len && is_digit(text[i])) ++i;
  if (i < len && text[i] == '.') {
    ++i;
    if (i >= len || !is_digit(text[i])) return kNoNumber;
    while (i < len && is_digit(text[i])) ++i;
  }
  if (i < len && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < len && (text[i] == '+' || text[i] == '-')) ++i;
    if (i >= len || !is_digit(text[i])) return kNoNumber;
    while (i < len && is_digit(text[i])) ++i;
  }
  return i;
}

bool match_json_template(const char* text, size_t len, const char* skeleton, const int32_t* piece_ends, size_t n, double* values) {
  size_t i = 0, s = 0;
  for (size_t k = 0;; ++k) {
    const size_t end = static_cast<size_t>(piece_ends[k]), piece = end - s;
    // memcmp must not be given a null pointer even for 0 bytes (an empty typed array's data may be null).
    if (len - i < piece || (piece != 0 && std::memcmp(text + i, skeleton + s, piece) != 0)) return false;
    i += piece;
    s = end;
    if (k == n) return i == len;
    const size_t token_end = json_number_end(text, len, i);
    if (token_end == kNoNumber) return false;
    values[k] = read_json_number(text + i, text + token_end);
    i = token_end;
  }
}

}  // namespace gs
