"""Pub/sub end to end with redis-py: publishers and subscribers on different connections (and
so on different threads of a 2-thread server), patterns, unsubscribe, disconnect cleanup,
plus CLIENT KILL across threads and SHUTDOWN."""
import time

import pytest
import redis


def _get_message(p, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = p.get_message(timeout=0.1)
        if m is not None and m["type"] in ("message", "pmessage"):
            return m
    raise AssertionError("no message arrived")


def _wait_for(pred, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def test_publish_to_subscribers_on_other_threads(server):
    publisher = server.client()
    subs = []
    for _ in range(4):  # connections are spread round robin over the 2 threads
        p = server.client().pubsub(ignore_subscribe_messages=True)
        p.subscribe("news")
        subs.append(p)
    _wait_for(lambda: publisher.pubsub_numsub("news") == [(b"news", 4)])
    assert publisher.publish("news", "hello") == 4
    for p in subs:
        m = _get_message(p)
        assert m["channel"] == b"news" and m["data"] == b"hello"
    assert publisher.publish("other", "x") == 0
    assert publisher.pubsub_channels() == [b"news"]
    for p in subs:
        p.close()


def test_many_messages_keep_order(server):
    publisher = server.client()
    p = server.client().pubsub(ignore_subscribe_messages=True)
    p.subscribe("seq")
    _wait_for(lambda: publisher.pubsub_numsub("seq") == [(b"seq", 1)])
    for i in range(500):
        assert publisher.publish("seq", str(i)) == 1
    got = [_get_message(p)["data"] for _ in range(500)]
    assert got == [str(i).encode() for i in range(500)]
    p.close()


def test_patterns(server):
    publisher = server.client()
    p = server.client().pubsub(ignore_subscribe_messages=True)
    p.psubscribe("news.*", "h?llo")
    _wait_for(lambda: publisher.pubsub_numpat() == 2)
    assert publisher.publish("news.tech", "a") == 1
    m = _get_message(p)
    assert m["type"] == "pmessage" and m["pattern"] == b"news.*" and m["channel"] == b"news.tech"
    assert publisher.publish("hello", "b") == 1
    assert _get_message(p)["pattern"] == b"h?llo"
    assert publisher.publish("nope", "c") == 0
    p.punsubscribe("news.*")
    _wait_for(lambda: publisher.pubsub_numpat() == 1)
    assert publisher.publish("news.tech", "a") == 0
    p.close()


def test_channel_and_pattern_both_count(server):
    publisher = server.client()
    p = server.client().pubsub(ignore_subscribe_messages=True)
    p.subscribe("c1")
    p.psubscribe("c*")
    _wait_for(lambda: publisher.pubsub_numpat() == 1)
    assert publisher.publish("c1", "m") == 2
    kinds = sorted(_get_message(p)["type"] for _ in range(2))
    assert kinds == ["message", "pmessage"]
    p.close()


def test_unsubscribe_and_disconnect_cleanup(server):
    r = server.client()
    a = server.client().pubsub()
    b = server.client().pubsub()
    a.subscribe("x", "y")
    b.subscribe("x")
    b.psubscribe("x*")
    _wait_for(lambda: r.pubsub_numsub("x", "y") == [(b"x", 2), (b"y", 1)])
    a.unsubscribe("y")
    _wait_for(lambda: r.pubsub_numsub("y") == [(b"y", 0)])
    # Closing the connection (not unsubscribing) must drop every subscription it held.
    b.close()
    _wait_for(lambda: r.pubsub_numsub("x") == [(b"x", 1)] and r.pubsub_numpat() == 0)
    assert r.publish("x", "m") == 1
    a.close()
    _wait_for(lambda: r.pubsub_channels() == [])
    info = r.info("stats")
    assert info["pubsub_channels"] == 0 and info["pubsub_patterns"] == 0


def test_subscribed_mode_rules(server):
    c = server.client()
    conn = c.connection_pool.get_connection("_")
    conn.send_command("SUBSCRIBE", "ch")
    assert conn.read_response() == [b"subscribe", b"ch", 1]
    conn.send_command("GET", "k")
    with pytest.raises(redis.ResponseError, match="only \\(P\\|S\\)SUBSCRIBE"):
        conn.read_response()
    conn.send_command("PING")
    assert conn.read_response() == [b"pong", b""]
    conn.send_command("UNSUBSCRIBE")
    assert conn.read_response() == [b"unsubscribe", b"ch", 0]
    conn.send_command("GET", "k")
    assert conn.read_response() is None
    c.connection_pool.release(conn)


def test_client_list_and_kill_across_threads(server):
    admin = server.client()
    victims = [server.client() for _ in range(3)]
    ids = [v.client_id() for v in victims]
    for i, v in enumerate(victims):
        v.client_setname(f"victim{i}")
    listed = {c["id"]: c for c in admin.client_list()}
    for i, cid in enumerate(ids):
        assert listed[str(cid)]["name"] == f"victim{i}"
    assert admin.client_kill_filter(_id=ids[1]) == 1
    listed = {c["id"] for c in admin.client_list()}
    assert str(ids[1]) not in listed and str(ids[0]) in listed
    # the killed client's next command fails on a closed connection (redis-py retries once
    # on a new connection, so look at the server side instead)
    addr = [c for c in admin.client_list() if c["id"] == str(ids[2])][0]["addr"]
    assert admin.client_kill(addr) is True
    _wait_for(lambda: str(ids[2]) not in {c["id"] for c in admin.client_list()})
    info = admin.info("clients")
    assert info["connected_clients"] >= 2


def test_shutdown_stops_the_server(lacewing_factory):
    proc = lacewing_factory("--proactor_threads", "2")
    r = proc.client()
    r.set("k", "v")
    try:
        r.shutdown(nosave=True)
    except redis.exceptions.ConnectionError:
        pass
    assert proc.proc.wait(timeout=20) == 0
