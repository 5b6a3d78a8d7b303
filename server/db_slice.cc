#include "server/db_slice.h"

#include <chrono>

#include "base/hash.h"
#include "base/logging.h"

namespace lw {

uint64_t KeyPolicy::HashFn(std::string_view key) { return HashBytes(key); }

uint64_t KeyPolicy::HashFn(const CompactObj& key) {
  std::string scratch;
  return HashBytes(key.GetSlice(&scratch));
}

bool KeyPolicy::Equal(const CompactObj& stored, const CompactObj& probe) {
  std::string scratch;
  return stored.EqualsKey(probe.GetSlice(&scratch));
}

DbSlice::DbSlice(uint32_t shard_id) : shard_id_(shard_id) {
  for (auto& db : dbs_) db = std::make_unique<Db>();
}

DbSlice::~DbSlice() = default;

int64_t DbSlice::NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool DbSlice::ExpireIfNeeded(int db, Iterator it, int64_t now_ms) {
  if (!it.value().has_expire()) return false;
  Db& d = *dbs_[db];
  std::string scratch;
  auto exp = d.expire.Find(it.key().GetSlice(&scratch));
  if (exp.IsEnd()) return false;
  if (exp.value() > now_ms) return false;
  d.expire.Erase(exp);
  d.prime.Erase(it);
  ++stats_.expired_keys;
  return true;
}

OpResult<DbSlice::Iterator> DbSlice::Find(int db, std::string_view key,
                                          std::optional<ObjType> type) {
  auto it = Peek(db, key);
  if (!it) {
    ++stats_.keyspace_misses;
    return OpStatus::kKeyNotFound;
  }
  ++stats_.keyspace_hits;
  if (type && (*it).value().type() != *type) return OpStatus::kWrongType;
  return *it;
}

std::optional<DbSlice::Iterator> DbSlice::Peek(int db, std::string_view key) {
  PrimeTable& prime = dbs_[db]->prime;
  Iterator it = prime.Find(key);
  if (it.IsEnd()) return std::nullopt;
  if (ExpireIfNeeded(db, it, NowMs())) return std::nullopt;
  return it;
}

std::pair<DbSlice::Iterator, bool> DbSlice::AddOrFind(int db, std::string_view key) {
  if (auto it = Peek(db, key)) return {*it, false};
  auto [it, inserted] = dbs_[db]->prime.Insert(CompactObj(key), CompactObj());
  CHECK(inserted) << "prime table refused an insert";
  return {it, true};
}

bool DbSlice::Del(int db, std::string_view key) {
  auto it = Peek(db, key);
  if (!it) return false;
  Del(db, *it);
  return true;
}

void DbSlice::Del(int db, Iterator it) {
  Db& d = *dbs_[db];
  if (it.value().has_expire()) {
    std::string scratch;
    d.expire.Erase(it.key().GetSlice(&scratch));
  }
  d.prime.Erase(it);
}

int64_t DbSlice::GetExpire(int db, Iterator it) {
  if (!it.value().has_expire()) return 0;
  Db& d = *dbs_[db];
  std::string scratch;
  auto exp = d.expire.Find(it.key().GetSlice(&scratch));
  return exp.IsEnd() ? 0 : exp.value();
}

void DbSlice::SetExpire(int db, Iterator it, int64_t at_ms) {
  Db& d = *dbs_[db];
  std::string scratch;
  std::string_view key = it.key().GetSlice(&scratch);
  it.value().set_has_expire(true);
  // Inserting into the expire table never moves prime-table entries.
  auto [exp, inserted] = d.expire.Insert(CompactObj(key), at_ms);
  if (!inserted) exp.value() = at_ms;
}

bool DbSlice::RemoveExpire(int db, Iterator it) {
  if (!it.value().has_expire()) return false;
  it.value().set_has_expire(false);
  std::string scratch;
  return dbs_[db]->expire.Erase(it.key().GetSlice(&scratch));
}

void DbSlice::FlushDb(int db) { dbs_[db] = std::make_unique<Db>(); }

void DbSlice::FlushAll() {
  for (int db = 0; db < kNumDbs; ++db) FlushDb(db);
}

uint64_t DbSlice::Traverse(int db, uint64_t cursor, const std::function<void(Iterator)>& cb) {
  PrimeTable& prime = dbs_[db]->prime;
  int64_t now = NowMs();
  return prime.Traverse(cursor, [&](Iterator it) {
    if (ExpireIfNeeded(db, it, now)) return;
    cb(it);
  });
}

size_t DbSlice::ActiveExpireStep(int db, size_t budget) {
  Db& d = *dbs_[db];
  if (d.expire.empty()) return 0;
  int64_t now = NowMs();
  size_t deleted = 0, seen = 0;
  std::vector<std::string> expired;
  while (seen < budget) {
    d.expire_cursor = d.expire.Traverse(d.expire_cursor, [&](ExpireTable::Iterator it) {
      ++seen;
      if (it.value() <= now) {
        std::string scratch;
        expired.emplace_back(it.key().GetSlice(&scratch));
      }
    });
    if (d.expire_cursor == 0) break;
  }
  for (const std::string& key : expired) {
    auto it = d.prime.Find(std::string_view(key));
    if (!it.IsEnd()) {
      d.prime.Erase(it);
      ++deleted;
      ++stats_.expired_keys;
    }
    d.expire.Erase(std::string_view(key));
  }
  return deleted;
}

size_t DbSlice::TableMemory() const {
  size_t total = 0;
  for (const auto& db : dbs_) total += db->prime.mem_usage() + db->expire.mem_usage();
  return total;
}

}  // namespace lw
