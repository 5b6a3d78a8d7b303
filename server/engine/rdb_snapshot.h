// Point-in-time RDB snapshots without fork (README.md, "Snapshots", has the algorithm and a
// figure).
//
//   RdbFileSink     a writer thread that appends chunks to "<file>.tmp.<pid>", keeps the
//                   running CRC-64, and at the end writes EOF + CRC, fsyncs and renames.
//   ShardSnapshot   one per shard while a snapshot runs, on that shard's thread: serialises
//                   logical dash-table buckets as they were at the cut, each exactly once
//                   (bucket versions), from a background traversal fiber and from DbSlice's
//                   hooks before any change to a bucket not serialised yet.
//   SaveRdb         the whole save: header, FUNCTION libraries, the cut (a global transaction
//                   whose hop installs every ShardSnapshot, so no MULTI/EXEC or script is half
//                   in it), the traversals, EOF.
//
// Thread-safety: RdbFileSink::Append/Backlogged from any thread; a ShardSnapshot only on its
// shard's thread; SaveRdb from a fiber on a pool thread (it suspends, never blocks a thread).
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/engine/db_slice.h"
#include "server/types/rdb_format.h"

namespace lw {

class Service;

class RdbFileSink {
 public:
  RdbFileSink() = default;
  ~RdbFileSink();  // aborts (removes the temporary file) unless finished
  RdbFileSink(const RdbFileSink&) = delete;
  RdbFileSink& operator=(const RdbFileSink&) = delete;

  // Creates the temporary file next to `path` and starts the writer thread.
  bool Open(const std::string& path, std::string* error);
  // Queues bytes for the file, in order.
  void Append(std::string chunk);
  // True while more than the queue limit (8 MB) waits: producers that can wait should.
  bool Backlogged() const { return queued_.load(std::memory_order_relaxed) > kQueueLimit; }
  // Queues EOF + CRC and the final fsync + rename; Done() turns true when they are through.
  void Finish();
  bool Done() const { return done_.load(std::memory_order_acquire); }
  // After Done(): whether everything reached the disk and the file was renamed into place.
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  uint64_t bytes_written() const { return written_; }

 private:
  static constexpr int64_t kQueueLimit = 8 << 20;
  void Run();
  bool WriteAll(const std::string& data);
  void Complete();

  std::string path_, tmp_path_;
  int fd_ = -1;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  bool finishing_ = false;
  std::atomic<int64_t> queued_{0};
  std::atomic<bool> done_{false};
  // Owned by the writer thread until done_.
  uint64_t crc_ = 0;
  uint64_t written_ = 0;
  bool ok_ = true;
  std::string error_;
};

class ShardSnapshot {
 public:
  ShardSnapshot(DbSlice* slice, RdbFileSink* sink);
  ~ShardSnapshot();

  // Serialises `bucket` of `db` if the cut's contents of it are not written yet (all its
  // entries but those marked, whose marks it clears), and stamps it.
  void SerializeBucket(int db, DbSlice::PrimeTable::BucketRef bucket);
  // Before a lookup hands out `it` (which the caller may then change in place): writes that
  // one entry if its bucket is not stamped yet and it is not marked, and marks it. A whole
  // bucket costs ~16 entries' serialisation; the entry a write touches is in cache already.
  void SerializeEntry(int db, DbSlice::Iterator it);
  // Serialises everything `db` still holds from the cut, and marks it done (FLUSHDB).
  void FinishDb(int db);
  // The background pass: visits every bucket of every database, yielding to other fibers,
  // then hands the last bytes to the sink and detaches from the slice. REQUIRES: a fiber.
  void Traverse();

  uint64_t keys_written() const { return keys_; }
  // Where Traverse publishes keys_written as it goes (INFO current_save_keys_processed).
  void set_progress(std::atomic<uint64_t>* processed) { progress_ = processed; }

 private:
  void WriteEntry(int db, DbSlice::Iterator it);
  void Flush();
  // Between two steps of Traverse(): lets the thread serve (and pauses while it is busy).
  void Pause(int64_t worked_ns);

  DbSlice* slice_;
  RdbFileSink* sink_;
  uint32_t version_;
  std::vector<bool> done_ = std::vector<bool>(size_t(DbSlice::NumDbs()), false);
  rdb::Writer w_;
  int cur_db_ = -1;  // the database of the records in w_ (-1: none yet)
  int64_t now_ms_;
  uint64_t lookups_seen_ = 0;  // slice_->lookups() after the last Pause()
  uint64_t keys_ = 0;
  std::atomic<uint64_t>* progress_ = nullptr;
  uint64_t keys_published_ = 0;  // keys_ as of the last publication to progress_
  void PublishProgress();
};

// A running save's progress (INFO current_save_keys_total / _processed): the keys at the cut,
// and those written so far (each shard adds its count between steps). Zero between saves.
struct SaveProgress {
  std::atomic<uint64_t> keys_total{0};
  std::atomic<uint64_t> keys_processed{0};
};

// What a save produced.
struct SaveOutcome {
  bool ok = false;
  std::string error;
  uint64_t keys = 0;
  uint64_t bytes = 0;
};

// Writes a consistent snapshot of every shard and database to `path` (temporary file, fsync,
// rename). `functions` are FUNCTION libraries' code (written as FUNCTION2 records).
// `at_cut`, if set, runs on the calling fiber right after the cut, before any key is written:
// what happens after it (on any client) is not in the file. It does not run when the file
// cannot be opened (then nothing is cut).
// REQUIRES: a fiber on a pool thread; at most one SaveRdb at a time.
SaveOutcome SaveRdb(Service* service, const std::string& path,
                    const std::vector<std::string>& functions, SaveProgress* progress = nullptr,
                    const std::function<void()>& at_cut = {});

}  // namespace lw
