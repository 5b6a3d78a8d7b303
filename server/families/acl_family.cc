// ACL: SETUSER, GETUSER, DELUSER, USERS, LIST, WHOAMI, CAT, GENPASS, LOG, DRYRUN, LOAD, SAVE,
// HELP over the service's AclRegistry (server/engine/acl_registry.h), with Redis 7.0's
// replies. Enforcement is not here: Service::DispatchSpec and the script runner check every
// command against the client's user.
#include "server/families/acl_family.h"

#include <sys/random.h>

#include <algorithm>

#include "base/clock.h"
#include "base/str_util.h"
#include "server/engine/acl_file.h"
#include "server/engine/service.h"
#include "server/families/server_util.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"
#include "server/types/glob.h"

namespace lw {

namespace {

constexpr std::string_view kAclHelp[] = {
    "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CAT [<category>]",
    "    List all commands that belong to <category>, or all command categories",
    "    when no category is specified.",
    "DELUSER <username> [<username> ...]",
    "    Delete a list of users.",
    "DRYRUN <username> <command> [<arg> ...]",
    "    Returns whether the user can execute the given command without executing the command.",
    "GETUSER <username>",
    "    Get the user's details.",
    "GENPASS [<bits>]",
    "    Generate a secure 256-bit user password. The optional `bits` argument can",
    "    be used to specify a different size.",
    "LIST",
    "    Show users details in config file format.",
    "LOAD",
    "    Reload users from the ACL file.",
    "LOG [<count> | RESET]",
    "    Show the ACL log entries.",
    "SAVE",
    "    Save the current config to the ACL file.",
    "SETUSER <username> <attribute> [<attribute> ...]",
    "    Create or modify a user with the specified attributes.",
    "USERS",
    "    List all the registered usernames.",
    "WHOAMI",
    "    Return the current connection username.",
    "HELP",
    "    Prints this help.",
};

constexpr std::string_view kNoAclFile =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify users "
    "via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis "
    "configuration file set) in order to store users in the Redis configuration.";

// The name of the user a client runs as (a client that never ran a command yet has no
// snapshot: it is the default user).
std::string_view UserName(const ConnectionContext* c) {
  return c->user ? std::string_view(c->user->name) : "default";
}

// Disconnects every client, on every thread, for which `pred` holds (a brief on each thread,
// where pred reads that thread's clients). The caller's own connection is not killed under
// its feet: it closes once this reply is written.
template <typename Pred>
void KillClients(ConnectionContext* self, const Pred& pred) {
  Service* service = self->service;
  service->AwaitBriefOnAllClients([&](io::Proactor*) {
    std::vector<ClientControl*> kill;
    service->ForEachLocalClient([&](ConnectionContext* c) {
      if (c != self && c->control && pred(c)) kill.push_back(c->control);
    });
    for (ClientControl* k : kill) k->Kill();
  });
  if (pred(self)) self->close_after_reply = true;
}

// A selector's channel list as Redis keeps it: allchannels is the pattern "*".
void AppendChannels(const acl::Selector& s, std::vector<std::string_view>* out) {
  if (s.all_channels) return out->push_back("*");
  out->insert(out->end(), s.channels.begin(), s.channels.end());
}

// ACL SETUSER took channels away (Redis 7.0's ACLKillPubsubClientsIfNeeded): unless some
// selector still allows every channel or the new patterns include every old one, each
// subscribed client of the user whose channel no longer matches any of the new patterns (of
// any selector), or whose PSUBSCRIBE pattern is not literally one of them, is disconnected.
void KillRevokedSubscribers(const acl::User& before, const acl::User& after,
                            ConnectionContext* cntx) {
  std::vector<std::string_view> upcoming, old;
  for (const acl::Selector& s : after.selectors) {
    if (s.all_channels) return;
    AppendChannels(s, &upcoming);
  }
  for (const acl::Selector& s : before.selectors) AppendChannels(s, &old);
  auto listed = [&](std::string_view p) {
    return std::find(upcoming.begin(), upcoming.end(), p) != upcoming.end();
  };
  if (std::all_of(old.begin(), old.end(), listed)) return;
  auto allowed = [&](std::string_view name, bool is_pattern) {
    if (is_pattern) return listed(name);
    return std::any_of(upcoming.begin(), upcoming.end(),
                       [&](std::string_view p) { return glob::Match(p, name); });
  };
  KillClients(cntx, [&](const ConnectionContext* c) {
    if (!c->subscribed() || !c->pubsub || UserName(c) != after.name) return false;
    bool revoked = false;
    c->pubsub->ForEachSubscription([&](std::string_view name, bool is_pattern) {
      revoked = !allowed(name, is_pattern);
      return !revoked;
    });
    return revoked;
  });
}

void SetUser(CmdArgs args, ConnectionContext* cntx) {
  std::string_view name = args[2];
  for (char c : name) {
    if (c == 0 || isspace(static_cast<unsigned char>(c))) {
      return cntx->rb->SendError("ERR Usernames can't contain spaces or null characters");
    }
  }
  std::vector<std::string> rules;
  std::string bad;
  if (!acl::MergeSelectorArgs(args.subspan(3), &rules, &bad)) {
    return cntx->rb->SendError("ERR Unmatched parenthesis in acl selector starting at '" + bad +
                               "'.");
  }
  std::shared_ptr<const acl::User> before, after;
  std::string err = cntx->service->acl().SetUser(name, rules, &before, &after);
  if (!err.empty()) return cntx->rb->SendError(err);
  if (before) KillRevokedSubscribers(*before, *after, cntx);
  cntx->rb->SendOk();
}

void SendSelector(ReplyBuilder* rb, const acl::Selector& s, const acl::CommandTable& t) {
  rb->SendBulk("commands");
  rb->SendBulk(acl::DescribeCommands(s, t));
  rb->SendBulk("keys");
  rb->SendBulk(acl::DescribeKeys(s));
  rb->SendBulk("channels");
  rb->SendBulk(acl::DescribeChannels(s));
}

void GetUser(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  std::shared_ptr<const acl::User> u = cntx->service->acl().Get(args[2]);
  if (u == nullptr) return rb->SendNull();
  const acl::CommandTable& t = cntx->service->acl().table();
  rb->StartMap(6);
  rb->SendBulk("flags");
  std::vector<std::string_view> flags = {u->enabled ? "on" : "off"};
  if (u->nopass) flags.push_back("nopass");
  if (u->sanitize == 2) flags.push_back("skip-sanitize-payload");
  if (u->sanitize == 1) flags.push_back("sanitize-payload");
  rb->StartArray(flags.size());
  for (std::string_view f : flags) rb->SendBulk(f);
  rb->SendBulk("passwords");
  rb->StartArray(u->passwords.size());
  for (const std::string& p : u->passwords) rb->SendBulk(p);
  SendSelector(rb, u->selectors[0], t);
  rb->SendBulk("selectors");
  rb->StartArray(u->selectors.size() - 1);
  for (size_t i = 1; i < u->selectors.size(); ++i) {
    rb->StartMap(3);
    SendSelector(rb, u->selectors[i], t);
  }
}

void DelUser(CmdArgs args, ConnectionContext* cntx) {
  std::vector<std::string_view> names(args.begin() + 2, args.end());
  for (std::string_view n : names) {
    if (n == "default") return cntx->rb->SendError("ERR The 'default' user cannot be removed");
  }
  int n = cntx->service->acl().DelUsers(names);
  // As Redis: the clients authenticated as a deleted user are disconnected (this one after
  // its reply).
  if (n > 0) {
    KillClients(cntx, [&](const ConnectionContext* c) {
      return c->user && std::find(names.begin(), names.end(), c->user->name) != names.end();
    });
  }
  cntx->rb->SendLong(n);
}

void Cat(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  if (args.size() == 2) {
    rb->StartArray(acl::kNumCategories);
    for (std::string_view c : acl::kCategories) rb->SendBulk(c);
    return;
  }
  int cat = acl::CategoryIndex(args[2]);
  if (cat < 0) return rb->SendError("ERR Unknown category '" + std::string(args[2]) + "'");
  const acl::CommandTable& t = cntx->service->acl().table();
  std::vector<std::string_view> names;
  for (size_t id = 0; id < t.size(); ++id) {
    const acl::CommandTable::Entry& e = t.at(int(id));
    // Lacewing's commands only: the table also names Redis's others, for rules.
    if (e.spec != nullptr && (e.categories & (1u << cat))) names.push_back(e.name);
  }
  rb->StartArray(names.size());
  for (std::string_view n : names) rb->SendBulk(n);
}

void GenPass(CmdArgs args, ConnectionContext* cntx) {
  int64_t bits = 256;
  if (args.size() == 3 && !ParseRedisInt(args[2], &bits)) {
    return cntx->rb->SendError(errors::kNotInteger);
  }
  if (bits <= 0 || bits > 4096) {
    return cntx->rb->SendError(
        "ERR ACL GENPASS argument must be the number of bits for the output password, a "
        "positive number up to 4096");
  }
  size_t chars = size_t(bits + 3) / 4;
  std::string raw((chars + 1) / 2, '\0');
  size_t got = 0;
  while (got < raw.size()) {
    ssize_t r = getrandom(raw.data() + got, raw.size() - got, 0);
    if (r > 0) got += size_t(r);
  }
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) out.append({kHex[c >> 4], kHex[c & 15]});
  out.resize(chars);
  cntx->rb->SendBulk(out);
}

void Log(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  AclRegistry& reg = cntx->service->acl();
  int64_t count = 10;
  if (args.size() == 3) {
    if (EqualsIgnoreCase(args[2], "reset")) {
      reg.ResetLog();
      return rb->SendOk();
    }
    if (!ParseRedisInt(args[2], &count)) return rb->SendError(errors::kNotInteger);
  }
  std::vector<AclRegistry::LogEntry> entries = reg.LogEntries(size_t(std::max<int64_t>(count, 0)));
  int64_t now = UnixNowMs();
  rb->StartArray(entries.size());
  for (const AclRegistry::LogEntry& e : entries) {
    rb->StartMap(7);
    rb->SendBulk("count");
    rb->SendLong(int64_t(e.count));
    rb->SendBulk("reason");
    rb->SendBulk(e.reason);
    rb->SendBulk("context");
    rb->SendBulk(e.context);
    rb->SendBulk("object");
    rb->SendBulk(e.object);
    rb->SendBulk("username");
    rb->SendBulk(e.username);
    rb->SendBulk("age-seconds");
    rb->SendDouble(double(now - e.ctime_ms) / 1000.0);
    rb->SendBulk("client-info");
    rb->SendBulk(e.client_info);
  }
}

void DryRun(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  AclRegistry& reg = cntx->service->acl();
  std::shared_ptr<const acl::User> u = reg.Get(args[2]);
  if (u == nullptr) return rb->SendError("ERR User '" + std::string(args[2]) + "' not found");
  CmdArgs cmd = args.subspan(3);
  const CommandSpec* spec = cntx->service->registry().Find(cmd[0]);
  int id = spec ? reg.table().IdFor(*spec, cmd) : -1;
  bool unknown_sub = id >= 0 && !reg.table().at(id).subs.empty() && cmd.size() >= 2;
  if (id < 0 || unknown_sub) {
    return rb->SendError("ERR Command '" + std::string(cmd[0]) + "' not found");
  }
  const CommandInfo* info = reg.table().at(id).info;
  bool arity_ok = info ? (info->arity >= 0 ? cmd.size() == size_t(info->arity)
                                           : cmd.size() >= size_t(-info->arity))
                       : spec->ArityOk(cmd.size());
  if (!arity_ok) return rb->SendError(errors::WrongArity(reg.table().at(id).name));
  int pos = -1;
  acl::Verdict v = acl::Check(*u, reg.table(), id, cmd, &pos);
  if (v == acl::Verdict::kOk) return rb->SendOk();
  if (v == acl::Verdict::kCommand) {
    return rb->SendBulk("This user has no permissions to run the '" + reg.table().at(id).name +
                        "' command");
  }
  std::string what = v == acl::Verdict::kKey ? "' key" : "' channel";
  rb->SendBulk("This user has no permissions to access the '" + std::string(cmd[pos]) + what);
}

void LoadOrSave(bool load, ConnectionContext* cntx) {
  AclRegistry& reg = cntx->service->acl();
  if (reg.aclfile().empty()) return cntx->rb->SendError(kNoAclFile);
  std::string err = load ? LoadAclFile(&reg) : SaveAclFile(&reg);
  if (!err.empty()) return cntx->rb->SendError("ERR " + err);
  // As Redis 7.0: a successful ACL LOAD replaces every user but "default" (whose new rules are
  // copied into the old one), so every client authenticated as another user is disconnected,
  // changed or not; the default user's clients stay, whatever their subscriptions.
  if (load) KillClients(cntx, [](const ConnectionContext* c) { return UserName(c) != "default"; });
  cntx->rb->SendOk();
}

// Each subcommand with its arity (Redis's, as in the command table).
struct Sub {
  std::string_view name;
  int arity;
  void (*fn)(CmdArgs, ConnectionContext*);
};

const Sub kSubs[] = {
    {"setuser", -3, SetUser},
    {"getuser", 3, GetUser},
    {"deluser", -3, DelUser},
    {"users", 2,
     [](CmdArgs, ConnectionContext* cntx) {
       auto users = cntx->service->acl().All();
       cntx->rb->StartArray(users.size());
       for (const auto& u : users) cntx->rb->SendBulk(u->name);
     }},
    {"list", 2,
     [](CmdArgs, ConnectionContext* cntx) {
       auto users = cntx->service->acl().All();
       cntx->rb->StartArray(users.size());
       for (const auto& u : users) {
         cntx->rb->SendBulk(acl::DescribeUser(*u, cntx->service->acl().table()));
       }
     }},
    {"whoami", 2,
     [](CmdArgs, ConnectionContext* cntx) {
       cntx->rb->SendBulk(cntx->user ? std::string_view(cntx->user->name) : "default");
     }},
    {"cat", -2, Cat},
    {"genpass", -2, GenPass},
    {"log", -2, Log},
    {"dryrun", -4, DryRun},
    {"load", 2, [](CmdArgs, ConnectionContext* cntx) { LoadOrSave(true, cntx); }},
    {"save", 2, [](CmdArgs, ConnectionContext* cntx) { LoadOrSave(false, cntx); }},
    {"help", 2, [](CmdArgs, ConnectionContext* cntx) { SendHelp(cntx->rb, kAclHelp); }},
};

// Subcommands that take at most one optional argument (Redis answers those with the
// "unknown subcommand or wrong number of arguments" error).
bool TooMany(std::string_view name, size_t argc) {
  return (name == "cat" || name == "genpass" || name == "log") && argc > 3;
}

void Acl(CmdArgs args, ConnectionContext* cntx) {
  std::string sub = AsciiLower(args[1]);
  for (const Sub& s : kSubs) {
    if (s.name != sub) continue;
    if (TooMany(sub, args.size())) {
      return cntx->rb->SendError(errors::SubcommandArity(AsciiUpper(args[1]), "ACL"));
    }
    bool ok = s.arity >= 0 ? args.size() == size_t(s.arity) : args.size() >= size_t(-s.arity);
    if (!ok) return cntx->rb->SendError(errors::WrongArity("acl|" + sub));
    return s.fn(args, cntx);
  }
  cntx->rb->SendError(errors::UnknownSubcommand(args[1], "ACL"));
}

}  // namespace

void RegisterAclFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"acl", -2, kNoScript | kLoading | kStale | kNoKeyspace, 0, 0, 0, Acl});
}

}  // namespace lw
