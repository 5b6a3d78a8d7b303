#include "lua_interp/reply_value.h"

#include <charconv>

namespace lw::lua {

ReplyValue ReplyValue::Int(int64_t v) {
  ReplyValue r;
  r.type = Type::kInt;
  r.integer = v;
  return r;
}

static ReplyValue WithString(ReplyValue::Type type, std::string_view s) {
  ReplyValue r;
  r.type = type;
  r.str.assign(s.data(), s.size());
  return r;
}

ReplyValue ReplyValue::Bulk(std::string_view s) { return WithString(Type::kBulk, s); }
ReplyValue ReplyValue::Status(std::string_view s) { return WithString(Type::kStatus, s); }
ReplyValue ReplyValue::Error(std::string_view s) { return WithString(Type::kError, s); }
ReplyValue ReplyValue::Null() { return ReplyValue{}; }

ReplyValue ReplyValue::Array(std::vector<ReplyValue> elems) {
  ReplyValue r;
  r.type = Type::kArray;
  r.elems = std::move(elems);
  return r;
}

void ReplyValue::Replay(ReplyWriter* w) const {
  switch (type) {
    case Type::kInt:
      return w->SendInt(integer);
    case Type::kBulk:
      return w->SendBulk(str);
    case Type::kStatus:
      return w->SendStatus(str);
    case Type::kError:
      return w->SendError(str);
    case Type::kNull:
      return w->SendNull();
    case Type::kNullArray:
      return w->SendNullArray();
    case Type::kDouble:
      return w->SendDouble(dbl);
    case Type::kBool:
      return w->SendBool(integer != 0);
    case Type::kBigNumber:
      return w->SendBigNumber(str);
    case Type::kVerbatim:
      return w->SendVerbatim(format, str);
    case Type::kArray:
      w->StartArray(elems.size());
      break;
    case Type::kMap:
      w->StartMap(elems.size() / 2);
      break;
    case Type::kSet:
      w->StartSet(elems.size());
      break;
  }
  for (const ReplyValue& e : elems) e.Replay(w);
}

std::string ReplyValue::ToString() const {
  auto quoted = [](const std::string& s) { return "\"" + s + "\""; };
  switch (type) {
    case Type::kInt:
      return std::to_string(integer);
    case Type::kBulk:
      return quoted(str);
    case Type::kStatus:
      return "+" + str;
    case Type::kError:
      return "-" + str;
    case Type::kNull:
      return "nil";
    case Type::kNullArray:
      return "nil[]";
    case Type::kDouble: {
      char buf[64];
      auto res = std::to_chars(buf, buf + sizeof(buf), dbl);
      return "(" + std::string(buf, res.ptr) + ")";
    }
    case Type::kBool:
      return integer ? "#t" : "#f";
    case Type::kBigNumber:
      return "(" + str + ")";
    case Type::kVerbatim:
      return "=" + format + ":" + quoted(str);
    default:
      break;
  }
  std::string out = type == Type::kArray ? "[" : type == Type::kMap ? "{" : "~{";
  for (size_t i = 0; i < elems.size(); ++i) {
    if (i > 0) out += (type == Type::kMap && i % 2 == 1) ? ":" : ",";
    out += elems[i].ToString();
  }
  out += type == Type::kArray ? "]" : "}";
  return out;
}

void ReplyRecorder::Add(ReplyValue v) {
  if (open_.empty()) {
    values_.push_back(std::move(v));
    return;
  }
  Frame& top = open_.back();
  top.value->elems.push_back(std::move(v));
  if (--top.remaining == 0) open_.pop_back();
  // Closing a frame may complete its parent too; parents count the child when it was opened.
}

void ReplyRecorder::Open(ReplyValue v, uint32_t num_elems) {
  ReplyValue* slot;
  if (open_.empty()) {
    values_.push_back(std::move(v));
    slot = &values_.back();
  } else {
    Frame& top = open_.back();
    top.value->elems.push_back(std::move(v));
    slot = &top.value->elems.back();
    if (--top.remaining == 0) open_.pop_back();
  }
  // Children are pushed into slot->elems, whose storage is reserved up front so `slot`
  // pointers held by deeper frames stay valid.
  slot->elems.reserve(num_elems);
  if (num_elems > 0) open_.push_back(Frame{slot, num_elems});
}

void ReplyRecorder::SendInt(int64_t value) { Add(ReplyValue::Int(value)); }
void ReplyRecorder::SendBulk(std::string_view value) { Add(ReplyValue::Bulk(value)); }
void ReplyRecorder::SendStatus(std::string_view value) { Add(ReplyValue::Status(value)); }
void ReplyRecorder::SendError(std::string_view message) { Add(ReplyValue::Error(message)); }
void ReplyRecorder::SendNull() { Add(ReplyValue::Null()); }

void ReplyRecorder::SendNullArray() {
  ReplyValue v;
  v.type = ReplyValue::Type::kNullArray;
  Add(std::move(v));
}

void ReplyRecorder::SendDouble(double value) {
  ReplyValue v;
  v.type = ReplyValue::Type::kDouble;
  v.dbl = value;
  Add(std::move(v));
}

void ReplyRecorder::SendBool(bool value) {
  ReplyValue v;
  v.type = ReplyValue::Type::kBool;
  v.integer = value;
  Add(std::move(v));
}

void ReplyRecorder::SendBigNumber(std::string_view digits) {
  Add(WithString(ReplyValue::Type::kBigNumber, digits));
}

void ReplyRecorder::SendVerbatim(std::string_view format, std::string_view text) {
  ReplyValue v = WithString(ReplyValue::Type::kVerbatim, text);
  v.format.assign(format.data(), format.size());
  Add(std::move(v));
}

void ReplyRecorder::StartArray(uint32_t len) {
  ReplyValue v;
  v.type = ReplyValue::Type::kArray;
  Open(std::move(v), len);
}

void ReplyRecorder::StartMap(uint32_t num_pairs) {
  ReplyValue v;
  v.type = ReplyValue::Type::kMap;
  Open(std::move(v), num_pairs * 2);
}

void ReplyRecorder::StartSet(uint32_t len) {
  ReplyValue v;
  v.type = ReplyValue::Type::kSet;
  Open(std::move(v), len);
}

ReplyValue ReplyRecorder::Take() {
  ReplyValue v = values_.empty() ? ReplyValue::Null() : std::move(values_.front());
  Clear();
  return v;
}

std::string ReplyRecorder::ToString() const {
  std::string out;
  for (size_t i = 0; i < values_.size(); ++i) {
    if (i) out += ' ';
    out += values_[i].ToString();
  }
  return out;
}

void ReplyRecorder::Clear() {
  values_.clear();
  open_.clear();
}

}  // namespace lw::lua
