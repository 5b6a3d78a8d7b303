// Connection: one client, served by one fiber on one proactor thread for its whole life.
// Reads into an input buffer, parses every complete request in it (pipelining), dispatches
// each through the Service, and writes all replies of the batch with one send.
// A protocol error gets Redis's "-ERR Protocol error: ..." reply and closes the connection.
// Thread-safety: owner thread only; Shutdown() may be called by another fiber of that thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "io/socket.h"
#include "server/connection_context.h"
#include "server/reply_builder.h"
#include "server/resp_parser.h"

namespace lw {

class Service;

class Connection {
 public:
  Connection(io::FiberSocket socket, Service* service);

  // Serves the client until it disconnects, sends QUIT, errs, or Shutdown() is called.
  void Run();
  // Wakes Run() out of a blocking read so it returns promptly.
  void Shutdown();

  uint64_t id() const { return cntx_.client_id; }

 private:
  // Parses and executes every complete request in in_[0, in_len_); returns false if the
  // connection must close. Compacts the consumed prefix away.
  bool ProcessInput();
  bool Flush();

  io::FiberSocket socket_;
  Service* service_;
  RespParser parser_;
  ReplyBuilder rb_;
  ConnectionContext cntx_;
  std::string in_;
  size_t in_len_ = 0;
  std::vector<std::string_view> args_;
  bool shutting_down_ = false;
};

}  // namespace lw
