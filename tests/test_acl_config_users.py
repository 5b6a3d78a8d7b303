"""`user` directives in the config file (issue 19), differential against redis-server 7.0.15:
users created at start-up (the default user's directive replaces requirepass), Redis's
start-up errors (parse-time FATAL CONFIG FILE ERROR with Redis's — sometimes odd — word,
load-time "Critical error while loading ACLs", users together with an aclfile), and CONFIG
REWRITE writing the users back in place of the file's `user` lines when there is no aclfile.
"""
import os
import re
import subprocess
import time

import pytest
import redis

from conftest import _binary, free_port
from differential import RedisServerProcess
from resp_client import RawClient
from test_acl import _norm_rules
from test_startup_config import Started, fails, start, tmp, write  # noqa: F401 (fixtures)

USERS = ("user alice on >pw ~a* &news +@read -keys\n"
         "user bob off\n"
         "user carol on nopass %R~c* (~s* +set) +get\n"
         "user default on >dpw ~* &* +@all\n")


def _acl_list(port, password=None):
    c = RawClient(port)
    if password:
        assert c.call("AUTH", password) == b"+OK\r\n"
    reply = c.call("ACL", "LIST")
    c.close()
    lines = re.findall(rb"\$\d+\r\n(.*?)\r\n", reply)
    return [(_norm_rules(line.split(b" (")[0]), line.partition(b" (")[2]) for line in lines]


def _redis_fails(conf):
    """redis-server's output for a config it refuses (it must exit 1)."""
    r = subprocess.run(["redis-server", conf, "--port", str(free_port()), "--save", ""],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 1, (r.returncode, r.stdout)
    return r.stdout + r.stderr


def _started_pair(tmp, text, extra_lw=(), extra_rd=()):
    lw_port, rd_port = free_port(), free_port()
    lw_conf = write(tmp, "lw.conf", f"port {lw_port}\n" + text)
    rd_conf = write(tmp, "rd.conf", f"port {rd_port}\n" + text)
    lw = Started(lw_port, [lw_conf, "--proactor_threads", "2", *extra_lw],
                 os.path.join(tmp, "lw.log"))
    rd = subprocess.Popen(["redis-server", rd_conf, "--save", "", "--dir", tmp, *extra_rd],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while True:
        try:
            RawClient(rd_port, timeout=1).close()
            break
        except OSError:
            assert time.time() < deadline
            time.sleep(0.05)
    return lw, rd, lw_conf, rd_conf


def test_config_users_are_created_like_redis(tmp):
    lw, rd, _, _ = _started_pair(tmp, "requirepass ignored\n" + USERS)
    try:
        lw_list = _acl_list(lw.port, "dpw")
        rd_port = int(open(os.path.join(tmp, "rd.conf")).readline().split()[1])
        assert lw_list == _acl_list(rd_port, "dpw")
        # The user directive replaced requirepass; users authenticate as declared.
        for port in (lw.port, rd_port):
            assert redis.Redis(port=port, username="alice", password="pw").get("a1") is None
            with pytest.raises(redis.exceptions.ResponseError, match="WRONGPASS"):
                redis.Redis(port=port, password="ignored").ping()
            with pytest.raises(redis.exceptions.NoPermissionError):
                redis.Redis(port=port, username="carol", password="x").set("c1", "v")
    finally:
        lw.stop()
        rd.terminate()
        rd.wait()


BAD = [
    "user alice on\nuser alice off\n",                # duplicate
    "user alice on bogus\n",                          # syntax error: Redis names 'alice'
    "user alice on ~a >p ~b bogus\n",                 # ... and here '>p'
    "user alice on ~a &b (%R~x bogus)\n",             # a bad selector
    "user alice on (~x +get\n",                       # unmatched parenthesis
    "user alice (~x +get\n",
    "user alice on\nuser bob on &a allchannels &b\n",  # the second line
]


@pytest.mark.parametrize("text", BAD)
def test_bad_user_directive_is_a_fatal_config_error(tmp, text):
    conf = write(tmp, "bad.conf", text)
    lw, rd = fails(conf), _redis_fails(conf)

    def core(out):
        m = re.search(r"(Reading the configuration file, at line \d+)\n>>> '(.*)'\n(.*)\n", out)
        assert m, out
        return m.groups()

    assert core(lw) == core(rd)


@pytest.mark.parametrize("text,message", [
    ("user alice on +nosuch\n", "Error loading ACL rule '+nosuch' for the user named 'alice': "
                                "Unknown command or category name in ACL"),
    ('user "a b" on\n', "Spaces not allowed in ACL usernames"),
])
def test_user_load_errors_stop_start_up(tmp, text, message):
    conf = write(tmp, "bad.conf", text)
    for out in (fails(conf), _redis_fails(conf)):
        assert message in out and "Critical error while loading ACLs. Exiting." in out, out


def test_users_with_an_aclfile_are_refused(tmp):
    aclfile = write(tmp, "users.acl", "user x on\n")
    conf = write(tmp, "both.conf", f"user alice on\naclfile {aclfile}\n")
    text = ("Configuring Redis with users defined in redis.conf and at the same setting an ACL "
            "file path is invalid.")
    for out in (fails(conf), _redis_fails(conf)):
        assert text in out, out


def test_user_on_the_command_line(start):
    port = free_port()
    start("--port", str(port), "--user", "dave", "on", ">pw", "+ping", port=port)
    assert redis.Redis(port=port, username="dave", password="pw").ping()
    with pytest.raises(redis.exceptions.NoPermissionError):
        redis.Redis(port=port, username="dave", password="pw").get("k")


def test_config_rewrite_writes_users_back(tmp):
    text = "# users\n" + USERS + "maxclients 50\n"
    lw, rd, lw_conf, rd_conf = _started_pair(tmp, text)
    rd_port = int(open(rd_conf).readline().split()[1])
    try:
        for port in (lw.port, rd_port):
            c = redis.Redis(port=port, password="dpw")
            c.execute_command("ACL", "SETUSER", "erin", "on", ">e", "~e*", "+@string",
                              "(~x* +get)")
            c.execute_command("ACL", "DELUSER", "bob")
            c.execute_command("ACL", "SETUSER", "aaron", "on", "nopass", "+@all")
            assert c.config_rewrite()

        def users(path):
            lines = open(path).read().splitlines()
            return ([i for i, l in enumerate(lines) if l.startswith("user ")],
                    [(_norm_rules(l.split(" (")[0].encode()), l.partition(" (")[2])
                     for l in lines if l.startswith("user ")])

        lw_pos, lw_users = users(lw_conf)
        rd_pos, rd_users = users(rd_conf)
        assert lw_users == rd_users
        # The first four take the old lines' places (1..4 after the port line and comment).
        assert lw_pos[:4] == rd_pos[:4] == [2, 3, 4, 5]
    finally:
        lw.stop()
        rd.terminate()
        rd.wait()
    # Restarted from the rewritten file: the same users.
    again = Started(lw.port, [lw_conf], os.path.join(tmp, "again.log"))
    try:
        assert [u for u in _acl_list(again.port, "dpw")] == [
            (_norm_rules(l.split(" (")[0].encode()), l.partition(" (")[2].encode())
            for l in open(lw_conf).read().splitlines() if l.startswith("user ")]
    finally:
        again.stop()


def test_config_rewrite_with_an_aclfile_writes_no_users(start, tmp):
    port = free_port()
    aclfile = write(tmp, "users.acl", "user x on\n")
    conf = write(tmp, "a.conf", f"port {port}\naclfile {aclfile}\n")
    start(conf, port=port)
    c = redis.Redis(port=port)
    c.execute_command("ACL", "SETUSER", "y", "on")
    assert c.config_rewrite()
    assert not [l for l in open(conf).read().splitlines() if l.startswith("user")]
