#include "server/engine/rdb_load.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "io/fiber.h"
#include "server/engine/service.h"
#include "server/engine/shard_set.h"
#include "server/types/rdb_stream.h"

namespace lw {

namespace {

// ---- the framing pass: where a value ends, without decoding it ----

bool SkipString(rdb::Reader* r) {
  uint64_t len;
  bool special;
  if (!r->Len(&len, &special)) return false;
  std::string_view b;
  if (!special) return r->Bytes(len, &b);
  switch (len) {
    case 0:
      return r->Bytes(1, &b);
    case 1:
      return r->Bytes(2, &b);
    case 2:
      return r->Bytes(4, &b);
    case 3: {
      uint64_t clen, rlen;
      return r->PlainLen(&clen) && r->PlainLen(&rlen) && r->Bytes(clen, &b);
    }
    default:
      return r->Fail("unknown string encoding");
  }
}

bool SkipStrings(rdb::Reader* r, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) {
    if (!SkipString(r)) return false;
  }
  return true;
}

bool SkipValue(uint8_t type, rdb::Reader* r) {
  uint64_t n;
  std::string_view b;
  double d;
  switch (type) {
    case rdb::kTypeString:
      return SkipString(r);
    case rdb::kTypeList:
    case rdb::kTypeSet:
    case rdb::kTypeListQuicklist:
      return r->PlainLen(&n) && SkipStrings(r, n);
    case rdb::kTypeHash:
      return r->PlainLen(&n) && n <= UINT64_MAX / 2 && SkipStrings(r, 2 * n);
    case rdb::kTypeZSet:
      if (!r->PlainLen(&n)) return false;
      for (uint64_t i = 0; i < n; ++i) {
        if (!SkipString(r) || !r->StringDouble(&d)) return false;
      }
      return true;
    case rdb::kTypeZSet2:
      if (!r->PlainLen(&n)) return false;
      for (uint64_t i = 0; i < n; ++i) {
        if (!SkipString(r) || !r->Bytes(8, &b)) return false;
      }
      return true;
    case rdb::kTypeListQuicklist2:
      if (!r->PlainLen(&n)) return false;
      for (uint64_t i = 0; i < n; ++i) {
        uint64_t container;
        if (!r->PlainLen(&container) || !SkipString(r)) return false;
      }
      return true;
    case rdb::kTypeHashZipmap:
    case rdb::kTypeListZiplist:
    case rdb::kTypeSetIntset:
    case rdb::kTypeZSetZiplist:
    case rdb::kTypeHashZiplist:
    case rdb::kTypeHashListpack:
    case rdb::kTypeZSetListpack:
    case rdb::kTypeSetListpack:
      return SkipString(r);
    case rdb::kTypeStreamListpacks:
    case rdb::kTypeStreamListpacks2:
    case rdb::kTypeStreamListpacks3: {
      // A stream's record has no outer length: parse it to find its end.
      CompactObj unused;
      return rdb::LoadStream(type, r, &unused);
    }
    case rdb::kTypeModule:
    case rdb::kTypeModule2:
      return r->Fail("module values are not supported");
    default:
      return r->Fail("unknown RDB type or opcode " + std::to_string(type));
  }
}

// What the records before a key's own said about it (Redis writes them ahead of the key).
struct KeyMeta {
  int64_t expire = 0;  // absolute ms, 0 without one
  bool sticky = false;
  int64_t idle_s = -1;  // the idle record (seconds), -1 without one
  int16_t freq = -1;    // the LFU record, -1 without one
};

// One key's bytes in the file: [key_at, end) holds the key string and the value.
struct Record {
  size_t key_at;
  size_t end;
  uint8_t type;
  uint8_t db;
  KeyMeta meta;
};

constexpr size_t kBatchRecords = 2048;
constexpr int kBatchesPerShard = 4;

struct Batch {
  std::vector<Record> records;
  std::atomic<bool> busy{false};
};

// Everything the shards share while one file loads.
struct LoadContext {
  std::string_view data;
  rdb::LoadLimits limits;
  int64_t now_ms;
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::string error;  // the first, under mu
  size_t error_offset = 0;
  std::atomic<uint64_t> loaded{0}, expired{0};
  int64_t key_delay_us = 0;  // key-load-delay
  int64_t delay_owed_us = 0;

  void Fail(std::string what, size_t offset) {
    std::lock_guard<std::mutex> lock(mu);
    if (error.empty()) {
      error = std::move(what);
      error_offset = offset;
    }
    failed.store(true);
  }
};

// On the key's shard: decodes and stores one batch.
void ApplyBatch(LoadContext* ctx, DbSlice* slice, const std::vector<Record>& records) {
  std::string key;
  uint64_t loaded = 0, expired = 0;
  for (const Record& rec : records) {
    if (ctx->failed.load(std::memory_order_relaxed)) return;
    rdb::Reader r(ctx->data.substr(rec.key_at, rec.end - rec.key_at), rec.key_at);
    CompactObj obj;
    if (!r.String(&key)) return ctx->Fail(r.error(), r.error_offset());
    rdb::LoadResult res = rdb::LoadValue(rec.type, &r, ctx->limits, &obj);
    if (res == rdb::LoadResult::kError) return ctx->Fail(r.error(), r.error_offset());
    if (res == rdb::LoadResult::kEmpty) continue;  // Redis skips empty keys too
    if (rec.meta.expire != 0 && rec.meta.expire < ctx->now_ms) {
      ++expired;
      continue;
    }
    auto [it, inserted] = slice->AddOrFind(rec.db, key);
    if (!inserted) return ctx->Fail("duplicate key '" + key + "'", rec.key_at);
    it.value() = std::move(obj);
    if (rec.meta.sticky) it.value().set_sticky(true);
    if (rec.meta.expire != 0) slice->SetExpire(rec.db, it, rec.meta.expire);
    if (rec.meta.idle_s >= 0 || rec.meta.freq >= 0)
      slice->SetAccessHint(it, rec.meta.idle_s, rec.meta.freq);
    ++loaded;
  }
  ctx->loaded.fetch_add(loaded);
  ctx->expired.fetch_add(expired);
}

void Pause(int64_t us = 50) {
  if (io::this_fiber::InFiber()) {
    io::this_fiber::SleepFor(std::chrono::microseconds(us));
  } else {
    std::this_thread::sleep_for(std::chrono::microseconds(us));
  }
}

// key-load-delay: the pause per key, paid in sleeps of at least 1 ms.
void DelayKey(LoadContext* ctx) {
  ctx->delay_owed_us += ctx->key_delay_us;
  if (ctx->delay_owed_us < 1000) return;
  Pause(ctx->delay_owed_us);
  ctx->delay_owed_us = 0;
}

// Hands records to their shards in batches, reusing each shard's few batch buffers (so the
// buffers are allocated and freed by the loading thread alone).
class Dispatcher {
 public:
  Dispatcher(Service* service, LoadContext* ctx)
      : shards_(service->shards()), ctx_(ctx), batches_(shards_.size()), fill_(shards_.size()) {
    for (auto& per_shard : batches_) {
      for (auto& b : per_shard) b = std::make_unique<Batch>();
    }
  }
  ~Dispatcher() { Drain(); }

  void Add(uint32_t shard, const Record& rec) {
    if (ctx_->key_delay_us > 0) [[unlikely]]
      DelayKey(ctx_);
    Batch* b = Current(shard);
    b->records.push_back(rec);
    if (b->records.size() >= kBatchRecords) Send(shard);
  }

  // Sends what is pending and waits until every shard has applied everything.
  void Drain() {
    for (uint32_t s = 0; s < batches_.size(); ++s) {
      if (!Current(s)->records.empty()) Send(s);
    }
    for (auto& per_shard : batches_) {
      for (auto& b : per_shard) {
        while (b->busy.load(std::memory_order_acquire)) Pause();
      }
    }
  }

 private:
  Batch* Current(uint32_t shard) { return batches_[shard][fill_[shard]].get(); }

  void Send(uint32_t shard) {
    Batch* b = Current(shard);
    b->busy.store(true, std::memory_order_release);
    LoadContext* ctx = ctx_;
    shards_.Post(shard, [ctx, b](Shard* s) {
      ApplyBatch(ctx, &s->db_slice, b->records);
      b->busy.store(false, std::memory_order_release);
    });
    fill_[shard] = (fill_[shard] + 1) % kBatchesPerShard;
    Batch* next = Current(shard);
    while (next->busy.load(std::memory_order_acquire)) Pause();
    next->records.clear();
  }

  ShardSet& shards_;
  LoadContext* ctx_;
  std::vector<std::array<std::unique_ptr<Batch>, kBatchesPerShard>> batches_;
  std::vector<int> fill_;
};

// The framing pass over the whole file; "" or the error (with r's offset).
std::string ParseFile(Service* service, LoadContext* ctx,
                      const std::function<std::string(std::string_view)>& load_function,
                      LoadStats* stats) {
  rdb::Reader r(ctx->data);
  std::string_view magic;
  if (!r.Bytes(9, &magic) || magic.substr(0, 5) != "REDIS")
    return "Wrong signature trying to load DB from file";
  int version = std::atoi(std::string(magic.substr(5)).c_str());
  if (version < 1 || version > rdb::kMaxLoadVersion) {
    return "Can't handle RDB format version " + std::string(magic.substr(5));
  }
  Dispatcher dispatch(service, ctx);
  int db = 0;
  KeyMeta meta;
  std::string k, v;
  while (!ctx->failed.load(std::memory_order_relaxed)) {
    size_t at = r.pos();
    uint8_t op;
    uint64_t n;
    if (!r.U8(&op)) break;
    if (op == rdb::kOpEof) {
      if (version >= 5) {
        uint64_t stored;
        size_t crc_at = r.pos();
        if (!r.U64Le(&stored)) break;
        uint64_t computed = rdb::Crc64(0, ctx->data.substr(0, crc_at));
        if (stored != 0 && stored != computed) {
          r.FailAt(crc_at, "RDB CRC-64 checksum mismatch");
        }
      }
      break;
    }
    switch (op) {
      case rdb::kOpExpireTimeMs: {
        uint64_t ms;
        if (r.U64Le(&ms)) meta.expire = int64_t(ms);
        break;
      }
      case rdb::kOpExpireTime: {
        uint32_t s;
        if (r.U32Le(&s)) meta.expire = int64_t(s) * 1000;
        break;
      }
      case rdb::kOpFreq: {
        uint8_t f;
        if (r.U8(&f)) meta.freq = f;
        break;
      }
      case rdb::kOpIdle:
        if (r.PlainLen(&n)) meta.idle_s = int64_t(std::min<uint64_t>(n, INT64_MAX));
        break;
      case rdb::kOpSelectDb:
        if (r.PlainLen(&n)) {
          if (n >= uint64_t(DbSlice::NumDbs())) {
            r.FailAt(at, "DB index " + std::to_string(n) + " out of range (" +
                             std::to_string(DbSlice::NumDbs()) + " databases)");
          }
          db = int(n);
        }
        break;
      case rdb::kOpResizeDb:
        r.PlainLen(&n) && r.PlainLen(&n);
        break;
      case rdb::kOpAux:
        if (r.String(&k) && r.String(&v) && k == "lw-sticky") meta.sticky = true;
        break;
      case rdb::kOpModuleAux:
        r.FailAt(at, "module AUX data is not supported");
        break;
      case rdb::kOpFunctionOld:
        r.FailAt(at, "pre-release FUNCTION records (opcode 246) are not supported");
        break;
      case rdb::kOpFunction2:
        if (r.String(&v)) {
          std::string err = load_function ? load_function(v) : "scripting is not available";
          if (!err.empty()) r.FailAt(at, "cannot load function library: " + err);
          ++stats->functions;
        }
        break;
      default: {
        size_t key_at = r.pos();
        if (!SkipString(&r) || !SkipValue(op, &r)) break;
        rdb::Reader kr(ctx->data.substr(key_at), key_at);
        kr.String(&k);
        dispatch.Add(service->shards().ShardOf(k), Record{key_at, r.pos(), op, uint8_t(db), meta});
        meta = KeyMeta();
      }
    }
    if (!r.ok()) break;
  }
  dispatch.Drain();
  if (!r.ok()) return r.error() + " at offset " + std::to_string(r.error_offset());
  if (ctx->failed.load()) {
    std::lock_guard<std::mutex> lock(ctx->mu);
    return ctx->error + " at offset " + std::to_string(ctx->error_offset);
  }
  return "";
}

}  // namespace

rdb::LoadLimits LoadLimitsOf(Service* service) {
  RuntimeConfig& rt = service->runtime();
  rdb::LoadLimits l;
  l.list_fill = int(rt.list_max_listpack_size.load(std::memory_order_relaxed));
  l.hash.max_listpack_entries = size_t(rt.hash_max_listpack_entries.load());
  l.hash.max_listpack_value = size_t(rt.hash_max_listpack_value.load());
  l.set.max_intset_entries = size_t(rt.set_max_intset_entries.load());
  l.set.max_listpack_entries = size_t(rt.set_max_listpack_entries.load());
  l.zset.max_listpack_entries = size_t(rt.zset_max_listpack_entries.load());
  l.zset.max_listpack_value = size_t(rt.zset_max_listpack_value.load());
  return l;
}

std::string LoadRdb(Service* service, const std::string& path, const rdb::LoadLimits& limits,
                    const std::function<std::string(std::string_view)>& load_function,
                    LoadStats* stats) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return path + ": " + strerror(errno);
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size == 0) {
    close(fd);
    return path + ": empty or unreadable file (Short read or OOM loading DB)";
  }
  size_t size = size_t(st.st_size);
  void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED) return path + ": mmap failed: " + strerror(errno);
  madvise(map, size, MADV_SEQUENTIAL);
  LoadContext ctx;
  ctx.data = std::string_view(static_cast<const char*>(map), size);
  ctx.limits = limits;
  ctx.now_ms = DbSlice::NowMs();
  ctx.key_delay_us = service->runtime().key_load_delay_us.load(std::memory_order_relaxed);
  std::string error = ParseFile(service, &ctx, load_function, stats);
  munmap(map, size);
  stats->keys_loaded = ctx.loaded.load();
  stats->keys_expired = ctx.expired.load();
  if (!error.empty()) {
    // Never serve a partial dataset.
    service->shards().AwaitOnAll([](Shard* s) { s->db_slice.FlushAll(); });
    return path + ": " + error;
  }
  return "";
}

}  // namespace lw
