// CONFIG GET/SET/RESETSTAT/REWRITE/HELP over the settings table.
// See config_family.cc for the contract of each subcommand. Registration runs at start-up;
// the handler runs on the client's fiber.
#pragma once

#include <string>
#include <string_view>

#include "server/engine/command_registry.h"
#include "server/engine/service.h"

namespace lw {
void RegisterConfigFamily(CommandRegistry* registry);

// Start-up (main thread, before the Service exists): whether `name value` — a config-file
// directive or a `--name value` argument that no flag of main.cc carries — is a setting the
// server can start with. Returns "" if so, else the reason (Redis's "Bad directive or wrong
// number of arguments" for unknown names).
std::string CheckStartupSetting(std::string_view name, std::string_view value);
// True if `name` is a setting CONFIG GET knows (by its name or its alias).
bool IsConfigSetting(std::string_view name);
// ServiceConfig::apply_settings: puts ServiceConfig::settings (checked by CheckStartupSetting)
// into the service's RuntimeConfig. Runs once, in the Service constructor.
void ApplyStartupSettings(Service* service);
// For --help: one line per setting CONFIG GET lists, with its default.
std::string DescribeSettings();
}  // namespace lw
