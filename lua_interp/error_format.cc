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

std::string CompileError(std::string_view lua_message) {
  std::string s = "ERR Error compiling script (new function): ";
  s.append(lua_message);
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
