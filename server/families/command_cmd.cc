// COMMAND [COUNT | LIST [FILTERBY ...] | INFO name... | GETKEYS | GETKEYSANDFLAGS | DOCS | HELP]:
// Redis 7.0's replies from the generated COMMAND INFO table (server/engine/command_info.h);
// Lacewing-only commands (no table entry) are described from their CommandSpec.

#include <algorithm>
#include <string>
#include <vector>

#include "server/engine/acl_user.h"
#include "server/engine/command_info.h"
#include "server/engine/connection_context.h"
#include "server/engine/service.h"
#include "server/families/command_cmd.h"
#include "server/families/command_docs.h"
#include "server/families/server_util.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"
#include "server/types/glob.h"

namespace lw {

namespace {

constexpr std::string_view kCommandHelp[] = {
    "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
    "HELP",
    "    Prints this help.",
};

std::vector<std::string_view> Words(std::string_view list) { return CommandInfo::Words(list); }

void SendWordSet(std::string_view list, std::string_view prefix, ReplyBuilder* rb) {
  std::vector<std::string_view> words = Words(list);
  rb->StartSet(words.size());
  for (std::string_view w : words) rb->SendSimpleString(std::string(prefix) + std::string(w));
}

void SendKeySpec(const KeySpecInfo& ks, ReplyBuilder* rb) {
  KeySpecSearch s = ParseKeySpec(ks);
  rb->StartMap(ks.notes.empty() ? 3 : 4);
  if (!ks.notes.empty()) {
    rb->SendBulk("notes");
    rb->SendBulk(ks.notes);
  }
  rb->SendBulk("flags");
  SendWordSet(ks.flags, "", rb);
  rb->SendBulk("begin_search");
  rb->StartMap(2);
  rb->SendBulk("type");
  if (s.begin == KeySpecSearch::kIndex) {
    rb->SendBulk("index");
    rb->SendBulk("spec");
    rb->StartMap(1);
    rb->SendBulk("index");
    rb->SendLong(s.index);
  } else if (s.begin == KeySpecSearch::kKeyword) {
    rb->SendBulk("keyword");
    rb->SendBulk("spec");
    rb->StartMap(2);
    rb->SendBulk("keyword");
    rb->SendBulk(s.keyword);
    rb->SendBulk("startfrom");
    rb->SendLong(s.startfrom);
  } else {
    rb->SendBulk("unknown");
    rb->SendBulk("spec");
    rb->StartMap(0);
  }
  rb->SendBulk("find_keys");
  rb->StartMap(2);
  rb->SendBulk("type");
  if (s.find == KeySpecSearch::kRange) {
    rb->SendBulk("range");
    rb->SendBulk("spec");
    rb->StartMap(3);
    rb->SendBulk("lastkey");
    rb->SendLong(s.lastkey);
    rb->SendBulk("keystep");
    rb->SendLong(s.keystep);
    rb->SendBulk("limit");
    rb->SendLong(s.limit);
  } else if (s.find == KeySpecSearch::kKeynum) {
    rb->SendBulk("keynum");
    rb->SendBulk("spec");
    rb->StartMap(3);
    rb->SendBulk("keynumidx");
    rb->SendLong(s.keynumidx);
    rb->SendBulk("firstkey");
    rb->SendLong(s.firstkey);
    rb->SendBulk("keystep");
    rb->SendLong(s.keystep);
  } else {
    rb->SendBulk("unknown");
    rb->SendBulk("spec");
    rb->StartMap(0);
  }
}

void SendInfo(const CommandInfo& info, ReplyBuilder* rb) {
  rb->StartArray(10);
  rb->SendBulk(info.name);
  rb->SendLong(info.arity);
  SendWordSet(info.flags, "", rb);
  rb->SendLong(info.first_key);
  rb->SendLong(info.last_key);
  rb->SendLong(info.key_step);
  SendWordSet(info.acl, "@", rb);
  std::vector<std::string_view> tips = Words(info.tips);
  rb->StartSet(tips.size());
  for (std::string_view t : tips) rb->SendBulk(t);
  rb->StartSet(info.key_specs.size());
  for (const KeySpecInfo& ks : info.key_specs) SendKeySpec(ks, rb);
  // Redis 7.0 replies an empty set where there are no subcommands, an array otherwise.
  if (info.subcommands.empty()) return rb->StartSet(0);
  rb->StartArray(info.subcommands.size());
  for (const CommandInfo* sub : info.subcommands) SendInfo(*sub, rb);
}

void SendCommandInfo(const CommandSpec& spec, ReplyBuilder* rb) {
  if (spec.info) return SendInfo(*spec.info, rb);
  OwnInfo own;
  DescribeLacewingOnly(spec, &own);
  SendInfo(own.info, rb);
}

// "name" or "parent|sub" as COMMAND INFO and GETKEYS resolve them; only what is registered.
const CommandInfo* ResolveInfo(const CommandRegistry& registry, std::string_view name) {
  size_t bar = name.find('|');
  if (bar == std::string_view::npos) return nullptr;
  if (!registry.Find(name.substr(0, bar))) return nullptr;
  return FindCommandInfo(name);
}

void Info(const CommandRegistry& registry, CmdArgs names, ReplyBuilder* rb) {
  rb->StartArray(names.size());
  for (std::string_view name : names) {
    if (const CommandSpec* spec = registry.Find(name)) {
      SendCommandInfo(*spec, rb);
    } else if (const CommandInfo* info = ResolveInfo(registry, name)) {
      SendInfo(*info, rb);
    } else {
      rb->SendNull();
    }
  }
}

// COMMAND LIST [FILTERBY MODULE m | ACLCAT c | PATTERN p]: full names, subcommands included.
void List(const CommandRegistry& registry, CmdArgs args, ReplyBuilder* rb) {
  std::string filter, value;
  if (args.size() == 5 && AsciiUpper(args[2]) == "FILTERBY") {
    filter = AsciiUpper(args[3]);
    value = std::string(args[4]);
    if (filter != "MODULE" && filter != "ACLCAT" && filter != "PATTERN") {
      return rb->SendError(errors::kSyntax);
    }
  } else if (args.size() != 2) {
    return rb->SendError(errors::kSyntax);
  }
  auto keep = [&](std::string_view name, std::string_view acl) {
    if (filter == "MODULE") return false;  // no modules
    if (filter == "ACLCAT") return CommandInfo::HasWord(acl, value);
    if (filter == "PATTERN") return glob::Match(value, name, /*nocase=*/true);
    return true;
  };
  std::vector<std::string_view> out;
  for (const CommandSpec* spec : registry.All()) {
    if (!spec->info) {
      OwnInfo own;
      DescribeLacewingOnly(*spec, &own);
      if (keep(spec->name, own.acl)) out.push_back(spec->name);
      continue;
    }
    if (keep(spec->info->name, spec->info->acl)) out.push_back(spec->info->name);
    for (const CommandInfo* sub : spec->info->subcommands) {
      if (keep(sub->name, sub->acl)) out.push_back(sub->name);
    }
  }
  rb->SendStringArray(out);
}

// COMMAND DOCS [name ...]: a map from each command's full name to its documentation; every
// command Lacewing implements without names, else the named ones that resolve (unknown names
// are left out, a name given twice appears twice), as Redis 7.0 answers.
void Docs(const CommandRegistry& registry, CmdArgs names, ReplyBuilder* rb) {
  std::vector<const CommandDoc*> docs;
  if (names.empty()) {
    for (const CommandSpec* spec : registry.All()) {
      if (const CommandDoc* doc = FindCommandDoc(spec->name)) docs.push_back(doc);
    }
  }
  for (std::string_view name : names) {
    size_t bar = name.find('|');
    std::string_view parent = name.substr(0, bar);
    if (!registry.Find(parent)) continue;
    const CommandDoc* doc = FindCommandDoc(name);
    // A subcommand only if its parent's documentation lists it (the data lists only those
    // Lacewing implements).
    if (doc && bar != std::string_view::npos) {
      const CommandDoc* top = FindCommandDoc(parent);
      if (!top || std::find(top->subcommands.begin(), top->subcommands.end(), doc) ==
                      top->subcommands.end()) {
        doc = nullptr;
      }
    }
    if (doc) docs.push_back(doc);
  }
  rb->StartMap(docs.size());
  for (const CommandDoc* doc : docs) {
    rb->SendBulk(doc->name);
    SendCommandDoc(*doc, rb);
  }
}

}  // namespace

void DescribeLacewingOnly(const CommandSpec& spec, OwnInfo* out) {
  for (std::string_view f : cmd::FlagNames(spec.flags)) {
    if (!out->flags.empty()) out->flags.push_back(' ');
    out->flags.append(f);
  }
  uint32_t categories = acl::CategoriesFromFlags(spec.flags);
  for (int i = 0; i < acl::kNumCategories; ++i) {
    if (!(categories & (1u << i))) continue;
    if (!out->acl.empty()) out->acl.push_back(' ');
    out->acl.append(acl::kCategories[i]);
  }
  out->info =
      CommandInfo{spec.name, spec.arity, out->flags, spec.first_key, spec.last_key, spec.key_step};
  out->info.acl = out->acl;
  if (spec.first_key <= 0) return;
  int last = spec.last_key < 0 ? spec.last_key : spec.last_key - spec.first_key;
  out->begin = "index " + std::to_string(spec.first_key);
  out->find = "range " + std::to_string(last) + " " +
              std::to_string(spec.key_step > 0 ? spec.key_step : 1) + " 0";
  out->info.key_specs.push_back(
      {spec.IsWrite() ? "RW access update" : "RO access", out->begin, out->find});
}

void CommandCmd(CmdArgs args, ConnectionContext* cntx) {
  const CommandRegistry& registry = cntx->service->registry();
  ReplyBuilder* rb = cntx->rb;
  std::string sub = args.size() == 1 ? "INFO" : AsciiUpper(args[1]);
  if (sub == "COUNT" && args.size() == 2) return rb->SendLong(int64_t(registry.size()));
  if (sub == "INFO") {
    if (args.size() > 2) return Info(registry, args.subspan(2), rb);
    auto all = registry.All();
    rb->StartArray(all.size());
    for (const CommandSpec* spec : all) SendCommandInfo(*spec, rb);
    return;
  }
  if (sub == "LIST") return List(registry, args, rb);
  if (sub == "GETKEYS" || sub == "GETKEYSANDFLAGS") {
    if (args.size() < 4) return rb->SendError(errors::WrongArity("command|" + AsciiLower(sub)));
    return CommandGetKeys(args.subspan(2), sub == "GETKEYSANDFLAGS", cntx);
  }
  if (sub == "DOCS") return Docs(registry, args.subspan(2), rb);
  if (sub == "HELP" && args.size() == 2) return SendHelp(rb, kCommandHelp);
  if (sub == "COUNT" || sub == "HELP") {
    return rb->SendError(errors::WrongArity("command|" + AsciiLower(sub)));
  }
  rb->SendError(errors::UnknownSubcommand(args[1], "COMMAND"));
}

}  // namespace lw
