#include "server/engine/persistence.h"

#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "base/clock.h"
#include "base/logging.h"
#include "base/str_util.h"
#include "io/fiber.h"
#include "server/engine/rdb_load.h"
#include "server/engine/rdb_snapshot.h"
#include "server/engine/service.h"

namespace lw {

namespace {
constexpr int64_t kRetryAfterFailureS = 5;  // Redis's CONFIG_BGSAVE_RETRY_DELAY
int64_t NowS() { return UnixNowMs() / 1000; }
}  // namespace

bool Persistence::ParseSavePoints(std::string_view text, std::vector<SavePoint>* out) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    size_t j = i;
    while (j < text.size() && text[j] != ' ') ++j;
    if (j > i) words.push_back(text.substr(i, j - i));
    i = j;
  }
  if (words.size() % 2 != 0) return false;
  std::vector<SavePoint> points;
  for (size_t k = 0; k < words.size(); k += 2) {
    int64_t s, c;
    if (!ParseRedisInt(words[k], &s) || !ParseRedisInt(words[k + 1], &c) || s < 1 || c < 0) {
      return false;
    }
    points.push_back({s, c});
  }
  *out = std::move(points);
  return true;
}

Persistence::Persistence(Service* service) : service_(service) { lastsave_s_.store(NowS()); }

Persistence::~Persistence() = default;

void Persistence::Start() {
  started_ = true;
  fibers_.Add(1);
  service_->pool()->at(0)->Dispatch(
      [this] {
        ScheduleLoop();
        fibers_.Dec();
      },
      "save-schedule");
}

void Persistence::Stop() {
  if (!started_) return;
  started_ = false;
  stop_.Notify();
  fibers_.Wait();
  // A background save in flight finishes first (its transaction needs the shards).
  while (saving_.load()) {
    if (io::this_fiber::InFiber()) {
      io::this_fiber::SleepFor(std::chrono::milliseconds(5));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

void Persistence::SetSavePoints(std::vector<SavePoint> points) {
  std::lock_guard<std::mutex> lock(mu_);
  points_ = std::move(points);
}

bool Persistence::HasSavePoints() {
  std::lock_guard<std::mutex> lock(mu_);
  return !points_.empty();
}

std::string Persistence::Path() {
  RuntimeConfig& rt = service_->runtime();
  std::lock_guard<std::mutex> lock(rt.mu);
  return rt.dbfilename;
}

int64_t Persistence::Changes() {
  return int64_t(service_->write_commands()) - dirty_at_last_save_.load();
}

bool Persistence::Claim() {
  bool expected = false;
  return saving_.compare_exchange_strong(expected, true);
}

bool Persistence::DoSave(bool background, std::string* error, const std::function<void()>& at_cut) {
  int64_t dirty_start = int64_t(service_->write_commands());
  std::vector<std::string> functions;
  if (service_->config().function_codes) functions = service_->config().function_codes(service_);
  int64_t start = SteadyNowNs();
  last_try_s_.store(NowS());
  // Writes counted from the cut on are the changes since this save.
  auto cut = [&] {
    dirty_start = int64_t(service_->write_commands());
    if (at_cut) at_cut();
  };
  SaveOutcome out = SaveRdb(service_, Path(), functions, &progress_, cut);
  progress_.keys_total.store(0);
  progress_.keys_processed.store(0);
  int64_t secs = (SteadyNowNs() - start) / 1000000000;
  if (out.ok) {
    lastsave_s_.store(NowS());
    dirty_at_last_save_.store(dirty_start);
    saves_.fetch_add(1);
    LOG(INFO) << (background ? "Background saving" : "DB saved on disk") << ": " << out.keys
              << " keys, " << out.bytes << " bytes in " << (SteadyNowNs() - start) / 1000000
              << " ms";
  } else {
    LOG(WARNING) << (background ? "Background saving" : "SAVE") << " error: " << out.error;
    if (error) *error = out.error;
  }
  last_ok_.store(out.ok);
  // stop-writes-on-bgsave-error (Redis's default yes): with save points set, a failed save
  // refuses writes until a save succeeds.
  service_->set_writes_refused(!out.ok && HasSavePoints());
  if (background) {
    last_bgsave_time_sec_.store(secs);
    bgsave_in_progress_.store(false);
  }
  saving_.store(false);
  return out.ok;
}

Persistence::SaveStatus Persistence::Save(std::string* error) {
  if (!Claim()) return SaveStatus::kInProgress;
  return DoSave(false, error) ? SaveStatus::kOk : SaveStatus::kFailed;
}

Persistence::BgStatus Persistence::BgSave(bool schedule, bool wait_for_cut) {
  if (!Claim()) {
    if (!schedule || !bgsave_in_progress_.load()) return BgStatus::kInProgress;
    schedule_pending_.store(true);
    return BgStatus::kScheduled;
  }
  bgsave_in_progress_.store(true);
  bgsave_start_ms_.store(UnixNowMs());
  fibers_.Add(1);
  // Shared: the saving fiber may still be inside Notify when the waiter resumes and returns.
  auto cut = std::make_shared<io::Done>();
  service_->pool()->at(0)->Dispatch(
      [this, cut] {
        DoSave(true, nullptr, [&cut] { cut->Notify(); });
        cut->Notify();  // a save that failed before its cut releases the waiter too
        fibers_.Dec();
      },
      "bgsave");
  if (wait_for_cut) cut->Wait();
  return BgStatus::kStarted;
}

void Persistence::ScheduleLoop() {
  while (!stop_.WaitFor(std::chrono::milliseconds(100))) {
    if (saving_.load()) continue;
    if (schedule_pending_.exchange(false)) {
      BgSave(false);
      continue;
    }
    std::vector<SavePoint> points;
    {
      std::lock_guard<std::mutex> lock(mu_);
      points = points_;
    }
    int64_t now = NowS(), changes = Changes();
    bool may_retry = last_ok_.load() || now - last_try_s_.load() >= kRetryAfterFailureS;
    for (const SavePoint& p : points) {
      if (changes >= p.changes && now - lastsave_s_.load() >= p.seconds && may_retry) {
        LOG(INFO) << p.changes << " changes in " << p.seconds << " seconds. Saving...";
        BgSave(false);
        break;
      }
    }
  }
}

std::string Persistence::Load() {
  std::string path = Path();
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return "";  // no file: start empty, as Redis does
  service_->set_loading(true);
  LoadStats stats;
  auto load_fn = [&](std::string_view code) -> std::string {
    if (!service_->config().load_function) return "FUNCTION libraries are not supported";
    return service_->config().load_function(service_, code);
  };
  int64_t start = SteadyNowNs();
  std::string err = LoadRdb(service_, path, LoadLimitsOf(service_), load_fn, &stats);
  service_->set_loading(false);
  loaded_keys_.store(int64_t(stats.keys_loaded));
  expired_keys_.store(int64_t(stats.keys_expired));
  if (err.empty()) {
    LOG(INFO) << "DB loaded from disk: " << stats.keys_loaded << " keys (" << stats.keys_expired
              << " expired skipped), " << stats.functions << " function libraries, "
              << (SteadyNowNs() - start) / 1000000 << " ms";
    dirty_at_last_save_.store(int64_t(service_->write_commands()));
  }
  return err;
}

bool Persistence::SaveOnShutdown(bool force, bool nosave) {
  // SHUTDOWN decides once; the SIGTERM it raises then finds the decision made.
  if (shutdown_decided_.load()) return true;
  if (nosave || (!force && !HasSavePoints())) {
    shutdown_decided_.store(true);
    return true;
  }
  // A background save in flight is waited for and then superseded by this one.
  while (!Claim()) io::this_fiber::SleepFor(std::chrono::milliseconds(5));
  LOG(INFO) << "Saving the final RDB snapshot before exiting.";
  bool ok = DoSave(false, nullptr);
  if (ok) shutdown_decided_.store(true);
  return ok;
}

void Persistence::SaveAfterFlushAll(bool in_transaction) {
  if (!HasSavePoints()) return;
  if (in_transaction || Save() == SaveStatus::kInProgress) BgSave(/*schedule=*/true);
}

Persistence::Info Persistence::GetInfo() {
  Info info;
  info.loading = service_->loading();
  info.changes_since_last_save = Changes();
  info.bgsave_in_progress = bgsave_in_progress_.load();
  info.last_save_time = lastsave_s_.load();
  info.last_bgsave_ok = last_ok_.load();
  info.last_bgsave_time_sec = last_bgsave_time_sec_.load();
  if (info.bgsave_in_progress) {
    info.current_bgsave_time_sec = (UnixNowMs() - bgsave_start_ms_.load()) / 1000;
  }
  info.saves = saves_.load();
  info.last_load_keys_loaded = loaded_keys_.load();
  info.last_load_keys_expired = expired_keys_.load();
  info.current_save_keys_processed = progress_.keys_processed.load(std::memory_order_relaxed);
  info.current_save_keys_total = progress_.keys_total.load(std::memory_order_relaxed);
  return info;
}

}  // namespace lw
