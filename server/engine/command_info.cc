#include "server/engine/command_info.h"

#include <absl/container/flat_hash_map.h>

#include <deque>
#include <string>

#include "base/logging.h"
#include "base/str_util.h"

namespace lw {

namespace {

struct Index {
  std::deque<CommandInfo> all;  // stable addresses
  absl::flat_hash_map<std::string, const CommandInfo*> by_name;
};

const Index& GetIndex() {
  static const Index* index = [] {
    auto* idx = new Index;
    for (auto* group : {command_table::Strings, command_table::Keyspace, command_table::Sets,
                        command_table::Connection, command_table::Server}) {
      for (CommandInfo& info : group()) idx->all.push_back(std::move(info));
    }
    // A subcommand follows its parent in the table; link it there.
    absl::flat_hash_map<std::string_view, CommandInfo*> parents;
    for (CommandInfo& info : idx->all) {
      idx->by_name.emplace(std::string(info.name), &info);
      size_t bar = info.name.find('|');
      if (bar == std::string_view::npos) {
        parents[info.name] = &info;
        continue;
      }
      auto it = parents.find(info.name.substr(0, bar));
      CHECK(it != parents.end()) << "subcommand before its parent: " << info.name;
      it->second->subcommands.push_back(&info);
    }
    return idx;
  }();
  return *index;
}

int ToInt(std::string_view word) {
  int64_t v = 0;
  CHECK(ParseRedisInt(word, &v)) << "bad number in the command table: " << word;
  return int(v);
}

}  // namespace

std::vector<std::string_view> CommandInfo::Words(std::string_view list) {
  std::vector<std::string_view> out;
  while (!list.empty()) {
    size_t sp = list.find(' ');
    std::string_view w = list.substr(0, sp);
    if (!w.empty()) out.push_back(w);
    list = sp == std::string_view::npos ? std::string_view() : list.substr(sp + 1);
  }
  return out;
}

bool CommandInfo::HasWord(std::string_view list, std::string_view word) {
  for (std::string_view w : Words(list)) {
    if (w == word) return true;
  }
  return false;
}

KeySpecSearch ParseKeySpec(const KeySpecInfo& spec) {
  KeySpecSearch s;
  std::vector<std::string_view> b = CommandInfo::Words(spec.begin);
  if (b[0] == "index" && b.size() == 2) {
    s.begin = KeySpecSearch::kIndex;
    s.index = ToInt(b[1]);
  } else if (b[0] == "keyword" && b.size() == 3) {
    s.begin = KeySpecSearch::kKeyword;
    s.keyword = b[1];
    s.startfrom = ToInt(b[2]);
  }
  std::vector<std::string_view> f = CommandInfo::Words(spec.find);
  if (f[0] == "range" && f.size() == 4) {
    s.find = KeySpecSearch::kRange;
    s.lastkey = ToInt(f[1]);
    s.keystep = ToInt(f[2]);
    s.limit = ToInt(f[3]);
  } else if (f[0] == "keynum" && f.size() == 4) {
    s.find = KeySpecSearch::kKeynum;
    s.keynumidx = ToInt(f[1]);
    s.firstkey = ToInt(f[2]);
    s.keystep = ToInt(f[3]);
  }
  return s;
}

const CommandInfo* FindCommandInfo(std::string_view name) {
  const Index& idx = GetIndex();
  auto it = idx.by_name.find(AsciiLower(name));
  return it == idx.by_name.end() ? nullptr : it->second;
}

}  // namespace lw
