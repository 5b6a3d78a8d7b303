// ConnectionContext: the per-client state a command handler sees: where to write its reply,
// the selected database, the client's identity, and the service it runs in.
// Owned by the connection; used only by that connection's fiber.
#pragma once

#include <cstdint>
#include <string>

#include "server/reply_builder.h"

namespace lw {

class Service;

struct ConnectionContext {
  Service* service = nullptr;
  ReplyBuilder* rb = nullptr;
  uint64_t client_id = 0;
  int db_index = 0;
  std::string name;
  bool authenticated = true;
  // Set by QUIT (and fatal errors): the connection flushes its replies and closes.
  bool close_after_reply = false;
};

}  // namespace lw
