"""ACL changes disconnect the clients they concern (issue 19), differential against
redis-server 7.0.15:

- ACL SETUSER that takes channels away closes the user's subscribed clients (RESP2 and RESP3,
  SUBSCRIBE and PSUBSCRIBE) whose subscriptions the new channel patterns no longer allow; a
  PSUBSCRIBE pattern must be one of them literally. Nothing happens when a selector still has
  every channel or when the new patterns include every old one.
- ACL DELUSER closes every client authenticated as a deleted user.
- ACL LOAD closes every client authenticated as a user other than "default" (changed or not);
  default's clients stay, whatever their subscriptions.

Lacewing runs 2 proactor threads and each scenario opens 6-10 connections, so the clients to
close live on both threads. A client's fate is read by sending PING: a closed one answers
nothing. Redis's fixed SUBSCRIBE-era difference: Redis closes a subscribed RESP3 client that
revokes its own channels without answering its ACL SETUSER; Lacewing answers, then closes.
"""
import random

import pytest

from resp_client import RawClient, encode

CHANNELS = ["a1", "a2", "ab", "b1", "b2", "c"]
PATTERNS = ["a*", "b*", "*", "a1", "c*", "a?"]


def _fate(client):
    """The reply to PING, or b"closed"."""
    try:
        return client.call("PING")
    except (ConnectionError, OSError):
        return b"closed"


def _connect(port, user, proto, subs):
    """A client authenticated as `user` (None: default) in RESP `proto` that ran `subs`
    (each [command, args...]); returns it and its replies."""
    c = RawClient(port, timeout=10)
    replies = []
    if user:
        replies.append(c.call("AUTH", user, "pw"))
    if proto == 3:
        replies.append(c.call("HELLO", "3")[:1])  # the map differs (server name, id): its type only
    for cmd in subs:
        c.sock.sendall(encode(*cmd))
        # One reply per argument, or one error.
        first = c.read_reply()
        replies.append(first)
        if not first.startswith(b"-"):
            for _ in range(max(len(cmd) - 2, 0)):
                replies.append(c.read_reply())
    return c, replies


def _random_subs(rng):
    subs = []
    for _ in range(rng.randint(0, 3)):
        if rng.random() < 0.5:
            subs.append(["SUBSCRIBE"] + rng.sample(CHANNELS, rng.randint(1, 2)))
        else:
            subs.append(["PSUBSCRIBE"] + rng.sample(PATTERNS, rng.randint(1, 2)))
    if subs and rng.random() < 0.15:
        # Leave everything again, by name (an argument-less UNSUBSCRIBE answers in hash order).
        for kind in ("SUBSCRIBE", "PSUBSCRIBE"):
            names = sorted({n for cmd in subs if cmd[0] == kind for n in cmd[1:]})
            if names:
                subs.append(["UN" + kind] + names)
    return subs


def _channel_rules(rng):
    r = rng.random()
    if r < 0.1:
        return ["allchannels"]
    rules = ["resetchannels"] + ["&" + p for p in rng.sample(PATTERNS, rng.randint(0, 3))]
    if rng.random() < 0.2:
        rules.append("(&%s +@all)" % rng.choice(PATTERNS))
    return rules


def _both(diff, fn):
    """fn(port) on lacewing then redis; returns both results."""
    return fn(diff.lw_port), fn(diff.rd_port)


@pytest.fixture
def d(diff, server, redis_server):
    diff.lw_port, diff.rd_port = server.port, redis_server.port
    return diff


def test_setuser_revoking_channels_closes_subscribers(d):
    closed = total = 0
    for seed in range(6):
        closed_, total_ = _revoke_rounds(d, seed)
        closed, total = closed + closed_, total + total_
    assert 0 < closed < total  # the seeds exercise both fates


def _revoke_rounds(d, seed):
    rng = random.Random(seed)
    closed = total = 0
    for round_ in range(3):
        user = f"u{round_}"
        d.check("ACL", "SETUSER", user, "reset", "on", ">pw", "+@all", "~*",
                *_channel_rules(rng))
        plan = [(rng.choice([user, user, None]), rng.choice([2, 3]), _random_subs(rng))
                for _ in range(rng.randint(6, 10))]
        if rng.random() < 0.3:
            d.check("ACL", "SETUSER", "default", *_channel_rules(rng))
        fleets = {}
        for side, port in (("lw", d.lw_port), ("rd", d.rd_port)):
            fleets[side] = [_connect(port, *p) for p in plan]
        for (_, lw_rep), (_, rd_rep) in zip(fleets["lw"], fleets["rd"]):
            assert lw_rep == rd_rep, (seed, round_, plan)
        change = rng.choice([user, user, "default"])
        d.check("ACL", "SETUSER", change, *_channel_rules(rng))
        lw = [_fate(c) for c, _ in fleets["lw"]]
        rd = [_fate(c) for c, _ in fleets["rd"]]
        assert lw == rd, (seed, round_, plan, d.check("ACL", "GETUSER", change))
        closed, total = closed + lw.count(b"closed"), total + len(lw)
        for side in fleets.values():
            for c, _ in side:
                c.close()
        d.check("ACL", "SETUSER", "default", "allchannels")
    return closed, total


def test_setuser_channel_cases(d):
    """The cases Redis's optimisations decide: allchannels -> resetchannels closes; adding a
    pattern or a selector with the channel keeps; turning the user off keeps."""
    cases = [
        (["allchannels"], ["SUBSCRIBE", "x"], ["resetchannels"]),
        (["resetchannels", "&a*"], ["SUBSCRIBE", "a1"], ["&b*"]),
        (["resetchannels", "&a*"], ["SUBSCRIBE", "a1"], ["resetchannels", "&b", "(&a*)"]),
        (["resetchannels", "&a*"], ["PSUBSCRIBE", "a*"], ["resetchannels", "&*"]),
        (["resetchannels", "&a*"], ["PSUBSCRIBE", "a*"], ["resetchannels", "&a"]),
        (["resetchannels", "&a*"], ["SUBSCRIBE", "a1"], ["off"]),
        (["resetchannels", "&a*"], ["SUBSCRIBE", "a1"], ["resetchannels", "&a1"]),
    ]
    for i, (start, sub, change) in enumerate(cases):
        user = f"c{i}"
        d.check("ACL", "SETUSER", user, "on", ">pw", "+@all", "~*", *start)
        fates = []
        for port in (d.lw_port, d.rd_port):
            clients = [_connect(port, user, proto, [sub])[0] for proto in (2, 3)]
            clients.append(_connect(port, user, 2, [])[0])
            fates.append(clients)
        d.check("ACL", "SETUSER", user, *change)
        lw = [_fate(c) for c in fates[0]]
        rd = [_fate(c) for c in fates[1]]
        assert lw == rd, (start, sub, change)
        for c in fates[0] + fates[1]:
            c.close()


def test_deluser_closes_subscribed_and_plain_clients(d):
    for user in ("gone", "stays"):
        d.check("ACL", "SETUSER", user, "on", ">pw", "+@all", "~*", "&*")
    plan = [("gone", 2, [["SUBSCRIBE", "a"]]), ("gone", 3, [["PSUBSCRIBE", "*"]]),
            ("gone", 2, []), ("stays", 3, [["SUBSCRIBE", "a"]]), ("stays", 2, []),
            (None, 2, [["SUBSCRIBE", "a"]])]
    fleets = [[_connect(port, *p)[0] for p in plan] for port in (d.lw_port, d.rd_port)]
    d.check("ACL", "DELUSER", "gone")
    lw, rd = ([_fate(c) for c in fleet] for fleet in fleets)
    assert lw == rd
    assert lw[:3] == [b"closed"] * 3 and b"closed" not in lw[3:]


def test_acl_load_closes_every_non_default_client(aclfile_pair):
    text = "user default on nopass ~* &* +@all\nuser u on >pw ~* &* +@all\nuser v on >pw +@all\n"
    pair = aclfile_pair(text)
    ports = (pair.d.lw_port, pair.d.rd_port)
    plan = [("u", 2, [["SUBSCRIBE", "a"]]), ("u", 3, []), ("v", 2, []),
            (None, 2, [["SUBSCRIBE", "a"]]), (None, 3, [["PSUBSCRIBE", "a*"]]),
            ("default", 2, []), (None, 2, [])]
    fleets = [[_connect(port, *p)[0] for p in plan] for port in ports]
    # The new file takes default's channels away and leaves u unchanged.
    changed = "user default on nopass ~* resetchannels &b +@all\n" + text.split("\n", 1)[1]
    pair.write(changed)
    issuers = [_connect(port, "v", 2, [])[0] for port in ports]
    for c in issuers:
        assert c.call("ACL", "LOAD") == b"+OK\r\n"
        assert _fate(c) == b"closed"  # the issuer, authenticated as v, is closed after it
    lw, rd = ([_fate(c) for c in fleet] for fleet in fleets)
    assert lw == rd
    assert lw[:3] == [b"closed"] * 3 and b"closed" not in lw[3:]
