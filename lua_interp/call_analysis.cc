#include "lua_interp/call_analysis.h"
namespace lw::lua {
std::optional<CallAnalysis> AnalyzeDiscardedCalls(std::string_view, bool) { return std::nullopt; }
}
