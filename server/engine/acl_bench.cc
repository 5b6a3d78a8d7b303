// acl_bench: what the ACL check costs per command, as Service::DispatchSpec runs it — the
// default user (every permission: a generation load and two branches) against a user with
// key patterns (command id, key extraction by key spec, glob match), for GET and SET.
//
//   bazel run -c opt //server/engine:acl_bench
#include <benchmark/benchmark.h>

#include <atomic>
#include <string>
#include <vector>

#include "server/engine/acl_registry.h"

namespace lw {
namespace {

void Nop(CmdArgs, ConnectionContext*) {}

struct Fixture {
  CommandRegistry registry;
  std::atomic<bool> auth_required{false};
  std::unique_ptr<AclRegistry> acl;
  Fixture() {
    registry.Register({"get", 2, cmd::kReadOnly | cmd::kFast, 1, 1, 1, Nop});
    registry.Register({"set", -3, cmd::kWrite | cmd::kDenyOom, 1, 1, 1, Nop});
    acl = std::make_unique<AclRegistry>(registry, &auth_required);
    std::vector<std::string> rules = {"on",      "nopass",     "+@all",
                                      "~user:*", "~session:*", "%R~cache:*"};
    acl->SetUser("patterned", rules);
  }
};

Fixture& F() {
  static Fixture* f = new Fixture;
  return *f;
}

// Dispatch's check: FullAccess first, the full check only for a restricted user.
bool Permits(const CommandSpec& spec, CmdArgs args, ConnectionContext* cntx) {
  AclRegistry& acl = *F().acl;
  if (acl.FullAccess(cntx)) return true;
  int id = acl.table().IdFor(spec, args);
  int pos = -1;
  return acl::Check(*cntx->user, acl.table(), id, args, &pos) == acl::Verdict::kOk;
}

void Run(benchmark::State& state, std::string_view user, std::vector<std::string_view> args) {
  ConnectionContext cntx;
  F().acl->Login(&cntx, F().acl->Get(user));
  const CommandSpec* spec = F().registry.Find(args[0]);
  for (auto _ : state) {
    bool ok = Permits(*spec, args, &cntx);
    benchmark::DoNotOptimize(ok);
    if (!ok) state.SkipWithError("denied");
  }
}

void BM_DefaultUser_Get(benchmark::State& s) { Run(s, "default", {"get", "user:1000"}); }
void BM_DefaultUser_Set(benchmark::State& s) { Run(s, "default", {"set", "user:1000", "v"}); }
void BM_PatternUser_Get(benchmark::State& s) { Run(s, "patterned", {"get", "user:1000"}); }
void BM_PatternUser_Set(benchmark::State& s) { Run(s, "patterned", {"set", "user:1000", "v"}); }
// The last pattern matches: every pattern is tried.
void BM_PatternUser_GetLastPattern(benchmark::State& s) {
  Run(s, "patterned", {"get", "cache:1000"});
}

BENCHMARK(BM_DefaultUser_Get);
BENCHMARK(BM_DefaultUser_Set);
BENCHMARK(BM_PatternUser_Get);
BENCHMARK(BM_PatternUser_Set);
BENCHMARK(BM_PatternUser_GetLastPattern);

}  // namespace
}  // namespace lw
