// XINFO STREAM [FULL [COUNT n]] / GROUPS / CONSUMERS / HELP in Redis 7.0's shapes (maps in
// RESP3, flat arrays in RESP2).
//
// radix-tree-keys is the node count, as Redis's (nodes close where its listpacks do);
// radix-tree-nodes is the node count of a radix tree holding those node keys (16-byte
// big-endian IDs) in its canonical compressed form, which is what Redis's rax holds after
// insertions: the root, every key, every branching prefix and every child of one.
#include <set>
#include <string>
#include <vector>

#include "server/families/server_util.h"
#include "server/families/stream_util.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {

constexpr std::string_view kXInfoHelp[] = {
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Prints this help.",
};

std::string EncodeKey(const StreamID& id) {
  std::string out(16, '\0');
  for (int i = 0; i < 8; ++i) {
    out[i] = char(id.ms >> (56 - 8 * i));
    out[8 + i] = char(id.seq >> (56 - 8 * i));
  }
  return out;
}

size_t RaxNodes(const std::vector<StreamID>& masters) {
  std::vector<std::string> keys;
  keys.reserve(masters.size());
  for (const StreamID& id : masters) keys.push_back(EncodeKey(id));
  std::set<std::string> nodes = {std::string()};
  for (size_t i = 0; i < keys.size(); ++i) {
    nodes.insert(keys[i]);
    if (i + 1 == keys.size()) break;
    size_t l = 0;
    while (l < 16 && keys[i][l] == keys[i + 1][l]) ++l;
    nodes.insert(keys[i].substr(0, l));
    nodes.insert(keys[i].substr(0, l + 1));
    nodes.insert(keys[i + 1].substr(0, l + 1));
  }
  return nodes.size();
}

void SendLag(ReplyBuilder* rb, const StreamObj& s, const StreamCG& g) {
  std::optional<int64_t> lag = s.GroupLag(g);
  lag ? rb->SendLong(*lag) : rb->SendNull();
}

void SendEntriesRead(ReplyBuilder* rb, const StreamCG& g) {
  g.entries_read != StreamCG::kInvalidEntriesRead ? rb->SendLong(g.entries_read) : rb->SendNull();
}

void SendStreamHead(ReplyBuilder* rb, const StreamObj& s) {
  rb->SendBulk("length");
  rb->SendLong(int64_t(s.size()));
  rb->SendBulk("radix-tree-keys");
  rb->SendLong(int64_t(s.node_count()));
  rb->SendBulk("radix-tree-nodes");
  rb->SendLong(int64_t(RaxNodes(s.NodeKeys())));
  rb->SendBulk("last-generated-id");
  SendStreamId(rb, s.last_id);
  rb->SendBulk("max-deleted-entry-id");
  SendStreamId(rb, s.max_deleted_id);
  rb->SendBulk("entries-added");
  rb->SendLong(int64_t(s.entries_added));
  rb->SendBulk("recorded-first-entry-id");
  SendStreamId(rb, s.first_id);
}

void SendFullGroups(ReplyBuilder* rb, const StreamObj& s, size_t count) {
  rb->StartArray(s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    rb->StartMap(7);
    rb->SendBulk("name");
    rb->SendBulk(name);
    rb->SendBulk("last-delivered-id");
    SendStreamId(rb, g->last_id);
    rb->SendBulk("entries-read");
    SendEntriesRead(rb, *g);
    rb->SendBulk("lag");
    SendLag(rb, s, *g);
    rb->SendBulk("pel-count");
    rb->SendLong(int64_t(g->pel.size()));
    rb->SendBulk("pending");
    size_t n = count == 0 ? g->pel.size() : std::min(count, g->pel.size());
    rb->StartArray(n);
    auto it = g->pel.begin();
    for (size_t i = 0; i < n; ++i, ++it) {
      rb->StartArray(4);
      SendStreamId(rb, it->first);
      rb->SendBulk(it->second->consumer->name);
      rb->SendLong(it->second->delivery_time);
      rb->SendLong(int64_t(it->second->delivery_count));
    }
    rb->SendBulk("consumers");
    rb->StartArray(g->consumers.size());
    for (const auto& [cname, c] : g->consumers) {
      rb->StartMap(4);
      rb->SendBulk("name");
      rb->SendBulk(cname);
      rb->SendBulk("seen-time");
      rb->SendLong(c->seen_time);
      rb->SendBulk("pel-count");
      rb->SendLong(int64_t(c->pel.size()));
      rb->SendBulk("pending");
      size_t m = count == 0 ? c->pel.size() : std::min(count, c->pel.size());
      rb->StartArray(m);
      auto ct = c->pel.begin();
      for (size_t i = 0; i < m; ++i, ++ct) {
        rb->StartArray(3);
        SendStreamId(rb, ct->first);
        rb->SendLong(ct->second->delivery_time);
        rb->SendLong(int64_t(ct->second->delivery_count));
      }
    }
  }
}

void SendStreamInfo(ReplyBuilder* rb, const StreamObj& s, bool full, size_t count) {
  rb->StartMap(full ? 9 : 10);
  SendStreamHead(rb, s);
  if (full) {
    rb->SendBulk("entries");
    SendStreamRange(rb, s, {}, StreamID::Max(), false, count);
    rb->SendBulk("groups");
    SendFullGroups(rb, s, count);
    return;
  }
  rb->SendBulk("groups");
  rb->SendLong(int64_t(s.groups().size()));
  for (bool rev : {false, true}) {
    rb->SendBulk(rev ? "last-entry" : "first-entry");
    bool any = false;
    s.Range({}, StreamID::Max(), rev,
            [&](const StreamID& id, std::span<const std::string_view> fv) {
              SendStreamEntry(rb, id, fv);
              any = true;
              return false;
            });
    if (!any) rb->SendNull();
  }
}

void XInfo(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  std::string sub = AsciiUpper(args[1]);
  auto arity = [&](std::string_view name, int n) {
    bool ok = n >= 0 ? args.size() == size_t(n) : args.size() >= size_t(-n);
    if (!ok) rb->SendError(errors::WrongArity("xinfo|" + std::string(name)));
    return ok;
  };
  if (sub == "HELP") {
    if (arity("help", 2)) SendHelp(rb, kXInfoHelp);
    return;
  }
  bool ok = sub == "STREAM"   ? arity("stream", -3)
            : sub == "GROUPS" ? arity("groups", 3)
            : sub == "CONSUMERS"
                ? arity("consumers", 4)
                : (rb->SendError(errors::UnknownSubcommand(args[1], "XINFO")), false);
  if (!ok) return;
  std::string_view key = args[2];
  RunStreamOp(cntx, key, [&](const OpArgs& op, ReplyBuilder* out) -> std::string {
    OpResult<StreamObj*> found = FindStream(op, key);
    if (!found.ok()) {
      return std::string(found.status() == OpStatus::kWrongType ? errors::kWrongType
                                                                : errors::kNoSuchKey);
    }
    const StreamObj& s = **found;
    if (sub == "CONSUMERS") {
      StreamCG* g = (*found)->FindGroup(args[3]);
      if (g == nullptr) return errors::NoGroupForKey(key, args[3]);
      int64_t now = StreamNowMs();
      out->StartArray(g->consumers.size());
      for (const auto& [name, c] : g->consumers) {
        out->StartMap(3);
        out->SendBulk("name");
        out->SendBulk(name);
        out->SendBulk("pending");
        out->SendLong(int64_t(c->pel.size()));
        out->SendBulk("idle");
        out->SendLong(std::max<int64_t>(0, now - c->seen_time));
      }
    } else if (sub == "GROUPS") {
      out->StartArray(s.groups().size());
      for (const auto& [name, g] : s.groups()) {
        out->StartMap(6);
        out->SendBulk("name");
        out->SendBulk(name);
        out->SendBulk("consumers");
        out->SendLong(int64_t(g->consumers.size()));
        out->SendBulk("pending");
        out->SendLong(int64_t(g->pel.size()));
        out->SendBulk("last-delivered-id");
        SendStreamId(out, g->last_id);
        out->SendBulk("entries-read");
        SendEntriesRead(out, *g);
        out->SendBulk("lag");
        SendLag(out, s, *g);
      }
    } else {
      size_t opts = args.size() - 3;
      int64_t count = 10;
      if (opts != 0) {
        if ((opts != 1 && opts != 3) || !EqualsIgnoreCase(args[3], "FULL") ||
            (opts == 3 && !EqualsIgnoreCase(args[4], "COUNT"))) {
          return errors::SubcommandArity(args[1], "XINFO");
        }
        if (opts == 3) {
          if (!ParseRedisInt(args[5], &count)) return std::string(errors::kNotInteger);
          if (count < 0) count = 10;
        }
      }
      SendStreamInfo(out, s, opts != 0, size_t(count));
    }
    return {};
  });
}

}  // namespace

void RegisterStreamInfoCommands(CommandRegistry* r) {
  r->Register({"xinfo", -2, cmd::kReadOnly, 2, 2, 1, XInfo});
}

}  // namespace lw
