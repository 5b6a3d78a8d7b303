#include "server/connection.h"

#include <cstring>

#include "base/logging.h"
#include "server/service.h"

namespace lw {

namespace {
constexpr size_t kInitialBuffer = 16 * 1024;
// Replies are flushed mid-batch once this much is pending, bounding memory per client.
constexpr size_t kFlushThreshold = 64 * 1024;
}  // namespace

Connection::Connection(io::FiberSocket socket, Service* service)
    : socket_(std::move(socket)), service_(service) {
  cntx_.service = service;
  cntx_.rb = &rb_;
  cntx_.client_id = service->NextClientId();
  cntx_.authenticated = service->config().requirepass.empty();
  in_.resize(kInitialBuffer);
}

void Connection::Shutdown() {
  shutting_down_ = true;
  socket_.ShutdownBoth();
}

bool Connection::Flush() {
  if (rb_.empty()) return true;
  int rc = socket_.SendAll(rb_.buffer());
  rb_.Clear();
  return rc == 0;
}

bool Connection::ProcessInput() {
  size_t pos = 0;
  bool keep_open = true;
  while (keep_open) {
    size_t consumed = 0;
    RespParser::Result r =
        parser_.Parse(std::string_view(in_.data() + pos, in_len_ - pos), &consumed, &args_);
    pos += consumed;
    if (r == RespParser::kNeedMore) break;
    if (r == RespParser::kError) {
      rb_.SendError(parser_.error());
      keep_open = false;
      break;
    }
    service_->Dispatch(args_, &cntx_);
    if (cntx_.close_after_reply) keep_open = false;
    if (rb_.size() >= kFlushThreshold && !Flush()) return false;
  }
  // Drop the consumed prefix; the parser resumes from the start of the pending request.
  if (pos > 0) {
    std::memmove(in_.data(), in_.data() + pos, in_len_ - pos);
    in_len_ -= pos;
  }
  return Flush() && keep_open;
}

void Connection::Run() {
  while (!shutting_down_) {
    if (in_len_ == in_.size()) {
      // Grow: to what a large pending bulk needs if known, else double.
      size_t want = std::max(in_.size() * 2, parser_.NeededBytes() + 1024);
      in_.resize(want);
    }
    ssize_t n = socket_.Recv(in_.data() + in_len_, in_.size() - in_len_);
    if (n <= 0) break;
    in_len_ += size_t(n);
    if (!ProcessInput()) break;
    // Give back memory after a big request passed through.
    if (in_len_ == 0 && in_.size() > 4 * kInitialBuffer) {
      in_.resize(kInitialBuffer);
      in_.shrink_to_fit();
    }
  }
  socket_.Close();
}

}  // namespace lw
