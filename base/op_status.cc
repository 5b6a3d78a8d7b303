#include "base/op_status.h"

namespace lw {

std::string_view OpStatusName(OpStatus status) {
  switch (status) {
    case OpStatus::kOk:
      return "OK";
    case OpStatus::kKeyNotFound:
      return "KEY_NOTFOUND";
    case OpStatus::kSkipped:
      return "SKIPPED";
    case OpStatus::kWrongType:
      return "WRONG_TYPE";
    case OpStatus::kOutOfRange:
      return "OUT_OF_RANGE";
    case OpStatus::kInvalidValue:
      return "INVALID_VALUE";
    case OpStatus::kInvalidFloat:
      return "INVALID_FLOAT";
    case OpStatus::kInvalidInt:
      return "INVALID_INT";
    case OpStatus::kSyntaxError:
      return "SYNTAX_ERROR";
    case OpStatus::kOutOfMemory:
      return "OUT_OF_MEMORY";
    case OpStatus::kBusyGroup:
      return "BUSY_GROUP";
    case OpStatus::kTimedOut:
      return "TIMED_OUT";
    case OpStatus::kCancelled:
      return "CANCELLED";
    case OpStatus::kEntriesAdded:
      return "ENTRIES_ADDED";
    case OpStatus::kInvalidArg:
      return "INVALID_ARG";
  }
  return "UNKNOWN";
}

}  // namespace lw
