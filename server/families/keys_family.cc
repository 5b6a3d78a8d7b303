#include "server/families/keys_family.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "io/fiber.h"
#include "server/engine/connection_context.h"
#include "server/engine/family_util.h"
#include "server/engine/op_args.h"
#include "server/engine/persistence.h"
#include "server/engine/scan_args.h"
#include "server/engine/service.h"
#include "server/engine/tracking.h"
#include "server/families/keys_util.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"
#include "server/types/glob.h"

namespace lw {

namespace {

using Iterator = DbSlice::Iterator;

std::mt19937_64& Rng() { return ThreadRng(); }

std::string KeyOf(Iterator it) {
  std::string scratch;
  std::string_view key = it.key().GetSlice(&scratch);
  return std::string(key);
}

// ---------------------------------------------------------------------------------------
// Commands over a list of keys.

// UNLINK frees values inline: Lacewing's values are freed in the shard's own thread anyway,
// so there is nothing to hand to a background thread.
void SendCountOrUndeclared(ConnectionContext* cntx, int64_t n) {
  if (n < 0) return cntx->rb->SendError(errors::kUndeclaredKeys);
  cntx->rb->SendLong(n);
}

void Unlink(CmdArgs args, ConnectionContext* cntx) {
  SendCountOrUndeclared(
      cntx, SumOverKeys(cntx, args.subspan(1), [](const OpArgs& op, std::string_view key) {
        if (!op.slice->Del(op.db, key)) return 0;
        op.slice->Notify(notify::kGeneric, "del", op.db, key);
        return 1;
      }));
}

void Touch(CmdArgs args, ConnectionContext* cntx) {
  SendCountOrUndeclared(
      cntx, SumOverKeys(cntx, args.subspan(1), [](const OpArgs& op, std::string_view key) {
        return op.slice->Find(op.db, key).ok() ? 1 : 0;
      }));
}

// ---------------------------------------------------------------------------------------
// RENAME, RENAMENX, COPY: a value leaves (or is cloned on) the source key's shard and is put
// into the destination key's shard. Both keys stay locked across the hops (KeyHops), so no
// other command sees the value in both places or in neither. When both keys live on one
// shard everything happens in a single hop.

}  // namespace

ValueInTransit TakeValue(DbSlice* slice, int db, std::string_view key) {
  ValueInTransit out;
  auto it = slice->Peek(db, key);
  if (!it) return out;
  out.found = true;
  out.expire_at = slice->GetExpire(db, *it);
  if (out.expire_at != 0) slice->RemoveExpire(db, *it);
  out.value = std::move(it->value());
  slice->Del(db, *it);
  return out;
}

namespace {

// A deep copy of the value of `key` (not sticky: COPY makes a new key).
ValueInTransit CloneValue(DbSlice* slice, int db, std::string_view key) {
  ValueInTransit out;
  auto it = slice->Peek(db, key);
  if (!it) return out;
  out.found = true;
  out.expire_at = slice->GetExpire(db, *it);
  out.value = it->value().Clone();
  return out;
}

}  // namespace

void PutValue(DbSlice* slice, int db, std::string_view key, ValueInTransit* v) {
  slice->Del(db, key);
  auto [it, inserted] = slice->AddOrFind(db, key);
  it.value() = std::move(v->value);
  if (v->expire_at != 0) slice->SetExpire(db, it, v->expire_at);
  // A list or sorted set moved into place wakes clients blocked on `key` (BLPOP, BZPOPMIN...),
  // as Redis's dbAdd does; the waiter checks the type and database itself.
  if (tx::EngineShard* es = tx::EngineShard::Current()) es->NotifyKeyReady(key);
}

namespace {

bool SameShard(ConnectionContext* cntx, std::string_view a, std::string_view b) {
  ShardSet& shards = cntx->service->shards();
  return shards.ShardOf(a) == shards.ShardOf(b);
}

enum class MoveOutcome { kNoSource, kRefused, kDone, kUndeclared };

// One RENAME/RENAMENX/COPY: the value of src_db/src goes to dst_db/dst.
struct Transfer {
  int src_db, dst_db;
  std::string_view src, dst;
  bool conditional;  // refused when dst exists (RENAMENX, COPY without REPLACE)
  bool copy;         // the source stays (COPY: a clone) rather than leaving (RENAME)
};

ValueInTransit Fetch(const Transfer& t, DbSlice* slice) {
  if (t.copy) return CloneValue(slice, t.src_db, t.src);
  ValueInTransit v = TakeValue(slice, t.src_db, t.src);
  if (v.found) slice->Notify(notify::kGeneric, "rename_from", t.src_db, t.src);
  return v;
}

void Store(const Transfer& t, DbSlice* slice, ValueInTransit* v) {
  PutValue(slice, t.dst_db, t.dst, v);
  slice->Notify(notify::kGeneric, t.copy ? "copy_to" : "rename_to", t.dst_db, t.dst);
}

// Whether the source exists; COPY reads it as Redis's lookupKeyRead (a hit or a keymiss).
bool LookSource(const Transfer& t, DbSlice* slice) {
  bool found = slice->Peek(t.src_db, t.src).has_value();
  if (t.copy) slice->CountRead(t.src_db, t.src, found);
  return found;
}

// Both keys on one shard: everything in a single hop. A key renamed to itself stays put.
MoveOutcome TransferOnOneShard(KeyHops* hops, const Transfer& t) {
  MoveOutcome outcome = MoveOutcome::kUndeclared;
  hops->Run([&](const OpArgs& op, std::span<const tx::ShardArg>) {
    if (!LookSource(t, op.slice)) {
      outcome = MoveOutcome::kNoSource;
    } else if (t.conditional && op.slice->Peek(t.dst_db, t.dst)) {
      outcome = MoveOutcome::kRefused;
    } else {
      if (t.src_db != t.dst_db || t.src != t.dst) {
        ValueInTransit v = Fetch(t, op.slice);
        // COPY ... DB n writes a key of another database than the script's (undo_log.h).
        if (op.undo != nullptr) op.undo->Record(op.slice, t.dst_db, t.dst);
        Store(t, op.slice, &v);
      }
      outcome = MoveOutcome::kDone;
    }
  });
  return outcome;
}

// Keys on two shards: hop 1 looks at both keys and, when nothing can refuse the transfer,
// fetches the value at once; a conditional transfer fetches in a second hop; the last hop
// stores the value.
MoveOutcome TransferAcrossShards(KeyHops* hops, const Transfer& t) {
  ValueInTransit v;
  bool dst_exists = false;
  bool ran = hops->Run([&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    for (const tx::ShardArg& a : mine) {
      if (a.index == 1) {
        dst_exists = op.slice->Peek(t.dst_db, t.dst).has_value();
      } else if (t.conditional) {
        v.found = LookSource(t, op.slice);
      } else {
        v = Fetch(t, op.slice);
        if (t.copy) op.slice->CountRead(t.src_db, t.src, v.found);
      }
    }
  });
  if (!ran) return MoveOutcome::kUndeclared;
  if (!v.found) return MoveOutcome::kNoSource;
  if (t.conditional && dst_exists) return MoveOutcome::kRefused;
  if (t.conditional) {
    hops->Run([&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
      if (mine[0].index == 0) v = Fetch(t, op.slice);
    });
  }
  hops->Run([&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    if (mine[0].index != 1) return;
    if (op.undo != nullptr) op.undo->Record(op.slice, t.dst_db, t.dst);
    Store(t, op.slice, &v);
  });
  return MoveOutcome::kDone;
}

MoveOutcome RunTransfer(ConnectionContext* cntx, const Transfer& t) {
  std::string_view keys[] = {t.src, t.dst};
  // COPY only reads its source: shared, so readers of it need not wait (RENAME deletes it).
  const std::vector<tx::LockMode> modes =
      t.copy ? KeyHops::DestinationModes(2, 1) : std::vector<tx::LockMode>{};
  KeyHops hops(cntx, keys, modes);
  return SameShard(cntx, t.src, t.dst) ? TransferOnOneShard(&hops, t)
                                       : TransferAcrossShards(&hops, t);
}

void RenameGeneric(CmdArgs args, ConnectionContext* cntx, bool nx) {
  int db = cntx->db_index;
  MoveOutcome outcome = RunTransfer(cntx, Transfer{db, db, args[1], args[2], nx, false});
  ReplyBuilder* rb = cntx->rb;
  switch (outcome) {
    case MoveOutcome::kUndeclared:
      return rb->SendError(errors::kUndeclaredKeys);
    case MoveOutcome::kNoSource:
      return rb->SendError(errors::kNoSuchKey);
    case MoveOutcome::kRefused:
      return rb->SendLong(0);
    case MoveOutcome::kDone:
      return nx ? rb->SendLong(1) : rb->SendOk();
  }
}

// COPY source destination [DB destination-db] [REPLACE]
void Copy(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  int src_db = cntx->db_index, dst_db = cntx->db_index;
  bool replace = false;
  for (size_t j = 3; j < args.size(); ++j) {
    if (EqualsIgnoreCase(args[j], "REPLACE")) {
      replace = true;
    } else if (EqualsIgnoreCase(args[j], "DB") && j + 1 < args.size()) {
      int64_t db;
      if (!ParseRedisInt(args[j + 1], &db) || db < INT32_MIN || db > INT32_MAX) {
        return rb->SendError(errors::kNotInteger);
      }
      if (db < 0 || db >= DbSlice::NumDbs()) return rb->SendError(errors::kDbIndexOutOfRange);
      dst_db = int(db);
      ++j;
    } else {
      return rb->SendError(errors::kSyntax);
    }
  }
  std::string_view src = args[1], dst = args[2];
  if (src_db == dst_db && src == dst) return rb->SendError(errors::kSameObject);

  MoveOutcome outcome =
      RunTransfer(cntx, Transfer{src_db, dst_db, src, dst, /*conditional=*/!replace, true});
  switch (outcome) {
    case MoveOutcome::kUndeclared:
      return rb->SendError(errors::kUndeclaredKeys);
    case MoveOutcome::kNoSource:
    case MoveOutcome::kRefused:
      return rb->SendLong(0);
    case MoveOutcome::kDone:
      return rb->SendLong(1);
  }
}

// ---------------------------------------------------------------------------------------
// Single-key commands.

void Type(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  std::string_view name = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> std::string_view {
    auto it = op.slice->FindNoTouch(op.db, key);  // Redis's LOOKUP_NOTOUCH
    return it ? ObjTypeName(it->value().type()) : std::string_view("none");
  });
  cntx->rb->SendSimpleString(name);
}

enum ExpireFlag : unsigned { kExpNx = 1, kExpXx = 2, kExpGt = 4, kExpLt = 8 };

// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT. Redis's order: options first, then the number, then
// overflow checks, and only then the key.
void ExpireGeneric(CmdArgs args, ConnectionContext* cntx, bool relative, bool seconds) {
  ReplyBuilder* rb = cntx->rb;
  unsigned flags = 0;
  for (size_t i = 3; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "NX")) {
      flags |= kExpNx;
    } else if (EqualsIgnoreCase(args[i], "XX")) {
      flags |= kExpXx;
    } else if (EqualsIgnoreCase(args[i], "GT")) {
      flags |= kExpGt;
    } else if (EqualsIgnoreCase(args[i], "LT")) {
      flags |= kExpLt;
    } else {
      return rb->SendError(errors::UnsupportedOption(args[i]));
    }
  }
  if ((flags & kExpNx) && (flags & (kExpXx | kExpGt | kExpLt))) {
    return rb->SendError(errors::kExpireNxConflict);
  }
  if ((flags & kExpGt) && (flags & kExpLt)) return rb->SendError(errors::kExpireGtLtConflict);

  int64_t when;
  if (!ParseRedisInt(args[2], &when)) return rb->SendError(errors::kNotInteger);
  if (seconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) {
      return rb->SendError(errors::InvalidExpireTime(AsciiLower(args[0])));
    }
    when *= 1000;
  }
  int64_t base = relative ? DbSlice::NowMs() : 0;
  if (when > INT64_MAX - base) {
    return rb->SendError(errors::InvalidExpireTime(AsciiLower(args[0])));
  }
  when += base;

  std::string_view key = args[1];
  int64_t res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> int64_t {
    auto it = op.slice->Peek(op.db, key);
    if (!it) return 0;
    op.slice->Touch(*it);                               // Redis's lookupKeyWrite
    int64_t current = op.slice->GetExpire(op.db, *it);  // 0: none, i.e. infinite
    bool has = current != 0;
    if ((flags & kExpNx) && has) return 0;
    if ((flags & kExpXx) && !has) return 0;
    if ((flags & kExpGt) && (!has || when <= current)) return 0;
    if ((flags & kExpLt) && has && when >= current) return 0;
    if (when <= DbSlice::NowMs()) {
      op.slice->Del(op.db, *it);  // a deadline in the past deletes the key (and counts as set)
      op.slice->Notify(notify::kGeneric, "del", op.db, key);
    } else {
      op.slice->SetExpire(op.db, *it, when);
      op.slice->Notify(notify::kGeneric, "expire", op.db, key);
    }
    return 1;
  });
  rb->SendLong(res);
}

// TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 missing key, -1 no expiry. Seconds are rounded to
// the nearest (Redis adds 500 ms before dividing), for relative and absolute replies alike.
void TtlGeneric(CmdArgs args, ConnectionContext* cntx, bool in_ms, bool absolute) {
  std::string_view key = args[1];
  int64_t res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> int64_t {
    auto it = op.slice->FindNoTouch(op.db, key);  // Redis's LOOKUP_NOTOUCH
    if (!it) return -2;
    int64_t at = op.slice->GetExpire(op.db, *it);
    if (at == 0) return -1;
    int64_t t = absolute ? at : at - DbSlice::NowMs();
    if (t < 0) t = 0;
    return in_ms ? t : (t + 500) / 1000;
  });
  cntx->rb->SendLong(res);
}

void Persist(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  int64_t res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> int64_t {
    auto it = op.slice->Peek(op.db, key);
    if (it) op.slice->Touch(*it);  // Redis's lookupKeyWrite
    if (!it || !op.slice->RemoveExpire(op.db, *it)) return 0;
    op.slice->Notify(notify::kGeneric, "persist", op.db, key);
    return 1;
  });
  cntx->rb->SendLong(res);
}

// ---------------------------------------------------------------------------------------
// OBJECT

constexpr std::string_view kObjectHelp[] = {
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
};

void SendHelp(std::span<const std::string_view> lines, ReplyBuilder* rb) {
  rb->StartArray(lines.size());
  for (std::string_view line : lines) rb->SendSimpleString(line);
}

// Redis keeps the integers 0..9999 as shared objects whose refcount is INT_MAX.
constexpr int64_t kSharedIntegers = 10000;
constexpr int64_t kSharedRefcount = INT32_MAX;

void Object(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  std::string sub = AsciiUpper(args[1]);
  if (sub == "HELP") {
    if (args.size() != 2) return rb->SendError(errors::WrongArity("object|help"));
    return SendHelp(kObjectHelp, rb);
  }
  if (sub != "ENCODING" && sub != "REFCOUNT" && sub != "IDLETIME" && sub != "FREQ") {
    return rb->SendError(errors::UnknownSubcommand(args[1], "OBJECT"));
  }
  if (args.size() != 3) return rb->SendError(errors::WrongArity("object|" + AsciiLower(sub)));

  struct Info {
    std::string encoding;
    int64_t refcount = 1;
    bool lfu = false;     // the policy when the key was read
    int64_t idle_ms = 0;  // IDLETIME, from the LRU clock
    unsigned freq = 0;    // FREQ, the decayed LFU counter
  };
  std::string_view key = args[2];
  OpResult<Info> info = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<Info> {
    // Redis's LOOKUP_NOTOUCH | LOOKUP_NONOTIFY: a miss counts but notifies nothing.
    auto it = op.slice->FindNoTouch(op.db, key, /*notify_miss=*/false);
    if (!it) return it.status();
    const CompactObj& value = it->value();
    Info out;
    out.encoding = std::string(value.Encoding());
    if (value.IsInt() && value.int_value() >= 0 && value.int_value() < kSharedIntegers) {
      out.refcount = kSharedRefcount;
    }
    out.lfu = op.slice->LfuMode();
    out.idle_ms = op.slice->IdleMs(*it);
    out.freq = op.slice->LfuCounter(*it);
    return out;
  });
  if (!info) return rb->SendNull();
  if (sub == "ENCODING") return rb->SendBulk(info->encoding);
  if (sub == "REFCOUNT") return rb->SendLong(info->refcount);
  if (sub == "IDLETIME") {
    if (info->lfu) return rb->SendError(errors::kLfuSelected);
    return rb->SendLong(info->idle_ms / 1000);
  }
  if (!info->lfu) return rb->SendError(errors::kLfuNotSelected);
  rb->SendLong(info->freq);
}

// ---------------------------------------------------------------------------------------
// SCAN

// A shard's DashTable cursor keeps its directory index in the top kMaxDepth bits and its
// bucket in the low kBucketBits; the bits between are always zero. Squeezing them out leaves
// room for the shard index at the bottom of the client's cursor.
using PrimeTable = DbSlice::PrimeTable;
constexpr unsigned kBucketBits = 6;
constexpr unsigned kDirShift = 64 - PrimeTable::kMaxDepth;
static_assert(PrimeTable::kMaxDepth + kBucketBits + kScanShardBits <= 64,
              "SCAN cursor has no room for the shard index");
static_assert(kDirShift >= kBucketBits);

uint64_t PackCursor(uint32_t shard, uint64_t table_cursor) {
  uint64_t bucket = table_cursor & ((1u << kBucketBits) - 1);
  uint64_t dir = table_cursor >> kDirShift;
  return (((dir << kBucketBits) | bucket) << kScanShardBits) | shard;
}

void UnpackCursor(uint64_t cursor, uint32_t* shard, uint64_t* table_cursor) {
  *shard = uint32_t(cursor & ((1u << kScanShardBits) - 1));
  uint64_t rest = cursor >> kScanShardBits;
  uint64_t bucket = rest & ((1u << kBucketBits) - 1);
  *table_cursor = ((rest >> kBucketBits) << kDirShift) | bucket;
}

void Scan(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  uint64_t cursor;
  if (!ParseScanCursor(args[1], &cursor)) return rb->SendError(errors::kInvalidCursor);
  ScanOptions opts = ParseScanOptions(args, 2, /*allow_type=*/true);
  if (!opts.error.empty()) return rb->SendError(opts.error);
  const size_t count = opts.count;

  ShardSet& shards = cntx->service->shards();
  int db = cntx->db_index;
  uint32_t sid;
  uint64_t table_cursor;
  UnpackCursor(cursor, &sid, &table_cursor);

  std::vector<std::string> keys;
  uint64_t next = 0;
  // As Redis: COUNT is how many entries to look at, not how many to return, and a call gives
  // up after 10 * COUNT buckets so that a sparse table cannot stall the shard.
  const size_t max_visits = std::min<size_t>(count, INT64_MAX / 10) * 10;
  size_t examined = 0;
  while (sid < shards.size()) {
    table_cursor = shards.Await(sid, [&](Shard* shard) {
      DbSlice& slice = shard->db_slice;
      uint64_t cur = table_cursor;
      size_t visits = 0;
      do {
        cur = slice.Traverse(db, cur, [&](Iterator it) {
          ++examined;
          std::string scratch;
          std::string_view key = it.key().GetSlice(&scratch);
          if (!opts.Matches(key)) return;
          if (opts.has_type && !EqualsIgnoreCase(ObjTypeName(it.value().type()), opts.type)) return;
          keys.emplace_back(key);
        });
      } while (cur != 0 && examined < count && ++visits < max_visits);
      return cur;
    });
    if (table_cursor != 0) {
      next = PackCursor(sid, table_cursor);
      break;
    }
    if (++sid == shards.size()) break;  // the last shard is done: the scan is complete
    if (examined >= count) {
      next = PackCursor(sid, 0);  // non-zero since sid > 0
      break;
    }
  }

  SendScanPage(rb, next, keys);
}

// ---------------------------------------------------------------------------------------
// Whole-keyspace commands.

void Keys(CmdArgs args, ConnectionContext* cntx) {
  std::string_view pattern = args[1];
  bool all = glob::MatchesAll(pattern);
  ShardSet& shards = cntx->service->shards();
  int db = cntx->db_index;
  std::vector<std::vector<std::string>> per_shard(shards.size());
  shards.AwaitOnAll([&](Shard* shard) {
    std::vector<std::string>& out = per_shard[shard->id];
    uint64_t cur = 0;
    do {
      cur = shard->db_slice.Traverse(db, cur, [&](Iterator it) {
        std::string scratch;
        std::string_view key = it.key().GetSlice(&scratch);
        if (all || glob::Match(pattern, key)) out.emplace_back(key);
      });
    } while (cur != 0);
  });
  size_t total = 0;
  for (const auto& v : per_shard) total += v.size();
  cntx->rb->StartArray(total);
  for (const auto& v : per_shard) {
    for (const std::string& k : v) cntx->rb->SendBulk(k);
  }
}

std::vector<size_t> DbSizes(ConnectionContext* cntx) {
  ShardSet& shards = cntx->service->shards();
  int db = cntx->db_index;
  std::vector<size_t> sizes(shards.size());
  shards.AwaitOnAll([&](Shard* shard) { sizes[shard->id] = shard->db_slice.DbSize(db); });
  return sizes;
}

void DbSize(CmdArgs, ConnectionContext* cntx) {
  size_t total = 0;
  for (size_t n : DbSizes(cntx)) total += n;
  cntx->rb->SendLong(int64_t(total));
}

// A random live key of one shard: starts at a random table position and returns a random
// key of the first non-empty bucket. Not exactly uniform (nor is Redis's).
std::optional<std::string> RandomKeyOfShard(DbSlice& slice, int db) {
  std::mt19937_64& rng = Rng();
  uint64_t cur = (rng() & ~((uint64_t{1} << kDirShift) - 1)) | (rng() & ((1u << kBucketBits) - 1));
  std::vector<std::string> bucket;
  int wraps = 0;
  // Two wraps of the cursor: the whole table was seen at least once (expired keys it met on
  // the way were deleted, so an all-expired table ends empty).
  while (slice.DbSize(db) > 0 && wraps < 2) {
    cur = slice.Traverse(db, cur, [&](Iterator it) { bucket.push_back(KeyOf(it)); });
    if (!bucket.empty()) return bucket[rng() % bucket.size()];
    if (cur == 0) ++wraps;
  }
  return std::nullopt;
}

void RandomKey(CmdArgs, ConnectionContext* cntx) {
  ShardSet& shards = cntx->service->shards();
  int db = cntx->db_index;
  // A shard is chosen in proportion to its size; retried if its keys expired meanwhile.
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::vector<size_t> sizes = DbSizes(cntx);
    size_t total = 0;
    for (size_t n : sizes) total += n;
    if (total == 0) break;
    size_t pick = Rng()() % total;
    uint32_t sid = 0;
    while (pick >= sizes[sid]) pick -= sizes[sid++];
    std::optional<std::string> key =
        shards.Await(sid, [&](Shard* shard) { return RandomKeyOfShard(shard->db_slice, db); });
    if (key) return cntx->rb->SendBulk(*key);
  }
  cntx->rb->SendNull();
}

// FLUSHDB/FLUSHALL [ASYNC|SYNC]: both modes free at once (each shard frees its own values).
bool ParseFlushArgs(CmdArgs args, ConnectionContext* cntx) {
  if (args.size() > 2 || (args.size() == 2 && !EqualsIgnoreCase(args[1], "ASYNC") &&
                          !EqualsIgnoreCase(args[1], "SYNC"))) {
    cntx->rb->SendError(errors::kSyntax);
    return false;
  }
  return true;
}

void FlushDb(CmdArgs args, ConnectionContext* cntx) {
  if (!ParseFlushArgs(args, cntx)) return;
  int db = cntx->db_index;
  cntx->service->shards().AwaitOnAll([&](Shard* shard) { shard->db_slice.FlushDb(db); });
  TrackingOnFlush(cntx);
  cntx->rb->SendOk();
}

void FlushAll(CmdArgs args, ConnectionContext* cntx) {
  if (!ParseFlushArgs(args, cntx)) return;
  cntx->service->shards().AwaitOnAll([](Shard* shard) { shard->db_slice.FlushAll(); });
  TrackingOnFlush(cntx);
  // As Redis: with save points, the emptied dataset is saved (after EXEC's or a script's end).
  cntx->service->persistence().SaveAfterFlushAll(cntx->in_exec || cntx->multi_tx != nullptr);
  cntx->rb->SendOk();
}

void Select(CmdArgs args, ConnectionContext* cntx) {
  int64_t index;
  if (!ParseRedisInt(args[1], &index)) return cntx->rb->SendError(errors::kNotInteger);
  if (index < INT32_MIN || index > INT32_MAX) return cntx->rb->SendError(errors::kNotInt32);
  if (index < 0 || index >= DbSlice::NumDbs()) {
    return cntx->rb->SendError(errors::kDbIndexOutOfRange);
  }
  cntx->db_index = int(index);
  cntx->rb->SendOk();
}

// ---------------------------------------------------------------------------------------
// DEBUG

constexpr std::string_view kDebugHelp[] = {
    "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "RELOAD",
    "    Save the RDB on disk and reload it back to memory.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "HELP",
    "    Prints this help.",
};

// Redis's getPositiveLongFromObjectOrReply with its message for both failures.
bool ParseNonNegative(std::string_view arg, int64_t* out) {
  return ParseRedisInt(arg, out) && *out >= 0;
}

// DEBUG POPULATE count [prefix] [size]: keys "prefix:N" (Redis formats them into a 128-byte
// buffer, so they are cut at 127 bytes and the prefix at its first NUL), values "value:N"
// cut or zero-padded to `size` when it is given and non-zero. Existing keys are kept.
void Populate(CmdArgs args, ConnectionContext* cntx) {
  int64_t count, size = 0;
  if (!ParseNonNegative(args[2], &count)) return cntx->rb->SendError(errors::kMustBePositive);
  if (args.size() == 5 && !ParseNonNegative(args[4], &size)) {
    return cntx->rb->SendError(errors::kMustBePositive);
  }
  std::string_view prefix = args.size() >= 4 ? args[3] : std::string_view("key");
  prefix = prefix.substr(0, prefix.find('\0'));

  ShardSet& shards = cntx->service->shards();
  int db = cntx->db_index;
  // Every shard walks the same range of numbers and inserts the keys it owns; chunks keep
  // each hop short so the shards keep serving other clients in between.
  constexpr int64_t kChunk = 16384;
  for (int64_t start = 0; start < count; start += kChunk) {
    int64_t end = std::min(count, start + kChunk);
    shards.AwaitOnAll([&](Shard* shard) {
      std::string key, value;
      for (int64_t j = start; j < end; ++j) {
        key.assign(prefix);
        key += ':';
        key += std::to_string(j);
        if (key.size() > 127) key.resize(127);
        if (shards.ShardOf(key) != shard->id) continue;
        auto [it, inserted] = shard->db_slice.AddOrFind(db, key);
        if (!inserted) continue;
        value = "value:" + std::to_string(j);
        if (size > 0) value.resize(size_t(size), '\0');
        it.value().SetString(value);
      }
    });
  }
  cntx->rb->SendOk();
}

// DEBUG SLEEP seconds: suspends only this client's fiber; other clients keep being served.
// Like Redis, the argument is read with strtod (garbage reads as 0).
void DebugSleep(CmdArgs args, ConnectionContext* cntx) {
  std::string s(args[2]);
  double seconds = std::strtod(s.c_str(), nullptr);
  if (seconds > 0) {
    constexpr double kMaxSeconds = 1e9;  // keeps the conversion below defined
    int64_t us = int64_t(std::min(seconds, kMaxSeconds) * 1e6);
    if (us > 0) io::this_fiber::SleepFor(std::chrono::microseconds(us));
  }
  cntx->rb->SendOk();
}

// DEBUG RELOAD: save, empty the keyspace, load the file back (-LOADING for others meanwhile).
// Not inside EXEC: its save's cut would wait for EXEC's own transaction (a deadlock).
void DebugReload(ConnectionContext* cntx) {
  if (cntx->in_exec || cntx->multi_tx != nullptr) return cntx->rb->SendError(errors::kNotInMulti);
  Persistence& p = cntx->service->persistence();
  if (p.Save() != Persistence::SaveStatus::kOk) return cntx->rb->SendError("ERR");
  cntx->service->set_loading(true);
  cntx->service->shards().AwaitOnAll([](Shard* shard) { shard->db_slice.FlushAll(); });
  std::string err = p.Load();
  cntx->service->set_loading(false);
  if (!err.empty()) return cntx->rb->SendError(errors::kReloadFailed);
  cntx->rb->SendOk();
}

void Debug(CmdArgs args, ConnectionContext* cntx) {
  std::string sub = AsciiUpper(args[1]);
  if (sub == "HELP" && args.size() == 2) return SendHelp(kDebugHelp, cntx->rb);
  if (sub == "POPULATE" && args.size() >= 3 && args.size() <= 5) return Populate(args, cntx);
  if (sub == "SLEEP" && args.size() == 3) return DebugSleep(args, cntx);
  if (sub == "RELOAD" && args.size() == 2) return DebugReload(cntx);
  cntx->rb->SendError(errors::SubcommandSyntax(args[1], "DEBUG"));
}

}  // namespace

void RegisterKeysFamily(CommandRegistry* r) {
  using namespace cmd;
  auto expire = [](bool relative, bool seconds) {
    return [=](CmdArgs args, ConnectionContext* cntx) {
      ExpireGeneric(args, cntx, relative, seconds);
    };
  };
  auto ttl = [](bool in_ms, bool absolute) {
    return [=](CmdArgs args, ConnectionContext* cntx) { TtlGeneric(args, cntx, in_ms, absolute); };
  };
  r->Register({"unlink", -2, kWrite | kFast, 1, -1, 1, Unlink});
  r->Register({"touch", -2, kReadOnly | kFast, 1, -1, 1, Touch});
  r->Register({"rename", 3, kWrite, 1, 2, 1,
               [](CmdArgs a, ConnectionContext* c) { RenameGeneric(a, c, false); }});
  r->Register({"renamenx", 3, kWrite | kFast, 1, 2, 1,
               [](CmdArgs a, ConnectionContext* c) { RenameGeneric(a, c, true); }});
  r->Register({"copy", -3, kWrite | kDenyOom, 1, 2, 1, Copy});
  r->Register({"move", 3, kWrite | kFast, 1, 1, 1, Move});
  CommandSpec swapdb{"swapdb", 3, kWrite | kFast, 0, 0, 0, SwapDb};
  swapdb.whole_store = [](CmdArgs) { return true; };  // every shard swaps in one hop
  r->Register(std::move(swapdb));
  r->Register({"type", 2, kReadOnly | kFast, 1, 1, 1, Type});
  r->Register({"expire", -3, kWrite | kFast, 1, 1, 1, expire(true, true)});
  r->Register({"pexpire", -3, kWrite | kFast, 1, 1, 1, expire(true, false)});
  r->Register({"expireat", -3, kWrite | kFast, 1, 1, 1, expire(false, true)});
  r->Register({"pexpireat", -3, kWrite | kFast, 1, 1, 1, expire(false, false)});
  r->Register({"ttl", 2, kReadOnly | kFast, 1, 1, 1, ttl(false, false)});
  r->Register({"pttl", 2, kReadOnly | kFast, 1, 1, 1, ttl(true, false)});
  r->Register({"expiretime", 2, kReadOnly | kFast, 1, 1, 1, ttl(false, true)});
  r->Register({"pexpiretime", 2, kReadOnly | kFast, 1, 1, 1, ttl(true, true)});
  r->Register({"persist", 2, kWrite | kFast, 1, 1, 1, Persist});
  r->Register({"object", -2, kMovableKeys, 0, 0, 0, Object});
  r->Register({"scan", -2, kReadOnly, 0, 0, 0, Scan});
  r->Register({"keys", 2, kReadOnly, 0, 0, 0, Keys});
  r->Register({"randomkey", 1, kReadOnly, 0, 0, 0, RandomKey});
  r->Register({"dbsize", 1, kReadOnly | kFast, 0, 0, 0, DbSize});
  r->Register({"flushdb", -1, kWrite, 0, 0, 0, FlushDb});
  r->Register({"flushall", -1, kWrite, 0, 0, 0, FlushAll});
  r->Register({"select", 2, kLoading | kStale | kFast | kNoKeyspace, 0, 0, 0, Select});
  r->Register({"debug", -2, kAdmin | kNoScript | kLoading | kStale, 0, 0, 0, Debug});
}

}  // namespace lw
