#include "lua_interp/error_format.h"

namespace lw::lua {

std::string NormalizeError(std::string_view raw) {
  std::string code = "ERR";
  std::string_view msg = raw;
  if (!raw.empty() && raw[0] == '-') {
    size_t space = raw.find(' ');
    if (space == std::string_view::npos) {
      msg = raw.substr(1);
    } else {
      code.assign(raw.substr(1, space - 1));
      msg = raw.substr(space + 1);
    }
  }
  while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n')) msg.remove_suffix(1);
  while (!msg.empty() && (msg.front() == '\r' || msg.front() == '\n')) msg.remove_prefix(1);
  code += ' ';
  code.append(msg);
  return code;
}

std::string NonexistentGlobal(std::string_view name) {
  std::string s = "Script attempted to access nonexistent global variable '";
  s.append(name);
  s += '\'';
  return s;
}

std::string Lua51Message(std::string_view msg) {
  std::string s(msg);
  // Lua 5.4 leaves <eof> unquoted ("near <eof>", "<eof> expected"); 5.1 quotes it.
  size_t pos = 0;
  while ((pos = s.find("<eof>", pos)) != std::string::npos) {
    if (pos > 0 && s[pos - 1] == '\'') {
      pos += 5;  // quoted already (a token Lua printed itself)
    } else {
      s.replace(pos, 5, "'<eof>'");
      pos += 7;
    }
  }
  static constexpr std::string_view kOps[] = {
      "index",       "call",          "perform arithmetic on",
      "concatenate", "get length of", "perform bitwise operation on"};
  static constexpr std::string_view kKinds[] = {"local",   "global", "field",
                                                "upvalue", "method", "constant"};
  for (std::string_view op : kOps) {
    std::string head = "attempt to " + std::string(op) + " a ";
    size_t at = s.find(head);
    if (at == std::string::npos) continue;
    // "... a <type> value (<kind> '<name>')" with the name up to the last "')".
    size_t type_at = at + head.size();
    size_t value_at = s.find(" value (", type_at);
    size_t close = s.rfind("')");
    if (value_at == std::string::npos || close == std::string::npos || close < value_at) continue;
    std::string_view type(s.data() + type_at, value_at - type_at);
    if (type.find(' ') != std::string_view::npos) continue;
    std::string_view what(s.data() + value_at + 8, close + 1 - (value_at + 8));  // kind 'name'
    bool known = false;
    for (std::string_view k : kKinds) known |= what.starts_with(std::string(k) + " '");
    if (!known) continue;
    std::string out = s.substr(0, at) + "attempt to " + std::string(op) + " " + std::string(what) +
                      " (a " + std::string(type) + " value)" + s.substr(close + 2);
    return out;
  }
  return s;
}

std::string CompileError(std::string_view lua_message) {
  std::string s = "ERR Error compiling script (new function): ";
  s.append(Lua51Message(lua_message));
  return s;
}

std::string ScriptRunError(std::string_view msg, std::string_view sha, std::string_view source,
                           int line) {
  std::string s(msg);
  if (!source.empty()) {
    s += " script: ";
    s.append(sha);
    s += ", on ";
    s.append(source);
    s += ':';
    s += std::to_string(line);
    s += '.';
  }
  return s;
}

std::string UnexpectedEngine(std::string_view engine) {
  return "ERR Unexpected engine in script shebang: " + std::string(engine);
}

std::string UnexpectedFlag(std::string_view flag) {
  return "ERR Unexpected flag in script shebang: " + std::string(flag);
}

std::string UnknownShebangOption(std::string_view option) {
  return "ERR Unknown lua shebang option: " + std::string(option);
}

std::string ScriptFailure(std::string_view name, std::string_view msg) {
  std::string out = "ERR Error running script ";
  out.append(name).append(", ").append(msg.substr(0, 100));
  return out;
}

}  // namespace lw::lua
