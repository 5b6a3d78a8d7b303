// Redis's argument grammar for numbers and cursors, in one place: every family parses its
// float, score-bound and cursor arguments through these, so that the same text is accepted or
// refused the same way by every command, exactly as redis-server 7.0 does.
//
//   grammar              Redis function              used by
//   ParseRedisInt        string2ll                   every integer argument (base/str_util.h)
//   ParseLongDouble      string2ld                   INCRBYFLOAT, HINCRBYFLOAT, block timeouts
//   ParseRedisDouble     string2d / getDouble...     ZADD, ZINCRBY, ZUNIONSTORE WEIGHTS...
//   ParseRangeDouble     zslParseRange's strtod      ZRANGEBYSCORE/ZCOUNT... bounds
//   ParseScanCursor      parseScanCursorOrReply      SCAN, HSCAN, SSCAN, ZSCAN
//   FormatLongDouble     ld2string(LD_STR_HUMAN)     INCRBYFLOAT / HINCRBYFLOAT replies
//
// Thread-safety: pure functions (they touch errno, which is thread-local).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/str_util.h"  // case helpers and ParseRedisInt (string2ll)

namespace lw {

// Redis's MAX_LONG_DOUBLE_CHARS: a long-double argument must be shorter than this, and no
// long-double reply is longer.
inline constexpr size_t kMaxLongDoubleChars = 5 * 1024;

// string2ld: the whole argument is one strtold number (so hex "0x10", "inf", "infinity" are
// numbers); refused: "", a leading space, trailing bytes (an embedded NUL counts), "nan",
// overflow to +-inf, underflow to 0 (denormals are kept), and kMaxLongDoubleChars or more.
bool ParseLongDouble(std::string_view s, long double* out);

// string2d: as ParseLongDouble but with strtod and no length limit.
bool ParseRedisDouble(std::string_view s, double* out);

// zslParseRange's strtod: the text up to the first NUL must be one strtod number or nothing
// ("" and "\0..." read as 0); leading spaces and overflow are accepted, "nan" and trailing
// bytes refused.
bool ParseRangeDouble(std::string_view s, double* out);

// parseScanCursorOrReply's strtoul: up to the first NUL, optional leading sign ("-1" wraps to
// 2^64-1), decimal digits, no leading space, no overflow past 2^64-1; "" reads as 0.
bool ParseScanCursor(std::string_view s, uint64_t* out);

// ld2string(LD_STR_HUMAN): "%.17Lf" with trailing zeros and a bare '.' dropped, "-0" as "0",
// infinities as "inf"/"-inf". Returns "" if the text would not fit kMaxLongDoubleChars.
std::string FormatLongDouble(long double v);

}  // namespace lw
