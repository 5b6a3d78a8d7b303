#include "server/types/arg_utils.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace lw {

namespace {

// A NUL-terminated copy of an argument, on the stack when short: strto* need the terminator,
// and an argument's bytes are not followed by one.
class CString {
 public:
  explicit CString(std::string_view s) {
    if (s.size() < sizeof(small_)) {
      std::memcpy(small_, s.data(), s.size());
      small_[s.size()] = '\0';
      data_ = small_;
    } else {
      big_.assign(s);
      data_ = big_.c_str();
    }
    size_ = s.size();
  }
  const char* c_str() const { return data_; }
  const char* end() const { return data_ + size_; }

 private:
  char small_[64];
  std::string big_;
  const char* data_;
  size_t size_;
};

bool StartsWithSpace(std::string_view s) {
  return !s.empty() && std::isspace(static_cast<unsigned char>(s[0]));
}

// string2ld / string2d share one rule; `Strto` is strtold or strtod.
template <typename T, T (*Strto)(const char*, char**)>
bool ParseWholeFloat(std::string_view s, T* out) {
  if (s.empty() || StartsWithSpace(s)) return false;
  CString buf(s);
  char* end = nullptr;
  errno = 0;
  T v = Strto(buf.c_str(), &end);
  if (end != buf.end() || std::isnan(v)) return false;
  if (errno == ERANGE && (std::isinf(v) || v == 0)) return false;
  *out = v;
  return true;
}

}  // namespace

bool ParseLongDouble(std::string_view s, long double* out) {
  if (s.size() >= kMaxLongDoubleChars) return false;
  return ParseWholeFloat<long double, std::strtold>(s, out);
}

bool ParseRedisDouble(std::string_view s, double* out) {
  return ParseWholeFloat<double, std::strtod>(s, out);
}

bool ParseRangeDouble(std::string_view s, double* out) {
  CString buf(s);
  char* end = nullptr;
  double v = std::strtod(buf.c_str(), &end);
  if (*end != '\0' || std::isnan(v)) return false;
  *out = v;
  return true;
}

bool ParseScanCursor(std::string_view s, uint64_t* out) {
  if (StartsWithSpace(s)) return false;
  CString buf(s);
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(buf.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return false;
  *out = v;
  return true;
}

std::string FormatLongDouble(long double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[kMaxLongDoubleChars];
  int n = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (n < 0 || size_t(n) >= sizeof(buf)) return "";
  size_t len = size_t(n);
  if (std::memchr(buf, '.', len) != nullptr) {
    while (buf[len - 1] == '0') --len;
    if (buf[len - 1] == '.') --len;
  }
  if (len == 2 && buf[0] == '-' && buf[1] == '0') return "0";
  return std::string(buf, len);
}

}  // namespace lw
