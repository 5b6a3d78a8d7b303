// MEMORY USAGE | STATS | DOCTOR | MALLOC-STATS | PURGE | HELP.
//
// Sizes come from the allocator: every heap block of a key and its value is measured with
// mimalloc's usable size (CompactObj::MallocUsed), plus the table cells that hold them (the
// prime entry, and the expire entry of a key with a TTL). USAGE is therefore exact rather than
// sampled; SAMPLES is accepted and checked as Redis checks it. Per-thread figures (STATS) are
// read on each thread by a brief task; PURGE asks every thread's heap to return free pages.
// Thread-safety: handlers run on the client's fiber; shard data is read on its shard.
#include "server/families/memory_family.h"

#include <mimalloc.h>

#include <string>
#include <vector>

#include "base/malloc_accounting.h"
#include "server/engine/op_args.h"
#include "server/families/server_util.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {

constexpr std::string_view kMemoryHelp[] = {
    "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    "HELP",
    "    Prints this help.",
};

// Bytes of one prime-table cell (key and value objects) and of one expire-table cell.
constexpr size_t kPrimeCell = 2 * sizeof(CompactObj);
constexpr size_t kExpireCell = sizeof(CompactObj) + sizeof(int64_t);

void Usage(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  for (size_t j = 3; j < args.size(); ++j) {
    if (!EqualsIgnoreCase(args[j], "SAMPLES") || j + 1 >= args.size()) {
      return rb->SendError(errors::kSyntax);
    }
    int64_t samples;
    if (!ParseRedisInt(args[j + 1], &samples)) return rb->SendError(errors::kNotInteger);
    if (samples < 0) return rb->SendError(errors::kSyntax);
    ++j;  // every element is measured anyway: the count only has to be valid
  }
  std::string_view key = args[2];
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    auto it = op.slice->Peek(op.db, key);  // Redis's dbFind: no hit/miss, no touch
    if (!it) return OpStatus::kKeyNotFound;
    size_t bytes = kPrimeCell + it->key().MallocUsed() + it->value().MallocUsed();
    if (it->value().has_expire()) bytes += kExpireCell;
    return int64_t(bytes);
  });
  if (!res.ok()) return rb->SendNull();
  rb->SendLong(*res);
}

struct Figures {
  int64_t total = 0;                // every thread's heap
  std::vector<int64_t> per_thread;  // proactor heaps (shard data lives there)
  uint64_t keys = 0;
};

Figures Measure(Service* service) {
  Figures f;
  f.per_thread.assign(service->pool()->size(), 0);
  service->pool()->AwaitBriefOnAll(
      [&](io::Proactor* p) { f.per_thread[p->index()] = mem::ThreadAllocatedBytes(); });
  std::vector<uint64_t> keys(service->shards().size(), 0);
  service->shards().AwaitOnAll([&](Shard* shard) {
    for (int db = 0; db < DbSlice::NumDbs(); ++db) keys[shard->id] += shard->db_slice.DbSize(db);
  });
  for (uint64_t k : keys) f.keys += k;
  f.total = service->UsedMemory();
  return f;
}

void Stats(ConnectionContext* cntx) {
  Figures f = Measure(cntx->service);
  int64_t shards = 0;
  for (int64_t v : f.per_thread) shards += v;
  std::vector<std::pair<std::string, int64_t>> fields = {
      {"total.allocated", f.total},
      {"keys.count", int64_t(f.keys)},
      {"keys.bytes-per-key", f.keys ? shards / int64_t(f.keys) : 0},
      {"dataset.bytes", shards},
      {"overhead.total", f.total - shards},
  };
  for (size_t i = 0; i < f.per_thread.size(); ++i) {
    fields.emplace_back(Cat("lacewing.shard.", i, ".allocated"), f.per_thread[i]);
  }
  ReplyBuilder* rb = cntx->rb;
  rb->StartMap(fields.size());
  for (const auto& [name, value] : fields) {
    rb->SendBulk(name);
    rb->SendLong(value);
  }
}

void Doctor(ConnectionContext* cntx) {
  Figures f = Measure(cntx->service);
  std::string report;
  if (f.total < 5 * 1024 * 1024) {
    report =
        "Hi Sam, this instance is empty or is using very little memory, my issues detector "
        "can't be used in these conditions. Please, leave for your mission on Earth and fill it "
        "with some data. The new Sam and I will be back to our programming as soon as I "
        "finished rebooting.";
  } else {
    // Shards far apart in size mean a few hot hash tags hold most of the data.
    int64_t lo = INT64_MAX, hi = 0;
    for (int64_t v : f.per_thread) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    if (f.per_thread.size() > 1 && hi > 4 * std::max<int64_t>(lo, 1) && hi > 64 << 20) {
      report =
          Cat("Sam, I detected a few issues in this Lacewing instance memory implants:\n\n * Shard "
              "imbalance: the largest shard holds ",
              hi, " bytes, the smallest ", lo,
              ". Keys that share a {hash tag} live on one shard; spreading them spreads memory and "
              "load.\n\nI'm here to keep you safe, Sam. I want to help you.");
    } else {
      report =
          "Hi Sam, I can't find any memory issue in your instance. I can only account for what "
          "occurs on this base.";
    }
  }
  cntx->rb->SendVerbatim(report);
}

void MallocStats(ConnectionContext* cntx) {
  std::string out;
  mi_stats_print_out(
      [](const char* msg, void* arg) { static_cast<std::string*>(arg)->append(msg); }, &out);
  cntx->rb->SendVerbatim(out);
}

void Memory(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  std::string sub = AsciiUpper(args[1]);
  if (sub == "USAGE" && args.size() >= 3) return Usage(args, cntx);
  if (sub == "USAGE") return rb->SendError(errors::WrongArity("memory|usage"));
  if (args.size() != 2 && (sub == "STATS" || sub == "DOCTOR" || sub == "MALLOC-STATS" ||
                           sub == "PURGE" || sub == "HELP")) {
    return rb->SendError(errors::WrongArity("memory|" + AsciiLower(sub)));
  }
  if (sub == "STATS") return Stats(cntx);
  if (sub == "DOCTOR") return Doctor(cntx);
  if (sub == "MALLOC-STATS") return MallocStats(cntx);
  if (sub == "PURGE") {
    cntx->service->pool()->AwaitBriefOnAll([](io::Proactor*) { mi_collect(true); });
    return rb->SendOk();
  }
  if (sub == "HELP") return SendHelp(rb, kMemoryHelp);
  rb->SendError(errors::UnknownSubcommand(args[1], "MEMORY"));
}

}  // namespace

void RegisterMemoryFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"memory", -2, kReadOnly, 0, 0, 0, Memory});
}

}  // namespace lw
