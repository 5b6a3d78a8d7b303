#include "server/engine/command_registry.h"

#include <absl/strings/ascii.h>
#include <absl/strings/match.h>

#include <algorithm>

#include "base/logging.h"

namespace lw {

namespace cmd {
std::vector<std::string_view> FlagNames(uint32_t flags) {
  static constexpr std::pair<Flag, std::string_view> kNames[] = {
      {kWrite, "write"},   {kReadOnly, "readonly"}, {kDenyOom, "denyoom"},   {kAdmin, "admin"},
      {kPubSub, "pubsub"}, {kNoScript, "noscript"}, {kBlocking, "blocking"}, {kLoading, "loading"},
      {kStale, "stale"},   {kNoAuth, "no_auth"},    {kNoMulti, "no_multi"},  {kFast, "fast"},
  };
  std::vector<std::string_view> out;
  for (const auto& [flag, name] : kNames) {
    if (flags & flag) out.push_back(name);
  }
  return out;
}
}  // namespace cmd

void CommandRegistry::Register(CommandSpec spec) {
  std::string key = absl::AsciiStrToLower(spec.name);
  spec.name = key;
  spec.id = uint32_t(by_name_.size());
  spec.info = FindCommandInfo(key);
  spec.stat_id = uint32_t(stat_names_.size());
  stat_names_.push_back(key);
  if (spec.info != nullptr) {
    for (const CommandInfo* sub : spec.info->subcommands) stat_names_.emplace_back(sub->name);
  }
  for (const std::string& sub : spec.own_subcommands) stat_names_.push_back(key + "|" + sub);
  auto [it, inserted] = by_name_.emplace(key, std::make_unique<CommandSpec>(std::move(spec)));
  CHECK(inserted) << "command registered twice: " << key;
}

const CommandSpec* CommandRegistry::Find(std::string_view name) const {
  char lower[64];
  if (name.size() > sizeof(lower)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) lower[i] = absl::ascii_tolower(name[i]);
  auto it = by_name_.find(absl::string_view(lower, name.size()));
  return it == by_name_.end() ? nullptr : it->second.get();
}

std::vector<const CommandSpec*> CommandRegistry::All() const {
  std::vector<const CommandSpec*> out;
  out.reserve(by_name_.size());
  for (const auto& [name, spec] : by_name_) out.push_back(spec.get());
  return out;
}

std::vector<std::pair<std::string_view, uint32_t>> CommandRegistry::StatSlotsByName() const {
  std::vector<std::pair<std::string_view, uint32_t>> out;
  out.reserve(stat_names_.size());
  for (uint32_t i = 1; i < stat_names_.size(); ++i) out.emplace_back(stat_names_[i], i);
  std::sort(out.begin(), out.end());
  return out;
}

uint32_t CommandRegistry::SubcommandSlot(const CommandSpec& spec, std::string_view sub) {
  const std::vector<const CommandInfo*>& subs = spec.info->subcommands;
  for (size_t i = 0; i < subs.size(); ++i) {
    std::string_view name = subs[i]->name.substr(subs[i]->name.find('|') + 1);
    if (absl::EqualsIgnoreCase(absl::string_view(name.data(), name.size()),
                               absl::string_view(sub.data(), sub.size()))) {
      return spec.stat_id + 1 + uint32_t(i);
    }
  }
  for (size_t i = 0; i < spec.own_subcommands.size(); ++i) {
    if (absl::EqualsIgnoreCase(spec.own_subcommands[i],
                               absl::string_view(sub.data(), sub.size()))) {
      return spec.stat_id + 1 + uint32_t(subs.size() + i);
    }
  }
  return 0;
}

std::vector<std::string_view> CommandRegistry::KeysOf(const CommandSpec& spec, CmdArgs args) {
  std::vector<std::string_view> keys;
  ForEachKey(spec, args, [&keys](std::string_view key) { keys.push_back(key); });
  return keys;
}

}  // namespace lw
