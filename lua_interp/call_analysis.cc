// Parses Lua 5.4 binary chunks (ldump.c's format) far enough to read and patch code and
// constants; every other section is carried over byte for byte.
#include "lua_interp/call_analysis.h"

#include <cstring>
#include <set>
#include <utility>

namespace lw::lua {
namespace {

// Lua 5.4 opcodes used here (lopcodes.h order).
enum Op : uint8_t {
  kMove = 0,
  kLoadI,
  kLoadF,
  kLoadK,
  kLoadKX,
  kLoadFalse,
  kLFalseSkip,
  kLoadTrue,
  kLoadNil,
  kGetUpval,
  kSetUpval,
  kGetTabUp,
  kGetTable,
  kGetI,
  kGetField,
  kSetTabUp,
  kSetTable,
  kSetI,
  kSetField,
  kNewTable,
  kSelf,
  kAddI,
  kShr = 45,
  kMmBin,
  kMmBinI,
  kMmBinK,
  kUnm,
  kBNot,
  kNot,
  kLen,
  kConcat,
  kClose,
  kTbc,
  kJmp,
  kEq,
  kLt,
  kLe,
  kEqK,
  kEqI,
  kLtI,
  kLeI,
  kGtI,
  kGeI,
  kTest,
  kTestSet,
  kCall,
  kTailCall,
  kReturn,
  kReturn0,
  kReturn1,
  kForLoop,
  kForPrep,
  kTForPrep,
  kTForCall,
  kTForLoop,
  kSetList,
  kClosure,
  kVararg,
  kVarargPrep,
  kExtraArg,
};
static_assert(kCall == 68 && kClosure == 79 && kExtraArg == 82);

constexpr uint8_t kTagShortString = 0x04, kTagLongString = 0x14;
constexpr uint8_t kTagNil = 0x00, kTagFalse = 0x01, kTagTrue = 0x11;
constexpr uint8_t kTagInt = 0x03, kTagFloat = 0x13;
constexpr int kMaxArgC = 255;

inline int OpOf(uint32_t i) { return i & 0x7f; }
inline int ArgA(uint32_t i) { return (i >> 7) & 0xff; }
inline int ArgB(uint32_t i) { return (i >> 16) & 0xff; }
inline int ArgC(uint32_t i) { return (i >> 24) & 0xff; }
inline int ArgBx(uint32_t i) { return static_cast<int>(i >> 15); }
inline uint32_t MakeABC(int op, int a, int b, int c) {
  return uint32_t(op) | uint32_t(a) << 7 | uint32_t(b) << 16 | uint32_t(c) << 24;
}

struct Constant {
  uint8_t tag;
  std::string str;  // string constants only
};

struct LocVar {
  std::string name;
  int startpc, endpc;
};

struct UpvalDesc {
  uint8_t instack, idx;
};

struct Proto {
  std::string head;  // source .. maxstacksize, raw
  int linedefined = 0;
  std::vector<uint32_t> code;
  std::string consts_raw;  // the constants after their count, raw
  std::vector<Constant> k;
  std::vector<std::string> added;  // constants appended by the rewrite
  std::string upvals_raw;          // count + entries, raw
  std::vector<UpvalDesc> upvals;
  std::vector<Proto> protos;
  std::string debug_raw;  // whole debug section, raw
  std::vector<int8_t> lineinfo;
  std::vector<std::pair<int, int>> abslineinfo;
  std::vector<LocVar> locvars;
  std::vector<std::string> upval_names;
};

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool ok() const { return ok_; }
  size_t pos() const { return pos_; }
  std::string_view Slice(size_t from) const { return data_.substr(from, pos_ - from); }

  uint8_t Byte() {
    if (pos_ >= data_.size()) return Fail();
    return static_cast<uint8_t>(data_[pos_++]);
  }
  void Skip(size_t n) {
    if (data_.size() - pos_ < n) {
      Fail();
      return;
    }
    pos_ += n;
  }
  size_t Size() {
    size_t x = 0;
    for (int i = 0; i < 10 && ok_; ++i) {
      uint8_t b = Byte();
      x = (x << 7) | (b & 0x7f);
      if (b & 0x80) return x;
    }
    Fail();
    return 0;
  }
  int Int() { return static_cast<int>(Size()); }
  // Returns false for a NULL string.
  bool String(std::string* out) {
    size_t size = Size();
    if (size == 0) return false;
    if (data_.size() - pos_ < size - 1) {
      Fail();
      return false;
    }
    out->assign(data_.substr(pos_, size - 1));
    pos_ += size - 1;
    return true;
  }

 private:
  uint8_t Fail() {
    ok_ = false;
    pos_ = data_.size();
    return 0;
  }
  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

void WriteSize(std::string* out, size_t x) {
  uint8_t buf[10];
  int n = 0;
  do {
    buf[9 - n++] = x & 0x7f;
    x >>= 7;
  } while (x != 0);
  buf[9] |= 0x80;
  out->append(reinterpret_cast<char*>(buf + 10 - n), n);
}

bool LoadProto(Reader* r, Proto* p, int depth) {
  if (depth > 200) return false;
  size_t start = r->pos();
  std::string source;
  r->String(&source);
  p->linedefined = r->Int();
  r->Int();    // lastlinedefined
  r->Skip(3);  // numparams, is_vararg, maxstacksize
  p->head.assign(r->Slice(start));

  size_t ncode = r->Size();
  if (!r->ok() || ncode > (1u << 26)) return false;
  p->code.resize(ncode);
  for (size_t i = 0; i < ncode && r->ok(); ++i) {
    uint32_t ins = 0;
    for (int b = 0; b < 4; ++b) ins |= uint32_t(r->Byte()) << (8 * b);  // little-endian host
    p->code[i] = ins;
  }

  size_t nk = r->Size();
  size_t kstart = r->pos();
  for (size_t i = 0; i < nk && r->ok(); ++i) {
    Constant c{r->Byte(), {}};
    switch (c.tag) {
      case kTagNil:
      case kTagFalse:
      case kTagTrue:
        break;
      case kTagInt:
      case kTagFloat:
        r->Skip(8);
        break;
      case kTagShortString:
      case kTagLongString:
        r->String(&c.str);
        break;
      default:
        return false;
    }
    p->k.push_back(std::move(c));
  }
  p->consts_raw.assign(r->Slice(kstart));

  size_t ustart = r->pos();
  size_t nu = r->Size();
  for (size_t i = 0; i < nu && r->ok(); ++i) {
    UpvalDesc u{r->Byte(), r->Byte()};
    r->Byte();  // kind
    p->upvals.push_back(u);
  }
  p->upvals_raw.assign(r->Slice(ustart));

  size_t np = r->Size();
  if (!r->ok() || np > (1u << 20)) return false;
  p->protos.resize(np);
  for (size_t i = 0; i < np; ++i) {
    if (!LoadProto(r, &p->protos[i], depth + 1)) return false;
  }

  size_t dstart = r->pos();
  size_t nl = r->Size();
  for (size_t i = 0; i < nl && r->ok(); ++i) p->lineinfo.push_back(static_cast<int8_t>(r->Byte()));
  size_t na = r->Size();
  for (size_t i = 0; i < na && r->ok(); ++i) {
    int pc = r->Int();
    int line = r->Int();
    p->abslineinfo.emplace_back(pc, line);
  }
  size_t nloc = r->Size();
  for (size_t i = 0; i < nloc && r->ok(); ++i) {
    LocVar v;
    r->String(&v.name);
    v.startpc = r->Int();
    v.endpc = r->Int();
    p->locvars.push_back(std::move(v));
  }
  size_t nun = r->Size();
  for (size_t i = 0; i < nun && r->ok(); ++i) {
    std::string name;
    r->String(&name);
    p->upval_names.push_back(std::move(name));
  }
  p->debug_raw.assign(r->Slice(dstart));
  return r->ok();
}

void DumpProto(const Proto& p, std::string* out) {
  out->append(p.head);
  WriteSize(out, p.code.size());
  for (uint32_t ins : p.code) {
    for (int b = 0; b < 4; ++b) out->push_back(static_cast<char>(ins >> (8 * b)));
  }
  WriteSize(out, p.k.size());
  out->append(p.consts_raw);
  for (const std::string& s : p.added) {
    out->push_back(static_cast<char>(kTagShortString));
    WriteSize(out, s.size() + 1);
    out->append(s);
  }
  out->append(p.upvals_raw);
  WriteSize(out, p.protos.size());
  for (const Proto& child : p.protos) DumpProto(child, out);
  out->append(p.debug_raw);
}

int LineOf(const Proto& p, int pc) {
  if (p.lineinfo.empty()) return 0;
  int basepc = -1, line = p.linedefined;
  for (const auto& [apc, aline] : p.abslineinfo) {
    if (apc > pc) break;
    basepc = apc;
    line = aline;
  }
  while (basepc++ < pc) line += p.lineinfo[basepc];
  return line;
}

// Does `ins` write register r? Sets *unknown for opcodes this analysis does not model.
bool Writes(uint32_t ins, int r, bool* unknown) {
  int op = OpOf(ins), a = ArgA(ins);
  auto range = [&](int lo, int hi) { return r >= lo && r <= hi; };
  switch (op) {
    case kMove:
    case kLoadI:
    case kLoadF:
    case kLoadK:
    case kLoadKX:
    case kLoadFalse:
    case kLFalseSkip:
    case kLoadTrue:
    case kGetUpval:
    case kGetTabUp:
    case kGetTable:
    case kGetI:
    case kGetField:
    case kNewTable:
    case kUnm:
    case kBNot:
    case kNot:
    case kLen:
    case kConcat:
    case kClosure:
    case kTestSet:
      return r == a;
    case kLoadNil:
      return range(a, a + ArgB(ins));
    case kSelf:
      return range(a, a + 1);
    case kCall:
      return ArgC(ins) == 0 ? r >= a : range(a, a + ArgC(ins) - 2);
    case kVararg:
      return ArgC(ins) == 0 ? r >= a : range(a, a + ArgC(ins) - 2);
    case kTailCall:
      return r >= a;
    case kForLoop:
    case kForPrep:
    case kTForPrep:
    case kTForLoop:
      return range(a, a + 4);
    case kTForCall:
      return range(a + 4, a + 3 + ArgC(ins));
    case kSetUpval:
    case kSetTabUp:
    case kSetTable:
    case kSetI:
    case kSetField:
    case kMmBin:
    case kMmBinI:
    case kMmBinK:
    case kClose:
    case kTbc:
    case kJmp:
    case kEq:
    case kLt:
    case kLe:
    case kEqK:
    case kEqI:
    case kLtI:
    case kLeI:
    case kGtI:
    case kGeI:
    case kTest:
    case kReturn:
    case kReturn0:
    case kReturn1:
    case kSetList:
    case kVarargPrep:
    case kExtraArg:
      return false;
    default:
      if (op >= kAddI && op <= kShr) return r == a;
      *unknown = true;
      return true;
  }
}

// Index of the last instruction before `pc` that writes r, or -1.
int WriterBefore(const Proto& p, int pc, int r) {
  for (int j = pc - 1; j >= 0; --j) {
    bool unknown = false;
    if (Writes(p.code[j], r, &unknown)) return unknown ? -1 : j;
  }
  return -1;
}

// The locvar occupying register r at pc, or -1.
int LocalAt(const Proto& p, int pc, int r) {
  int reg = 0;
  for (size_t i = 0; i < p.locvars.size(); ++i) {
    const LocVar& v = p.locvars[i];
    if (v.startpc <= pc && pc < v.endpc) {
      if (reg == r) return static_cast<int>(i);
      ++reg;
    }
  }
  return -1;
}

bool IsStringConst(const Proto& p, int idx, std::string_view s) {
  return idx >= 0 && idx < static_cast<int>(p.k.size()) &&
         (p.k[idx].tag == kTagShortString || p.k[idx].tag == kTagLongString) && p.k[idx].str == s;
}

bool IsEnvUpvalue(const Proto& p, int idx) {
  return idx < static_cast<int>(p.upval_names.size()) && p.upval_names[idx] == "_ENV";
}

// A local whose only write is its initialisation (no writes within its scope).
bool NeverReassigned(const Proto& p, int local, int reg) {
  const LocVar& v = p.locvars[local];
  for (int j = v.startpc; j < v.endpc && j < static_cast<int>(p.code.size()); ++j) {
    bool unknown = false;
    if (Writes(p.code[j], reg, &unknown)) return false;
  }
  return true;
}

// Register r holds the global table `redis` at pc.
bool HoldsRedis(const Proto& p, int pc, int r) {
  int w = WriterBefore(p, pc, r);
  if (w < 0) return false;
  uint32_t ins = p.code[w];
  if (OpOf(ins) != kGetTabUp || !IsEnvUpvalue(p, ArgB(ins)) ||
      !IsStringConst(p, ArgC(ins), "redis")) {
    return false;
  }
  int local = LocalAt(p, pc, r);
  return local < 0 || NeverReassigned(p, local, r);
}

// 0: not redis.call/pcall; 1: redis.call; 2: redis.pcall — loaded by GETFIELD at w.
int RedisFunctionAt(const Proto& p, int w) {
  uint32_t ins = p.code[w];
  if (OpOf(ins) != kGetField || !HoldsRedis(p, w, ArgB(ins))) return 0;
  if (IsStringConst(p, ArgC(ins), "call")) return 1;
  if (IsStringConst(p, ArgC(ins), "pcall")) return 2;
  return 0;
}

// Kind (1 call / 2 pcall) of the local in register r at pc if it is a never-reassigned alias.
int LocalAliasKind(const Proto& p, int pc, int r, int* local_out) {
  int local = LocalAt(p, pc, r);
  if (local < 0) return 0;
  const LocVar& v = p.locvars[local];
  int w = WriterBefore(p, v.startpc, r);
  if (w < 0 || !NeverReassigned(p, local, r)) return 0;
  *local_out = local;
  return RedisFunctionAt(p, w);
}

int ConstIndex(Proto* p, std::string_view s) {
  for (size_t i = 0; i < p->k.size(); ++i) {
    if (p->k[i].tag == kTagShortString && p->k[i].str == s) return static_cast<int>(i);
  }
  if (p->k.size() > kMaxArgC) return -1;
  p->k.push_back(Constant{kTagShortString, std::string(s)});
  p->added.emplace_back(s);
  return static_cast<int>(p->k.size() - 1);
}

struct Origin {
  const Proto* proto;
  int local;
  bool operator<(const Origin& o) const {
    return proto != o.proto ? proto < o.proto : local < o.local;
  }
};

struct UpAlias {
  int kind = 0;  // 0 none, 1 call, 2 pcall
  Origin origin{nullptr, -1};
};

class Analyzer {
 public:
  Analyzer(const std::set<Origin>* tainted, std::set<Origin>* taint_out, bool patch,
           std::vector<DiscardedCall>* calls)
      : tainted_(tainted), taint_out_(taint_out), patch_(patch), calls_(calls) {}

  void Visit(Proto* p, const std::vector<UpAlias>& up, const std::string& name) {
    // Writes through an upvalue break the alias for every closure sharing it.
    for (uint32_t ins : p->code) {
      if (OpOf(ins) == kSetUpval && ArgB(ins) < static_cast<int>(up.size()) && up[ArgB(ins)].kind) {
        taint_out_->insert(up[ArgB(ins)].origin);
      }
    }
    for (int pc = 0; pc < static_cast<int>(p->code.size()); ++pc) {
      uint32_t ins = p->code[pc];
      if (OpOf(ins) == kCall && ArgC(ins) == 1) CheckCall(p, pc, up, name);
    }
    // Children, with what their upvalues capture.
    std::vector<int> closure_pc(p->protos.size(), -1);
    for (int pc = 0; pc < static_cast<int>(p->code.size()); ++pc) {
      if (OpOf(p->code[pc]) == kClosure &&
          ArgBx(p->code[pc]) < static_cast<int>(p->protos.size())) {
        closure_pc[ArgBx(p->code[pc])] = pc;
      }
    }
    for (size_t i = 0; i < p->protos.size(); ++i) {
      Proto* child = &p->protos[i];
      std::vector<UpAlias> child_up(child->upvals.size());
      for (size_t u = 0; u < child->upvals.size() && closure_pc[i] >= 0; ++u) {
        const UpvalDesc& d = child->upvals[u];
        if (d.instack) {
          int local = -1;
          int kind = LocalAliasKind(*p, closure_pc[i], d.idx, &local);
          if (kind) child_up[u] = UpAlias{kind, Origin{p, local}};
        } else if (d.idx < up.size()) {
          child_up[u] = up[d.idx];
        }
      }
      Visit(child, child_up, "function@" + std::to_string(child->linedefined));
    }
  }

 private:
  bool Tainted(const Origin& o) const { return tainted_->count(o) > 0; }

  void Report(const Proto& p, int pc, int kind, DiscardedCall::Via via, const std::string& name) {
    DiscardedCall c;
    c.line = LineOf(p, pc);
    c.pcall = kind == 2;
    c.via = via;
    c.function = name;
    calls_->push_back(std::move(c));
  }

  void CheckCall(Proto* p, int pc, const std::vector<UpAlias>& up, const std::string& name) {
    int base = ArgA(p->code[pc]);
    int w = WriterBefore(*p, pc, base);
    if (w < 0) return;
    uint32_t loader = p->code[w];
    switch (OpOf(loader)) {
      case kGetField: {
        int kind = RedisFunctionAt(*p, w);
        if (!kind) return;
        int k = patch_ ? ConstIndex(p, kind == 1 ? "acall" : "apcall") : 0;
        if (k < 0) return;
        if (patch_) p->code[w] = MakeABC(kGetField, ArgA(loader), ArgB(loader), k);
        Report(*p, pc, kind, DiscardedCall::Via::kDirect, name);
        return;
      }
      case kMove: {
        int local = -1;
        int kind = LocalAliasKind(*p, w, ArgB(loader), &local);
        if (!kind || Tainted(Origin{p, local})) return;
        int k = patch_ ? ConstIndex(p, kAsyncAliasKey) : 0;
        if (k < 0) return;
        if (patch_) p->code[w] = MakeABC(kGetField, ArgA(loader), ArgB(loader), k);
        Report(*p, pc, kind, DiscardedCall::Via::kLocal, name);
        return;
      }
      case kGetUpval: {
        int u = ArgB(loader);
        if (u >= static_cast<int>(up.size()) || !up[u].kind || Tainted(up[u].origin)) return;
        int k = patch_ ? ConstIndex(p, kAsyncAliasKey) : 0;
        if (k < 0) return;
        if (patch_) p->code[w] = MakeABC(kGetTabUp, ArgA(loader), u, k);
        Report(*p, pc, up[u].kind, DiscardedCall::Via::kUpvalue, name);
        return;
      }
      default:
        return;
    }
  }

  const std::set<Origin>* tainted_;
  std::set<Origin>* taint_out_;
  bool patch_;
  std::vector<DiscardedCall>* calls_;
};

constexpr char kSignature[] = "\x1bLua";
constexpr char kLuacData[] = "\x19\x93\r\n\x1a\n";

}  // namespace

std::optional<CallAnalysis> AnalyzeDiscardedCalls(std::string_view chunk, bool rewrite) {
  // Header: signature, version 0x54, format 0, LUAC_DATA, sizes 4/8/8, LUAC_INT, LUAC_NUM.
  constexpr size_t kHeaderSize = 4 + 1 + 1 + 6 + 3 + 8 + 8;
  if (chunk.size() < kHeaderSize + 1 || chunk.substr(0, 4) != std::string_view(kSignature, 4) ||
      chunk[4] != 0x54 || chunk[5] != 0 || chunk.substr(6, 6) != std::string_view(kLuacData, 6) ||
      chunk[12] != 4 || chunk[13] != 8 || chunk[14] != 8) {
    return std::nullopt;
  }
  int64_t luac_int;
  memcpy(&luac_int, chunk.data() + 15, 8);
  if (luac_int != 0x5678) return std::nullopt;  // other byte order

  Reader r(chunk.substr(kHeaderSize + 1));  // +1: number of upvalues of the main closure
  Proto main;
  if (!LoadProto(&r, &main, 0) || r.pos() != chunk.size() - kHeaderSize - 1) return std::nullopt;

  // Pass 1 finds the aliases that some closure writes through an upvalue; pass 2 decides
  // (and patches) with those excluded.
  std::set<Origin> none, tainted, unused;
  std::vector<DiscardedCall> scratch;
  Analyzer(&none, &tainted, false, &scratch).Visit(&main, {UpAlias{}}, "main");

  CallAnalysis result;
  Analyzer(&tainted, &unused, rewrite, &result.calls).Visit(&main, {UpAlias{}}, "main");
  if (!rewrite || result.calls.empty()) {
    result.rewritten.assign(chunk);
    return result;
  }
  result.rewritten.assign(chunk.substr(0, kHeaderSize + 1));
  DumpProto(main, &result.rewritten);
  return result;
}

}  // namespace lw::lua
