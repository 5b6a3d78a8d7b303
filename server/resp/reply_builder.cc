#include "server/resp/reply_builder.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace lw {

namespace {

constexpr std::string_view kCrlf = "\r\n";

size_t CopyLiteral(std::string_view text, char* dest) {
  std::memcpy(dest, text.data(), text.size());
  return text.size();
}

}  // namespace

size_t FormatDouble(double value, char* dest) {
  // Redis 7.0 (the reference server) replies doubles as "%.17g", with infinities spelled out.
  if (std::isinf(value)) return CopyLiteral(value > 0 ? "inf" : "-inf", dest);
  if (std::isnan(value)) return CopyLiteral("nan", dest);
  int n = std::snprintf(dest, kMaxDoubleChars, "%.17g", value);
  return n > 0 ? size_t(n) : 0;
}

std::string FormatDouble(double value) {
  char buf[kMaxDoubleChars];
  return std::string(buf, FormatDouble(value, buf));
}

void ReplyBuilder::AppendHeader(char prefix, uint64_t len) {
  char buf[24];
  buf[0] = prefix;
  char* end = std::to_chars(buf + 1, buf + sizeof(buf) - 2, len).ptr;
  *end++ = '\r';
  *end++ = '\n';
  buffer_.append(buf, end - buf);
}

void ReplyBuilder::AppendLine(char prefix, std::string_view body) {
  buffer_.push_back(prefix);
  buffer_.append(body.data(), body.size());
  buffer_.append(kCrlf.data(), kCrlf.size());
}

void ReplyBuilder::SendSimpleString(std::string_view text) { AppendLine('+', text); }

ReplyBuilder::ErrorCounts& ReplyBuilder::ThreadErrorCounts() {
  thread_local ErrorCounts counts;
  return counts;
}

namespace {
void CountError(std::string_view text) {
  ReplyBuilder::ErrorCounts& counts = ReplyBuilder::ThreadErrorCounts();
  ++counts.total;
  std::string_view code = text.substr(0, text.find(' '));
  for (auto& [name, n] : counts.by_code) {
    if (name == code) {
      ++n;
      return;
    }
  }
  if (counts.by_code.size() < ReplyBuilder::kMaxErrorCodes) counts.by_code.emplace_back(code, 1);
}
}  // namespace

void ReplyBuilder::CountErrorReply(std::string_view text) { CountError(text); }

void ReplyBuilder::SendError(std::string_view full_text) {
  if (!full_text.empty() && full_text.front() == '-') full_text.remove_prefix(1);
  CountError(full_text);
  AppendError(full_text);
}

void ReplyBuilder::SendErrorUncounted(std::string_view full_text) {
  if (!full_text.empty() && full_text.front() == '-') full_text.remove_prefix(1);
  ++uncounted_errors_;
  AppendError(full_text);
}

void ReplyBuilder::AppendError(std::string_view full_text) {
  ++errors_sent_;
  buffer_.push_back('-');
  const size_t start = buffer_.size();
  buffer_.append(full_text.data(), full_text.size());
  if (full_text.find_first_of(kCrlf) != std::string_view::npos) {
    std::replace_if(
        buffer_.begin() + start, buffer_.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  }
  buffer_.append(kCrlf.data(), kCrlf.size());
}

void ReplyBuilder::SendLong(int64_t value) {
  char buf[24];
  buf[0] = ':';
  char* end = std::to_chars(buf + 1, buf + sizeof(buf) - 2, value).ptr;
  *end++ = '\r';
  *end++ = '\n';
  buffer_.append(buf, end - buf);
}

void ReplyBuilder::SendBulk(std::string_view payload) {
  AppendHeader('$', payload.size());
  buffer_.append(payload.data(), payload.size());
  buffer_.append(kCrlf.data(), kCrlf.size());
}

void ReplyBuilder::SendNull() {
  if (IsResp3()) {
    buffer_.append("_\r\n");
  } else {
    buffer_.append("$-1\r\n");
  }
}

void ReplyBuilder::SendNullArray() {
  if (IsResp3()) {
    buffer_.append("_\r\n");
  } else {
    buffer_.append("*-1\r\n");
  }
}

void ReplyBuilder::SendDouble(double value) {
  char buf[kMaxDoubleChars];
  SendDoubleText(std::string_view(buf, FormatDouble(value, buf)));
}

void ReplyBuilder::SendDoubleText(std::string_view text) {
  if (IsResp3()) {
    AppendLine(',', text);
  } else {
    SendBulk(text);
  }
}

void ReplyBuilder::SendBool(bool value) {
  if (IsResp3()) {
    buffer_.append(value ? "#t\r\n" : "#f\r\n");
  } else {
    buffer_.append(value ? ":1\r\n" : ":0\r\n");
  }
}

void ReplyBuilder::SendVerbatim(std::string_view text, std::string_view format) {
  if (!IsResp3()) {
    SendBulk(text);
    return;
  }
  AppendHeader('=', text.size() + 4);
  buffer_.append(format.data(), format.size());
  buffer_.push_back(':');
  buffer_.append(text.data(), text.size());
  buffer_.append(kCrlf.data(), kCrlf.size());
}

void ReplyBuilder::SendBigNumber(std::string_view digits) {
  if (IsResp3()) {
    AppendLine('(', digits);
  } else {
    SendBulk(digits);
  }
}

void ReplyBuilder::StartArray(size_t len) { AppendHeader('*', len); }

void ReplyBuilder::StartMap(size_t num_pairs) {
  if (IsResp3()) {
    AppendHeader('%', num_pairs);
  } else {
    AppendHeader('*', 2 * num_pairs);
  }
}

void ReplyBuilder::StartSet(size_t len) { AppendHeader(IsResp3() ? '~' : '*', len); }

void ReplyBuilder::StartPush(size_t len) { AppendHeader(IsResp3() ? '>' : '*', len); }

void ReplyBuilder::SendStringArray(std::span<const std::string_view> items) {
  StartArray(items.size());
  for (std::string_view item : items) SendBulk(item);
}

void ReplyBuilder::SendStringArray(std::span<const std::string> items) {
  StartArray(items.size());
  for (const std::string& item : items) SendBulk(item);
}

void ReplyBuilder::SendPush(std::span<const std::string_view> items) {
  StartPush(items.size());
  for (std::string_view item : items) SendBulk(item);
}

void ReplyBuilder::SendScoredArray(std::span<const std::pair<std::string_view, double>> items,
                                   bool with_scores) {
  if (!with_scores) {
    StartArray(items.size());
    for (const auto& [member, score] : items) SendBulk(member);
    return;
  }
  if (IsResp3()) {
    StartArray(items.size());
    for (const auto& [member, score] : items) {
      StartArray(2);
      SendBulk(member);
      SendDouble(score);
    }
    return;
  }
  StartArray(2 * items.size());
  for (const auto& [member, score] : items) {
    SendBulk(member);
    SendDouble(score);
  }
}

}  // namespace lw
