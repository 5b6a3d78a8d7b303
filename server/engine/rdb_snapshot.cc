#include "server/engine/rdb_snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "base/clock.h"
#include "base/logging.h"
#include "io/blocking_counter.h"
#include "io/fiber.h"
#include "io/proactor.h"
#include "server/engine/service.h"
#include "server/engine/shard_set.h"
#include "server/types/rdb_value.h"
#include "transaction/engine_shard.h"
#include "transaction/transaction.h"

namespace lw {

namespace {
constexpr size_t kChunkBytes = 256 << 10;  // a shard hands its buffer to the sink past this
// The background pass works in steps of about this long, then lets the thread serve.
constexpr int64_t kStepNs = 100'000;
constexpr unsigned kBucketsPerClockRead = 8;
// While the thread has other work, the pass sleeps this many times as long as it last worked,
// so serving keeps at least ~4/5 of a busy thread; on an idle thread it runs flat out.
constexpr int64_t kBusyPauseFactor = 4;
// Redis writes this AUX key's value as the version that wrote the file.
constexpr std::string_view kRedisVersion = "7.0.15";
}  // namespace

// ---------------- RdbFileSink ----------------

RdbFileSink::~RdbFileSink() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!finishing_) {
      finishing_ = true;
      ok_ = false;  // never finished: the temporary file goes
      if (error_.empty()) error_ = "save aborted";
    }
  }
  cv_.notify_one();
  thread_.join();
}

bool RdbFileSink::Open(const std::string& path, std::string* error) {
  path_ = path;
  tmp_path_ = path + ".tmp-" + std::to_string(getpid());
  fd_ = open(tmp_path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    *error = "Failed opening the temp RDB file " + tmp_path_ + " for saving: " + strerror(errno);
    return false;
  }
  thread_ = std::thread([this] { Run(); });
  return true;
}

void RdbFileSink::Append(std::string chunk) {
  if (chunk.empty()) return;
  queued_.fetch_add(int64_t(chunk.size()), std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(chunk));
  }
  cv_.notify_one();
}

void RdbFileSink::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    finishing_ = true;
  }
  cv_.notify_one();
}

bool RdbFileSink::WriteAll(const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(fd_, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = std::string("Write error saving DB on disk: ") + strerror(n < 0 ? errno : ENOSPC);
      return false;
    }
    off += size_t(n);
  }
  written_ += data.size();
  return true;
}

void RdbFileSink::Run() {
  while (true) {
    std::string chunk;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || finishing_; });
      if (queue_.empty()) break;  // finishing and drained
      chunk = std::move(queue_.front());
      queue_.pop_front();
    }
    queued_.fetch_sub(int64_t(chunk.size()), std::memory_order_relaxed);
    if (!ok_) continue;  // after an error the rest is dropped
    crc_ = rdb::Crc64(crc_, chunk);
    ok_ = WriteAll(chunk);
  }
  Complete();
  done_.store(true, std::memory_order_release);
}

void RdbFileSink::Complete() {
  if (ok_) {
    std::string tail(1, char(rdb::kOpEof));
    crc_ = rdb::Crc64(crc_, tail);
    rdb::Writer w;
    w.U64Le(crc_);
    tail += w.buffer();
    ok_ = WriteAll(tail);
  }
  if (ok_ && fsync(fd_) != 0) {
    error_ = std::string("fsync failed: ") + strerror(errno);
    ok_ = false;
  }
  if (close(fd_) != 0 && ok_) {
    error_ = std::string("close failed: ") + strerror(errno);
    ok_ = false;
  }
  fd_ = -1;
  if (ok_ && rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    error_ = "Error moving temp DB file " + tmp_path_ + " on the final destination " + path_ +
             ": " + strerror(errno);
    ok_ = false;
  }
  if (!ok_) unlink(tmp_path_.c_str());
}

// ---------------- ShardSnapshot ----------------

ShardSnapshot::ShardSnapshot(DbSlice* slice, RdbFileSink* sink)
    : slice_(slice),
      sink_(sink),
      version_(slice->NextSnapshotVersion()),
      now_ms_(DbSlice::NowMs()),
      lookups_seen_(slice->lookups()) {
  slice_->set_snapshot(this);
}

ShardSnapshot::~ShardSnapshot() = default;

void ShardSnapshot::SerializeBucket(int db, DbSlice::PrimeTable::BucketRef bucket) {
  DbSlice::PrimeTable& table = slice_->prime(db);
  if (done_[db] || table.BucketVersion(bucket) >= version_) return;
  table.ForEachInBucket(bucket, [&](DbSlice::Iterator it) {
    CompactObj& key = it.key_metadata();
    if (key.snapshot_mark()) {
      key.set_snapshot_mark(false);  // written already (or added after the cut)
    } else {
      WriteEntry(db, it);
    }
  });
  table.SetBucketVersion(bucket, version_);
  if (w_.size() >= kChunkBytes) Flush();
}

void ShardSnapshot::SerializeEntry(int db, DbSlice::Iterator it) {
  DbSlice::PrimeTable& table = slice_->prime(db);
  if (done_[db] || table.BucketVersion(table.BucketOf(it)) >= version_) return;
  CompactObj& key = it.key_metadata();
  if (key.snapshot_mark()) return;
  WriteEntry(db, it);
  key.set_snapshot_mark(true);
  if (w_.size() >= kChunkBytes) Flush();
}

void ShardSnapshot::WriteEntry(int db, DbSlice::Iterator it) {
  const CompactObj& value = it.value();
  int64_t expire = value.has_expire() ? slice_->GetExpire(db, it) : 0;
  if (expire != 0 && expire <= now_ms_) return;  // expired at the cut: not in the snapshot
  if (cur_db_ != db) {
    w_.U8(rdb::kOpSelectDb);
    w_.Len(uint64_t(db));
    cur_db_ = db;
  }
  if (value.sticky()) {
    // Lacewing's sticky mark: an AUX field redis-server logs and ignores; Lacewing's loader
    // applies it to the next key.
    w_.U8(rdb::kOpAux);
    w_.String("lw-sticky");
    w_.String("1");
  }
  if (expire != 0) {
    w_.U8(rdb::kOpExpireTimeMs);
    w_.U64Le(uint64_t(expire));
  }
  // As Redis: the idle time under an LRU policy, the LFU counter under an LFU one.
  if (slice_->LruPolicy()) {
    w_.U8(rdb::kOpIdle);
    w_.Len(uint64_t(slice_->IdleMs(it) / 1000));
  } else if (slice_->LfuMode()) {
    w_.U8(rdb::kOpFreq);
    w_.U8(uint8_t(slice_->LfuCounter(it)));
  }
  w_.U8(rdb::TypeOf(value));
  std::string scratch;
  w_.String(it.key().GetSlice(&scratch));
  rdb::SaveValue(value, &w_);
  ++keys_;
}

void ShardSnapshot::Flush() {
  if (w_.size() == 0) return;
  sink_->Append(std::move(w_.buffer()));
  w_.buffer() = std::string();
  cur_db_ = -1;  // every chunk starts with its own SELECTDB
}

void ShardSnapshot::FinishDb(int db) {
  if (done_[db]) return;
  uint64_t cursor = 0;
  do {
    cursor = slice_->prime(db).TraverseBuckets(
        cursor, [&](DbSlice::PrimeTable::BucketRef b) { SerializeBucket(db, b); });
  } while (cursor != 0);
  done_[db] = true;
}

void ShardSnapshot::Traverse() {
  for (int db = 0; db < DbSlice::NumDbs(); ++db) {
    uint64_t cursor = 0;
    while (!done_[db]) {
      // One step: buckets until kStepNs has passed (the clock is read every few buckets).
      const int64_t start = SteadyNowNs();
      unsigned n = 0;
      do {
        cursor = slice_->prime(db).TraverseBuckets(
            cursor, [&](DbSlice::PrimeTable::BucketRef b) { SerializeBucket(db, b); });
      } while (cursor != 0 && (++n % kBucketsPerClockRead != 0 || SteadyNowNs() - start < kStepNs));
      if (cursor == 0) break;
      Pause(SteadyNowNs() - start);
    }
    done_[db] = true;
  }
  Flush();
  PublishProgress();
  slice_->set_snapshot(nullptr);
}

void ShardSnapshot::PublishProgress() {
  if (progress_ == nullptr) return;
  progress_->fetch_add(keys_ - keys_published_, std::memory_order_relaxed);
  keys_published_ = keys_;
}

void ShardSnapshot::Pause(int64_t worked_ns) {
  // Serving goes first. The loop polls sockets only every few turns while a fiber is ready,
  // so poll them now: requests that arrived during the step become ready fibers and run
  // before the pass goes on. While the shard serves (it has work waiting, or looked up keys
  // since the last pause), the pass also sleeps, so it takes at most 1/(1 + kBusyPauseFactor)
  // of the thread, and of a core: on a machine whose cores are shared with clients, a pass
  // running flat out would take the CPU the clients need (their threads, not this one, are
  // then the bottleneck, and this thread looks idle). On an idle shard it runs flat out.
  PublishProgress();
  io::Proactor* here = io::Proactor::Current();
  bool busy = slice_->lookups() != lookups_seen_;
  if (here != nullptr) {
    here->PollIoNow();
    busy = busy || here->HasOtherWork();
  }
  io::this_fiber::Yield();
  if (busy || (here != nullptr && here->HasOtherWork())) {
    io::this_fiber::SleepFor(std::chrono::nanoseconds(worked_ns * kBusyPauseFactor));
  }
  // Bounded memory: wait while the file writer is behind.
  while (sink_->Backlogged()) io::this_fiber::SleepFor(std::chrono::milliseconds(1));
  lookups_seen_ = slice_->lookups();
}

// ---------------- SaveRdb ----------------

namespace {

std::string Header(Service* service, const std::vector<std::string>& functions) {
  rdb::Writer w;
  w.Raw("REDIS0010");
  auto aux = [&](std::string_view k, std::string_view v) {
    w.U8(rdb::kOpAux);
    w.String(k);
    w.String(v);
  };
  aux("redis-ver", kRedisVersion);
  aux("redis-bits", "64");
  aux("ctime", std::to_string(DbSlice::NowMs() / 1000));
  aux("used-mem", std::to_string(service->UsedMemory()));
  aux("aof-base", "0");
  for (const std::string& code : functions) {
    w.U8(rdb::kOpFunction2);
    w.String(code);
  }
  return std::move(w.buffer());
}

}  // namespace

SaveOutcome SaveRdb(Service* service, const std::string& path,
                    const std::vector<std::string>& functions, SaveProgress* progress,
                    const std::function<void()>& at_cut) {
  SaveOutcome out;
  RdbFileSink sink;
  if (!sink.Open(path, &out.error)) return out;
  sink.Append(Header(service, functions));
  ShardSet& shards = service->shards();
  const uint32_t n = shards.size();
  std::vector<std::unique_ptr<ShardSnapshot>> snaps(n);
  {
    // The cut: one hop of a transaction that locks every shard, so it sits between two
    // transactions in every shard's order at once.
    tx::Transaction t(shards.tx());
    t.InitGlobal();
    t.ScheduleSingleHop([&](tx::Transaction*, tx::EngineShard* es) {
      Shard* s = ShardSet::Of(es);
      snaps[s->id] = std::make_unique<ShardSnapshot>(&s->db_slice, &sink);
      if (progress != nullptr) {
        snaps[s->id]->set_progress(&progress->keys_processed);
        uint64_t keys = 0;
        for (int db = 0; db < DbSlice::NumDbs(); ++db) keys += s->db_slice.DbSize(db);
        progress->keys_total.fetch_add(keys, std::memory_order_relaxed);
      }
      return OpStatus::kOk;
    });
  }
  if (at_cut) at_cut();
  io::BlockingCounter done(n);
  for (uint32_t i = 0; i < n; ++i) {
    service->pool()->at(i)->Dispatch(
        [&, i] {
          snaps[i]->Traverse();
          done.Dec();
        },
        "snapshot");
  }
  done.Wait();
  for (const auto& s : snaps) out.keys += s->keys_written();
  sink.Finish();
  while (!sink.Done()) io::this_fiber::SleepFor(std::chrono::milliseconds(1));
  out.ok = sink.ok();
  out.error = sink.error();
  out.bytes = sink.bytes_written();
  return out;
}

}  // namespace lw
