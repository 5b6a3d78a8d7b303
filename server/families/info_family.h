// INFO: the server's figures in Redis 7.0's sections and field names.
// See info_family.cc for the contract of each subcommand. Registration runs at start-up;
// the handler runs on the client's fiber.
#pragma once

#include <string>
#include <vector>

#include "server/engine/command_registry.h"
#include "server/engine/service.h"
#include "server/resp/reply_builder.h"

namespace lw {
void RegisterInfoFamily(CommandRegistry* registry);

// Shared with metrics.cc: every thread's figures merged (each thread reads only its own).
// REQUIRES: a fiber on a pool thread (they wait on every thread).
std::vector<CommandStats> MergedCommandStats(Service* service);
ReplyBuilder::ErrorCounts MergedErrorCounts(Service* service);
size_t CountBlockedClients(Service* service);

// GET /metrics (metrics.cc): the Prometheus text exposition format 0.0.4 of commands, errors,
// latency histograms, per-shard memory and keys, clients, evictions, expirations, scripts
// and transaction queueing. Wired as ServiceConfig::render_metrics; the connection layer
// answers the HTTP request with it.
std::string RenderMetrics(Service* service);
}  // namespace lw
