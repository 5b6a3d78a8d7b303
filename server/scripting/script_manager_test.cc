// ScriptManager without a server: the published tables, the per-thread caches and their
// invalidation (flush, flag overrides, library changes), and the per-thread counters.
#include "server/scripting/script_manager.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "lua_interp/script_flags.h"
#include "lua_interp/sha1.h"

namespace lw {
namespace {

std::string AddScript(ScriptManager& mgr, const std::string& body, uint32_t defaults = 0) {
  std::string sha, error;
  EXPECT_NE(mgr.Add(body, defaults, &sha, &error), nullptr) << error;
  return sha;
}

TEST(ScriptManagerTest, ManyScriptsStayFindableAcrossTableMerges) {
  ScriptManager mgr;
  std::vector<std::string> shas;
  for (int i = 0; i < 2000; ++i) shas.push_back(AddScript(mgr, "return " + std::to_string(i)));
  EXPECT_EQ(mgr.size(), 2000u);
  for (int i = 0; i < 2000; ++i) {
    auto info = mgr.Find(shas[i]);
    ASSERT_NE(info, nullptr) << i;
    EXPECT_EQ(info->body, "return " + std::to_string(i));
  }
  auto list = mgr.List();
  ASSERT_EQ(list.size(), 2000u);
  EXPECT_TRUE(std::is_sorted(list.begin(), list.end()));
  // Adding a known body again changes nothing.
  EXPECT_EQ(AddScript(mgr, "return 7"), shas[7]);
  EXPECT_EQ(mgr.size(), 2000u);
}

TEST(ScriptManagerTest, FlagsOverrideReachesACachedScript) {
  ScriptManager mgr;
  std::string sha = AddScript(mgr, "return 1", lua::kScriptNoWrites);
  EXPECT_EQ(mgr.Find(sha)->flags, uint32_t(lua::kScriptNoWrites));  // now cached here
  for (int i = 0; i < 100; ++i) AddScript(mgr, "return 'x" + std::to_string(i) + "'");
  mgr.SetFlagsOverride(sha, lua::kScriptAllowOom);
  EXPECT_EQ(mgr.Find(sha)->flags, uint32_t(lua::kScriptAllowOom));
  EXPECT_EQ(mgr.size(), 101u);
  EXPECT_EQ(mgr.List().size(), 101u);
  // An override given before the script is loaded applies when it is.
  std::string body = "return 2";
  mgr.SetFlagsOverride(lua::Sha1Hex(body), lua::kScriptDisableAtomicity);
  std::string sha2, error;
  EXPECT_EQ(mgr.Add(body, 0, &sha2, &error)->flags, uint32_t(lua::kScriptDisableAtomicity));
  EXPECT_EQ(sha2, lua::Sha1Hex(body));
}

TEST(ScriptManagerTest, FlushEmptiesEveryThreadsCache) {
  ScriptManager mgr;
  std::string sha = AddScript(mgr, "return 1");
  uint64_t epoch = mgr.script_epoch();
  std::thread other([&] { EXPECT_NE(mgr.Find(sha), nullptr); });  // cached on that thread
  other.join();
  mgr.Flush();
  EXPECT_GT(mgr.script_epoch(), epoch);
  EXPECT_EQ(mgr.Find(sha), nullptr);
  EXPECT_EQ(mgr.size(), 0u);
  std::thread again([&] { EXPECT_EQ(mgr.Find(sha), nullptr); });
  again.join();
}

TEST(ScriptManagerTest, EachThreadHasItsOwnCopy) {
  ScriptManager mgr;
  std::string sha = AddScript(mgr, "return 1");
  auto here = mgr.Find(sha);
  EXPECT_EQ(mgr.Find(sha), here);  // the same cached object on this thread
  std::shared_ptr<const ScriptInfo> there;
  std::thread other([&] { there = mgr.Find(sha); });
  other.join();
  ASSERT_NE(there, nullptr);
  EXPECT_NE(there, here);
  EXPECT_EQ(there->body, here->body);
}

TEST(ScriptManagerTest, FunctionLookupFollowsLibraryChanges) {
  ScriptManager mgr;
  lua::RegisteredFunction fn;
  EXPECT_EQ(mgr.FindFunction("f", &fn), nullptr);
  LibraryInfo lib{"lib", "code", {{"f", lua::kScriptNoWrites, "desc"}}};
  EXPECT_EQ(mgr.StoreLibrary(lib, false), "");
  auto found = mgr.FindFunction("f", &fn);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->name, "lib");
  EXPECT_EQ(fn.flags, uint32_t(lua::kScriptNoWrites));
  EXPECT_EQ(mgr.StoreLibrary(lib, false), "ERR Library 'lib' already exists");
  LibraryInfo clash{"other", "code2", {{"f", 0, ""}}};
  EXPECT_EQ(mgr.StoreLibrary(clash, false), "ERR Function f already exists");
  EXPECT_TRUE(mgr.DeleteLibrary("lib"));
  EXPECT_EQ(mgr.FindFunction("f", &fn), nullptr);
  EXPECT_FALSE(mgr.DeleteLibrary("lib"));
}

// FCALL looks its library up, may hop to another thread, then loads the code it found into an
// interpreter of the epoch current by then. Code from an older table must not be taken for the
// current one's (it would keep running after FUNCTION LOAD REPLACE on that interpreter).
TEST(ScriptManagerTest, LibraryFromAnOlderEpochRetiresTheInterpreter) {
  ScriptManager mgr;
  EXPECT_EQ(mgr.StoreLibrary(LibraryInfo{"lib", "v1", {{"f", 0, ""}}}, false), "");
  lua::RegisteredFunction fn;
  uint64_t found_in = 0;
  ASSERT_NE(mgr.FindFunction("f", &fn, &found_in), nullptr);
  EXPECT_EQ(found_in, mgr.function_epoch());
  // FUNCTION LOAD REPLACE lands between the lookup and the run.
  EXPECT_EQ(mgr.StoreLibrary(LibraryInfo{"lib", "v2", {{"f", 0, ""}}}, true), "");
  ASSERT_NE(found_in, mgr.function_epoch());

  InterpreterPool pool;
  auto stale = pool.Acquire(mgr.script_epoch(), mgr.function_epoch());
  stale->NoteLibrary("lib", found_in);  // loaded v1's code
  EXPECT_FALSE(stale->libraries.contains("lib"));
  pool.Release(std::move(stale));
  auto next = pool.Acquire(mgr.script_epoch(), mgr.function_epoch());
  EXPECT_TRUE(next->libraries.empty());  // retired, not reused with v1 loaded
  next->NoteLibrary("lib", mgr.function_epoch());
  EXPECT_TRUE(next->libraries.contains("lib"));
  pool.Release(std::move(next));
}

TEST(ScriptManagerTest, CountersAreSummedOverThreads) {
  ScriptManager mgr;
  ScriptCounters::Add(mgr.Local().counters.runs_global, 3);
  std::thread other([&] { ScriptCounters::Add(mgr.Local().counters.runs_global, 4); });
  other.join();
  EXPECT_EQ(mgr.SumCounters().runs_global, 7u);
  RunningScript running;
  mgr.Register(&running);
  EXPECT_EQ(mgr.RunningCount(), 1u);
  mgr.Unregister(&running);
  EXPECT_EQ(mgr.RunningCount(), 0u);
}

}  // namespace
}  // namespace lw
