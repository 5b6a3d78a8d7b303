#include "transaction/lock_table.h"

#include "base/logging.h"

namespace lw::tx {

void LockTable::Release(uint64_t fingerprint, LockMode mode) {
  auto it = locks_.find(fingerprint);
  DCHECK(it != locks_.end());
  it->second.Release(mode);
  if (it->second.Free()) locks_.erase(it);
}

bool LockTable::OnlyHolder(uint64_t fingerprint, LockMode mode) const {
  auto it = locks_.find(fingerprint);
  DCHECK(it != locks_.end());
  return it->second.OnlyHolder(mode);
}

bool LockTable::Compatible(uint64_t fingerprint, LockMode mode) const {
  auto it = locks_.find(fingerprint);
  return it == locks_.end() || it->second.Compatible(mode);
}

IntentLock LockTable::Get(uint64_t fingerprint) const {
  auto it = locks_.find(fingerprint);
  return it == locks_.end() ? IntentLock{} : it->second;
}

}  // namespace lw::tx
