#include "server/types/arg_utils.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

namespace lw {

bool ParseRedisDouble(std::string_view s, double* out) {
  if (s.empty() || s.size() > 5000) return false;
  if (std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || std::isnan(v)) return false;
  // Redis rejects overflow (to +-inf) and underflow to zero, but keeps denormals; an explicit
  // "inf" parses without ERANGE and is accepted.
  if (errno == ERANGE && (std::isinf(v) || v == 0)) return false;
  *out = v;
  return true;
}

}  // namespace lw
