// Test helpers: a fake ScriptRunner and a one-call script runner returning text.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "lua_interp/interpreter.h"
#include "lua_interp/reply_value.h"

namespace lw::lua {

// Records each call as "[async ]CMD arg..." and answers with `respond` (default: +OK).
class FakeRunner : public ScriptRunner {
 public:
  std::vector<std::string> calls;
  std::vector<CallInfo> infos;
  std::function<void(std::span<const std::string_view>, ReplyWriter*)> respond;

  void Call(const CallInfo& info, std::span<const std::string_view> args,
            ReplyWriter* reply) override {
    std::string s = info.async ? "async " : "";
    for (size_t i = 0; i < args.size(); ++i) {
      if (i) s += ' ';
      s.append(args[i]);
    }
    calls.push_back(s);
    infos.push_back(info);
    if (info.async && !respond) return;
    if (respond) {
      respond(args, reply);
    } else {
      reply->SendStatus("OK");
    }
  }
};

// Runs `body` and returns the reply text (ReplyValue::ToString) or "error: <text>".
inline std::string Eval(Interpreter* interp, std::string_view body, ScriptRunner* runner = nullptr,
                        std::vector<std::string_view> keys = {},
                        std::vector<std::string_view> argv = {}) {
  ReplyRecorder rec;
  std::string error;
  Interpreter::RunStatus st = interp->RunScript(body, keys, argv, runner, &rec, &error);
  if (st != Interpreter::RunStatus::kOk) return "error: " + error;
  return rec.ToString();
}

}  // namespace lw::lua
