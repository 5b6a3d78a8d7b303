// StreamObj's consumer groups and Redis 7.0's logical read counters.
#include <cstring>

#include "server/types/stream_obj.h"

namespace lw {

StreamConsumer* StreamCG::FindConsumer(std::string_view name) {
  auto it = consumers.find(name);
  return it == consumers.end() ? nullptr : it->second.get();
}

StreamConsumer* StreamCG::AddConsumer(std::string_view name, int64_t now_ms, bool* created) {
  auto it = consumers.find(name);
  if (it != consumers.end()) {
    *created = false;
    return it->second.get();
  }
  auto c = std::make_unique<StreamConsumer>();
  c->name = std::string(name);
  c->seen_time = now_ms;
  StreamConsumer* out = c.get();
  consumers.emplace(std::string(name), std::move(c));
  *created = true;
  return out;
}

size_t StreamCG::DeleteConsumer(std::string_view name) {
  auto it = consumers.find(name);
  if (it == consumers.end()) return 0;
  size_t pending = it->second->pel.size();
  for (const auto& [id, nack] : it->second->pel) pel.erase(id);
  consumers.erase(it);
  return pending;
}

StreamCG* StreamObj::FindGroup(std::string_view name) {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : it->second.get();
}

StreamCG* StreamObj::CreateGroup(std::string_view name, const StreamID& id, int64_t entries_read) {
  if (groups_.find(name) != groups_.end()) return nullptr;
  auto cg = std::make_unique<StreamCG>();
  cg->last_id = id;
  cg->entries_read = entries_read;
  StreamCG* out = cg.get();
  groups_.emplace(std::string(name), std::move(cg));
  return out;
}

bool StreamObj::DestroyGroup(std::string_view name) {
  auto it = groups_.find(name);
  if (it == groups_.end()) return false;
  groups_.erase(it);
  return true;
}

int64_t StreamObj::EstimateDistanceFromFirstEverEntry(const StreamID& id) const {
  if (entries_added == 0) return 0;
  if (length_ == 0 && id <= last_id) return int64_t(entries_added);
  if (id == last_id) return int64_t(entries_added);
  if (id > last_id) return StreamCG::kInvalidEntriesRead;
  if (max_deleted_id.IsZero() || max_deleted_id < first_id) {
    // No deletion ahead of the first entry: the counter is known there and before.
    if (id < first_id) return int64_t(entries_added - length_);
    if (id == first_id) return int64_t(entries_added - length_ + 1);
  }
  return StreamCG::kInvalidEntriesRead;
}

bool StreamObj::RangeHasTombstones(const StreamID& start, const StreamID& end) const {
  if (length_ == 0 || max_deleted_id.IsZero()) return false;
  if (first_id > max_deleted_id) return false;  // the latest tombstone precedes the first entry
  return start <= max_deleted_id && max_deleted_id <= end;
}

std::optional<int64_t> StreamObj::GroupLag(const StreamCG& cg) const {
  if (entries_added == 0) return 0;
  if (cg.entries_read != StreamCG::kInvalidEntriesRead &&
      !RangeHasTombstones(cg.last_id, StreamID::Max())) {
    return int64_t(entries_added) - cg.entries_read;
  }
  int64_t read = EstimateDistanceFromFirstEverEntry(cg.last_id);
  if (read == StreamCG::kInvalidEntriesRead) return std::nullopt;
  return int64_t(entries_added) - read;
}

}  // namespace lw
