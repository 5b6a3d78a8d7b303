// Start-up arguments as redis-server takes them: `lacewing [/path/lacewing.conf] [--name value
// ...]`. The config file has one directive per line with the names CONFIG uses (`port 7000`,
// `maxmemory 2gb`, `bind 127.0.0.1 ::1`), `#` comments, and Redis's quoting ("a b", 'x',
// "\x00"). A directive or `--name value...` argument goes, by its name (dashes read as
// underscores), to the flag of main.cc that carries it (port, bind, maxmemory, databases...),
// else to the CONFIG settings table (server/families/config_family.h: maxclients, timeout,
// maxmemory-policy...), so a flag or a CONFIG setting added later is a directive at once.
// The file comes first and the command line overrides it, as in Redis. An unknown directive or
// an invalid value stops start-up, naming the line.
// Thread-safety: main thread, before the server starts.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lw {

// A `user NAME rule...` directive (repeatable, unlike the others): its words after "user",
// and where it came from for a FATAL CONFIG FILE ERROR (checked once the command table exists).
struct UserDirective {
  std::vector<std::string> words;
  std::string where, text;
};

struct StartupArgs {
  std::string config_file;  // absolute path; empty when none was given
  // What absl::ParseCommandLine gets: argv[0], then every flag as `--flag=value`.
  std::vector<std::string> flag_args;
  // CONFIG-named settings no flag carries, checked, file first then command line.
  std::vector<std::pair<std::string, std::string>> settings;
  std::vector<UserDirective> users;  // file first, then command line
};

// Reads argv (and the config file it names). Config-file directives for flags are applied to
// the flags at once (absl's ParseCommandLine, run afterwards, lets the command line win).
// Returns false with *error set (a "FATAL CONFIG FILE ERROR" text like Redis's) on an
// unreadable file, an unknown directive or an invalid value.
bool ReadStartupArgs(int argc, char** argv, StartupArgs* out, std::string* error);

// Splits one config-file line into words as Redis does (sdssplitargs): blanks separate words,
// "double quotes" take \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes' take \'.
// Returns false on unbalanced quotes or a quote not followed by a blank.
bool SplitConfigLine(const std::string& line, std::vector<std::string>* words);

// Redis's "*** FATAL CONFIG FILE ERROR ***" text for a directive.
std::string FatalConfigError(std::string_view where, std::string_view text,
                             std::string_view reason);

}  // namespace lw
