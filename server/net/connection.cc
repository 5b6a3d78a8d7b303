#include "server/net/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include <absl/container/inlined_vector.h>
#include <absl/strings/str_cat.h>

#include "base/clock.h"
#include "base/logging.h"
#include "base/malloc_accounting.h"
#include "base/str_util.h"
#include "io/fiber.h"
#include "io/proactor.h"
#include "server/engine/command_keys.h"
#include "server/engine/service.h"
#include "server/net/tls_context.h"
#include "server/resp/error_strings.h"

namespace lw {

namespace {
constexpr size_t kInitialBuffer = 16 * 1024;
// Replies are flushed mid-batch once this much is pending, bounding memory per client.
constexpr size_t kFlushThreshold = 64 * 1024;
constexpr size_t kUnauthenticatedOutputLimit = 16 * 1024 + 1024;

// Redis's anetKeepAlive: probes after `interval` idle seconds, then every interval/3, and the
// peer is dropped after 3 unanswered probes. 0 leaves keepalive off.
void SetKeepAlive(int fd, int64_t interval) {
  if (interval <= 0) return;
  int yes = 1;
  int idle = int(interval);
  int probe_interval = std::max(int(interval / 3), 1);
  int probes = 3;
  if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof(yes)) != 0 ||
      setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) != 0 ||
      setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &probe_interval, sizeof(probe_interval)) != 0 ||
      setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof(probes)) != 0) {
    VLOG(1) << "tcp-keepalive not set on fd " << fd << ": " << std::strerror(errno);
  }
}

// Redis's connIsLocal: the peer is 127.x.x.x or ::1 (or a unix socket).
bool PeerIsLoopback(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return false;
  if (addr.ss_family == AF_UNIX) return true;
  if (addr.ss_family == AF_INET) {
    return (ntohl(reinterpret_cast<sockaddr_in*>(&addr)->sin_addr.s_addr) >> 24) == 127;
  }
  if (addr.ss_family == AF_INET6) {
    return IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<sockaddr_in6*>(&addr)->sin6_addr);
  }
  return false;
}

// Migration's view of a command that is not squashed (a blocking-capable read such as
// XREADGROUP): the one shard all its keys live on, or -1 (no keys, several shards, or a
// command that is not a plain read or write: pub/sub, connection state, transactions, and
// scripts, whose EVAL/EVALSHA/FCALL carry neither the read nor the write flag).
int OneShardOf(Service* service, const CommandSpec* spec, CmdArgs args) {
  constexpr uint32_t kNotData = cmd::kPubSub | cmd::kConnState | cmd::kNoMulti;
  // A long command is no cheap one (MaybeMigrate's size bound): its keys are not hashed twice.
  constexpr size_t kMaxArgs = 32;
  if (spec == nullptr || args.size() > kMaxArgs ||
      !(spec->flags & (cmd::kWrite | cmd::kReadOnly)) || (spec->flags & kNotData) ||
      !spec->ArityOk(args.size())) {
    return -1;
  }
  // A pattern that names keys (SORT ... GET data_*) takes every shard: no thread is its home.
  if (spec->whole_store != nullptr && spec->whole_store(args)) return -1;
  int shard = -1;
  bool several = false;
  ForEachCommandKey(*spec, args, [&](std::string_view key) {
    const int s = int(service->shards().ShardOf(key));
    several |= shard >= 0 && s != shard;
    shard = s;
  });
  return several ? -1 : shard;
}

// A fast command that names no key and never reaches the keyspace nor another client (PING,
// ECHO, TIME): it runs wherever the connection is, so it neither counts toward a move nor
// ends the run of reads on one shard (a consumer loop's XACK + XREADGROUP + PING moves).
bool IsNeutral(uint32_t flags) {
  constexpr uint32_t kNotNeutral = cmd::kPubSub | cmd::kConnState | cmd::kNoScript | cmd::kNoMulti |
                                   cmd::kAdmin | cmd::kNotQueued;
  return (flags & cmd::kFast) && (flags & cmd::kNoKeyspace) && !(flags & kNotNeutral);
}

// POST and Host: as a command name: an HTTP request sent to the server (cross-protocol
// scripting). Redis closes the connection without a reply.
bool IsHttpProbe(std::string_view name) {
  return EqualsIgnoreCase(name, "post") || EqualsIgnoreCase(name, "host:");
}

// "GET <path> HTTP/1.x" (an HTTP request line read as an inline command): Prometheus's scrape
// or another HTTP client. (As a command it would be GET with two arguments: an arity error.)
bool IsHttpGet(const std::vector<std::string_view>& args) {
  return args.size() == 3 && args[0] == "GET" && args[2].starts_with("HTTP/");
}

// Logs the cross-protocol warning at most once a minute, process-wide (as Redis).
void WarnCrossProtocol() {
  static std::atomic<int64_t> last_ns{0};
  int64_t now = SteadyNowNs();
  int64_t last = last_ns.load(std::memory_order_relaxed);
  if (last != 0 && now - last < 60'000'000'000) return;
  if (!last_ns.compare_exchange_strong(last, now, std::memory_order_relaxed)) return;
  LOG(WARNING) << errors::kCrossProtocolWarning;
}

}  // namespace

Connection::Connection(io::FiberSocket socket, Service* service, const TlsContext* tls, bool admin)
    : socket_(std::move(socket)), service_(service) {
  if (tls != nullptr) tls_ = std::make_unique<TlsStream>(tls->NewSession(), &socket_);
  cntx_.service = service;
  cntx_.rb = &rb_;
  // Redis refuses a connection when the clients already there reach maxclients, before it
  // becomes a client: it gets no id and is not counted in total_connections_received.
  int64_t max_clients = admin ? std::numeric_limits<int64_t>::max()
                              : service->runtime().maxclients.load(std::memory_order_relaxed);
  over_max_clients_ = !service->AdmitClient(&cntx_, max_clients);
  if (over_max_clients_) return;
  cntx_.authenticated = !service->runtime().auth_required.load();
  cntx_.control = this;
  cntx_.fd = socket_.fd();
  cntx_.addr = socket_.PeerAddress();
  cntx_.laddr = socket_.LocalAddress();
  cntx_.created_ns = SteadyNowNs();
  cntx_.last_active_ns = cntx_.created_ns;
  // CONFIG SET tcp-keepalive applies to connections accepted afterwards, as in Redis.
  SetKeepAlive(socket_.fd(), service->runtime().tcp_keepalive.load(std::memory_order_relaxed));
  in_.resize(kInitialBuffer);
  // Protected mode (Redis 7.0): no password for the default user, and the client is not on
  // the loopback interface.
  denied_ = service->runtime().protected_mode.load(std::memory_order_relaxed) != 0 &&
            cntx_.authenticated && !PeerIsLoopback(socket_.fd());
}

Connection::~Connection() {
  // After this no message reaches us (deliveries look the client up by id on this thread);
  // cntx_'s pub/sub state then leaves every channel as cntx_ is destroyed.
  if (!over_max_clients_) service_->UnregisterClient(&cntx_);
  cntx_.control = nullptr;
}

void Connection::Shutdown() {
  shutting_down_ = true;
  socket_.ShutdownBoth();
  // A command blocked in BLPOP & co. is not reading the socket: end its wait directly.
  if (blocked_cancel_) std::exchange(blocked_cancel_, nullptr)();
}

// --- Blocking commands (see ClientControl::BeginBlocking) ---

void Connection::BeginBlocking(std::function<void()> cancel) {
  if (shutting_down_) {
    cancel();  // already closing: the command must not start waiting
    return;
  }
  blocked_cancel_ = std::move(cancel);
  cntx_.blocked = true;
  block_watch_stop_ = false;
  block_watch_ = io::Fiber("blocked-watch", [this] {
    // The socket reports edges; a hang-up is one (EPOLLRDHUP). Data the client pipelines
    // meanwhile is left for the connection fiber: poll() looks without reading.
    while (!block_watch_stop_) {
      pollfd p{socket_.fd(), POLLRDHUP, 0};
      if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
        Shutdown();  // as Redis frees a client whose socket reached EOF
        return;
      }
      if (!socket_.WaitReadable()) return;
    }
  });
}

bool Connection::Unblock() {
  if (!blocked_cancel_) return false;
  std::exchange(blocked_cancel_, nullptr)();
  return true;
}

void Connection::EndBlocking() {
  blocked_cancel_ = nullptr;
  cntx_.blocked = false;
  block_watch_stop_ = true;
  socket_.WakeWaiters();
  if (block_watch_.joinable()) block_watch_.Join();
}

void Connection::Kill() {
  service_->UnregisterClient(&cntx_);
  cntx_.pubsub.reset();
  cntx_.channels = cntx_.patterns = 0;
  Shutdown();
}

bool Connection::OverOutputLimit(size_t pending) {
  // Redis (7.0.15 as Debian ships it, the CVE-2025-21605 fix) closes a client that must still
  // authenticate once more than 1 KB of replies wait beyond its 16 KB reply buffer: one that
  // pipelines wrong AUTHs without reading cannot make the server hold their replies.
  if (!cntx_.authenticated && pending > kUnauthenticatedOutputLimit) return true;
  int cls = cntx_.subscribed() ? RuntimeConfig::kObufPubsub : RuntimeConfig::kObufNormal;
  const auto& limits = service_->runtime().obuf_limits[cls];
  int64_t hard = limits[0].load(std::memory_order_relaxed);
  int64_t soft = limits[1].load(std::memory_order_relaxed);
  if (hard > 0 && int64_t(pending) >= hard) return true;
  if (soft <= 0 || int64_t(pending) < soft) {
    soft_since_ns_ = 0;
    return false;
  }
  int64_t now = SteadyNowNs();
  if (soft_since_ns_ == 0) {
    soft_since_ns_ = now;
    return false;
  }
  int64_t seconds = limits[2].load(std::memory_order_relaxed);
  // Whole seconds, as Redis counts them: with 0 seconds a client survives within the second.
  return (now - soft_since_ns_) / 1'000'000'000 > seconds;
}

void Connection::CloseForOutputLimit() {
  LOG(WARNING) << "Client id=" << cntx_.client_id << " addr=" << cntx_.addr
               << " closed for overcoming of output buffer limits.";
  // rb_ is left alone: a send may be using it (Push runs while the fiber waits in Flush).
  push_buf_.clear();
  push_buf_.shrink_to_fit();
  Shutdown();
}

void Connection::Push(std::string_view bytes) {
  if (shutting_down_) return;
  push_buf_.append(bytes.data(), bytes.size());
  if (OverOutputLimit(rb_.size() + push_buf_.size())) return CloseForOutputLimit();
  if (parked_in_read_) socket_.WakeWaiters();
}

void Connection::TakePushes() {
  if (push_buf_.empty()) return;
  rb_.buffer().append(push_buf_);
  push_buf_.clear();
  if (push_buf_.capacity() > kFlushThreshold) push_buf_.shrink_to_fit();
}

bool Connection::Flush() {
  // Pushes that arrived while earlier replies were written go out in the same loop.
  while (true) {
    TakePushes();
    if (rb_.empty()) return true;
    if (OverOutputLimit(rb_.size())) {
      CloseForOutputLimit();
      rb_.Clear();
      return false;
    }
    service_->CountNetOutput(rb_.size());
    int rc = WriteOutput(rb_.buffer());
    rb_.Clear();
    if (rc != 0) return false;
  }
}

void Connection::RefreshParserLimits() {
  int64_t max_bulk = service_->runtime().proto_max_bulk_len.load(std::memory_order_relaxed);
  bool unauthenticated = !cntx_.authenticated;
  if (max_bulk == parser_.config().max_bulk_len &&
      unauthenticated == parser_.config().unauthenticated) {
    return;
  }
  RespParserConfig config = parser_.config();
  config.max_bulk_len = max_bulk;
  config.unauthenticated = unauthenticated;
  parser_.set_config(config);
}

bool Connection::ProcessInput() {
  size_t pos = 0;
  bool keep_open = true;
  while (keep_open) {
    // The time slice: after a run of at least 100 us (as of the last command's start, a
    // reading Dispatch already took), let the loop poll sockets and serve interactive clients
    // before the next request. Only between executed commands, not inside a batch.
    if (batch_arg_begin_.empty() && pending_.empty()) {
      io::this_fiber::MaybeYield(cntx_.last_active_ns);
    }
    // A request is parsed under the proto-max-bulk-len in force when it starts (one relaxed
    // load per request): CONFIG SET proto-max-bulk-len applies from the next request on.
    if (!parser_.InRequest()) RefreshParserLimits();
    size_t consumed = 0;
    RespParser::Result r =
        parser_.Parse(std::string_view(in_.data() + pos, in_len_ - pos), &consumed, &args_);
    pos += consumed;
    if (r == RespParser::kNeedMore) break;
    if (r == RespParser::kError) {
      RunPipelineBatch();  // the replies of the requests before it come first
      RunCommandBatch();
      rb_.SendError(parser_.error());
      keep_open = false;
      break;
    }
    if (IsHttpGet(args_)) {
      RunPipelineBatch();
      RunCommandBatch();
      return ServeHttpGet(args_[1], pos);
    }
    if (IsHttpProbe(args_[0])) {
      // The commands before it ran; their replies are dropped with the connection (Redis
      // frees the client before writing them).
      RunPipelineBatch();
      RunCommandBatch();
      WarnCrossProtocol();
      rb_.Clear();
      push_buf_.clear();
      return false;
    }
    // One registry lookup per request, shared by the batching, squashing and dispatch paths.
    const CommandSpec* found = recent_commands_.Find(service_->registry(), args_[0]);
    if (const CommandSpec* spec = Batchable(found, args_)) {
      batch_shard_ = kMixedShards;
      RunPipelineBatch();  // squashed commands before it
      if (batch_spec_ != spec || batch_arg_begin_.size() == kMaxBatch) {
        RunCommandBatch();
        if (rb_.size() >= kFlushThreshold && !Flush()) return false;
      }
      batch_spec_ = spec;
      // The views point into in_, valid until compaction.
      batch_arg_begin_.push_back(batch_args_.size());
      batch_args_.insert(batch_args_.end(), args_.begin(), args_.end());
      continue;
    }
    RunCommandBatch();
    SquashItem item;
    if (Squashable(found, args_, &item)) {
      NoteShard(int(item.shard));
      // The views point into in_, valid until compaction.
      pending_arg_begin_.push_back(pending_args_.size());
      pending_args_.insert(pending_args_.end(), args_.begin(), args_.end());
      pending_.push_back(std::move(item));
      continue;
    }
    NoteDispatched(found);
    RunPipelineBatch();  // everything before this command, in order
    TakePushes();        // between two replies: keeps messages in publication order with replies
    size_t mark = rb_.size();
    service_->DispatchSpec(found, args_, &cntx_);
    if (cntx_.reply_mode != ConnectionContext::kReplyOn) ApplyReplyMode(mark);
    if (cntx_.close_after_reply) keep_open = false;
    if (rb_.size() >= kFlushThreshold && !Flush()) return false;
  }
  RunPipelineBatch();
  RunCommandBatch();
  // Drop the consumed prefix; the parser resumes from the start of the pending request.
  if (pos > 0) {
    std::memmove(in_.data(), in_.data() + pos, in_len_ - pos);
    in_len_ -= pos;
  }
  return Flush() && keep_open;
}

void Connection::ApplyReplyMode(size_t mark) {
  // CLIENT REPLY (Redis's CLIENT_REPLY_OFF / _SKIP_NEXT / _SKIP): drop what this command
  // wrote; SKIP drops the next command's reply only.
  switch (cntx_.reply_mode) {
    case ConnectionContext::kReplyOff:
      rb_.buffer().resize(mark);
      break;
    case ConnectionContext::kReplySkipNext:
      cntx_.reply_mode = ConnectionContext::kReplySkip;
      break;
    case ConnectionContext::kReplySkip:
      rb_.buffer().resize(mark);
      cntx_.reply_mode = ConnectionContext::kReplyOn;
      break;
    default:
      break;
  }
}

bool Connection::ServeHttpGet(std::string_view path, size_t pos) {
  // Only /metrics, and only where a command would need no password (Prometheus cannot AUTH):
  // anything else is cross-protocol traffic, closed without a reply as POST is.
  if (path != "/metrics" || service_->config().render_metrics == nullptr ||
      service_->runtime().auth_required.load(std::memory_order_relaxed)) {
    WarnCrossProtocol();
    rb_.Clear();
    push_buf_.clear();
    return false;
  }
  // Read the header block to its empty line first: closing with unread input would reset the
  // connection and could lose the response.
  std::string rest(in_.data() + pos, in_len_ - pos);
  while (!rest.starts_with("\r\n") && rest.find("\r\n\r\n") == std::string::npos) {
    if (rest.size() > kMaxHttpHeaders) return false;
    char buf[4096];
    ssize_t n = ReadInput(buf, sizeof(buf));  // TLS too
    if (n == 0) return false;
    if (n < 0) {
      if (errno == EINTR) continue;
      if ((errno != EAGAIN && errno != EWOULDBLOCK) || !socket_.WaitReadable()) return false;
      continue;
    }
    service_->CountNetInput(size_t(n));
    rest.append(buf, size_t(n));
  }
  std::string body = service_->config().render_metrics(service_);
  push_buf_.clear();
  rb_.Clear();  // replies of commands pipelined before it go with the connection, as for POST
  rb_.buffer() = absl::StrCat(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
      "Content-Length: ",
      body.size(), "\r\nConnection: close\r\n\r\n", body);
  Flush();
  return false;
}

bool Connection::AclAllows(const CommandSpec* spec,
                           const std::vector<std::string_view>& args) const {
  // A stale snapshot is not trusted here: Dispatch refreshes it.
  if (!cntx_.user || cntx_.acl_gen != service_->acl().generation()) return false;
  if (cntx_.user->full) return true;
  // A restricted user batches too when the request is allowed; a refused one goes through
  // Dispatch, which replies NOPERM and logs it.
  const acl::CommandTable& table = service_->acl().table();
  int id = table.IdFor(*spec, args);
  int pos = -1;
  return id >= 0 && acl::Check(*cntx_.user, table, id, args, &pos) == acl::Verdict::kOk;
}

bool Connection::AclChangedSinceAdmission() const {
  return cntx_.acl_gen != service_->acl().generation();
}

bool Connection::InInput(const std::vector<std::string_view>& args) const {
  const char* lo = in_.data();
  const char* hi = in_.data() + in_len_;
  for (std::string_view a : args) {
    if (a.data() < lo || a.data() + a.size() > hi) return false;
  }
  return true;
}

const CommandSpec* Connection::Batchable(const CommandSpec* spec,
                                         const std::vector<std::string_view>& args) const {
  if (args.empty() || cntx_.multi || cntx_.subscribed() || !cntx_.authenticated ||
      cntx_.tracking_on) {
    return nullptr;
  }
  if (spec == nullptr || spec->batch_handler == nullptr || !spec->ArityOk(args.size())) {
    return nullptr;
  }
  if (!AclAllows(spec, args)) return nullptr;  // batches skip Dispatch's ACL check
  // A batch runs its scripts without Dispatch's -BUSY check: one by one while a script is busy
  // (and while a client monitors or a pause is set).
  if (service_->squash_refused() || cntx_.reply_mode != ConnectionContext::kReplyOn) {
    return nullptr;
  }
  return InInput(args) ? spec : nullptr;
}

void Connection::RunCommandBatch() {
  if (batch_arg_begin_.empty()) return;
  TakePushes();
  const CmdArgs all(batch_args_);
  const size_t n = batch_arg_begin_.size();
  auto request = [&](size_t i) {
    size_t end = i + 1 < n ? batch_arg_begin_[i + 1] : all.size();
    return all.subspan(batch_arg_begin_[i], end - batch_arg_begin_[i]);
  };
  if (n == 1 || AclChangedSinceAdmission()) {
    for (size_t i = 0; i < n; ++i) service_->DispatchSpec(batch_spec_, request(i), &cntx_);
  } else {
    absl::InlinedVector<CmdArgs, kMaxBatch> requests;
    for (size_t i = 0; i < n; ++i) requests.push_back(request(i));
    batch_spec_->batch_handler(requests, &cntx_);
  }
  batch_args_.clear();
  batch_arg_begin_.clear();
  batch_spec_ = nullptr;
}

bool Connection::Squashable(const CommandSpec* spec, const std::vector<std::string_view>& args,
                            SquashItem* out) const {
  if (cntx_.multi || cntx_.subscribed() || !cntx_.authenticated || cntx_.tracking_on) {
    return false;
  }
  // A squashed command runs on its shard and is never refused -BUSY (a script's own calls go
  // that way too): while some script is past the busy threshold, commands go one by one
  // through Dispatch, which answers -BUSY for a held key instead of waiting for it.
  // While a client monitors or a pause is set, each command runs alone through DispatchSpec
  // (which feeds the monitors and waits out the pause); CLIENT REPLY OFF/SKIP too.
  if (service_->squash_refused() || cntx_.reply_mode != ConnectionContext::kReplyOn) return false;
  if (!InInput(args)) return false;
  if (!ClassifyForSquash(service_, spec, args, out)) return false;
  if (!AclAllows(spec, args)) return false;  // squashed commands skip Dispatch's ACL check
  out->db = cntx_.db_index;
  return true;
}

void Connection::RunPipelineBatch() {
  if (pending_.empty()) return;
  TakePushes();
  // Point each item at its own arguments (stable now that the batch is complete).
  const std::span<const std::string_view> all(pending_args_);
  for (size_t i = 0; i < pending_.size(); ++i) {
    size_t end = i + 1 < pending_.size() ? pending_arg_begin_[i + 1] : all.size();
    pending_[i].args = all.subspan(pending_arg_begin_[i], end - pending_arg_begin_[i]);
  }
  // One by one: a single command; an ACL change since the batch was admitted (each command
  // is answered NOPERM, and logged, as Dispatch would); a pause, MONITOR or busy script begun
  // while the batch waited for its group. (A change published later, while the batch runs,
  // is caught on the shards: RunSquashedInto.)
  if (pending_.size() == 1 || AclChangedSinceAdmission() ||
      !RunSquashedInto(service_, cntx_, pending_, &rb_)) {
    for (const SquashItem& item : pending_) service_->DispatchSpec(item.spec, item.args, &cntx_);
  }
  pending_.clear();
  pending_args_.clear();
  pending_arg_begin_.clear();
}

bool Connection::AwaitInput() {
  // Nothing to read: send what was published to us, then (after reading again) park until
  // input or a push.
  if (!push_buf_.empty()) return Flush();
  parked_in_read_ = cntx_.waiting_for_input = true;
  bool ok = socket_.WaitReadable();
  parked_in_read_ = cntx_.waiting_for_input = false;
  return ok;
}

ssize_t Connection::ReadInput(char* buf, size_t len) {
  if (!tls_) {
    socket_.ClearReadEdge();  // see DrainedSinceRead: edges from here on count
    return recv(socket_.fd(), buf, len, MSG_DONTWAIT);
  }
  ssize_t n = tls_->Read(buf, len);
  if (n >= 0) return n;
  errno = int(-n);
  return -1;
}

int Connection::WriteOutput(std::string_view data) {
  return tls_ ? tls_->SendAll(data) : socket_.SendAll(data);
}

Connection::RunResult Connection::Run() {
  // A TLS client handshakes first: even a refusal (maxclients, protected mode) is sent over
  // TLS, as Redis does. (A migrated connection did all this on its first thread.)
  if (!std::exchange(started_, true)) {
    if (tls_ && !tls_->Handshake()) {
      if (over_max_clients_) service_->CountRejectedConnection();
      socket_.Close();
      return RunResult::kClosed;
    }
    if (over_max_clients_ || denied_) {
      rb_.SendError(over_max_clients_ ? errors::kMaxClients : errors::kProtectedModeDenied);
      Flush();
      if (over_max_clients_) service_->CountRejectedConnection();
      socket_.Close();
      return RunResult::kClosed;
    }
  }
  while (!shutting_down_) {
    if (in_len_ == in_.size()) {
      // Grow by doubling as data arrives, never to a declared length up front: a header of
      // 512 MB followed by a few bytes must not cost 512 MB. The last step stops at what the
      // pending bulk needs, so a big argument's buffer ends within 2x of its real size.
      size_t want = in_.size() * 2;
      size_t needed = parser_.NeededBytes();
      if (needed > in_.size() && needed < want) want = needed;
      in_.resize(want);
    }
    ssize_t n = ReadInput(in_.data() + in_len_, in_.size() - in_len_);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) break;
      if (!AwaitInput()) break;
      continue;
    }
    // Less than the room asked for: the socket held no more at that moment (TLS buffers
    // records of its own, so only a plain socket counts).
    const bool drained = !tls_ && in_len_ + size_t(n) < in_.size();
    in_len_ += size_t(n);
    service_->CountNetInput(size_t(n));
    cntx_.last_active_ns = SteadyNowNs();  // Redis's lastinteraction: idle time and `timeout`
    // What other threads sent this client before its request arrived (an invalidation of
    // CLIENT TRACKING, a pub/sub message) must precede the request's reply. Such a message
    // waits in the thread's task queue when this fiber read the request without parking
    // (the thread was busy, or descheduled, meanwhile): let the loop run the queue first.
    if (io::Proactor::Current()->HasTasks()) io::this_fiber::Yield();
    if (!ProcessInput()) break;
    // Give back memory after a big request passed through.
    if (in_len_ == 0 && in_.size() > 4 * kInitialBuffer) {
      in_.resize(kInitialBuffer);
      in_.shrink_to_fit();
    }
    if (MaybeMigrate()) return RunResult::kMigrate;
    // A pipelining client sends its next batch only after our replies: its socket is almost
    // always empty now. Unless the poller reported input since the read, park at once; the
    // read that would only fail EAGAIN was a system call per batch.
    if (drained && !shutting_down_ && socket_.DrainedSinceRead() && !AwaitInput()) break;
  }
  socket_.Close();
  return RunResult::kClosed;
}

bool Connection::CanMigrate() const {
  const ConnectionContext& c = cntx_;
  // State other threads reach by this client's thread (subscriptions, tracking, MONITOR,
  // redirect targets) or that a command left half done (MULTI, a blocked command) stays put;
  // so does a client that must still authenticate or has output pending.
  if (tls_ || shutting_down_ || c.stay_on_thread || c.multi || c.pubsub || c.subscribed() ||
      c.tracking || c.tracking_state || c.monitor || c.blocked || c.close_after_reply ||
      !c.authenticated || c.reply_mode != ConnectionContext::kReplyOn) {
    return false;
  }
  if (!rb_.empty() || !push_buf_.empty() || !pending_.empty() || !batch_arg_begin_.empty()) {
    return false;
  }
  // CLIENT PAUSE and MONITOR (unbatched), and shutdown, keep everyone where they are.
  return !service_->unbatched() && !service_->stopping() && socket_.fd() >= 0;
}

void Connection::NoteDispatched(const CommandSpec* spec) {
  if (spec != nullptr && spec->first_key == 0 && IsNeutral(spec->flags)) return;
  const int shard = service_->config().migrate_connections && batch_shard_ != kMixedShards
                        ? OneShardOf(service_, spec, args_)
                        : -1;
  if (shard < 0) {
    batch_shard_ = kMixedShards;
  } else {
    NoteShard(shard);
  }
}

bool Connection::MaybeMigrate() {
  const int shard = std::exchange(batch_shard_, kNoShard);
  const uint32_t cmds = std::exchange(batch_cmds_, 0);
  const uint64_t bytes = std::exchange(batch_bytes_, 0);
  if (shard == kNoShard) return false;  // no complete request in this read: the run goes on
  if (shard < 0 || uint32_t(shard) == cntx_.thread || uint32_t(shard) >= service_->pool()->size()) {
    streak_shard_ = kNoShard;
    return false;
  }
  if (shard != streak_shard_) {
    streak_shard_ = shard;
    streak_cmds_ = streak_reads_ = 0;
    streak_bytes_ = 0;
    streak_start_ns_ = cntx_.last_active_ns;
    streak_target_idle_ns_ = service_->pool()->at(uint32_t(shard))->idle_ns();
  }
  streak_cmds_ += cmds;
  streak_bytes_ += bytes;
  ++streak_reads_;
  if (streak_cmds_ < kMigrateMinCommands || streak_reads_ < kMigrateMinReads) return false;
  if (streak_bytes_ > kMigrateMaxArgBytes * streak_cmds_) {  // big commands: stay spread
    streak_shard_ = kNoShard;
    return false;
  }
  if (streak_bytes_ > kMigrateCheapArgBytes * streak_cmds_) {  // mid-size: only to spare time
    const Spare spare = TargetSpareTime();
    if (spare == Spare::kStay) streak_shard_ = kNoShard;
    if (spare != Spare::kMove) return false;
  }
  // last_active_ns was read when this input arrived: no clock read of our own.
  if (last_move_ns_ != 0 && cntx_.last_active_ns - last_move_ns_ < kMigrateMinIntervalNs) {
    return false;
  }
  if (!service_->config().migrate_connections || !CanMigrate()) {
    streak_shard_ = kNoShard;  // count afresh: the checks run once per run of reads
    return false;
  }
  if (!service_->BeginClientMove(&cntx_)) return false;  // CLIENT LIST & co. sweep: next read
  streak_shard_ = kNoShard;
  socket_.Deregister();
  // Heap is counted per thread, and per-shard eviction reads that count: what the new thread
  // frees must be handed over, or every move leaves bytes behind for good (6.4 KB each: the
  // scratch vectors, and allocations are bigger than their capacity() says). So the scratch,
  // empty between reads, is freed here, and the initial-size input buffer is rebuilt there
  // (AttachAfterMove) with only its pending bytes carried; the rest is handed over.
  // (shrink_to_fit and swap free; assigning an empty value would keep the allocation.)
  args_.clear();
  args_.shrink_to_fit();
  pending_args_.shrink_to_fit();
  pending_arg_begin_.shrink_to_fit();
  pending_.shrink_to_fit();
  batch_args_.shrink_to_fit();
  batch_arg_begin_.shrink_to_fit();
  push_buf_.shrink_to_fit();
  if (in_.size() <= kInitialBuffer) std::string(in_.data(), in_len_).swap(in_);
  mem::HandOver(service_->thread_id(uint32_t(shard)),
                int64_t(sizeof(*this) + in_.capacity() + rb_.buffer().capacity()));
  migrate_target_ = uint32_t(shard);
  last_move_ns_ = cntx_.last_active_ns;
  return true;
}

Connection::Spare Connection::TargetSpareTime() const {
  const int64_t elapsed = cntx_.last_active_ns - streak_start_ns_;
  if (elapsed < kMigrateSpareWindowNs) return Spare::kWait;
  const int64_t idle =
      service_->pool()->at(uint32_t(streak_shard_))->idle_ns() - streak_target_idle_ns_;
  return idle * kMigrateSpareShare >= elapsed ? Spare::kMove : Spare::kStay;
}

void Connection::AttachAfterMove() {
  service_->EndClientMove(&cntx_);
  if (in_.size() < kInitialBuffer) in_.resize(kInitialBuffer);  // allocated on this thread
}

}  // namespace lw
