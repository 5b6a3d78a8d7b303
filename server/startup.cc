#include "server/startup.h"

#include <absl/flags/commandlineflag.h>
#include <absl/flags/reflection.h>
#include <limits.h>
#include <stdlib.h>

#include <cctype>
#include <fstream>

#include "base/str_util.h"
#include "server/families/config_family.h"
#include "server/families/server_util.h"

namespace lw {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return std::tolower(uint8_t(c)) - 'a' + 10;
}

// One double-quoted word starting after the quote at line[*i]; advances *i past the closing
// quote. False if the quote is not closed.
bool ReadDoubleQuoted(const std::string& line, size_t* i, std::string* word) {
  for (size_t p = *i; p < line.size(); ++p) {
    char c = line[p];
    if (c == '"') {
      *i = p + 1;
      return true;
    }
    if (c != '\\' || p + 1 >= line.size()) {
      *word += c;
      continue;
    }
    char e = line[++p];
    if (e == 'x' && p + 2 < line.size() && std::isxdigit(uint8_t(line[p + 1])) &&
        std::isxdigit(uint8_t(line[p + 2]))) {
      *word += char(HexValue(line[p + 1]) * 16 + HexValue(line[p + 2]));
      p += 2;
      continue;
    }
    switch (e) {
      case 'n':
        *word += '\n';
        break;
      case 'r':
        *word += '\r';
        break;
      case 't':
        *word += '\t';
        break;
      case 'b':
        *word += '\b';
        break;
      case 'a':
        *word += '\a';
        break;
      default:
        *word += e;
    }
  }
  return false;
}

bool ReadSingleQuoted(const std::string& line, size_t* i, std::string* word) {
  for (size_t p = *i; p < line.size(); ++p) {
    if (line[p] == '\\' && p + 1 < line.size() && line[p + 1] == '\'') {
      *word += '\'';
      ++p;
    } else if (line[p] == '\'') {
      *i = p + 1;
      return true;
    } else {
      *word += line[p];
    }
  }
  return false;
}

std::string Join(const std::vector<std::string>& words, size_t from) {
  std::string out;
  for (size_t i = from; i < words.size(); ++i) {
    if (i > from) out += ' ';
    out += words[i];
  }
  return out;
}

// The flag of main.cc (or a library) a directive names: dashes read as underscores.
absl::CommandLineFlag* FlagFor(std::string_view name) {
  std::string flag(name);
  for (char& c : flag) c = c == '-' ? '_' : char(std::tolower(uint8_t(c)));
  absl::CommandLineFlag* f = absl::FindCommandLineFlag(flag);
  return f != nullptr && !f->IsRetired() ? f : nullptr;
}

// A directive of the config file: to its flag at once, else to the settings table.
bool FileDirective(const std::vector<std::string>& words, StartupArgs* out, std::string* reason) {
  std::string value = Join(words, 1);
  if (absl::CommandLineFlag* f = FlagFor(words[0])) return f->ParseFrom(value, reason);
  *reason = CheckStartupSetting(words[0], value);
  if (!reason->empty()) return false;
  out->settings.emplace_back(AsciiLower(words[0]), value);
  return true;
}

bool ReadConfigFile(const std::string& path, StartupArgs* out, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = Cat("Fatal error, can't open config file '", path, "': ", strerror(errno), "\n");
    return false;
  }
  std::string line, reason;
  for (int n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> words;
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    if (!SplitConfigLine(line, &words)) {
      reason = "Unbalanced quotes in configuration line";
    } else if (words.size() >= 2 && EqualsIgnoreCase(words[0], "user")) {
      words.erase(words.begin());
      out->users.push_back(
          {std::move(words), Cat("Reading the configuration file, at line ", n), line});
      continue;
    } else if (words.empty() || FileDirective(words, out, &reason)) {
      continue;
    }
    *error = FatalConfigError(Cat("Reading the configuration file, at line ", n), line, reason);
    return false;
  }
  return true;
}

// `--name value...` on the command line: a flag's stays a flag argument (absl parses it), a
// setting's joins the settings after the file's.
bool ArgDirective(std::string name, std::vector<std::string> values, StartupArgs* out,
                  std::string* error) {
  if (FlagFor(name) != nullptr || name == "help" || name == "helpfull" || name == "version") {
    for (char& c : name) c = c == '-' ? '_' : c;
    out->flag_args.push_back(values.empty() ? Cat("--", name)
                                            : Cat("--", name, "=", Join(values, 0)));
    return true;
  }
  std::string value = Join(values, 0);
  if (EqualsIgnoreCase(name, "user") && !values.empty()) {
    out->users.push_back(
        {std::move(values), "Reading the command line arguments", Cat("--user ", value)});
    return true;
  }
  std::string reason = CheckStartupSetting(name, value);
  if (!reason.empty()) {
    // An unknown name goes to absl, whose error lists the flags (and --help).
    if (!IsConfigSetting(name)) {
      out->flag_args.push_back(Cat("--", name));
      return true;
    }
    *error =
        FatalConfigError("Reading the command line arguments", Cat("--", name, " ", value), reason);
    return false;
  }
  out->settings.emplace_back(AsciiLower(name), value);
  return true;
}

}  // namespace

std::string FatalConfigError(std::string_view where, std::string_view text,
                             std::string_view reason) {
  return Cat("\n*** FATAL CONFIG FILE ERROR (Lacewing ", kLacewingVersion, ") ***\n", where,
             "\n>>> '", text, "'\n", reason, "\n");
}

bool SplitConfigLine(const std::string& line, std::vector<std::string>* words) {
  size_t i = 0;
  while (true) {
    while (i < line.size() && std::isspace(uint8_t(line[i]))) ++i;
    if (i >= line.size()) return true;
    std::string word;
    while (i < line.size() && !std::isspace(uint8_t(line[i]))) {
      char q = line[i];
      if (q != '"' && q != '\'') {
        word += line[i++];
        continue;
      }
      ++i;
      bool closed =
          q == '"' ? ReadDoubleQuoted(line, &i, &word) : ReadSingleQuoted(line, &i, &word);
      // As Redis: a closing quote must end the word.
      if (!closed || (i < line.size() && !std::isspace(uint8_t(line[i])))) return false;
    }
    words->push_back(std::move(word));
  }
}

bool ReadStartupArgs(int argc, char** argv, StartupArgs* out, std::string* error) {
  out->flag_args.push_back(argv[0]);
  int i = 1;
  if (argc > 1 && argv[1][0] != '-') {
    char resolved[PATH_MAX];
    out->config_file = realpath(argv[1], resolved) ? resolved : argv[1];
    if (!ReadConfigFile(out->config_file, out, error)) return false;
    i = 2;
  }
  while (i < argc) {
    std::string_view arg = argv[i++];
    if (arg.size() < 3 || arg.substr(0, 2) != "--") {
      // A single-dash flag (absl takes -name too) or a stray word: absl reports it.
      out->flag_args.emplace_back(arg);
      continue;
    }
    std::string name(arg.substr(2));
    std::vector<std::string> values;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      values.push_back(name.substr(eq + 1));
      name.resize(eq);
    }
    // Redis's form: every word up to the next --option is a value (`--save 900 1`,
    // `--bind 127.0.0.1 ::1`); "-2" is a value too.
    while (i < argc && std::string_view(argv[i]).substr(0, 2) != "--") values.push_back(argv[i++]);
    if (!ArgDirective(std::move(name), std::move(values), out, error)) return false;
  }
  return true;
}

}  // namespace lw
