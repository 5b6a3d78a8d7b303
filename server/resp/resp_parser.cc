#include "server/resp/resp_parser.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <limits>

#include "base/str_util.h"
#include "server/resp/error_strings.h"

namespace lw {

namespace {

// isspace() in the C locale: what sdssplitargs() skips between words.
bool IsCSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits an inline line into words the way Redis's sdssplitargs() does, appending the
// unescaped words to *arena and their positions to *spans. Returns false on unbalanced quotes.
template <typename SpanT>
bool SplitInlineArgs(std::string_view line, std::string* arena, std::vector<SpanT>* spans) {
  // sdssplitargs() sees a C string: nothing after a NUL exists for it.
  if (const void* nul = std::memchr(line.data(), '\0', line.size())) {
    line = line.substr(0, static_cast<const char*>(nul) - line.data());
  }
  const size_t n = line.size();
  // The NUL terminator of the C string, for look-ahead past the end.
  auto at = [&](size_t i) -> char { return i < n ? line[i] : '\0'; };

  size_t p = 0;
  for (;;) {
    while (p < n && IsCSpace(line[p])) ++p;
    if (p >= n) return true;

    const size_t start = arena->size();
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    while (!done) {
      const char c = at(p);
      if (in_double) {
        if (c == '\\' && at(p + 1) == 'x' && HexValue(at(p + 2)) >= 0 && HexValue(at(p + 3)) >= 0) {
          arena->push_back(static_cast<char>(HexValue(at(p + 2)) * 16 + HexValue(at(p + 3))));
          p += 3;
        } else if (c == '\\' && at(p + 1) != '\0') {
          ++p;
          char unescaped;
          switch (line[p]) {
            case 'n':
              unescaped = '\n';
              break;
            case 'r':
              unescaped = '\r';
              break;
            case 't':
              unescaped = '\t';
              break;
            case 'b':
              unescaped = '\b';
              break;
            case 'a':
              unescaped = '\a';
              break;
            default:
              unescaped = line[p];
              break;
          }
          arena->push_back(unescaped);
        } else if (c == '"') {
          // A closing quote must be followed by a space or by the end of the line.
          if (at(p + 1) != '\0' && !IsCSpace(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          arena->push_back(c);
        }
      } else if (in_single) {
        if (c == '\\' && at(p + 1) == '\'') {
          ++p;
          arena->push_back('\'');
        } else if (c == '\'') {
          if (at(p + 1) != '\0' && !IsCSpace(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          arena->push_back(c);
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_double = true;
            break;
          case '\'':
            in_single = true;
            break;
          default:
            arena->push_back(c);
            break;
        }
      }
      if (p < n) ++p;
    }
    spans->push_back(SpanT{start, arena->size() - start});
  }
}

}  // namespace

RespParser::RespParser(const RespParserConfig& config) : config_(config) {}

void RespParser::Reset() {
  ResetRequest();
  error_.clear();
}

void RespParser::ResetRequest() {
  state_ = State::kStart;
  line_start_ = 0;
  scan_pos_ = 0;
  pos_ = 0;
  args_left_ = 0;
  bulk_len_ = 0;
  spans_.clear();
}

size_t RespParser::NeededBytes() const {
  return state_ == State::kBulkBody ? pos_ + bulk_len_ + 2 : 0;
}

RespParser::Result RespParser::Fail(std::string_view text) {
  error_.assign(text.data(), text.size());
  return kError;
}

namespace {

// The fast path's integers: a line of at most 18 digits with no sign and no leading zero (no
// overflow check needed), or "0" when `zero_ok`, ending at a '\r' followed by one more byte.
// Sets *p past that byte. Anything else (a sign, a leading zero, a long or cut line) is left
// to the general path: false.
inline bool FastLineInt(const char*& p, const char* end, bool zero_ok, int64_t* out) {
  const char* q = p;
  if (q == end) return false;
  if (*q == '0') {
    if (!zero_ok || end - q < 3 || q[1] != '\r') return false;
    *out = 0;
    p = q + 3;
    return true;
  }
  int64_t v = 0;
  const char* limit = q + 18 < end ? q + 18 : end;
  for (; q < limit && *q >= '0' && *q <= '9'; ++q) v = v * 10 + (*q - '0');
  if (q == p || q == limit || *q != '\r' || end - q < 2) return false;
  *out = v;
  p = q + 2;
  return true;
}

}  // namespace

bool RespParser::ParseWholeFast(std::string_view input, size_t* used,
                                std::vector<std::string_view>* args) {
  // Lines here are at most 20 bytes ('*' or '$', 18 digits, '\r'); the general path refuses
  // longer ones only past max_inline_len bytes, so under a smaller setting it decides.
  if (config_.unauthenticated || config_.max_inline_len < 20) return false;
  const char* const begin = input.data();
  const char* const end = begin + input.size();
  const char* p = begin + 1;  // past '*'
  int64_t count = 0;
  if (!FastLineInt(p, end, false, &count) || count > config_.max_multibulk_len) return false;
  for (int64_t i = 0; i < count; ++i) {
    int64_t len = 0;
    if (p == end || *p != '$') return false;
    ++p;
    if (!FastLineInt(p, end, true, &len) || len > config_.max_bulk_len) return false;
    if (end - p < len + 2) return false;
    args->emplace_back(p, size_t(len));
    p += len + 2;
  }
  *used = size_t(p - begin);
  return true;
}

RespParser::Result RespParser::Parse(std::string_view input, size_t* consumed,
                                     std::vector<std::string_view>* args) {
  size_t base = 0;
  args->clear();
  // Nearly every request of a pipelining client is whole in the buffer and plainly framed.
  if (state_ == State::kStart && !input.empty() && input[0] == '*') {
    if (ParseWholeFast(input, consumed, args)) return kOk;
    args->clear();
  }
  for (;;) {
    size_t used = 0;
    Result result = ParseOne(input.substr(base), &used, args);
    if (result != kOk) {
      *consumed = base;
      return result;
    }
    base += used;
    if (!args->empty()) {
      *consumed = base;
      return kOk;
    }
  }
}

RespParser::Result RespParser::ParseInline(std::string_view input, size_t* used,
                                           std::vector<std::string_view>* args) {
  const size_t limit = std::min(input.size(), config_.max_inline_len + 1);
  if (scan_pos_ < limit) {
    const void* hit = std::memchr(input.data() + scan_pos_, '\n', limit - scan_pos_);
    if (hit != nullptr) {
      const size_t newline = static_cast<const char*>(hit) - input.data();
      std::string_view line = input.substr(0, newline);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      inline_arena_.clear();
      inline_arena_.reserve(line.size());
      spans_.clear();
      if (!SplitInlineArgs(line, &inline_arena_, &spans_)) {
        return Fail(errors::kProtoUnbalancedQuotes);
      }
      for (const Span& span : spans_) {
        args->emplace_back(inline_arena_.data() + span.offset, span.len);
      }
      *used = newline + 1;
      ResetRequest();
      return kOk;
    }
    scan_pos_ = limit;
  }
  if (input.size() > config_.max_inline_len) return Fail(errors::kProtoTooBigInline);
  return kNeedMore;
}

RespParser::Result RespParser::FindCountLineEnd(std::string_view input,
                                                std::string_view too_big_error, size_t* cr) {
  const size_t limit = std::min(input.size(), line_start_ + config_.max_inline_len + 1);
  if (scan_pos_ < limit) {
    const void* hit = std::memchr(input.data() + scan_pos_, '\r', limit - scan_pos_);
    if (hit != nullptr) {
      scan_pos_ = static_cast<const char*>(hit) - input.data();
      // Redis wants one more byte (nominally the '\n') before it reads the line.
      if (scan_pos_ + 2 > input.size()) return kNeedMore;
      *cr = scan_pos_;
      return kOk;
    }
    scan_pos_ = limit;
  }
  if (input.size() - line_start_ > config_.max_inline_len) return Fail(too_big_error);
  return kNeedMore;
}

RespParser::Result RespParser::ParseOne(std::string_view input, size_t* used,
                                        std::vector<std::string_view>* args) {
  // A resumed request must be offered at least the bytes it was offered before.
  assert(input.size() >= pos_ && input.size() >= scan_pos_);

  if (state_ == State::kStart) {
    if (input.empty()) return kNeedMore;
    if (input[0] != '*') {
      state_ = State::kInline;
      scan_pos_ = 0;
    } else {
      state_ = State::kArrayLen;
      line_start_ = 0;
      scan_pos_ = 1;
    }
  }

  if (state_ == State::kInline) return ParseInline(input, used, args);

  if (state_ == State::kArrayLen) {
    size_t cr = 0;
    Result result = FindCountLineEnd(input, errors::kProtoTooBigMbulkCount, &cr);
    if (result != kOk) return result;
    int64_t count = 0;
    if (!ParseRedisInt(input.substr(1, cr - 1), &count) || count > config_.max_multibulk_len) {
      return Fail(errors::kProtoInvalidMultibulkLen);
    }
    if (config_.unauthenticated && count > RespParserConfig::kUnauthMaxArgs) {
      return Fail(errors::kProtoUnauthMultibulkLen);
    }
    pos_ = cr + 2;
    if (count <= 0) {
      *used = pos_;
      ResetRequest();
      return kOk;  // no arguments: the caller skips it
    }
    args_left_ = count;
    spans_.clear();
    spans_.reserve(std::min<size_t>(static_cast<size_t>(count), kMaxReservedArgs));
    state_ = State::kBulkLen;
    line_start_ = scan_pos_ = pos_;
  }

  for (;;) {
    if (state_ == State::kBulkLen) {
      size_t cr = 0;
      Result result = FindCountLineEnd(input, errors::kProtoTooBigBulkCount, &cr);
      if (result != kOk) return result;
      if (input[pos_] != '$') {
        std::string text(errors::kProtoExpectedDollarPrefix);
        text.push_back(input[pos_]);
        text.push_back('\'');
        return Fail(text);
      }
      int64_t len = 0;
      if (!ParseRedisInt(input.substr(pos_ + 1, cr - pos_ - 1), &len) || len < 0 ||
          len > config_.max_bulk_len) {
        return Fail(errors::kProtoInvalidBulkLen);
      }
      if (config_.unauthenticated && len > RespParserConfig::kUnauthMaxBulk) {
        return Fail(errors::kProtoUnauthBulkLen);
      }
      bulk_len_ = static_cast<size_t>(len);
      pos_ = cr + 2;
      state_ = State::kBulkBody;
    }

    // kBulkBody: the payload and the two bytes that close it must all be here.
    if (input.size() - pos_ < bulk_len_ + 2) return kNeedMore;
    spans_.push_back(Span{pos_, bulk_len_});
    pos_ += bulk_len_ + 2;
    if (--args_left_ == 0) break;
    state_ = State::kBulkLen;
    line_start_ = scan_pos_ = pos_;
  }

  args->reserve(spans_.size());
  for (const Span& span : spans_) args->emplace_back(input.data() + span.offset, span.len);
  *used = pos_;
  ResetRequest();
  return kOk;
}

}  // namespace lw
