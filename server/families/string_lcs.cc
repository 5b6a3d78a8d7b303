// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN] (Redis 7.0 t_string.c): the longest
// common subsequence of two strings by the classic dynamic-programming table, then a walk
// back from its end that yields the subsequence and its matching ranges in Redis's order.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "server/engine/connection_context.h"
#include "server/families/string_util.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {

struct LcsOptions {
  bool get_len = false, get_idx = false, with_match_len = false;
  int64_t min_match_len = 0;
};

// Parses the options after the two keys. Returns the error to send, or "".
std::string_view ParseLcsOptions(CmdArgs args, LcsOptions* o) {
  for (size_t i = 3; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "IDX")) {
      o->get_idx = true;
    } else if (EqualsIgnoreCase(args[i], "LEN")) {
      o->get_len = true;
    } else if (EqualsIgnoreCase(args[i], "WITHMATCHLEN")) {
      o->with_match_len = true;
    } else if (EqualsIgnoreCase(args[i], "MINMATCHLEN") && i + 1 < args.size()) {
      if (!ParseRedisInt(args[++i], &o->min_match_len)) return errors::kNotInteger;
      o->min_match_len = std::max<int64_t>(o->min_match_len, 0);
    } else {
      return errors::kSyntax;
    }
  }
  if (o->get_idx && o->get_len) return errors::kLcsLenAndIdx;
  return {};
}

// The LCS lengths of every pair of prefixes: at(i, j) is that of a[0, i) and b[0, j).
class LcsTable {
 public:
  LcsTable(const std::string& a, const std::string& b)
      : cols_(b.size() + 1), cells_((a.size() + 1) * cols_, 0) {
    for (size_t i = 1; i <= a.size(); ++i) {
      for (size_t j = 1; j <= b.size(); ++j) {
        cells_[i * cols_ + j] =
            a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
      }
    }
  }
  uint32_t at(size_t i, size_t j) const { return cells_[i * cols_ + j]; }
  uint32_t total() const { return cells_.back(); }

 private:
  size_t cols_;
  std::vector<uint32_t> cells_;
};

// One matching range: a[a_start, a_end] equals b[b_start, b_end] (inclusive).
struct LcsRange {
  size_t a_start, a_end, b_start, b_end;
};

struct LcsResult {
  std::string lcs;
  std::vector<LcsRange> ranges;  // from the end of the strings backwards, as Redis lists them
};

// Walks back from the end of the table: a match moves diagonally, otherwise towards the longer
// sub-problem (dropping a's byte only when that is strictly longer). Runs of consecutive
// diagonal moves are the matching ranges; those shorter than min_match_len are left out.
LcsResult WalkBack(const std::string& a, const std::string& b, const LcsTable& table,
                   int64_t min_match_len) {
  LcsResult out;
  out.lcs.assign(table.total(), '\0');
  size_t i = a.size(), j = b.size(), pos = table.total();
  std::optional<LcsRange> run;
  auto close_run = [&] {
    if (run && int64_t(run->a_end - run->a_start + 1) >= min_match_len) out.ranges.push_back(*run);
    run.reset();
  };
  while (i > 0 && j > 0) {
    if (a[i - 1] != b[j - 1]) {
      close_run();
      table.at(i - 1, j) > table.at(i, j - 1) ? --i : --j;
      continue;
    }
    out.lcs[--pos] = a[i - 1];
    if (run && run->a_start == i && run->b_start == j) {
      run->a_start = i - 1;
      run->b_start = j - 1;
    } else {
      close_run();
      run = LcsRange{i - 1, i - 1, j - 1, j - 1};
    }
    --i;
    --j;
  }
  close_run();
  return out;
}

// The IDX reply: {"matches": [[[a_start, a_end], [b_start, b_end], (len)], ...], "len": n}.
void SendLcsIdx(const LcsResult& r, uint32_t total, bool with_match_len, ReplyBuilder* rb) {
  rb->StartMap(2);
  rb->SendBulk("matches");
  rb->StartArray(r.ranges.size());
  for (const LcsRange& m : r.ranges) {
    rb->StartArray(with_match_len ? 3 : 2);
    rb->StartArray(2);
    rb->SendLong(int64_t(m.a_start));
    rb->SendLong(int64_t(m.a_end));
    rb->StartArray(2);
    rb->SendLong(int64_t(m.b_start));
    rb->SendLong(int64_t(m.b_end));
    if (with_match_len) rb->SendLong(int64_t(m.a_end - m.a_start + 1));
  }
  rb->SendBulk("len");
  rb->SendLong(total);
}

}  // namespace

// Each key is read in its own hop (a missing key is an empty string); the table is computed
// on the connection fiber.
void Lcs(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  std::string a, b;
  bool wrong_type = false;
  for (int k = 1; k <= 2; ++k) {
    OpResult<std::string> res = ReadString(cntx, args[k]);
    if (res.status() == OpStatus::kWrongType) wrong_type = true;
    if (res.ok()) (k == 1 ? a : b) = std::move(*res);
  }
  if (wrong_type) return rb->SendError(errors::kLcsNotStrings);
  LcsOptions opts;
  std::string_view error = ParseLcsOptions(args, &opts);
  if (!error.empty()) return rb->SendError(error);
  // The table is transient; refuse what would not reasonably fit instead of aborting.
  constexpr size_t kMaxCells = size_t(1) << 30;
  if (a.size() + 1 > kMaxCells / (b.size() + 1)) return rb->SendError(errors::kLcsNoMemory);
  LcsTable table(a, b);
  if (opts.get_len) return rb->SendLong(table.total());
  LcsResult result = WalkBack(a, b, table, opts.min_match_len);
  if (!opts.get_idx) return rb->SendBulk(result.lcs);
  SendLcsIdx(result, table.total(), opts.with_match_len, rb);
}

}  // namespace lw
