// lacewing: the server binary. Parses flags, starts the Server, and stops it cleanly on
// SIGINT/SIGTERM (stop accepting, close connections, join threads).
#include <absl/flags/flag.h>
#include <absl/flags/parse.h>
#include <absl/flags/usage.h>
#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "base/flags.h"
#include "base/logging.h"
#include "lua_interp/script_flags.h"
#include "server/families.h"
#include "server/net/server.h"

ABSL_FLAG(uint16_t, port, 6379, "TCP port to listen on");
ABSL_FLAG(std::string, bind, "127.0.0.1", "address to bind");
ABSL_FLAG(uint32_t, proactor_threads, 0, "number of threads (and shards); 0 = one per core");
ABSL_FLAG(std::string, io_backend, "epoll", "I/O readiness backend: epoll or uring");
ABSL_FLAG(bool, pin_threads, true,
          "bind proactor thread i to the i-th usable CPU (when there are enough CPUs)");
ABSL_FLAG(bool, protected_mode, true,
          "with no password, refuse clients not on the loopback interface with -DENIED "
          "(CONFIG protected-mode)");
ABSL_FLAG(std::string, requirepass, "", "password clients must AUTH with (empty: none)");
ABSL_FLAG(bool, lock_on_hashtags, false,
          "lock a {hashtag} instead of each key: a script that declares one key of a tag may "
          "touch every key with that tag");
// A string parsed by lw::ParseMemorySize, the grammar CONFIG SET maxmemory uses too, so
// "32mb", "1gb", "512k" work as in redis.conf.
ABSL_FLAG(std::string, maxmemory, "0",
          "memory limit in bytes, with k/kb/m/mb/g/gb units (0: none); CONFIG SET maxmemory");
ABSL_FLAG(bool, cache_mode, false,
          "evict keys (never sticky ones) to stay under --maxmemory instead of refusing writes "
          "(maxmemory-policy allkeys-lru)");
// Scripts. Read here once into ServiceConfig; --busy_reply_threshold seeds the runtime value
// that CONFIG GET/SET busy-reply-threshold (alias lua-time-limit) read and change.
ABSL_FLAG(std::string, default_lua_flags, "",
          "flags (comma separated, e.g. allow-undeclared-keys,disable-atomicity) for scripts "
          "that declare none");
ABSL_FLAG(bool, lua_auto_async, false,
          "run redis.call/pcall whose result a script discards as redis.acall/apcall");
ABSL_FLAG(bool, lua_lock_on_first_touch, true,
          "allow-undeclared-keys scripts lock each key on first touch; false: they take the "
          "whole-store lock (every shard), as before issue 13");
ABSL_FLAG(uint32_t, busy_reply_threshold, 5000,
          "ms after which a running script makes commands that need its keys fail with -BUSY "
          "(CONFIG busy-reply-threshold, alias lua-time-limit)");
ABSL_FLAG(std::string, lua_heap_limit, "1gb",
          "cap on one Lua interpreter's heap while a script runs (0: none); past it the script "
          "fails with 'not enough memory' (CONFIG lacewing-lua-heap-limit)");

// Persistence (engine/persistence.h), as redis.conf's dir / dbfilename / save. The server
// changes to --dir at start, as Redis does, so dbfilename and CONFIG GET dir are relative to it.
ABSL_FLAG(std::string, dir, "", "working directory for the RDB file (default: current)");
ABSL_FLAG(std::string, dbfilename, "dump.rdb", "RDB file loaded at start and written by saves");
ABSL_FLAG(std::string, save, "",
          "save points, e.g. \"3600 1 300 100\" (after <seconds> if at least <changes> writes); "
          "empty: none (CONFIG SET save)");

// The script settings without a parse step (main() checks --default_lua_flags itself).
static void ReadScriptFlags(lw::ServiceConfig* service) {
  service->lua_auto_async = absl::GetFlag(FLAGS_lua_auto_async);
  service->lua_lock_on_first_touch = absl::GetFlag(FLAGS_lua_lock_on_first_touch);
  service->busy_reply_threshold_ms = absl::GetFlag(FLAGS_busy_reply_threshold);
}

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Lacewing: a multi-threaded, Redis-compatible in-memory store");
  absl::ParseCommandLine(argc, argv);
  lw::InitLogging(argv[0]);

  lw::ServerConfig config;
  lw::WireServer(&config);
  config.port = absl::GetFlag(FLAGS_port);
  config.bind = absl::GetFlag(FLAGS_bind);
  config.threads = absl::GetFlag(FLAGS_proactor_threads);
  config.pin_threads = absl::GetFlag(FLAGS_pin_threads);
  std::string backend = absl::GetFlag(FLAGS_io_backend);
  if (backend == "uring") {
    config.poller = lw::io::PollerKind::kUring;
  } else if (backend != "epoll") {
    LOG(ERROR) << "--io_backend must be epoll or uring, got " << backend;
    return 2;
  }
  config.service.requirepass = absl::GetFlag(FLAGS_requirepass);
  config.service.protected_mode = absl::GetFlag(FLAGS_protected_mode);
  config.service.lock_on_hashtags = absl::GetFlag(FLAGS_lock_on_hashtags);
  std::optional<uint64_t> maxmemory = lw::ParseMemorySize(absl::GetFlag(FLAGS_maxmemory));
  if (!maxmemory || *maxmemory > uint64_t(INT64_MAX)) {
    LOG(ERROR) << "--maxmemory: not a memory size: " << absl::GetFlag(FLAGS_maxmemory);
    return 2;
  }
  config.service.maxmemory = int64_t(*maxmemory);
  config.service.cache_mode = absl::GetFlag(FLAGS_cache_mode);
  std::string bad_flag;
  std::optional<uint32_t> lua_flags =
      lw::lua::ParseFlagList(absl::GetFlag(FLAGS_default_lua_flags), &bad_flag);
  if (!lua_flags) {
    LOG(ERROR) << "--default_lua_flags: unknown script flag '" << bad_flag << "'";
    return 2;
  }
  config.service.default_lua_flags = *lua_flags;
  ReadScriptFlags(&config.service);
  std::string dir = absl::GetFlag(FLAGS_dir);
  if (!dir.empty() && chdir(dir.c_str()) != 0) {
    LOG(ERROR) << "Can't chdir to '" << dir << "': " << strerror(errno);
    return 1;
  }
  config.service.dbfilename = absl::GetFlag(FLAGS_dbfilename);
  if (config.service.dbfilename.empty() ||
      config.service.dbfilename.find('/') != std::string::npos) {
    LOG(ERROR) << "--dbfilename can't be a path, just a filename";
    return 2;
  }
  config.service.save = absl::GetFlag(FLAGS_save);
  std::vector<lw::Persistence::SavePoint> save_points;
  if (!lw::Persistence::ParseSavePoints(config.service.save, &save_points)) {
    LOG(ERROR) << "--save: Invalid save parameters: " << config.service.save;
    return 2;
  }
  std::optional<uint64_t> lua_heap = lw::ParseMemorySize(absl::GetFlag(FLAGS_lua_heap_limit));
  if (!lua_heap || *lua_heap > uint64_t(INT64_MAX)) {
    LOG(ERROR) << "--lua_heap_limit: not a memory size: " << absl::GetFlag(FLAGS_lua_heap_limit);
    return 2;
  }
  config.service.lua_heap_limit = int64_t(*lua_heap);

  // Signals are handled by sigwait on this thread; every thread started below inherits the
  // mask, so no proactor is ever interrupted by them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  lw::Server server(config);
  int rc = server.Start();
  if (rc < 0) {
    LOG(ERROR) << "cannot listen on " << config.bind << ":" << config.port << ": " << strerror(-rc);
    return 1;
  }
  // Listening already: clients get -LOADING until the dataset is in.
  std::string load_error = server.service().persistence().Load();
  if (!load_error.empty()) {
    LOG(ERROR) << "Fatal error loading the DB: " << load_error << ". Exiting.";
    // Nothing was served and nothing needs saving; stopping the threads cleanly right after
    // start could race the acceptor's start-up, so leave at once, as Redis does.
    std::fflush(stderr);
    std::_Exit(1);
  }
  LOG(INFO) << "Lacewing ready: " << config.bind << ":" << server.port() << ", "
            << server.pool().size() << " threads, " << backend;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  LOG(INFO) << "received " << strsignal(sig) << ", shutting down";
  // With save points (or after SHUTDOWN, which saved already), Redis's final save.
  bool saved = server.pool().at(0)->AwaitFiber(
      [&] { return server.service().persistence().SaveOnShutdown(false, false); });
  if (!saved) LOG(ERROR) << "Error trying to save the DB before exiting";
  server.Stop();
  LOG(INFO) << "bye";
  return 0;
}
