// Persistence: the server's RDB snapshots as Redis users know them — SAVE, BGSAVE [SCHEDULE],
// LASTSAVE, the `save` schedule, saving on SHUTDOWN / SIGTERM, loading at start, DEBUG
// RELOAD, and what INFO persistence reports. The work itself is rdb_snapshot.h (forkless
// point-in-time save) and rdb_load.h.
//
// The file is `dbfilename` in the working directory (main.cc changes to --dir at start, as
// Redis does). At most one save runs at a time; a save runs on a fiber and never blocks a
// thread, so the server keeps serving during SAVE as well as BGSAVE.
// Thread-safety: every method may be called from any fiber on a pool thread; counters are
// atomics, the save points are under a mutex (read by the once-per-100ms schedule check).
// Lifetime: owned by the Service; Stop() before the shard set shuts down.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "io/blocking_counter.h"
#include "io/done.h"
#include "server/engine/rdb_snapshot.h"

namespace lw {

class Service;

class Persistence {
 public:
  struct SavePoint {
    int64_t seconds;
    int64_t changes;
  };
  // Redis's grammar: pairs "<seconds> <changes>" separated by spaces; "" = none. False (and
  // *out untouched) if malformed.
  static bool ParseSavePoints(std::string_view text, std::vector<SavePoint>* out);

  explicit Persistence(Service* service);
  ~Persistence();

  // Starts the schedule check (a fiber on thread 0); Stop() ends it and waits for a running
  // background save.
  void Start();
  void Stop();

  void SetSavePoints(std::vector<SavePoint> points);
  bool HasSavePoints();
  // The file a save writes and a load reads (dbfilename, relative to the working directory).
  std::string Path();

  enum class SaveStatus { kOk, kFailed, kInProgress };
  // SAVE: saves now and waits. kInProgress while another save runs.
  SaveStatus Save(std::string* error = nullptr);
  enum class BgStatus { kStarted, kInProgress, kScheduled };
  // BGSAVE [SCHEDULE]: starts a save in the background; with `schedule`, one that cannot
  // start now starts as soon as the running one ends. With `wait_for_cut`, a started save
  // returns once its point in time is fixed, as Redis replies after its fork: nothing a client
  // does after the reply is in the file. REQUIRES for `wait_for_cut`: the calling fiber holds
  // no transaction (not inside EXEC or a script), since the cut waits for every one.
  BgStatus BgSave(bool schedule, bool wait_for_cut = false);
  int64_t lastsave() const { return lastsave_s_.load(); }

  // Loads Path() if the file exists (the Service answers -LOADING meanwhile). "" on success
  // (or no file), else the error; on error nothing of the file stays loaded.
  std::string Load();
  // SHUTDOWN / SIGTERM: saves if `force`, or if save points are set and not `nosave`.
  // False if a needed save failed.
  bool SaveOnShutdown(bool force, bool nosave);
  // FLUSHALL with save points: Redis then saves the (empty) dataset at once. With
  // `in_transaction` (FLUSHALL inside EXEC or a script, whose transaction a save's cut would
  // wait for: a deadlock) the save starts in the background and cuts once the transaction
  // ends; so does one that finds a save running (scheduled after it).
  void SaveAfterFlushAll(bool in_transaction);

  struct Info {
    bool loading = false;
    int64_t changes_since_last_save = 0;
    bool bgsave_in_progress = false;
    int64_t last_save_time = 0;
    bool last_bgsave_ok = true;
    int64_t last_bgsave_time_sec = -1;
    int64_t current_bgsave_time_sec = -1;
    int64_t saves = 0;
    int64_t last_load_keys_loaded = 0;
    int64_t last_load_keys_expired = 0;
    uint64_t current_save_keys_processed = 0;  // of a save running now, else 0
    uint64_t current_save_keys_total = 0;
  };
  Info GetInfo();

 private:
  // Claims the one save slot; false if a save runs.
  bool Claim();
  // Runs one save in the calling fiber (the slot claimed). Returns success.
  // `at_cut` as SaveRdb's.
  bool DoSave(bool background, std::string* error, const std::function<void()>& at_cut = {});
  void ScheduleLoop();
  int64_t Changes();

  Service* service_;
  std::mutex mu_;
  std::vector<SavePoint> points_;  // under mu_

  std::atomic<bool> saving_{false};
  SaveProgress progress_;  // of the running save (INFO)
  std::atomic<bool> bgsave_in_progress_{false};
  std::atomic<bool> schedule_pending_{false};
  std::atomic<int64_t> bgsave_start_ms_{0};
  std::atomic<int64_t> lastsave_s_{0};
  std::atomic<int64_t> last_try_s_{0};
  std::atomic<bool> last_ok_{true};
  std::atomic<int64_t> last_bgsave_time_sec_{-1};
  std::atomic<int64_t> saves_{0};
  std::atomic<int64_t> dirty_at_last_save_{0};
  std::atomic<int64_t> loaded_keys_{0}, expired_keys_{0};
  std::atomic<bool> shutdown_decided_{false};

  io::Done stop_;
  io::BlockingCounter fibers_{0};
  bool started_ = false;
};

}  // namespace lw
