#include "server/engine/command_keys.h"

#include "server/types/arg_utils.h"

namespace lw {

namespace {

bool Eq(std::string_view a, std::string_view b) { return EqualsIgnoreCase(a, b); }

}  // namespace

bool ApplyKeySpec(const KeySpecSearch& s, std::string_view flags, int arity, CmdArgs argv,
                  std::vector<FoundKey>* out) {
  const int argc = int(argv.size());
  int first = 0;
  if (s.begin == KeySpecSearch::kIndex) {
    first = s.index;
  } else if (s.begin == KeySpecSearch::kKeyword) {
    int start = s.startfrom > 0 ? s.startfrom : argc + s.startfrom;
    int end = s.startfrom > 0 ? argc - 1 : 1;
    for (int i = start; i != end; i = start <= end ? i + 1 : i - 1) {
      if (i >= argc || i < 1) break;
      if (Eq(argv[i], s.keyword)) {
        first = i + 1;
        break;
      }
    }
    if (first == 0) return true;  // keyword absent: no keys from this spec
  } else {
    return false;
  }
  int last = 0, step = s.keystep;
  if (s.find == KeySpecSearch::kRange) {
    if (s.lastkey >= 0) {
      last = first + s.lastkey;
    } else if (s.limit == 0) {
      last = argc + s.lastkey;
    } else {
      last = first + ((argc - first) / s.limit + s.lastkey);
    }
  } else if (s.find == KeySpecSearch::kKeynum) {
    int64_t numkeys = 0;
    if (first + s.keynumidx >= argc) return false;
    if (!ParseRedisInt(argv[first + s.keynumidx], &numkeys) || numkeys < 0) return false;
    first += s.firstkey;
    // Redis casts numkeys to an int (its low 32 bits); the bounds check below then refuses
    // what does not fit the arguments.
    int64_t last64 = first + int64_t(int32_t(uint32_t(uint64_t(numkeys)))) - 1;
    if (last64 >= argc) return false;
    last = int(last64);
  } else {
    return false;
  }
  if (last >= argc || last < first || first >= argc) return false;
  for (int i = first; i <= last; i += step) {
    if (i >= argc || i < first) {
      if (arity < 0) continue;
      return false;
    }
    out->push_back({size_t(i), flags});
  }
  return true;
}

namespace {

// SET: RW when GET asks for the old value, otherwise OW.
void SetKeys(CmdArgs argv, std::vector<FoundKey>* out) {
  for (size_t i = 3; i < argv.size(); ++i) {
    if (Eq(argv[i], "get")) return out->push_back({1, "RW access update"});
  }
  out->push_back({1, "OW update"});
}

// BITFIELD: read-only while every subcommand is a complete GET (or OVERFLOW).
void BitfieldKeys(CmdArgs argv, std::vector<FoundKey>* out) {
  bool readonly = true;
  for (size_t i = 2; i < argv.size() && readonly; ++i) {
    size_t rest = argv.size() - i - 1;
    if (Eq(argv[i], "get") && rest >= 2) {
      i += 2;
    } else if (Eq(argv[i], "overflow") && rest >= 1) {
      i += 1;
    } else {
      readonly = false;  // SET/INCRBY, or a syntax error (assumed to write)
    }
  }
  out->push_back({1, readonly ? "RO access" : "RW access update"});
}

// SORT: the sorted key and the last STORE destination (BY/GET patterns name no key; SORT_RO
// has only the sorted key).
void SortKeys(CmdArgs argv, std::vector<FoundKey>* out) {
  out->push_back({1, "RO access"});
  size_t store = 0;
  for (size_t i = 2; i < argv.size(); ++i) {
    if (Eq(argv[i], "limit")) {
      i += 2;
    } else if (Eq(argv[i], "get") || Eq(argv[i], "by")) {
      i += 1;
    } else if (Eq(argv[i], "store") && i + 1 < argv.size()) {
      store = i + 1;
    }
  }
  if (store) out->push_back({store, "OW update"});
}

}  // namespace

std::vector<FoundKey> FindKeys(const CommandInfo& info, CmdArgs argv) {
  std::vector<FoundKey> keys;
  if (info.name == "set") return SetKeys(argv, &keys), keys;
  if (info.name == "bitfield") return BitfieldKeys(argv, &keys), keys;
  if (info.name == "sort") return SortKeys(argv, &keys), keys;
  if (info.name == "sort_ro") return keys.push_back({1, "RO access"}), keys;
  for (const KeySpecInfo& ks : info.key_specs) {
    if (!ApplyKeySpec(ParseKeySpec(ks), ks.flags, info.arity, argv, &keys)) return {};
  }
  return keys;
}

}  // namespace lw
