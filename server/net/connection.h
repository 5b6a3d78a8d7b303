// Connection: one client, served by one fiber on one proactor thread for its whole life.
// Reads into an input buffer, parses every complete request in it (pipelining), dispatches
// each through the Service, and writes all replies of the batch with one send.
// A protocol error gets Redis's "-ERR Protocol error: ..." reply and closes the connection.
//
// Pub/sub messages published on any thread arrive through Push() on this connection's thread
// (in loop context): they are queued in push_buf_ and moved into the reply stream only between
// two complete replies, so a message never splits a reply; the fiber is woken if it is parked
// waiting for input. The connection fiber is the only writer of the socket.
// Migration (issue 18): between two reads, a plain client whose recent pipelined commands all
// went to one shard of another thread leaves Run() with kMigrate; the Server moves the object
// to that thread, where AttachAfterMove() and Run() continue it on a new fiber (everything,
// partial input included, travels with the object; see server/net/README.md).
// Thread-safety: owner thread only (the thread it was constructed on, or moved to); Shutdown()/
// Kill()/Push() may run in any fiber or in loop context of that thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "io/fiber.h"
#include "io/socket.h"
#include "server/engine/connection_context.h"
#include "server/engine/squashed_dispatch.h"
#include "server/net/tls_stream.h"
#include "server/resp/reply_builder.h"
#include "server/resp/resp_parser.h"

namespace lw {

class Service;
class TlsContext;

class Connection : public ClientControl {
 public:
  // REQUIRES: constructed on the thread that will run it first (it registers with the Service).
  // With `tls`, the client speaks TLS: Run() handshakes first, then every byte in and out
  // goes through a TlsStream on this same fiber.
  // `admin`: accepted on the admin port (ServerConfig::admin_port): maxclients does not apply.
  Connection(io::FiberSocket socket, Service* service, const TlsContext* tls = nullptr,
             bool admin = false);
  ~Connection() override;

  // Serves the client until it disconnects, sends QUIT, errs, or Shutdown() is called
  // (kClosed: the socket is closed), or until it should move to thread migrate_target()
  // (kMigrate: the socket is left open and off this thread's poller, the client off this
  // thread's list; the caller hands the object over and calls AttachAfterMove, then Run,
  // there).
  enum class RunResult { kClosed, kMigrate };
  RunResult Run();
  uint32_t migrate_target() const { return migrate_target_; }
  // On the new thread after a kMigrate: lists the client there (Service::EndClientMove).
  void AttachAfterMove();
  // Wakes Run() out of a blocking read so it returns promptly.
  void Shutdown();

  // ClientControl.
  void Push(std::string_view bytes) override;
  // Leaves the client list and every channel at once (as Redis frees a killed client), then
  // shuts the socket so the fiber exits.
  void Kill() override;
  // Blocking commands: watch the socket for a hang-up while the fiber is inside a command.
  void BeginBlocking(std::function<void()> cancel) override;
  void EndBlocking() override;
  bool Unblock() override;
  size_t OutputBytes() const override { return rb_.size() + push_buf_.size(); }
  size_t QueryBufferUsed() const override { return in_len_; }
  size_t QueryBufferFree() const override { return in_.size() - in_len_; }

  uint64_t id() const { return cntx_.client_id; }

 private:
  // Parses and executes every complete request in in_[0, in_len_); returns false if the
  // connection must close. Compacts the consumed prefix away.
  bool ProcessInput();
  // An HTTP GET request line at input offset `pos` (just past it): GET /metrics is answered
  // with ServiceConfig::render_metrics when no password is required; any request ends with
  // the connection closed (returns false).
  bool ServeHttpGet(std::string_view path, size_t pos);
  static constexpr size_t kMaxHttpHeaders = 64 * 1024;
  bool Flush();
  // The socket, or the TLS stream over it: ReadInput as recv(MSG_DONTWAIT) (-1 with errno),
  // WriteOutput as FiberSocket::SendAll.
  ssize_t ReadInput(char* buf, size_t len);
  // No input: flushes pushes if any (the caller then reads again), else parks until the
  // socket is readable or a push arrives. False if the connection must close.
  bool AwaitInput();
  RecentCommands recent_commands_;  // in front of the registry's lookup
  int WriteOutput(std::string_view data);
  // Puts the proto-max-bulk-len in force, and whether the client must still AUTH (Redis's
  // small pre-AUTH limits), into the parser (between requests only).
  void RefreshParserLimits();
  // Set by the constructor when maxclients clients were already connected: Run() then only
  // sends Redis's error and closes (the connection never registered as a client).
  bool over_max_clients_ = false;
  // Set by the constructor when protected mode refuses the client: Run() sends -DENIED and
  // closes.
  bool denied_ = false;
  // client-output-buffer-limit for this client's class (pubsub while subscribed, else normal)
  // with `pending` bytes not yet written: true if the client must be closed (over the hard
  // limit, or over the soft one for longer than its seconds; soft_since_ns_ tracks that).
  bool OverOutputLimit(size_t pending);
  // Drops everything pending and shuts the connection (Redis frees such a client at once).
  void CloseForOutputLimit();
  int64_t soft_since_ns_ = 0;
  // Appends queued pushes to the reply stream (between replies only).
  void TakePushes();

  // Migration: the shard every command of the current read went to (kNoShard: none yet,
  // kMixedShards: several, or a command that was not squashed), and the run of consecutive
  // reads whose commands all went to streak_shard_, a shard of another thread. A move needs
  // kMigrateMinCommands commands over kMigrateMinReads reads (a client on random keys almost
  // never sends 32 in a row to one shard, and a pipelined one never 4 whole batches), and
  // kMigrateMinIntervalNs since this client's last move (no ping-pong). Only cheap commands
  // move their client: at most kMigrateMaxArgBytes argument bytes per command on average over
  // the streak. A move puts all of a client's work on the key's thread; for a GET or a short
  // SET the hop it saves costs more than the parsing and reply the other thread did, but a big
  // command (a 10-key MSET) is mostly parsing, and when every client targets one hot key,
  // moving them all leaves the other thread idle (MSET: 2.5x slower moved than spread).
  // Between the two, a command of more than kMigrateCheapArgBytes (XADD of 5 fields, about
  // 60) moves its client only while the key's thread has time to spare: over a streak of at
  // least kMigrateSpareWindowNs it was out of work (Proactor::idle_ns) for at least
  // 1/kMigrateSpareShare of the time. A busier thread is the bottleneck; the clients left on
  // the other thread parse and build replies in parallel and hand it one squashed batch per
  // read (XADD to one stream, 50 clients: moved, the key's thread did all the server's work;
  // spread, 70-75% of it: 616k against 434k ops/s at load 4.7).
  static constexpr int kNoShard = -1, kMixedShards = -2;
  static constexpr uint32_t kMigrateMinCommands = 32, kMigrateMinReads = 4;
  static constexpr uint64_t kMigrateCheapArgBytes = 32, kMigrateMaxArgBytes = 128;
  static constexpr int64_t kMigrateSpareWindowNs = 10'000'000, kMigrateSpareShare = 4;
  static constexpr int64_t kMigrateMinIntervalNs = 100'000'000;
  void NoteShard(int shard) {
    batch_shard_ = batch_shard_ == kNoShard || batch_shard_ == shard ? shard : kMixedShards;
    ++batch_cmds_;
    for (std::string_view a : args_) batch_bytes_ += a.size();
  }
  // The same for a command that is not squashed (dispatched alone, XREADGROUP): counts if
  // all its keys are on one shard. A script never counts (OneShardOf; pipelined EVAL/EVALSHA
  // also go through their batch handler, which ends the run). A fast keyless command that
  // never reaches the keyspace (PING) is neutral; a whole-store SORT counts as keyless.
  void NoteDispatched(const CommandSpec* spec);
  // After a read's replies went out: true if the client was detached for a move (Run then
  // returns kMigrate).
  bool MaybeMigrate();
  // No state that ties the client to this thread: no MULTI/WATCH, subscriptions, tracking,
  // MONITOR, blocking command, TLS, pending output; not a redirect target; no pause.
  bool CanMigrate() const;
  // For a mid-size command's streak (see kMigrateCheapArgBytes): kMove if the target thread
  // was idle for its share of the streak's time, kWait while the streak is shorter than the
  // window, kStay if the target was busier.
  enum class Spare { kMove, kWait, kStay };
  Spare TargetSpareTime() const;
  int batch_shard_ = kNoShard;
  uint32_t batch_cmds_ = 0;
  uint64_t batch_bytes_ = 0;
  int streak_shard_ = kNoShard;
  uint32_t streak_cmds_ = 0;
  uint64_t streak_bytes_ = 0;
  uint32_t streak_reads_ = 0;
  int64_t streak_start_ns_ = 0;        // last_active_ns of the streak's first read
  int64_t streak_target_idle_ns_ = 0;  // the target's Proactor::idle_ns then
  int64_t last_move_ns_ = 0;
  uint32_t migrate_target_ = 0;
  bool started_ = false;  // Run() did the first-time work (TLS handshake, refusals)

  io::FiberSocket socket_;
  Service* service_;
  RespParser parser_;
  ReplyBuilder rb_;
  ConnectionContext cntx_;
  std::string in_;
  size_t in_len_ = 0;
  std::vector<std::string_view> args_;

  // Pipelined commands waiting to run as one squashed batch (server/engine/squashed_dispatch.h).
  // True if `args` may join it: a plain single-shard data command, its argument views in
  // in_ (inline commands' live in the parser), and a client in no special mode.
  // `spec` is the registry's entry for args[0] (ProcessInput looks it up once).
  bool Squashable(const CommandSpec* spec, const std::vector<std::string_view>& args,
                  SquashItem* out) const;
  // Runs the pending commands: one alone as usual; several as one squashed batch, replies in
  // order.
  void RunPipelineBatch();
  // The pending commands' arguments back to back (no allocation per command); command i's
  // start at pending_arg_begin_[i].
  std::vector<std::string_view> pending_args_;
  std::vector<size_t> pending_arg_begin_;
  std::vector<SquashItem> pending_;
  // CLIENT REPLY OFF/SKIP: drops the reply the last command appended from `mark` on.
  void ApplyReplyMode(size_t mark);
  // Whether the client's user may run this request (ACL), checked before a request skips
  // Dispatch (batches, squashed pipelines). REQUIRES: spec is args[0]'s command.
  bool AclAllows(const CommandSpec* spec, const std::vector<std::string_view>& args) const;
  // True if an ACL change was published since the pending requests were admitted by
  // AclAllows (which requires cntx_.acl_gen to be current): they must then be dispatched one
  // by one, each checked again as it runs. One load.
  bool AclChangedSinceAdmission() const;
  // True if every view of `args` points into in_ (not into the parser's inline buffer).
  bool InInput(const std::vector<std::string_view>& args) const;
  // Pipelined requests of one command with a batch handler (command_registry.h), e.g.
  // EVALSHA: the spec if `args` may join such a batch, else null.
  const CommandSpec* Batchable(const CommandSpec* spec,
                               const std::vector<std::string_view>& args) const;
  // Runs the pending batch: one request through Dispatch, several through the handler.
  void RunCommandBatch();
  static constexpr size_t kMaxBatch = 64;  // requests per batch, bounding the reply backlog
  // The batch's requests back to back: request i's arguments start at batch_arg_begin_[i]
  // (no vector per request).
  std::vector<std::string_view> batch_args_;
  std::vector<size_t> batch_arg_begin_;
  const CommandSpec* batch_spec_ = nullptr;
  std::string push_buf_;
  bool parked_in_read_ = false;
  bool shutting_down_ = false;
  std::unique_ptr<TlsStream> tls_;  // set for a client of the TLS port
  // While a command blocks (BeginBlocking..EndBlocking): what cancels it, and the fiber that
  // watches the socket for a hang-up meanwhile.
  std::function<void()> blocked_cancel_;
  io::Fiber block_watch_;
  bool block_watch_stop_ = false;
};

}  // namespace lw
