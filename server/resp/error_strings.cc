#include "server/resp/error_strings.h"

#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>

#include <algorithm>
#include <cstdio>

namespace lw::errors {

namespace {
std::string Lower(std::string_view s) {
  return absl::AsciiStrToLower(absl::string_view(s.data(), s.size()));
}
std::string Upper(std::string_view s) {
  return absl::AsciiStrToUpper(absl::string_view(s.data(), s.size()));
}
// Redis prints client-supplied text in errors with newlines turned into spaces.
void Sanitize(std::string* s) {
  std::replace_if(
      s->begin(), s->end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
}
}  // namespace

std::string GeoInvalidPair(double lon, double lat) {
  const char* fmt = "ERR invalid longitude,latitude pair %f,%f";
  std::string out(size_t(std::snprintf(nullptr, 0, fmt, lon, lat)) + 1, '\0');
  out.resize(size_t(std::snprintf(out.data(), out.size(), fmt, lon, lat)));
  return out;
}

std::string WrongArity(std::string_view command_name) {
  return "ERR wrong number of arguments for '" + Lower(command_name) + "' command";
}

std::string UnknownCommand(std::span<const std::string_view> args) {
  // Redis: at most 128 characters of the name, and arguments until 128 characters are used.
  std::string joined;
  for (size_t i = 1; i < args.size() && joined.size() < 128; ++i) {
    size_t room = 128 - joined.size();
    joined += "'";
    joined += args[i].substr(0, room);
    joined += "' ";
  }
  std::string out = "ERR unknown command '" + std::string(args[0].substr(0, 128)) +
                    "', with args beginning with: " + joined;
  Sanitize(&out);
  return out;
}

std::string UnknownSubcommand(std::string_view subcommand, std::string_view command) {
  std::string out = "ERR unknown subcommand '" + std::string(subcommand.substr(0, 128)) +
                    "'. Try " + Upper(command) + " HELP.";
  Sanitize(&out);
  return out;
}

std::string OnlySubscribeAllowed(std::string_view command_name) {
  return "ERR Can't execute '" + std::string(command_name) +
         "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
         "context";
}

std::string HelloSyntax(std::string_view option) {
  std::string out = "ERR Syntax error in HELLO option '" + std::string(option) + "'";
  Sanitize(&out);
  return out;
}

std::string UnknownClientType(std::string_view type) {
  std::string out = "ERR Unknown client type '" + std::string(type) + "'";
  Sanitize(&out);
  return out;
}

std::string NoSuchUser(std::string_view user) {
  std::string out = "ERR No such user '" + std::string(user) + "'";
  Sanitize(&out);
  return out;
}

std::string ConfigSetUnknown(std::string_view name) {
  std::string out =
      "ERR Unknown option or number of arguments for CONFIG SET - '" + std::string(name) + "'";
  Sanitize(&out);
  return out;
}

std::string ConfigSetFailed(std::string_view name, std::string_view reason) {
  std::string out = "ERR CONFIG SET failed (possibly related to argument '" + std::string(name) +
                    "') - " + std::string(reason);
  Sanitize(&out);
  return out;
}

std::string SubcommandArity(std::string_view subcommand, std::string_view command) {
  std::string out = "ERR unknown subcommand or wrong number of arguments for '" +
                    std::string(subcommand) + "'. Try " + Upper(command) + " HELP.";
  Sanitize(&out);
  return out;
}

std::string UndeclaredKey(std::string_view key) {
  std::string s(kUndeclaredKeys);
  s += ", key: ";
  s += key;
  s += " (declare it in KEYS, or give the script the allow-undeclared-keys flag)";
  return s;
}

}  // namespace lw::errors
