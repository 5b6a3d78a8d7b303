"""Differential tests for scripting: the same EVAL/SCRIPT commands against redis-server and
Lacewing must give identical bytes (error texts included)."""
import pytest

# Scripts whose replies must match exactly. Keys are declared (KEYS) so they run in
# Lacewing's default lock-ahead mode.
SCRIPTS = [
    ("return 1", []),
    ("return 3.99", []),
    ("return -2.5", []),
    ("return 'str'", []),
    ("return true", []),
    ("return false", []),
    ("return nil", []),
    ("return {1, 2, {3, 'x'}, nil, 5}", []),
    ("return {ok='FINE'}", []),
    ("return {err='MYERR custom'}", []),
    ("return redis.status_reply('STATUS')", []),
    ("return redis.error_reply('ERR from script')", []),
    ("return redis.error_reply('NOCODE')", []),
    ("return redis.sha1hex('')", []),
    ("return redis.sha1hex('abc')", []),
    ("return {KEYS[1], ARGV[1]}", ["k1"]),
    ("return #KEYS + #ARGV", ["a", "b"]),
    ("return cjson.encode({a=1})", []),
    ("return cjson.encode({1, 2, 'x'})", []),
    ("return cjson.decode('[1,2,3]')", []),
    ("local t = cjson.decode('{\"id\":101}') return 'k'..t.id", []),
    ("return cmsgpack.unpack(cmsgpack.pack({1, 2, 3}))", []),
    ("return cmsgpack.pack('abc')", []),
    ("return bit.tobit(0xffffffff)", []),
    ("return bit.band(0xff, 0x0f)", []),
    ("return bit.bxor(5, 3)", []),
    ("return bit.lshift(1, 31)", []),
    ("return bit.tohex(255)", []),
    ("return struct.pack('>I2', 258)", []),
    ("return {struct.unpack('>I2', 'AB')}", []),
    ("return tostring(1e15)", []),
    ("return tostring(0.1)", []),
    ("return string.format('%d', 42)", []),
    ("return math.floor(7.5)", []),
    ("return unpack({1, 2, 3})", []),
    ("return table.getn({1, 2, 3})", []),
    ("return type(loadstring)", []),
    ("return redis.REDIS_VERSION ~= nil", []),
    ("return type(os)", []),
    ("return type(io)", []),
    ("return type(require)", []),
    ("return redis.call('SET', KEYS[1], 'v')", ["k"]),
    ("redis.call('SET', KEYS[1], 'v') return redis.call('GET', KEYS[1])", ["k"]),
    ("return redis.call('GET', KEYS[1])", ["missing"]),
    ("return redis.pcall('INCR', KEYS[1])", ["k"]),
    ("local r = redis.pcall('INCR', KEYS[1]) return r['err']", ["k"]),
    ("return redis.call('PING')", []),
    ("return redis.call('ECHO', 'hi')", []),
    ("redis.setresp(3) return redis.call('PING')", []),
]

ERROR_SCRIPTS = [
    ("return +", []),                       # compile error
    ("return undefined_global", []),        # read of an undefined global
    ("x = 1 return x", []),                 # global write
    ("error('boom')", []),
    ("error({err='CUSTOM boom'})", []),
    ("return redis.call('INCR', KEYS[1])", ["k"]),   # command error raised by redis.call
    ("return redis.call()", []),
    ("return redis.call({})", []),
    ("return redis.call('NOSUCHCMD')", []),
    ("return redis.call('GET')", []),
    ("return redis.call('EVAL', 'return 1', 0)", []),
    ("return cjson.decode('{bad json')", []),
    ("string.len = nil", []),
]


@pytest.mark.parametrize("body,keys", SCRIPTS)
def test_script_replies(diff, body, keys):
    diff.check("SET", "k", "notanumber")
    diff.check("EVAL", body, len(keys), *keys, "arg1")


@pytest.mark.parametrize("body,keys", ERROR_SCRIPTS)
def test_script_errors(diff, body, keys):
    diff.check("SET", "k", "notanumber")
    diff.check("EVAL", body, len(keys), *keys)


def test_script_commands(diff):
    diff.check("SCRIPT", "LOAD", "return 'loaded'")
    sha = diff.lw.call("SCRIPT", "LOAD", "return 'loaded'").split(b"\r\n")[1].decode()
    diff.check("EVALSHA", sha, 0)
    diff.check("EVALSHA", sha.upper(), 0)
    diff.check("EVALSHA", "0" * 40, 0)
    diff.check("EVALSHA", "short", 0)
    diff.check("SCRIPT", "EXISTS", sha, "0" * 40)
    diff.check("SCRIPT", "FLUSH")
    diff.check("SCRIPT", "EXISTS", sha)
    diff.check("SCRIPT", "FLUSH", "BOGUS")
    diff.check("SCRIPT", "KILL")
    diff.check("SCRIPT", "LOAD", "return +")
    diff.check("SCRIPT", "BOGUS")
    diff.check("SCRIPT", "LATENCY")  # not a Redis subcommand, and not Lacewing's either
    diff.check("EVAL", "return 1", "x")
    diff.check("EVAL", "return 1", "-1")
    diff.check("EVAL", "return 1", "3", "a")
    diff.check("EVAL_RO", "return redis.call('SET', KEYS[1], 'x')", 1, "k")
    diff.check("EVAL", "#!lua flags=no-writes\nreturn redis.call('SET', KEYS[1], 'x')", 1, "k")
    diff.check("EVAL", "#!lua flags=bogus\nreturn 1", 0)
    diff.check("EVAL", "#!notlua\nreturn 1", 0)
    diff.check("EVAL", "#!lua\nreturn 1", 0)


def test_function_commands(diff):
    lib = ("#!lua name=mylib\n"
           "redis.register_function('myfunc', function(keys, args) return args[1] end)\n")
    diff.check("FUNCTION", "LOAD", lib)
    diff.check("FUNCTION", "LOAD", lib)
    diff.check("FUNCTION", "LOAD", "REPLACE", lib)
    diff.check("FCALL", "myfunc", 0, "hello")
    diff.check("FCALL", "nosuch", 0)
    diff.check("FCALL_RO", "myfunc", 0, "x")
    diff.check("FUNCTION", "LIST")
    diff.check("FUNCTION", "DELETE", "nosuch")
    diff.check("FUNCTION", "DELETE", "mylib")
    diff.check("FUNCTION", "LOAD", "return 1")
    diff.check("FUNCTION", "LOAD", "#!lua name=bad\nreturn 1")
    diff.check("FUNCTION", "FLUSH")


def test_fuzzer_findings_nul_and_big_integers(diff):
    """Found by the differential fuzzer: error/status tables are C strings in Redis (cut at
    NUL), and integer replies reach Lua as doubles (2^63-1 rounds to 2^63; returned: INT64_MIN)."""
    diff.check("EVAL", "return redis.error_reply('MY err ' .. ARGV[1])", "0", b"a\x00b")
    diff.check("EVAL", "return redis.status_reply(ARGV[1])", "0", b"ok\x00more")
    diff.check("EVAL", "return {err=ARGV[1]}", "0", b"\x00x")
    diff.check("SET", "n", "9223372036854775806")
    diff.check("EVAL", "return redis.call('INCR', KEYS[1])", "1", "n")
    diff.check("EVAL", "return redis.call('DECRBY', KEYS[1], 9007199254740993)", "1", "n")
    diff.check("EVAL", "return tostring(redis.call('INCRBY', KEYS[1], 0))", "1", "n")
    diff.check("EVAL", "return redis.call('INCRBY', KEYS[1], 0) + 1", "1", "n")


LUA51_ERRORS = [
    "local r = 1; return r.x", "local t = {}; return t.a.b", "local a; a()",
    "local t = {} t:foo()", "local up = nil; local function f() return up.x end return f()",
    "return (", "return 1 +", "return \"abc", "x = = 1", "for i=1 do end", "return 1 2",
]


@pytest.mark.parametrize("body", LUA51_ERRORS)
def test_lua_errors_read_as_lua51(diff, body):
    """Lua 5.4's runtime and compile errors in Lua 5.1's phrasing (Redis's): "attempt to index
    local 'r' (a number value)", "near '<eof>'"."""
    diff.check_error("EVAL", body, "0")
