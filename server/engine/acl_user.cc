#include "server/engine/acl_user.h"

#include <algorithm>

#include <absl/container/inlined_vector.h>

#include "base/sha256.h"
#include "base/str_util.h"
#include "server/engine/command_keys.h"
#include "server/types/glob.h"

namespace lw::acl {

KeyPattern::KeyPattern(uint8_t p, std::string pat) : perms(p), pattern(std::move(pat)) {
  size_t special = pattern.find_first_of("*?[\\");
  if (special == std::string::npos) {
    shape = kExact;
  } else if (special == pattern.size() - 1 && pattern.back() == '*') {
    shape = kPrefix;
  }
}

bool KeyPattern::Matches(std::string_view key) const {
  switch (shape) {
    case kExact:
      return key == pattern;
    case kPrefix:
      return key.substr(0, pattern.size() - 1) ==
             std::string_view(pattern).substr(0, pattern.size() - 1);
    case kGlob:
      break;
  }
  return glob::Match(pattern, key);
}

int CategoryIndex(std::string_view name) {
  for (int i = 0; i < kNumCategories; ++i) {
    if (EqualsIgnoreCase(kCategories[i], name)) return i;
  }
  return -1;
}

uint32_t CategoriesFromFlags(uint32_t flags) {
  uint32_t bits = 0;
  auto add = [&](std::string_view c) { bits |= 1u << CategoryIndex(c); };
  if (flags & cmd::kWrite) add("write");
  if (flags & cmd::kReadOnly) add("read");
  if (flags & cmd::kAdmin) add("admin"), add("dangerous");
  if (flags & cmd::kPubSub) add("pubsub");
  if (flags & cmd::kBlocking) add("blocking");
  add((flags & cmd::kFast) ? "fast" : "slow");
  return bits;
}

namespace {

uint32_t CategoriesOf(std::string_view acl) {
  uint32_t bits = 0;
  for (std::string_view w : CommandInfo::Words(acl)) {
    int i = CategoryIndex(w);
    if (i >= 0) bits |= 1u << i;
  }
  return bits;
}

uint8_t PermsOf(std::string_view key_flags) {
  uint8_t p = 0;
  for (std::string_view w : CommandInfo::Words(key_flags)) {
    if (w == "access") p |= kRead;
    if (w == "insert" || w == "delete" || w == "update") p |= kWrite;
  }
  return p;
}

void PrepareKeys(CommandTable::Entry* e) {
  if (e->info == nullptr) {
    e->has_keys = e->parent < 0 && e->spec->first_key > 0;
    return;
  }
  const CommandInfo& info = *e->info;
  e->has_keys = !info.key_specs.empty();
  e->is_set = info.name == "set";
  e->special_keys = info.name == "bitfield" || info.name == "sort" || info.name == "sort_ro";
  for (const KeySpecInfo& ks : info.key_specs) {
    e->specs.push_back(ParseKeySpec(ks));
    e->spec_perms.push_back(PermsOf(ks.flags));
  }
  if (e->specs.size() == 1 && e->specs[0].begin == KeySpecSearch::kIndex &&
      e->specs[0].find == KeySpecSearch::kRange && e->specs[0].lastkey == 0 &&
      e->specs[0].index > 0 && !e->is_set && !e->special_keys) {
    e->single_key = e->specs[0].index;
    e->single_perms = e->spec_perms[0];
  }
}

ChannelArgs ChannelsOf(std::string_view name) {
  if (name == "publish" || name == "spublish") return ChannelArgs::kPublish;
  if (name == "subscribe" || name == "ssubscribe") return ChannelArgs::kSubscribe;
  if (name == "psubscribe") return ChannelArgs::kPatterns;
  return ChannelArgs::kNone;
}

}  // namespace

CommandTable::CommandTable(const CommandRegistry& registry) {
  std::vector<const CommandSpec*> all = registry.All();
  spec_ids_.assign(all.size(), -1);
  for (const CommandSpec* spec : all) {
    Entry e;
    e.name = spec->name;
    e.spec = spec;
    e.info = spec->info;
    e.categories = spec->info ? CategoriesOf(spec->info->acl) : CategoriesFromFlags(spec->flags);
    e.no_auth = (spec->flags & cmd::kNoAuth) ||
                (spec->info && CommandInfo::HasWord(spec->info->flags, "no_auth"));
    e.channels = ChannelsOf(spec->name);
    int id = int(entries_.size());
    if (spec->id >= spec_ids_.size()) spec_ids_.resize(spec->id + 1, -1);
    spec_ids_[spec->id] = id;
    entries_.push_back(std::move(e));
    if (spec->info == nullptr) continue;
    for (const CommandInfo* sub : spec->info->subcommands) {
      Entry s;
      s.name = std::string(sub->name);
      s.info = sub;
      s.spec = spec;
      s.parent = id;
      s.categories = CategoriesOf(sub->acl);
      s.no_auth = CommandInfo::HasWord(sub->flags, "no_auth");
      entries_[id].subs.push_back(int(entries_.size()));
      entries_.push_back(std::move(s));
    }
  }
  for (size_t i = 0; i < entries_.size(); ++i) {
    PrepareKeys(&entries_[i]);
    index_[entries_[i].name] = int(i);
  }
  AddRedisOnly();
  for (size_t i = 0; i < entries_.size(); ++i) by_name_.push_back(int(i));
  std::sort(by_name_.begin(), by_name_.end(),
            [&](int a, int b) { return entries_[a].name < entries_[b].name; });
}

void CommandTable::AddRedisOnly() {
  std::string_view rest = kRedisAclCommands;
  while (!rest.empty()) {
    std::string_view line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), line.size() + 1));
    if (line.empty()) continue;
    std::string_view name = line.substr(0, line.find(' '));
    std::string_view cats = line.substr(name.size());
    auto it = index_.find(std::string(name));
    if (it != index_.end()) {
      entries_[it->second].in_redis = true;
      continue;
    }
    Entry e;
    e.name = std::string(name);
    e.categories = CategoriesOf(cats);
    e.in_redis = true;
    if (size_t bar = name.find('|'); bar != std::string_view::npos) {
      auto parent = index_.find(std::string(name.substr(0, bar)));
      if (parent == index_.end()) continue;  // the generated list has parents first
      e.parent = parent->second;
      entries_[e.parent].subs.push_back(int(entries_.size()));
    }
    index_[e.name] = int(entries_.size());
    entries_.push_back(std::move(e));
  }
}

int CommandTable::Find(std::string_view name) const {
  auto it = index_.find(AsciiLower(name));
  return it == index_.end() ? -1 : it->second;
}

int CommandTable::IdFor(const CommandSpec& spec, CmdArgs args) const {
  int id = spec.id < spec_ids_.size() ? spec_ids_[spec.id] : -1;
  if (id < 0) return -1;
  const Entry& e = entries_[id];
  if (e.subs.empty() || args.size() < 2) return id;
  for (int sub : e.subs) {
    if (entries_[sub].spec == nullptr) continue;  // a subcommand Lacewing lacks
    std::string_view n = entries_[sub].name;
    if (EqualsIgnoreCase(n.substr(n.find('|') + 1), args[1])) return sub;
  }
  return id;  // unknown subcommand: the command itself reports it
}

void User::Finish() {
  const Selector& r = selectors[0];
  full = r.all_commands && r.all_keys && r.all_channels;
}

bool User::CheckPassword(std::string_view pass) const {
  if (nopass) return true;
  std::string hash = Sha256Hex(pass);
  return std::find(passwords.begin(), passwords.end(), hash) != passwords.end();
}

namespace {

Selector NewSelector(const CommandTable& table) {
  Selector s;
  s.allowed.assign((table.size() + 63) / 64, 0);
  s.firstargs.resize(table.size());
  return s;
}

// Redis's ACLChangeSelectorPerm: the command and, for a container, all its subcommands.
void ChangePerm(Selector* s, const CommandTable& table, int id, bool on) {
  if (!on) s->all_commands = false;
  s->SetBit(id, on);
  s->firstargs[id].clear();
  for (int sub : table.at(id).subs) {
    s->SetBit(sub, on);
    s->firstargs[sub].clear();
  }
}

void ChangeCategory(Selector* s, const CommandTable& table, int cat, bool on) {
  for (size_t id = 0; id < table.size(); ++id) {
    if (table.at(int(id)).categories & (1u << cat)) ChangePerm(s, table, int(id), on);
  }
}

bool ValidHash(std::string_view h) {
  if (h.size() != 64) return false;
  for (char c : h) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool HasSpaces(std::string_view s) {
  for (char c : s) {
    if (isspace(static_cast<unsigned char>(c)) || c == 0) return true;
  }
  return false;
}

constexpr std::string_view kSyntax = "Syntax error";
constexpr std::string_view kUnknown = "Unknown command or category name in ACL";
constexpr std::string_view kAfterAllKeys =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have "
    "any effect. Try 'resetkeys' to start with an empty list of patterns";
constexpr std::string_view kAfterAllChannels =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not "
    "have any effect. Try 'resetchannels' to start with an empty list of channels";

std::string KeyRule(Selector* s, std::string_view op) {
  if (s->all_keys) return std::string(kAfterAllKeys);
  uint8_t perms = 0;
  size_t off = 1;
  if (op[0] == '%') {
    for (; off < op.size(); ++off) {
      char c = char(toupper(static_cast<unsigned char>(op[off])));
      if (c == 'R' && !(perms & kRead)) {
        perms |= kRead;
      } else if (c == 'W' && !(perms & kWrite)) {
        perms |= kWrite;
      } else if (op[off] == '~') {
        ++off;
        break;
      } else {
        return std::string(kSyntax);
      }
    }
    if (perms == 0) return std::string(kSyntax);
  } else {
    perms = kReadWrite;
  }
  std::string_view pat = op.substr(std::min(off, op.size()));
  if (HasSpaces(pat)) return std::string(kSyntax);
  if (pat == "*" && perms == kReadWrite) {
    s->all_keys = true;
    s->keys.clear();
    return "";
  }
  for (KeyPattern& k : s->keys) {
    if (k.pattern == pat) return k.perms |= perms, "";
  }
  s->keys.emplace_back(perms, std::string(pat));
  return "";
}

std::string CommandRule(Selector* s, std::string_view op, const CommandTable& table) {
  bool on = op[0] == '+';
  if (op.size() > 1 && op[1] == '@') {
    if (EqualsIgnoreCase(op.substr(2), "all")) {
      for (size_t id = 0; id < table.size(); ++id) ChangePerm(s, table, int(id), on);
      s->all_commands = s->future = on;
      return "";
    }
    int cat = CategoryIndex(op.substr(2));
    if (cat < 0) return std::string(kUnknown);
    ChangeCategory(s, table, cat, on);
    return "";
  }
  std::string_view name = op.substr(1);
  int id = table.Find(name);
  if (id >= 0) {
    ChangePerm(s, table, id, on);
    return "";
  }
  size_t bar = name.find('|');
  if (!on || bar == std::string_view::npos) return std::string(kUnknown);
  int parent = table.Find(name.substr(0, bar));
  if (parent < 0 || table.at(parent).parent >= 0) return std::string(kUnknown);
  std::string_view first = name.substr(bar + 1);
  if (first.empty() || first.find('|') != std::string_view::npos) return std::string(kSyntax);
  if (!table.at(parent).subs.empty()) return std::string(kUnknown);
  // First-arg rule (`+select|0`) of a command without subcommands.
  std::vector<std::string>& fa = s->firstargs[parent];
  if (std::find(fa.begin(), fa.end(), first) == fa.end()) {
    fa.emplace_back(first);
  }
  return "";
}

std::string SelectorRule(Selector* s, std::string_view op, const CommandTable& table) {
  if (EqualsIgnoreCase(op, "allkeys") || op == "~*") {
    s->all_keys = true;
    s->keys.clear();
  } else if (EqualsIgnoreCase(op, "resetkeys")) {
    s->all_keys = false;
    s->keys.clear();
  } else if (EqualsIgnoreCase(op, "allchannels") || op == "&*") {
    s->all_channels = true;
    s->channels.clear();
  } else if (EqualsIgnoreCase(op, "resetchannels")) {
    s->all_channels = false;
    s->channels.clear();
  } else if (EqualsIgnoreCase(op, "allcommands")) {
    return CommandRule(s, "+@all", table);
  } else if (EqualsIgnoreCase(op, "nocommands")) {
    return CommandRule(s, "-@all", table);
  } else if (op[0] == '~' || op[0] == '%') {
    return KeyRule(s, op);
  } else if (op[0] == '&') {
    if (s->all_channels) return std::string(kAfterAllChannels);
    std::string_view pat = op.substr(1);
    if (HasSpaces(pat)) return std::string(kSyntax);
    if (std::find(s->channels.begin(), s->channels.end(), pat) == s->channels.end()) {
      s->channels.emplace_back(pat);
    }
  } else if (op[0] == '+' || op[0] == '-') {
    return CommandRule(s, op, table);
  } else {
    return std::string(kSyntax);
  }
  return "";
}

// A `(...)` selector: its space-separated rules on a new selector.
std::string NewSelectorRule(User* u, std::string_view op, const CommandTable& table) {
  Selector s = NewSelector(table);
  std::string_view body = op.substr(1, op.size() - 2);
  for (std::string_view w : CommandInfo::Words(body)) {
    std::string err = SelectorRule(&s, w, table);
    if (!err.empty()) return err;
  }
  u->selectors.push_back(std::move(s));
  return "";
}

std::string PasswordRule(User* u, std::string_view op) {
  std::string hash;
  if (op[0] == '>' || op[0] == '<') {
    hash = Sha256Hex(op.substr(1));
  } else {
    hash = std::string(op.substr(1));
    if (!ValidHash(hash)) {
      return "The password hash must be exactly 64 characters and contain only lowercase "
             "hexadecimal characters";
    }
  }
  auto it = std::find(u->passwords.begin(), u->passwords.end(), hash);
  if (op[0] == '>' || op[0] == '#') {
    if (it == u->passwords.end()) u->passwords.push_back(hash);
    u->nopass = false;
  } else {
    if (it == u->passwords.end()) {
      return "The password you are trying to remove from the user does not exist";
    }
    u->passwords.erase(it);
    u->nopass = false;
  }
  return "";
}

}  // namespace

User NewUser(std::string_view name, const CommandTable& table) {
  User u;
  u.name = std::string(name);
  u.selectors.push_back(NewSelector(table));
  u.Finish();
  return u;
}

std::string ApplyRule(User* u, std::string_view op, const CommandTable& table) {
  if (op.empty()) return std::string(kSyntax);
  Selector* root = &u->selectors[0];
  if (EqualsIgnoreCase(op, "on")) {
    u->enabled = true;
  } else if (EqualsIgnoreCase(op, "off")) {
    u->enabled = false;
  } else if (EqualsIgnoreCase(op, "skip-sanitize-payload")) {
    u->sanitize = 2;
  } else if (EqualsIgnoreCase(op, "sanitize-payload")) {
    u->sanitize = 1;
  } else if (EqualsIgnoreCase(op, "nopass")) {
    u->nopass = true;
    u->passwords.clear();
  } else if (EqualsIgnoreCase(op, "resetpass")) {
    u->nopass = false;
    u->passwords.clear();
  } else if (op[0] == '>' || op[0] == '<' || op[0] == '#' || op[0] == '!') {
    return PasswordRule(u, op);
  } else if (op.size() >= 2 && op.front() == '(' && op.back() == ')') {
    return NewSelectorRule(u, op, table);
  } else if (EqualsIgnoreCase(op, "clearselectors")) {
    u->selectors.resize(1);
  } else if (EqualsIgnoreCase(op, "reset")) {
    u->passwords.clear();
    u->nopass = false;
    u->enabled = false;
    u->sanitize = 1;
    u->selectors.resize(1);
    *root = NewSelector(table);
  } else {
    return SelectorRule(root, op, table);
  }
  return "";
}

bool MergeSelectorArgs(std::span<const std::string_view> args, std::vector<std::string>* out,
                       std::string* bad) {
  std::string open;
  bool in_sel = false;
  for (std::string_view a : args) {
    if (!in_sel && !a.empty() && a[0] == '(' && a.back() != ')') {
      open = std::string(a);
      in_sel = true;
    } else if (in_sel) {
      open.append(" ").append(a);
      if (!a.empty() && a.back() == ')') {
        out->push_back(std::move(open));
        in_sel = false;
      }
    } else {
      out->emplace_back(a);
    }
  }
  if (in_sel) {
    *bad = open.substr(0, open.find(' '));
    return false;
  }
  return true;
}

}  // namespace lw::acl

namespace lw::acl {

namespace {

bool KeyAllowed(const Selector& s, std::string_view key, uint8_t need) {
  for (const KeyPattern& k : s.keys) {
    if ((k.perms & need) == need && k.Matches(key)) return true;
  }
  return false;
}

bool ChannelAllowed(const Selector& s, std::string_view chan, bool is_pattern) {
  for (const std::string& p : s.channels) {
    if (is_pattern ? p == chan : glob::Match(p, chan)) return true;
  }
  return false;
}

// The keys of a command line with the access each needs; computed once per check, on the
// first selector that restricts keys.
struct KeyCache {
  bool ready = false;
  absl::InlinedVector<std::pair<size_t, uint8_t>, 4> keys;  // argv index, perms needed

  void Fill(const CommandTable::Entry& e, CmdArgs args) {
    ready = true;
    if (e.is_set) {  // SET: the key is written, and read too with GET
      uint8_t p = kWrite;
      for (size_t i = 3; i < args.size(); ++i) {
        if (EqualsIgnoreCase(args[i], "get")) p |= kRead;
      }
      if (args.size() > 1) keys.push_back({1, p});
      return;
    }
    if (e.special_keys) {
      for (const FoundKey& k : FindKeys(*e.info, args)) keys.push_back({k.pos, PermsOf(k.flags)});
      return;
    }
    if (e.info != nullptr) {
      std::vector<FoundKey> found;
      for (size_t i = 0; i < e.specs.size(); ++i) {
        size_t before = found.size();
        // A spec that does not fit: no keys at all (the command reports its own error).
        if (!ApplyKeySpec(e.specs[i], {}, e.info->arity, args, &found)) return keys.clear();
        for (size_t j = before; j < found.size(); ++j)
          keys.push_back({found[j].pos, e.spec_perms[i]});
      }
      return;
    }
    const CommandSpec& spec = *e.spec;
    if (args.size() <= size_t(spec.first_key)) return;
    int last = spec.last_key < 0 ? int(args.size()) + spec.last_key : spec.last_key;
    int step = spec.key_step > 0 ? spec.key_step : 1;
    for (int i = spec.first_key; i <= last && i < int(args.size()); i += step) {
      keys.push_back({size_t(i), kReadWrite});
    }
  }
};

Verdict CheckSelector(const Selector& s, const CommandTable& table, int id, CmdArgs args,
                      KeyCache* cache, int* errpos) {
  const CommandTable::Entry& e = table.at(id);
  if (!s.all_commands && !e.no_auth && !s.Allowed(id)) {
    const std::vector<std::string>& fa = s.firstargs[id];
    bool ok = false;
    if (args.size() >= 2) {
      for (const std::string& a : fa) ok = ok || EqualsIgnoreCase(a, args[1]);
    }
    if (!ok) return Verdict::kCommand;
  }
  if (!s.all_keys && e.single_key > 0) {
    if (size_t(e.single_key) < args.size() && !KeyAllowed(s, args[e.single_key], e.single_perms)) {
      *errpos = e.single_key;
      return Verdict::kKey;
    }
  } else if (!s.all_keys && e.has_keys) {
    if (!cache->ready) cache->Fill(e, args);
    for (auto [pos, need] : cache->keys) {
      if (!KeyAllowed(s, args[pos], need)) {
        *errpos = int(pos);
        return Verdict::kKey;
      }
    }
  }
  if (!s.all_channels && e.channels != ChannelArgs::kNone) {
    size_t end =
        e.channels == ChannelArgs::kPublish ? std::min<size_t>(args.size(), 2) : args.size();
    for (size_t i = 1; i < end; ++i) {
      if (!ChannelAllowed(s, args[i], e.channels == ChannelArgs::kPatterns)) {
        *errpos = int(i);
        return Verdict::kChannel;
      }
    }
  }
  return Verdict::kOk;
}

}  // namespace

Verdict Check(const User& user, const CommandTable& table, int id, CmdArgs args, int* errpos) {
  KeyCache cache;
  Verdict worst = Verdict::kOk;
  int worst_pos = -1;
  for (const Selector& s : user.selectors) {
    int pos = -1;
    Verdict v = CheckSelector(s, table, id, args, &cache, &pos);
    if (v == Verdict::kOk) return v;
    if (worst == Verdict::kOk || v > worst || (v == worst && pos > worst_pos)) {
      worst = v;
      worst_pos = pos;
    }
  }
  *errpos = worst_pos;
  return worst;
}

namespace {

void CountCategory(const Selector& s, const CommandTable& t, int cat, size_t* on, size_t* off) {
  // Commands and subcommands, as Redis counts them, over Redis's commands only (with those
  // Lacewing lacks, without Lacewing's own): the same bits give the same categories.
  for (size_t id = 0; id < t.size(); ++id) {
    if (!t.at(int(id)).in_redis) continue;
    if (t.at(int(id)).categories & (1u << cat)) ++(s.Allowed(int(id)) ? *on : *off);
  }
}

}  // namespace

std::string DescribeCommands(const Selector& s, const CommandTable& t) {
  // Redis's best fit: start from +@all or -@all, add (remove) the category that matches the
  // remaining differences best while one does, then fix single commands.
  bool additive = !s.future;
  std::string rules = additive ? "-@all " : "+@all ";
  Selector fake = NewSelector(t);
  if (!additive) CommandRule(&fake, "+@all", t);
  Selector temp = NewSelector(t);
  temp.allowed = s.allowed;
  bool applied[kNumCategories] = {};
  while (true) {
    int best = -1;
    size_t mindiff = SIZE_MAX, maxsame = 0;
    for (int j = 0; j < kNumCategories; ++j) {
      if (applied[j]) continue;
      size_t on = 0, off = 0;
      CountCategory(temp, t, j, &on, &off);
      size_t diff = additive ? off : on, same = additive ? on : off;
      if (same > diff && (diff < mindiff || (diff == mindiff && same > maxsame))) {
        best = j;
        mindiff = diff;
        maxsame = same;
      }
    }
    if (best < 0) break;
    ChangeCategory(&fake, t, best, additive);
    ChangeCategory(&temp, t, best, !additive);
    rules.append(additive ? "+@" : "-@").append(kCategories[best]).append(" ");
    applied[best] = true;
  }
  for (int id : t.by_name()) {
    if (t.at(id).parent >= 0) continue;
    bool user = s.Allowed(id);
    if (user != fake.Allowed(id)) {
      rules.append(user ? "+" : "-").append(t.at(id).name).append(" ");
      ChangePerm(&fake, t, id, user);
    }
    for (int sub : t.at(id).subs) {
      bool ub = s.Allowed(sub);
      if (ub != fake.Allowed(sub)) {
        rules.append(ub ? "+" : "-").append(t.at(sub).name).append(" ");
        fake.SetBit(sub, ub);
      }
    }
  }
  for (int id : t.by_name()) {
    for (const std::string& a : s.firstargs[id]) {
      rules.append("+").append(t.at(id).name).append("|").append(a).append(" ");
    }
  }
  rules.pop_back();
  return rules;
}

std::string DescribeKeys(const Selector& s) {
  if (s.all_keys) return "~*";
  std::string out;
  for (const KeyPattern& k : s.keys) {
    if (!out.empty()) out.push_back(' ');
    out.append(k.perms == kReadWrite ? "~" : k.perms == kRead ? "%R~" : "%W~").append(k.pattern);
  }
  return out;
}

std::string DescribeChannels(const Selector& s) {
  if (s.all_channels) return "&*";
  std::string out;
  for (const std::string& c : s.channels) {
    if (!out.empty()) out.push_back(' ');
    out.append("&").append(c);
  }
  return out;
}

std::string DescribeSelector(const Selector& s, const CommandTable& t) {
  std::string out = DescribeKeys(s);
  if (!out.empty()) out.push_back(' ');
  if (!s.all_channels) out.append("resetchannels");
  std::string ch = DescribeChannels(s);
  if (!ch.empty()) out.append(out.empty() || out.back() == ' ' ? "" : " ").append(ch);
  out.append(" ").append(DescribeCommands(s, t));
  return out;
}

std::string DescribeUser(const User& u, const CommandTable& t) {
  std::string out = "user " + u.name + (u.enabled ? " on" : " off");
  if (u.nopass) out.append(" nopass");
  if (u.sanitize == 1) out.append(" sanitize-payload");
  if (u.sanitize == 2) out.append(" skip-sanitize-payload");
  for (const std::string& p : u.passwords) out.append(" #").append(p);
  out.append(" ").append(DescribeSelector(u.selectors[0], t));
  for (size_t i = 1; i < u.selectors.size(); ++i) {
    out.append(" (").append(DescribeSelector(u.selectors[i], t)).append(")");
  }
  return out;
}

}  // namespace lw::acl
