// lacewing: the server binary. Reads the config file and flags (server/startup.h), starts
// the Server, logs what it serves with, and stops it cleanly on SIGINT/SIGTERM (stop
// accepting, close connections, join threads).
#include <absl/flags/flag.h>
#include <absl/flags/parse.h>
#include <absl/flags/usage.h>
#include <absl/flags/usage_config.h>
#include <absl/strings/str_split.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "base/flags.h"
#include "base/logging.h"
#include "base/str_util.h"
#include "lua_interp/script_flags.h"
#include "server/engine/acl_file.h"
#include "server/engine/db_slice.h"
#include "server/families.h"
#include "server/families/server_util.h"
#include "server/net/server.h"
#include "server/startup.h"

ABSL_FLAG(uint16_t, port, 6379, "TCP port to listen on");
ABSL_FLAG(std::string, bind, "127.0.0.1",
          "addresses to listen on, separated by spaces or commas (\"127.0.0.1 ::1\"; \"*\": every "
          "IPv4 address, \"::*\": every IPv6 one)");
ABSL_FLAG(std::string, unixsocket, "", "also listen on this Unix-domain socket path");
ABSL_FLAG(uint16_t, admin_port, 0,
          "admin listener (0: none): RESP commands and HTTP GET /metrics as on --port, for "
          "connections maxclients never refuses");
ABSL_FLAG(std::string, admin_bind, "127.0.0.1", "addresses of the --admin_port listener");
ABSL_FLAG(std::string, unixsocketperm, "0", "the Unix socket's file mode, octal (0: umask's)");
// TLS (Redis's tls-* settings; as flags --tls-port or --tls_port, as directives tls-port).
ABSL_FLAG(int32_t, tls_port, 0, "also serve TLS on this port on every --bind address (0: no TLS)");
ABSL_FLAG(std::string, tls_cert_file, "", "the server's certificate (PEM; a chain may follow)");
ABSL_FLAG(std::string, tls_key_file, "", "the private key of --tls_cert_file (PEM)");
ABSL_FLAG(std::string, tls_ca_cert_file, "", "CA certificates that sign client certificates");
ABSL_FLAG(std::string, tls_auth_clients, "yes",
          "client certificates: yes (required), optional (checked if sent) or no");
ABSL_FLAG(int32_t, databases, 16, "number of databases (SELECT 0..N-1)");
ABSL_FLAG(
    std::string, aclfile, "",
    "ACL users file (Redis's format), loaded at start-up; ACL LOAD/SAVE use it (empty: none)");
ABSL_FLAG(std::string, logfile, "", "append the log to this file (empty: standard error)");
ABSL_FLAG(uint32_t, proactor_threads, 0, "number of threads (and shards); 0 = one per core");
ABSL_FLAG(std::string, io_backend, "epoll", "I/O readiness backend: epoll or uring");
// Off by default: when clients share the server's cores (the benchmarks, a small machine), a
// pinned proactor cannot move off a core a client keeps busy, and every cross-thread hop
// waits for it (issue 18: 2-7x slower on two threads at a load average of 15-20).
ABSL_FLAG(bool, migrate_connections, true,
          "move a client whose pipelined commands keep going to one shard of another thread to "
          "that thread (connection migration; false: a connection stays where it was accepted)");
ABSL_FLAG(bool, pin_threads, false,
          "bind proactor thread i to the i-th usable CPU (when there are enough CPUs)");
ABSL_FLAG(std::string, requirepass, "", "password clients must AUTH with (empty: none)");
ABSL_FLAG(bool, protected_mode, true,
          "with no password, refuse clients not on the loopback interface with -DENIED "
          "(CONFIG protected-mode)");
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

namespace {

std::string Usage() {
  return lw::Cat(
      "a multi-threaded, Redis-compatible in-memory store.\n\n"
      "Usage: lacewing [/path/to/lacewing.conf] [--name value ...]\n\n"
      "The config file holds one directive per line with the names CONFIG uses (port 7000,\n"
      "maxmemory 2gb, bind 127.0.0.1 ::1, ...); arguments override it. Every flag below and\n"
      "every CONFIG setting is both a directive and an argument (--maxclients 100).\n\n"
      "CONFIG settings (CONFIG GET *; CONFIG SET changes those not marked start-up only):\n",
      lw::DescribeSettings());
}

bool IsLoopback(const std::string& addr) {
  std::string a = addr[0] == '-' ? addr.substr(1) : addr;
  return a.rfind("127.", 0) == 0 || a == "::1" || a == "localhost";
}

// The start-up log: what an operator checks first (and a warning for an open server).
void LogStartup(lw::Server& server, const lw::ServerConfig& config, const std::string& backend) {
  lw::Service& service = server.service();
  lw::RuntimeConfig& rt = service.runtime();
  const lw::ServiceConfig& sc = service.config();
  LOG(INFO) << "Lacewing " << lw::kLacewingVersion << " (Redis " << lw::kRedisVersion
            << " compatible), pid " << getpid() << ", config file "
            << (sc.config_file.empty() ? "none" : sc.config_file);
  std::vector<std::string> addrs =
      absl::StrSplit(config.bind, absl::ByAnyChar(" ,"), absl::SkipEmpty());
  std::string listening;
  for (const std::string& a : addrs) {
    bool v6 = a.find(':') != std::string::npos;
    listening += lw::Cat(" ", v6 ? "[" : "", a, v6 ? "]" : "", ":", server.port());
  }
  if (!config.unixsocket.empty()) listening += lw::Cat(" unix:", config.unixsocket);
  if (server.admin_port() != 0) {
    listening += lw::Cat(" admin ", config.admin_bind, " port ", server.admin_port());
  }
  if (server.tls_port() != 0) {
    listening += lw::Cat(" TLS port ", server.tls_port(),
                         " (client certificates: ", config.tls.auth_clients, ")");
  }
  LOG(INFO) << "Listening on" << listening << "; " << server.pool().size()
            << " threads (one shard each), " << backend << ", databases " << lw::DbSlice::NumDbs();
  int64_t maxmemory = rt.maxmemory.load();
  LOG(INFO) << "Memory: maxmemory " << (maxmemory > 0 ? std::to_string(maxmemory) : "0 (no limit)")
            << ", maxmemory-policy " << lw::kMaxmemoryPolicies[rt.maxmemory_policy.load()]
            << ", maxclients " << rt.maxclients.load() << ", timeout " << rt.timeout.load();
  char cwd[4096];
  LOG(INFO) << "Persistence: dir " << (getcwd(cwd, sizeof(cwd)) ? cwd : "?") << ", dbfilename "
            << sc.dbfilename << ", save \"" << sc.save << "\", appendonly no";
  if (!rt.Requirepass().empty()) return;
  if (server.admin_port() != 0) {  // the admin listener's addresses are as open
    for (absl::string_view a :
         absl::StrSplit(config.admin_bind, absl::ByAnyChar(" ,"), absl::SkipEmpty())) {
      addrs.emplace_back(a);
    }
  }
  for (const std::string& a : addrs) {
    if (!IsLoopback(a)) {
      LOG(WARNING) << "WARNING: listening on " << a << " without a password (requirepass): "
                   << "anyone who can reach it can read and change every key";
    }
  }
}

// The config file's `user` directives into config->service.users, checked as Redis checks
// them while reading the file; returns 0, or 1 after printing the error.
int ReadUsers(const lw::StartupArgs& startup, lw::ServerConfig* config) {
  if (startup.users.empty()) return 0;
  if (!config->service.aclfile.empty()) {
    LOG(ERROR) << "Configuring Redis with users defined in redis.conf and at the same setting "
                  "an ACL file path is invalid. This setup is very likely to lead to "
                  "configuration errors and security holes, please define either an ACL file "
                  "or declare users directly in your redis.conf, but not both.";
    return 1;
  }
  lw::CommandRegistry registry;
  for (lw::FamilyRegistrar r : config->families) r(&registry);
  lw::acl::CommandTable table(registry);
  std::vector<std::string> seen;
  for (const lw::UserDirective& u : startup.users) {
    std::string reason = lw::CheckConfigUser(table, u.words, seen);
    if (!reason.empty()) {
      fputs(lw::FatalConfigError(u.where, u.text, reason).c_str(), stderr);
      return 1;
    }
    seen.push_back(u.words[0]);
    config->service.users.push_back(u.words);
  }
  return 0;
}

// Flags into `config`; returns 0, or the exit code for a bad value.
int ReadConfig(const lw::StartupArgs& startup, lw::ServerConfig* config, std::string* backend) {
  lw::WireServer(config);
  config->port = absl::GetFlag(FLAGS_port);
  config->bind = absl::GetFlag(FLAGS_bind);
  config->unixsocket = absl::GetFlag(FLAGS_unixsocket);
  config->admin_port = absl::GetFlag(FLAGS_admin_port);
  config->admin_bind = absl::GetFlag(FLAGS_admin_bind);
  char* end = nullptr;
  std::string perm = absl::GetFlag(FLAGS_unixsocketperm);
  config->unixsocketperm = uint32_t(strtoul(perm.c_str(), &end, 8));
  if (perm.empty() || *end != '\0' || config->unixsocketperm > 0777) {
    LOG(ERROR) << "--unixsocketperm: not an octal file mode: " << perm;
    return 2;
  }
  lw::TlsConfig& tls = config->tls;
  tls.port = absl::GetFlag(FLAGS_tls_port);
  tls.cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  tls.key_file = absl::GetFlag(FLAGS_tls_key_file);
  tls.ca_cert_file = absl::GetFlag(FLAGS_tls_ca_cert_file);
  tls.auth_clients = lw::AsciiLower(absl::GetFlag(FLAGS_tls_auth_clients));
  if (tls.port < 0 || tls.port > 65535 ||
      (tls.auth_clients != "yes" && tls.auth_clients != "no" && tls.auth_clients != "optional")) {
    LOG(ERROR) << "--tls_port must be 0..65535 and --tls_auth_clients yes, no or optional";
    return 2;
  }
  int32_t databases = absl::GetFlag(FLAGS_databases);
  if (databases < 1) {
    LOG(ERROR) << "--databases: must be at least 1, got " << databases;
    return 2;
  }
  lw::DbSlice::SetNumDbs(databases);
  config->threads = absl::GetFlag(FLAGS_proactor_threads);
  config->pin_threads = absl::GetFlag(FLAGS_pin_threads);
  *backend = absl::GetFlag(FLAGS_io_backend);
  if (*backend == "uring") {
    config->poller = lw::io::PollerKind::kUring;
  } else if (*backend != "epoll") {
    LOG(ERROR) << "--io_backend must be epoll or uring, got " << *backend;
    return 2;
  }
  lw::ServiceConfig& service = config->service;
  service.settings = startup.settings;
  service.config_file = startup.config_file;
  service.unixsocket = config->unixsocket;
  service.unixsocketperm = config->unixsocketperm;
  service.logfile = absl::GetFlag(FLAGS_logfile);
  service.tls_port = tls.port;
  service.tls_cert_file = tls.cert_file;
  service.tls_key_file = tls.key_file;
  service.tls_ca_cert_file = tls.ca_cert_file;
  service.tls_auth_clients = tls.auth_clients;
  service.aclfile = absl::GetFlag(FLAGS_aclfile);
  service.requirepass = absl::GetFlag(FLAGS_requirepass);
  service.protected_mode = absl::GetFlag(FLAGS_protected_mode);
  service.lock_on_hashtags = absl::GetFlag(FLAGS_lock_on_hashtags);
  std::optional<uint64_t> maxmemory = lw::ParseMemorySize(absl::GetFlag(FLAGS_maxmemory));
  if (!maxmemory || *maxmemory > uint64_t(INT64_MAX)) {
    LOG(ERROR) << "--maxmemory: not a memory size: " << absl::GetFlag(FLAGS_maxmemory);
    return 2;
  }
  service.maxmemory = int64_t(*maxmemory);
  service.cache_mode = absl::GetFlag(FLAGS_cache_mode);
  std::string bad_flag;
  std::optional<uint32_t> lua_flags =
      lw::lua::ParseFlagList(absl::GetFlag(FLAGS_default_lua_flags), &bad_flag);
  if (!lua_flags) {
    LOG(ERROR) << "--default_lua_flags: unknown script flag '" << bad_flag << "'";
    return 2;
  }
  service.default_lua_flags = *lua_flags;
  service.lua_auto_async = absl::GetFlag(FLAGS_lua_auto_async);
  service.migrate_connections = absl::GetFlag(FLAGS_migrate_connections);
  service.lua_lock_on_first_touch = absl::GetFlag(FLAGS_lua_lock_on_first_touch);
  service.busy_reply_threshold_ms = absl::GetFlag(FLAGS_busy_reply_threshold);
  std::string dir = absl::GetFlag(FLAGS_dir);
  if (!dir.empty() && chdir(dir.c_str()) != 0) {
    LOG(ERROR) << "Can't chdir to '" << dir << "': " << strerror(errno);
    return 1;
  }
  service.dbfilename = absl::GetFlag(FLAGS_dbfilename);
  if (service.dbfilename.empty() || service.dbfilename.find('/') != std::string::npos) {
    LOG(ERROR) << "--dbfilename can't be a path, just a filename";
    return 2;
  }
  service.save = absl::GetFlag(FLAGS_save);
  std::vector<lw::Persistence::SavePoint> save_points;
  if (!lw::Persistence::ParseSavePoints(service.save, &save_points)) {
    LOG(ERROR) << "--save: Invalid save parameters: " << service.save;
    return 2;
  }
  std::optional<uint64_t> lua_heap = lw::ParseMemorySize(absl::GetFlag(FLAGS_lua_heap_limit));
  if (!lua_heap || *lua_heap > uint64_t(INT64_MAX)) {
    LOG(ERROR) << "--lua_heap_limit: not a memory size: " << absl::GetFlag(FLAGS_lua_heap_limit);
    return 2;
  }
  service.lua_heap_limit = int64_t(*lua_heap);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(Usage());
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return file.size() >= 7 && file.substr(file.size() - 7) == "main.cc";
  };
  usage.version_string = [] {
    return lw::Cat("Lacewing v=", lw::kLacewingVersion, " redis_version=", lw::kRedisVersion,
                   " bits=", sizeof(void*) * 8, "\n");
  };
  absl::SetFlagsUsageConfig(usage);
  lw::StartupArgs startup;
  std::string error;
  if (!lw::ReadStartupArgs(argc, argv, &startup, &error)) {
    fputs(error.c_str(), stderr);
    return 1;
  }
  std::vector<char*> flag_argv;
  for (std::string& a : startup.flag_args) flag_argv.push_back(a.data());
  absl::ParseCommandLine(int(flag_argv.size()), flag_argv.data());
  std::string logfile = absl::GetFlag(FLAGS_logfile);
  if (!logfile.empty() && freopen(logfile.c_str(), "a", stderr) == nullptr) {
    fprintf(stdout, "Can't open the log file: %s\n", strerror(errno));
    return 1;
  }
  setvbuf(stderr, nullptr, _IOLBF, 0);  // each line reaches the file as it is logged
  lw::InitLogging(argv[0]);

  lw::ServerConfig config;
  std::string backend;
  if (int rc = ReadConfig(startup, &config, &backend); rc != 0) return rc;
  if (int rc = ReadUsers(startup, &config); rc != 0) return rc;

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
  if (rc == -EPROTO) {
    LOG(ERROR) << "Failed to configure TLS: " << server.tls_error();
    return 1;
  }
  if (rc < 0) {
    LOG(ERROR) << "cannot listen on " << server.failed_address() << ": " << strerror(-rc);
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
  LogStartup(server, config, backend);
  LOG(INFO) << "Lacewing ready: " << config.bind << ":" << server.port() << ", "
            << server.pool().size() << " threads, " << backend;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  LOG(INFO) << "received " << strsignal(sig) << ", shutting down";
  // Running scripts stop (rolled back) at their next hook first: the final save then never
  // waits for a script that loops forever, nor holds half of one.
  server.service().BeginShutdown();
  // With save points (or after SHUTDOWN, which saved already), Redis's final save.
  bool saved = server.pool().at(0)->AwaitFiber(
      [&] { return server.service().persistence().SaveOnShutdown(false, false); });
  if (!saved) LOG(ERROR) << "Error trying to save the DB before exiting";
  server.Stop();
  LOG(INFO) << "bye";
  return 0;
}
