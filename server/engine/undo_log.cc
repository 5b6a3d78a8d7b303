#include "server/engine/undo_log.h"

#include "base/logging.h"
#include "server/engine/db_slice.h"

namespace lw {

namespace {
std::string IndexKey(int db, std::string_view key) {
  std::string k(1, char(db));
  k.append(key);
  return k;
}
}  // namespace

UndoLog::UndoLog(uint32_t shard_count) : shards_(shard_count) {}

UndoLog::~UndoLog() {
  for (const PerShard& sd : shards_) {
    DCHECK(sd.entries.empty()) << "an undo log destroyed before Commit/Rollback";
  }
}

std::vector<uint32_t> UndoLog::WrittenShards() const {
  std::vector<uint32_t> out;
  for (uint32_t sid = 0; sid < shards_.size(); ++sid) {
    if (Written(sid)) out.push_back(sid);
  }
  return out;
}

size_t UndoLog::size() const {
  size_t n = 0;
  for (const PerShard& sd : shards_) n += sd.entries.size();
  return n;
}

bool UndoLog::Saved_(const PerShard& sd, int db, std::string_view key) const {
  if (sd.entries.size() > kLinearSearch) return sd.index.contains(IndexKey(db, key));
  for (const Saved& s : sd.entries) {
    if (s.elements == nullptr && s.db == db && s.key == key) return true;
  }
  return false;
}

void UndoLog::Record(DbSlice* slice, int db, std::string_view key,
                     std::span<const std::string_view> args) {
  PerShard& sd = shards_[slice->shard_id()];
  if (Saved_(sd, db, key)) return;
  Saved& s = sd.entries.emplace_back();
  s.db = db;
  s.key.assign(key);
  if (auto it = slice->Peek(db, key)) {
    s.existed = true;
    s.sticky = it->value().sticky();
    s.expire_at = slice->GetExpire(db, *it);
    auto elements = std::make_unique<ElementUndo>();
    if (DescribeElementUndo(it->value(), args, key, elements.get())) {
      elements->sticky = s.sticky;
      elements->expire_at = s.expire_at;
      s.elements = std::move(elements);
      if (sd.entries.size() == kLinearSearch + 1) BuildIndex(sd);
      return;
    }
    s.value = it->value().Clone();
  }
  if (sd.entries.size() == kLinearSearch + 1) {
    BuildIndex(sd);
  } else if (sd.entries.size() > kLinearSearch + 1) {
    sd.index.insert(IndexKey(db, key));
  }
}

void UndoLog::BuildIndex(PerShard& sd) {
  for (const Saved& e : sd.entries) {
    if (e.elements == nullptr) sd.index.insert(IndexKey(e.db, e.key));
  }
}

void UndoLog::Rollback(DbSlice* slice) {
  PerShard& sd = shards_[slice->shard_id()];
  // The restore's own changes are not modifications anyone may see either.
  std::vector<std::pair<int, std::string>> discard;
  auto* previous = slice->set_touch_sink(&discard);
  for (auto s = sd.entries.rbegin(); s != sd.entries.rend(); ++s) {
    if (s->elements != nullptr) {
      ApplyElementUndo(slice, s->db, s->key, *s->elements);
      continue;
    }
    slice->Del(s->db, s->key);
    if (!s->existed) continue;
    auto [it, inserted] = slice->AddOrFind(s->db, s->key);
    it.value() = std::move(s->value);
    it.value().set_sticky(s->sticky);
    if (s->expire_at != 0) slice->SetExpire(s->db, it, s->expire_at);
  }
  slice->set_touch_sink(previous);
  sd = PerShard{};
}

void UndoLog::Commit(DbSlice* slice) {
  PerShard& sd = shards_[slice->shard_id()];
  for (const auto& [db, key] : sd.touches) slice->MarkModified(db, key);
  sd = PerShard{};
}

UndoLog::WriteScope::WriteScope(UndoLog* log, DbSlice* slice) : slice_(slice) {
  previous_ = slice->set_touch_sink(&log->shards_[slice->shard_id()].touches);
}

UndoLog::WriteScope::~WriteScope() { slice_->set_touch_sink(previous_); }

}  // namespace lw
