#include "server/engine/squashed_dispatch.h"

#include <memory>
#include <string>
#include <vector>

#include "io/done.h"
#include "io/fiber.h"
#include "server/engine/service.h"
#include "server/engine/shard_set.h"
#include "server/engine/undo_log.h"
#include "transaction/engine_shard.h"
#include "transaction/squasher.h"

namespace lw {

bool ClassifyForSquash(Service* service, std::span<const std::string_view> args, SquashItem* out) {
  if (args.empty()) return false;
  return ClassifyForSquash(service, service->registry().Find(args[0]), args, out);
}

bool ClassifyForSquash(Service* service, const CommandSpec* spec,
                       std::span<const std::string_view> args, SquashItem* out, int known_shard) {
  if (spec == nullptr || spec->first_key <= 0 || !spec->ArityOk(args.size())) return false;
  if (!(spec->flags & (cmd::kWrite | cmd::kReadOnly))) return false;
  // Blocking, pub/sub, connection-state (WATCH) and transaction-control commands need the
  // client's own context; they never run on a shard's thread. A command with movable keys
  // (ZUNIONSTORE dst numkeys src...) may touch keys its legacy positions do not list.
  constexpr uint32_t kNeedsClient = cmd::kBlocking | cmd::kNoScript | cmd::kNoMulti | cmd::kPubSub |
                                    cmd::kConnState | cmd::kMovableKeys;
  if (spec->flags & kNeedsClient) return false;
  out->keys.clear();
  CommandRegistry::ForEachKey(*spec, args,
                              [out](std::string_view key) { out->keys.push_back(key); });
  if (out->keys.empty()) return false;
  ShardSet& shards = service->shards();
  const uint32_t sid = known_shard >= 0 ? uint32_t(known_shard) : shards.ShardOf(out->keys[0]);
  for (size_t i = 1; known_shard < 0 && i < out->keys.size(); ++i) {
    if (shards.ShardOf(out->keys[i]) != sid) return false;
  }
  out->spec = spec;
  out->shard = sid;
  out->args = args;
  bool shared = (spec->flags & cmd::kReadOnly) && !(spec->flags & cmd::kWritesCache);
  out->mode = shared ? tx::LockMode::kShared : tx::LockMode::kExclusive;
  return true;
}

namespace {

// Runs one squashed command on its shard's thread with a sub-context; returns its reply.
// Who a squashed command runs for: the client's id and (ACL) user.
struct Caller {
  uint64_t client_id;
  std::shared_ptr<const acl::User> user;
  uint64_t acl_gen;
  bool in_exec;
  explicit Caller(const ConnectionContext& c)
      : client_id(c.client_id), user(c.user), acl_gen(c.acl_gen), in_exec(c.in_exec) {}
};

std::string RunOne(Service* service, const SquashItem& item, RespVersion version,
                   const Caller& client, bool from_script, tx::EngineShard* es,
                   UndoLog* undo = nullptr) {
  ReplyBuilder capture(version);
  ConnectionContext sub;
  sub.service = service;
  sub.rb = &capture;
  sub.client_id = client.client_id;
  // ACL: a script's calls were checked by its runner; EXEC's are checked again as Redis does.
  sub.acl_checked = from_script;
  if (!from_script) {
    sub.user = client.user;
    sub.acl_gen = client.acl_gen;
    sub.in_exec = client.in_exec;
  }
  sub.db_index = item.db;
  sub.authenticated = true;
  sub.direct_shard = es;
  sub.direct_keys = item.keys;  // classified onto `es`: op_args.h skips their hashes
  sub.from_script = from_script;
  sub.undo = undo;
  sub.oom_checked = from_script;  // a script's calls were checked with its own flags
  service->DispatchSpec(item.spec, item.args, &sub);
  return std::move(capture.buffer());
}

}  // namespace

void RunSquashed(Service* service, const ConnectionContext& client,
                 std::span<const SquashItem> items, tx::Transaction* tx, bool from_script,
                 std::vector<std::string>* replies, UndoLog* undo) {
  replies->assign(items.size(), std::string());
  if (items.empty()) return;
  const Caller caller(client);
  tx::Squasher squasher(service->shards().tx());
  squasher.Reserve(items.size(), items.size());  // most commands have one key
  RespVersion version = client.rb->resp_version();
  for (size_t i = 0; i < items.size(); ++i) {
    squasher.Add(items[i].keys, items[i].mode, [&, i](tx::Transaction*, tx::EngineShard* es) {
      (*replies)[i] = RunOne(service, items[i], version, caller, from_script, es, undo);
      return OpStatus::kOk;
    });
  }
  if (tx != nullptr) {
    squasher.Run(tx);
  } else {
    squasher.Run();
  }
}

namespace {

// One connection's pipeline in a RunSquashedInto group: its items, in order, and where their
// replies go.
struct Member {
  const ConnectionContext* client;
  std::span<const SquashItem> items;
  ReplyBuilder* out;
  bool* ran;  // set before the member is woken: whether its items ran
};

// RunSquashedInto's state: the squasher, one reply buffer, clock and sub-context per shard
// (each touched only on that shard's thread while the batch runs) and each item's end offset
// in its shard's buffer. Reused batch after batch (PipelineBatch::Take): warm, a batch
// allocates nothing here.
class PipelineBatch {
 public:
  explicit PipelineBatch(Service* service)
      : shard_set_(service->shards().tx()), squasher_(shard_set_, true) {
    shards_.resize(service->shards().size());
  }

  // A batch of this thread's pool (a fiber suspended in a batch's hop keeps its own; another
  // fiber of the thread takes another one). Give it back with Return().
  static std::unique_ptr<PipelineBatch> Take(Service* service);
  static void Return(std::unique_ptr<PipelineBatch> batch);

  // Runs the items of every member as one squashed transaction and appends each member's
  // replies, in its items' order, to its `out`. REQUIRES: the members share a RESP version.
  void Run(Service* service, std::span<const Member> members);

 private:
  struct ShardOut {
    ReplyBuilder rb;
    int64_t clock = 0;  // ConnectionContext::clock_chain
    // Made once: a context per command cost a construction and destruction of every field.
    // Everything a squashed command's handler and DispatchSpec set is set again per command.
    ConnectionContext sub;
  };

  void RunOne(size_t i, tx::EngineShard* es);
  // Whether `sub` may skip DispatchSpec's ACL check for a command of `client`; else sets
  // `sub` up for it. Runs on the command's shard thread, just before the command.
  bool AclStillChecked(const ConnectionContext& client, ConnectionContext* sub) const;
  bool Keep() const;  // small enough to go back to the pool

  tx::ShardSet* shard_set_;  // a thread's pool may outlive a Service (tests make several)
  tx::Squasher squasher_;
  std::vector<ShardOut> shards_;
  std::vector<size_t> ends_;
  std::vector<size_t> pos_;
  std::vector<SquashItem> joined_;  // several members' items, concatenated
  std::vector<uint32_t> owner_;     // joined item -> its member (several members only)
  Service* service_ = nullptr;
  std::span<const Member> members_;
  std::span<const SquashItem> items_;
};

// Per thread: the batches not in use. Bounded, and only batches of ordinary size are kept,
// so a huge pipeline's buffers go back to the allocator.
constexpr size_t kPoolSize = 16;
constexpr size_t kKeepReplyBytes = 16 * 1024;
constexpr size_t kKeepItems = 1024;
thread_local std::vector<std::unique_ptr<PipelineBatch>> tl_batches;

std::unique_ptr<PipelineBatch> PipelineBatch::Take(Service* service) {
  // Batches made for another shard set (a Service gone before this thread) are dropped. One
  // at the same address with as many shards serves as well: it refers to the set by pointer.
  while (!tl_batches.empty() && (tl_batches.back()->shard_set_ != service->shards().tx() ||
                                 tl_batches.back()->shards_.size() != service->shards().size())) {
    tl_batches.pop_back();
  }
  if (tl_batches.empty()) return std::make_unique<PipelineBatch>(service);
  std::unique_ptr<PipelineBatch> batch = std::move(tl_batches.back());
  tl_batches.pop_back();
  return batch;
}

void PipelineBatch::Return(std::unique_ptr<PipelineBatch> batch) {
  if (tl_batches.size() < kPoolSize && batch->Keep()) tl_batches.push_back(std::move(batch));
}

bool PipelineBatch::Keep() const {
  if (ends_.capacity() > kKeepItems || joined_.capacity() > kKeepItems) return false;
  for (const ShardOut& out : shards_) {
    if (out.rb.buffer().capacity() > kKeepReplyBytes) return false;
  }
  return true;
}

bool PipelineBatch::AclStillChecked(const ConnectionContext& client,
                                    ConnectionContext* sub) const {
  // The connection admitted the command under its user's snapshot of generation
  // client.acl_gen (Connection::AclAllows). Redis checks a command when it runs: after an ACL
  // SETUSER, DELUSER or LOAD published since (from any thread, maybe while this batch waited
  // for its group or its hop), DispatchSpec checks it again against the user's new snapshot
  // and answers NOPERM in its place. One load per command; the user's reference count is
  // touched only then.
  if (client.acl_gen == service_->acl().generation()) [[likely]] {
    sub->user = nullptr;
    return true;
  }
  sub->user = client.user;
  sub->acl_gen = client.acl_gen;
  return false;
}

void PipelineBatch::RunOne(size_t i, tx::EngineShard* es) {
  const SquashItem& item = items_[i];
  ShardOut& out = shards_[es->id()];
  ConnectionContext& sub = out.sub;
  const ConnectionContext& client = *members_[owner_.empty() ? 0 : owner_[i]].client;
  sub.service = service_;
  sub.rb = &out.rb;
  sub.client_id = client.client_id;
  sub.db_index = item.db;
  sub.authenticated = true;
  sub.acl_checked = AclStillChecked(client, &sub);
  sub.direct_shard = es;
  sub.clock_chain = &out.clock;
  sub.direct_keys = item.keys;  // known to live here: op_args.h skips their hashes
  service_->DispatchSpec(item.spec, item.args, &sub);
  ends_[i] = out.rb.buffer().size();
}

void PipelineBatch::Run(Service* service, std::span<const Member> members) {
  service_ = service;
  members_ = members;
  owner_.clear();
  if (members.size() == 1) {
    items_ = members[0].items;
  } else {
    joined_.clear();
    for (uint32_t m = 0; m < members.size(); ++m) {
      joined_.insert(joined_.end(), members[m].items.begin(), members[m].items.end());
      owner_.insert(owner_.end(), members[m].items.size(), m);
    }
    items_ = joined_;
  }
  ends_.assign(items_.size(), 0);
  for (ShardOut& shard : shards_) {
    shard.rb.Clear();
    shard.rb.SetRespVersion(members[0].client->rb->resp_version());
    shard.clock = 0;
  }
  size_t nkeys = 0;
  for (const SquashItem& item : items_) nkeys += item.keys.size();
  squasher_.Reserve(items_.size(), nkeys);
  for (size_t i = 0; i < items_.size(); ++i) {
    // Two words of capture: std::function keeps them without an allocation.
    squasher_.Add(items_[i].shard, items_[i].keys, items_[i].mode,
                  [this, i](tx::Transaction*, tx::EngineShard* es) {
                    RunOne(i, es);
                    return OpStatus::kOk;
                  });
  }
  squasher_.RunReusing();
  // Interleave the shards' replies back into request order, each member's into its buffer.
  pos_.assign(shards_.size(), 0);
  size_t i = 0;
  for (const Member& member : members) {
    std::string& dst = member.out->buffer();
    for (size_t end = i + member.items.size(); i < end; ++i) {
      const uint32_t s = items_[i].shard;
      dst.append(shards_[s].rb.buffer(), pos_[s], ends_[i] - pos_[s]);
      pos_[s] = ends_[i];
    }
  }
  items_ = {};
  members_ = {};
}

// Pipelines of one thread's connections that each need another thread's shard run as one
// squashed transaction per group (RunSquashedInto): one schedule, one message each way and
// one wake-up per group instead of per pipeline. The first to come leads: it yields once,
// so that the connections the thread serves meanwhile can join, then closes the group and
// runs it; the others wait for their replies.
struct Group {
  Service* service;
  RespVersion version;  // a reply buffer per shard: one encoding per group
  size_t items = 0;
  absl::InlinedVector<Member, 8> members;
  absl::InlinedVector<io::Done*, 8> waiters;  // every member but the leader
};
constexpr size_t kMaxGroupItems = 512;
thread_local Group* tl_open_group = nullptr;  // the group a leader's yield keeps open

bool NeedsOtherThread(Service* service, std::span<const SquashItem> items) {
  tx::ShardSet* shards = service->shards().tx();
  if (shards->size() == 1) return false;
  for (const SquashItem& item : items) {
    if (!shards->IsLocal(item.shard)) return true;
  }
  return false;
}

void RunMembers(Service* service, std::span<const Member> members) {
  std::unique_ptr<PipelineBatch> batch = PipelineBatch::Take(service);
  batch->Run(service, members);
  PipelineBatch::Return(std::move(batch));
}

}  // namespace

bool RunSquashedInto(Service* service, const ConnectionContext& client,
                     std::span<const SquashItem> items, ReplyBuilder* out) {
  if (items.empty()) return true;
  bool ran = false;
  const Member me{&client, items, out, &ran};
  // A batch on this thread's shard alone runs inline at once: nothing to share.
  if (!io::this_fiber::InFiber() || !NeedsOtherThread(service, items)) {
    RunMembers(service, std::span<const Member>(&me, 1));
    return true;
  }
  const RespVersion version = client.rb->resp_version();
  if (Group* open = tl_open_group; open != nullptr && open->service == service &&
                                   open->version == version &&
                                   open->items + items.size() <= kMaxGroupItems) {
    io::Done done;
    open->members.push_back(me);
    open->items += items.size();
    open->waiters.push_back(&done);
    done.Wait();  // the leader has appended our replies to `out`, or run nothing
    return ran;
  }
  Group group{service, version};
  group.members.push_back(me);
  group.items = items.size();
  tl_open_group = &group;
  // To the back of the ready queue: the fibers still to run in this turn, and those the loop
  // puts ahead of it (connections whose sockets it found readable), may join. Yielding only
  // when other fibers were ready formed fewer groups and gained little (issue 18's memtier
  // SET/GET, 4 alternating runs: 1.05x against 1.27x).
  io::this_fiber::Yield();
  // Closed before it runs: a fiber that comes later leads a group of its own. (A member of
  // another RESP version, or one that found this group full, may have opened one already.)
  if (tl_open_group == &group) tl_open_group = nullptr;
  // The members classified their items before the yield. A CLIENT PAUSE, MONITOR or busy
  // script begun meanwhile (by a connection of this thread) must see none of them run
  // squashed: a write after PAUSE WRITE's +OK, or unseen by the monitor after MONITOR's. Each
  // member then dispatches its items one by one itself.
  const bool run = !service->squash_refused();
  if (run) RunMembers(service, group.members);
  for (const Member& member : group.members) *member.ran = run;
  for (io::Done* done : group.waiters) done->Notify();
  return run;
}

void RunSquashedDetached(Service* service, const ConnectionContext& client,
                         std::span<const SquashItem> items, std::shared_ptr<const void> keep_alive,
                         bool from_script, std::unique_ptr<tx::Transaction> held,
                         std::shared_ptr<UndoLog> undo) {
  // What every command needs, shared, so each op captures two pointers (no allocation).
  struct Shared {
    Service* service;
    RespVersion version;
    Caller caller;
    bool from_script;
    std::shared_ptr<const void> keep_alive;
  };
  auto shared = std::make_shared<const Shared>(Shared{
      service, client.rb->resp_version(), Caller(client), from_script, std::move(keep_alive)});
  tx::Squasher squasher(service->shards().tx());
  squasher.Reserve(items.size() + service->shards().size(), 0);  // no regrowth per op
  if (undo != nullptr && held != nullptr) {
    // Added first, so each shard commits before the batch's commands run there.
    for (uint32_t sid : undo->WrittenShards()) {
      squasher.AddOnShard(sid, [undo](tx::Transaction*, tx::EngineShard* es) {
        undo->Commit(&ShardSet::Of(es)->db_slice);
        return OpStatus::kOk;
      });
    }
  }
  for (const SquashItem& item : items) {
    const SquashItem* it = &item;  // owned by keep_alive
    const Shared* sh = shared.get();
    auto op = [it, sh](tx::Transaction*, tx::EngineShard* es) {
      RunOne(sh->service, *it, sh->version, sh->caller, sh->from_script, es);
      return OpStatus::kOk;
    };
    if (held != nullptr) {
      squasher.AddOnShard(item.shard, op);  // `held` locks the keys already
    } else {
      squasher.Add(item.keys, item.mode, op);
    }
  }
  squasher.RunDetached(std::move(shared), std::move(held));
}

}  // namespace lw
