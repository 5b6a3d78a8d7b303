#include "lua_interp/script_flags.h"

#include <cctype>
#include <vector>

#include "lua_interp/error_format.h"

namespace lw::lua {
namespace {

struct FlagName {
  ScriptFlag flag;
  std::string_view name;
};

constexpr FlagName kFlagNames[] = {
    {kScriptNoWrites, "no-writes"},
    {kScriptAllowOom, "allow-oom"},
    {kScriptAllowStale, "allow-stale"},
    {kScriptNoCluster, "no-cluster"},
    {kScriptAllowCrossSlotKeys, "allow-cross-slot-keys"},
    {kScriptDisableAtomicity, "disable-atomicity"},
    {kScriptAllowUndeclaredKeys, "allow-undeclared-keys"},
};

std::vector<std::string_view> SplitSpaces(std::string_view line) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && isspace(static_cast<unsigned char>(line[i]))) ++i;
    size_t start = i;
    while (i < line.size() && !isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i > start) parts.push_back(line.substr(start, i - start));
  }
  return parts;
}

// Parses the options after the engine word; only "flags=" is known.
bool ParseOptions(const std::vector<std::string_view>& parts, uint32_t* bits, std::string* error) {
  constexpr std::string_view kFlagsEq = "flags=";
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].substr(0, kFlagsEq.size()) != kFlagsEq) {
      *error = UnknownShebangOption(parts[i]);
      return false;
    }
    std::string bad;
    std::optional<uint32_t> f = ParseFlagList(parts[i].substr(kFlagsEq.size()), &bad);
    if (!f) {
      *error = UnexpectedFlag(bad);
      return false;
    }
    *bits |= *f;
  }
  return true;
}

}  // namespace

std::optional<ScriptFlag> ParseFlagName(std::string_view name) {
  for (const FlagName& f : kFlagNames) {
    if (f.name == name) return f.flag;
  }
  return std::nullopt;
}

std::optional<uint32_t> ParseFlagList(std::string_view list, std::string* bad) {
  uint32_t bits = 0;
  if (list.empty()) return bits;
  size_t start = 0;
  while (true) {
    size_t comma = list.find(',', start);
    std::string_view name = list.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    std::optional<ScriptFlag> f = ParseFlagName(name);
    if (!f) {
      bad->assign(name);
      return std::nullopt;
    }
    bits |= *f;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return bits;
}

std::string FlagsToString(uint32_t bits) {
  std::string out;
  for (const FlagName& f : kFlagNames) {
    if (!(bits & f.flag)) continue;
    if (!out.empty()) out += ',';
    out.append(f.name);
  }
  return out;
}

std::optional<ScriptFlags> ParseScriptFlags(std::string_view body, std::string* error) {
  ScriptFlags result;
  std::string_view rest = body;
  if (body.substr(0, 2) == "#!") {
    size_t eol = body.find('\n');
    if (eol == std::string_view::npos) {
      *error = kErrInvalidShebang;
      return std::nullopt;
    }
    std::vector<std::string_view> parts = SplitSpaces(body.substr(0, eol));
    if (parts.empty() || parts[0] != "#!lua") {
      *error = UnexpectedEngine(parts.empty() ? std::string_view() : parts[0]);
      return std::nullopt;
    }
    if (!ParseOptions(parts, &result.bits, error)) return std::nullopt;
    result.has_shebang = true;
    result.shebang_len = eol;
    rest = body.substr(eol + 1);
  }
  constexpr std::string_view kDf = "--!df";
  if (rest.substr(0, kDf.size()) == kDf) {
    size_t eol = rest.find('\n');
    std::vector<std::string_view> parts = SplitSpaces(rest.substr(0, eol));
    if (parts[0] != kDf) {
      *error = UnexpectedEngine(parts[0]);
      return std::nullopt;
    }
    if (!ParseOptions(parts, &result.bits, error)) return std::nullopt;
  }
  return result;
}

std::optional<std::string> ParseLibraryName(std::string_view code, std::string* error) {
  if (code.substr(0, 2) != "#!") {
    *error = "ERR Missing library metadata";
    return std::nullopt;
  }
  size_t eol = code.find('\n');
  if (eol == std::string_view::npos) {
    *error = "ERR Invalid library metadata";
    return std::nullopt;
  }
  std::vector<std::string_view> parts = SplitSpaces(code.substr(0, eol));
  std::string engine(parts[0].substr(2));
  for (char& c : engine) c = tolower(static_cast<unsigned char>(c));
  std::optional<std::string> name;
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string key(parts[i].substr(0, 5));
    for (char& c : key) c = tolower(static_cast<unsigned char>(c));
    if (key == "name=") {
      if (name) {
        *error = "ERR Invalid metadata value, name argument was given multiple times";
        return std::nullopt;
      }
      name.emplace(parts[i].substr(5));
      continue;
    }
    *error = "ERR Invalid metadata value given: " + std::string(parts[i]);
    return std::nullopt;
  }
  if (!name) {
    *error = "ERR Library name was not given";
    return std::nullopt;
  }
  if (engine != "lua") {
    *error = "ERR Engine '" + std::string(parts[0].substr(2)) + "' not found";
    return std::nullopt;
  }
  return name;
}

}  // namespace lw::lua
