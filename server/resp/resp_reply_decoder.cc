#include "server/resp/resp_reply_decoder.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace lw {

namespace {

class Decoder {
 public:
  explicit Decoder(std::string_view input) : in_(input) {}

  DecodeResult Decode(RespValue* out, int depth) {
    if (depth > kMaxDecodeDepth) return DecodeResult::kInvalid;
    if (pos_ >= in_.size()) return DecodeResult::kIncomplete;
    const char prefix = in_[pos_++];
    std::string_view line;
    DecodeResult r = ReadLine(&line);
    if (r != DecodeResult::kOk) return r;
    *out = RespValue{};
    switch (prefix) {
      case '+':
        out->type = RespType::kSimpleString;
        out->str.assign(line);
        return DecodeResult::kOk;
      case '-':
        out->type = RespType::kError;
        out->str.assign(line);
        return DecodeResult::kOk;
      case ':':
        out->type = RespType::kInteger;
        return ParseInt(line, &out->integer) ? DecodeResult::kOk : DecodeResult::kInvalid;
      case '_':
        out->type = RespType::kNull;
        return line.empty() ? DecodeResult::kOk : DecodeResult::kInvalid;
      case '#':
        out->type = RespType::kBoolean;
        if (line != "t" && line != "f") return DecodeResult::kInvalid;
        out->integer = line == "t";
        return DecodeResult::kOk;
      case ',':
        out->type = RespType::kDouble;
        out->str.assign(line);
        return ParseDouble(line, &out->dbl) ? DecodeResult::kOk : DecodeResult::kInvalid;
      case '(':
        out->type = RespType::kBigNumber;
        out->str.assign(line);
        return IsBigNumber(line) ? DecodeResult::kOk : DecodeResult::kInvalid;
      case '$':
      case '=':
        return DecodeBlob(prefix, line, out);
      case '*':
      case '%':
      case '~':
      case '>':
        return DecodeAggregate(prefix, line, out, depth);
      default:
        return DecodeResult::kInvalid;
    }
  }

  size_t pos() const { return pos_; }

 private:
  // Reads up to "\r\n" from pos_; a lone '\r' or '\n' inside a line is invalid.
  DecodeResult ReadLine(std::string_view* line) {
    const size_t start = pos_;
    for (size_t i = start; i < in_.size(); ++i) {
      if (in_[i] == '\n') return DecodeResult::kInvalid;
      if (in_[i] == '\r') {
        if (i + 1 >= in_.size()) return DecodeResult::kIncomplete;
        if (in_[i + 1] != '\n') return DecodeResult::kInvalid;
        *line = in_.substr(start, i - start);
        pos_ = i + 2;
        return DecodeResult::kOk;
      }
    }
    return DecodeResult::kIncomplete;
  }

  static bool ParseInt(std::string_view s, int64_t* v) {
    if (s.empty()) return false;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
    return ec == std::errc() && ptr == s.data() + s.size();
  }

  static bool ParseDouble(std::string_view s, double* v) {
    if (s == "inf") {
      *v = std::numeric_limits<double>::infinity();
    } else if (s == "-inf") {
      *v = -std::numeric_limits<double>::infinity();
    } else if (s == "nan") {
      *v = std::numeric_limits<double>::quiet_NaN();
    } else {
      if (s.empty()) return false;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
      return ec == std::errc() && ptr == s.data() + s.size();
    }
    return true;
  }

  static bool IsBigNumber(std::string_view s) {
    if (!s.empty() && s[0] == '-') s.remove_prefix(1);
    if (s.empty()) return false;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  }

  DecodeResult DecodeBlob(char prefix, std::string_view len_text, RespValue* out) {
    int64_t len = 0;
    if (!ParseInt(len_text, &len)) return DecodeResult::kInvalid;
    if (len == -1 && prefix == '$') {
      out->type = RespType::kNull;
      return DecodeResult::kOk;
    }
    if (len < 0) return DecodeResult::kInvalid;
    const size_t ulen = static_cast<size_t>(len);
    if (in_.size() - pos_ < ulen || in_.size() - pos_ - ulen < 2) {
      return DecodeResult::kIncomplete;
    }
    if (in_.compare(pos_ + ulen, 2, "\r\n") != 0) return DecodeResult::kInvalid;
    std::string_view payload = in_.substr(pos_, ulen);
    pos_ += ulen + 2;
    if (prefix == '$') {
      out->type = RespType::kBulkString;
      out->str.assign(payload);
      return DecodeResult::kOk;
    }
    if (payload.size() < 4 || payload[3] != ':') return DecodeResult::kInvalid;
    out->type = RespType::kVerbatim;
    out->format.assign(payload.substr(0, 3));
    out->str.assign(payload.substr(4));
    return DecodeResult::kOk;
  }

  DecodeResult DecodeAggregate(char prefix, std::string_view len_text, RespValue* out, int depth) {
    int64_t len = 0;
    if (!ParseInt(len_text, &len)) return DecodeResult::kInvalid;
    if (len == -1 && prefix == '*') {
      out->type = RespType::kNullArray;
      return DecodeResult::kOk;
    }
    if (len < 0) return DecodeResult::kInvalid;
    switch (prefix) {
      case '*':
        out->type = RespType::kArray;
        break;
      case '%':
        out->type = RespType::kMap;
        break;
      case '~':
        out->type = RespType::kSet;
        break;
      default:
        out->type = RespType::kPush;
        break;
    }
    uint64_t count = static_cast<uint64_t>(len);
    if (prefix == '%') count *= 2;
    // Every element takes at least 3 bytes, so a larger count cannot be complete.
    if (count > (in_.size() - pos_) / 3 + 1) return DecodeResult::kIncomplete;
    out->elems.resize(count);
    for (RespValue& elem : out->elems) {
      DecodeResult r = Decode(&elem, depth + 1);
      if (r != DecodeResult::kOk) return r;
    }
    return DecodeResult::kOk;
  }

  std::string_view in_;
  size_t pos_ = 0;
};

void AppendDebug(const RespValue& v, std::string* out) {
  auto append_elems = [&](const char* open, const char* close) {
    out->append(open);
    for (size_t i = 0; i < v.elems.size(); ++i) {
      if (i > 0) out->append(v.type == RespType::kMap && i % 2 == 1 ? ": " : ", ");
      AppendDebug(v.elems[i], out);
    }
    out->append(close);
  };
  switch (v.type) {
    case RespType::kSimpleString:
      out->append("+").append(v.str);
      break;
    case RespType::kError:
      out->append("-").append(v.str);
      break;
    case RespType::kInteger:
      out->append(":").append(std::to_string(v.integer));
      break;
    case RespType::kBulkString:
      AppendRepr(out, v.str);
      break;
    case RespType::kNull:
      out->append("nil");
      break;
    case RespType::kNullArray:
      out->append("nil-array");
      break;
    case RespType::kArray:
      append_elems("[", "]");
      break;
    case RespType::kMap:
      append_elems("{", "}");
      break;
    case RespType::kSet:
      append_elems("~{", "}");
      break;
    case RespType::kPush:
      append_elems(">[", "]");
      break;
    case RespType::kDouble:
      out->append(",").append(v.str);
      break;
    case RespType::kBoolean:
      out->append(v.integer ? "#t" : "#f");
      break;
    case RespType::kVerbatim:
      out->append("=").append(v.format).append(":");
      AppendRepr(out, v.str);
      break;
    case RespType::kBigNumber:
      out->append("(").append(v.str);
      break;
  }
}

}  // namespace

bool RespValue::IsString(std::string_view text) const {
  switch (type) {
    case RespType::kSimpleString:
    case RespType::kBulkString:
    case RespType::kVerbatim:
      return str == text;
    default:
      return false;
  }
}

DecodeResult DecodeReply(std::string_view input, size_t* consumed, RespValue* out) {
  Decoder decoder(input);
  DecodeResult r = decoder.Decode(out, 0);
  if (r == DecodeResult::kOk) *consumed = decoder.pos();
  return r;
}

bool DecodeReplies(std::string_view input, std::vector<RespValue>* out) {
  while (!input.empty()) {
    RespValue value;
    size_t used = 0;
    if (DecodeReply(input, &used, &value) != DecodeResult::kOk) return false;
    out->push_back(std::move(value));
    input.remove_prefix(used);
  }
  return true;
}

std::string ToDebugString(const RespValue& value) {
  std::string out;
  AppendDebug(value, &out);
  return out;
}

void AppendRepr(std::string* out, std::string_view s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '"':
        out->append("\\\"");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\a':
        out->append("\\a");
        break;
      case '\b':
        out->append("\\b");
        break;
      default:
        if (c >= 0x20 && c <= 0x7e) {
          out->push_back(char(c));
        } else {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          out->append(buf);
        }
    }
  }
  out->push_back('"');
}

}  // namespace lw
