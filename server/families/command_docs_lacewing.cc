// COMMAND DOCS data for Lacewing's own commands and subcommands (edited by hand; the generator
// tools/gen_command_docs.py leaves this file alone). "since" is the Lacewing version that
// added them. Format: command_docs.h.
#include <string_view>

namespace lw::command_docs {

namespace {
constexpr std::string_view kData = R"DOCS(
= stick generic 0.1.0
? Marks existing keys sticky, so that cache-mode eviction never removes them (Lacewing).
! O(N) in the keys given.
- key key k=0 f=multiple
= sticky generic 0.1.0
? Tells whether a key exists and is sticky (Lacewing).
! O(1)
- key key k=0
= script|flags scripting 0.1.0
? Overrides the flags of a script, loaded now or later, by its SHA1 (Lacewing).
! O(N) in the flags given.
- sha1 string
- flag string f=optional,multiple
= script|list scripting 0.1.0
? Lists the cached scripts as SHA1 and body pairs (Lacewing).
! O(N) in the cached scripts.
= script|stats scripting 0.1.0
? Per-script statistics: calls, errors, kills, rollbacks, commands, shards, lock waits and latency percentiles (Lacewing).
! O(N) in the scripts that ran, times the threads.
- name string f=optional
)DOCS";
}  // namespace

std::string_view Lacewing() { return kData; }

}  // namespace lw::command_docs
