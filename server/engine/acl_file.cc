#include "server/engine/acl_file.h"

#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <absl/container/flat_hash_set.h>

namespace lw {

namespace {

std::vector<std::string> SplitWords(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && isspace(static_cast<unsigned char>(line[i]))) ++i;
    size_t start = i;
    while (i < line.size() && !isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i > start) out.emplace_back(line.substr(start, i - start));
  }
  return out;
}

// One `user` line into `users`; appends Redis's messages for its errors to `errors`.
void LoadLine(const AclRegistry& reg, const std::string& file, int linenum,
              const std::vector<std::string>& words, std::vector<acl::User>* users,
              std::string* errors) {
  const acl::CommandTable& table = reg.table();
  std::string where = file + ":" + std::to_string(linenum);
  if (words.size() < 2 || words[0] != "user") {
    errors->append(where + " should start with user keyword followed by the username. ");
    return;
  }
  std::vector<std::string_view> views(words.begin() + 2, words.end());
  std::vector<std::string> rules;
  std::string bad;
  if (!acl::MergeSelectorArgs(views, &rules, &bad)) {
    errors->append(where + ": Unmatched parenthesis in selector definition.");
    return;
  }
  acl::User u = acl::NewUser(words[1], table);
  bool syntax_error = false;
  for (const std::string& r : rules) {
    std::string err = acl::ApplyRule(&u, r, table);
    if (err.empty()) continue;
    if (err == "Unknown command or category name in ACL") {
      errors->append(where + ": Error in applying operation '" + r + "': " + err + ". ");
    } else if (!syntax_error) {
      errors->append(where + ": " + err + ". ");
      syntax_error = true;
    }
  }
  u.Finish();
  users->push_back(std::move(u));
}

}  // namespace

std::string LoadAclFile(AclRegistry* registry) {
  const std::string& file = registry->aclfile();
  std::ifstream in(file);
  if (!in) {
    return "Error loading ACLs, opening file '" + file + "': " + std::string(strerror(errno));
  }
  std::vector<acl::User> users;
  absl::flat_hash_set<std::string> seen;
  std::string errors, line;
  int linenum = 0;
  while (std::getline(in, line)) {
    ++linenum;
    std::vector<std::string> words = SplitWords(line);
    if (words.empty()) continue;
    if (words.size() >= 2 && words[0] == "user" && !seen.insert(words[1]).second) {
      errors.append("WARNING: Duplicate user '" + words[1] + "' found on line " +
                    std::to_string(linenum) + ". ");
      break;
    }
    LoadLine(*registry, file, linenum, words, &users, &errors);
  }
  if (!errors.empty()) {
    return errors +
           "WARNING: ACL errors detected, no change to the previously active ACL rules was "
           "performed";
  }
  registry->ReplaceAll(std::move(users));
  return "";
}

namespace {
constexpr std::string_view kUnknownRule = "Unknown command or category name in ACL";
}  // namespace

std::string CheckConfigUser(const acl::CommandTable& table, const std::vector<std::string>& words,
                            const std::vector<std::string>& seen) {
  // Redis names argv[j] (argv[0] is "user") for a failure of the j-th merged rule.
  auto error = [&](size_t j, std::string_view reason) {
    std::string word = j == 0 ? "user" : j <= words.size() ? words[j - 1] : "";
    return "Error in user declaration '" + word + "': " + std::string(reason);
  };
  if (std::find(seen.begin(), seen.end(), words[0]) != seen.end()) {
    return error(1, "Duplicate user found. A user can only be defined once in config files");
  }
  std::vector<std::string_view> views(words.begin() + 1, words.end());
  std::vector<std::string> rules;
  std::string bad;
  if (!acl::MergeSelectorArgs(views, &rules, &bad)) {
    // Redis 7.0.15 reports an unmatched parenthesis with this (stale) reason.
    size_t at = std::find(views.begin(), views.end(), bad) - views.begin();
    return error(at, kUnknownRule);
  }
  acl::User fake = acl::NewUser("", table);
  for (size_t j = 0; j < rules.size(); ++j) {
    std::string err = acl::ApplyRule(&fake, rules[j], table);
    if (!err.empty() && err != kUnknownRule) return error(j, err);
  }
  return "";
}

std::string LoadConfigUsers(AclRegistry* registry,
                            const std::vector<std::vector<std::string>>& directives) {
  const acl::CommandTable& table = registry->table();
  for (const std::vector<std::string>& words : directives) {
    const std::string& name = words[0];
    for (char c : name) {
      if (c == 0 || isspace(static_cast<unsigned char>(c))) {
        return "Spaces not allowed in ACL usernames";
      }
    }
    std::vector<std::string_view> views(words.begin() + 1, words.end());
    std::vector<std::string> rules;
    std::string bad;
    acl::MergeSelectorArgs(views, &rules, &bad);  // CheckConfigUser saw them balanced
    acl::User probe = acl::NewUser(name, table);
    for (const std::string& r : rules) {
      std::string err = acl::ApplyRule(&probe, r, table);
      if (!err.empty()) {
        return "Error loading ACL rule '" + r + "' for the user named '" + name + "': " + err;
      }
    }
    // As Redis: the default user exists already and is reset; any other is created.
    if (name == "default") rules.insert(rules.begin(), "reset");
    std::string err = registry->SetUser(name, rules);
    if (!err.empty()) return err;
  }
  return "";
}

std::string SaveAclFile(AclRegistry* registry) {
  const std::string& file = registry->aclfile();
  std::string text;
  for (const auto& u : registry->All()) {
    text += acl::DescribeUser(*u, registry->table()) + "\n";
  }
  std::string tmp = file + ".tmp-" + std::to_string(getpid());
  FILE* f = fopen(tmp.c_str(), "w");
  if (f == nullptr) {
    return "Opening temp ACL file for ACL SAVE: " + std::string(strerror(errno));
  }
  bool ok = fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = fflush(f) == 0 && ok;
  ok = fsync(fileno(f)) == 0 && ok;
  fclose(f);
  if (!ok || rename(tmp.c_str(), file.c_str()) != 0) {
    std::string err = strerror(errno);
    unlink(tmp.c_str());
    return "Writing ACL file for ACL SAVE: " + err;
  }
  return "";
}

}  // namespace lw
