"""INFO's field names and figures (issue 17): the memory, stats and persistence fields Redis
7.0 has, in Redis's order; network byte counters, instantaneous rates, the dataset/overhead
split; latencystats in Redis's format with the latency-tracking settings (CONFIG replies
compared with redis-server)."""
import re
import threading
import time

from resp_client import RawClient

NEW_FIELDS = {
    "memory": ["used_memory_overhead", "used_memory_startup", "used_memory_dataset",
               "used_memory_dataset_perc", "allocator_allocated", "allocator_active",
               "allocator_resident", "used_memory_vm_eval", "used_memory_vm_total",
               "allocator_frag_ratio", "allocator_frag_bytes", "allocator_rss_ratio",
               "rss_overhead_ratio", "mem_fragmentation_ratio", "mem_fragmentation_bytes",
               "mem_clients_normal", "lazyfree_pending_objects"],
    "stats": ["total_net_input_bytes", "total_net_output_bytes", "instantaneous_ops_per_sec",
              "instantaneous_input_kbps", "instantaneous_output_kbps", "total_error_replies",
              "expired_keys", "evicted_keys", "keyspace_hits", "keyspace_misses",
              "unexpected_error_replies"],
    "persistence": ["aof_rewrites", "aof_last_bgrewrite_status", "module_fork_in_progress"],
}


def fields(client, section):
    text = client.call("INFO", section).decode()
    out = {}
    for line in text.split("\r\n"):
        if line and not line.startswith("#"):
            k, _, v = line.partition(":")
            out[k] = v
    return out


def test_field_names_in_redis_order(diff):
    for section, names in NEW_FIELDS.items():
        lw, rd = fields(diff.lw, section), fields(diff.rd, section)
        for name in names:
            assert name in rd, f"{name} is not Redis's"
            assert name in lw, f"INFO {section} lacks {name}"
        common = [k for k in rd if k in lw]
        assert [k for k in lw if k in rd] == common, f"{section}: order differs from Redis"
        assert len(common) >= len(names)


def test_memory_split_and_ratios(server):
    c = RawClient(server.port)
    m = fields(c, "memory")
    used = int(m["used_memory"])
    assert int(m["used_memory_dataset"]) + int(m["used_memory_overhead"]) == used
    assert int(m["used_memory_overhead"]) >= min(int(m["used_memory_startup"]), used)
    assert int(m["allocator_active"]) >= int(m["allocator_allocated"]) == used
    assert re.fullmatch(r"\d+\.\d\d%", m["used_memory_dataset_perc"])
    for k in ("allocator_frag_ratio", "allocator_rss_ratio", "rss_overhead_ratio",
              "mem_fragmentation_ratio"):
        assert re.fullmatch(r"\d+\.\d\d", m[k]), (k, m[k])
    before = int(m["used_memory_dataset"])
    for i in range(50):
        c.call("SET", f"key:{i}", "x" * 2000)
    after = fields(c, "memory")
    assert int(after["used_memory_dataset"]) >= before + 50 * 2000
    assert int(after["mem_clients_normal"]) > 0
    c.close()


def test_net_bytes_and_instantaneous_rates(server):
    c = RawClient(server.port)
    s0 = fields(c, "stats")
    payload = "v" * 10000
    for _ in range(20):
        assert c.call("SET", "k", payload) == b"+OK\r\n"
        c.call("GET", "k")
    s1 = fields(c, "stats")
    grew_in = int(s1["total_net_input_bytes"]) - int(s0["total_net_input_bytes"])
    grew_out = int(s1["total_net_output_bytes"]) - int(s0["total_net_output_bytes"])
    assert grew_in >= 20 * 10000, grew_in
    assert grew_out >= 20 * 10000, grew_out
    # Load for a while: the 100 ms samples see it.
    stop = time.time() + 1.6

    def load():
        w = RawClient(server.port)
        while time.time() < stop:
            w.call("INCR", "n")
        w.close()

    t = threading.Thread(target=load)
    t.start()
    t.join()
    s2 = fields(c, "stats")
    assert int(s2["instantaneous_ops_per_sec"]) > 50, s2["instantaneous_ops_per_sec"]
    assert float(s2["instantaneous_input_kbps"]) > 0
    c.call("CONFIG", "RESETSTAT")
    s3 = fields(c, "stats")
    assert int(s3["total_net_input_bytes"]) < 1000
    c.close()


LINE = re.compile(r"latency_percentiles_usec_([a-z_|]+):(.*)")


def latencystats(client):
    out = {}
    # (The raw reply: a bulk header line, the section title, then the fields.)
    for line in client.call("INFO", "latencystats").decode().split("\r\n")[2:]:
        if line:
            m = LINE.fullmatch(line)
            assert m, line
            out[m.group(1)] = m.group(2)
    return out


def test_latencystats_format_and_settings(diff):
    lw = diff.lw
    for _ in range(200):
        lw.call("SET", "a", "1")
        lw.call("GET", "a")
    stats = latencystats(lw)
    assert re.fullmatch(r"p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}", stats["get"])
    vals = [float(v.split("=")[1]) for v in stats["set"].split(",")]
    assert 0 < vals[0] <= vals[1] <= vals[2] < 1e6
    # The settings: CONFIG GET/SET replies and errors as Redis's.
    diff.check("CONFIG", "GET", "latency-tracking")
    diff.check("CONFIG", "GET", "latency-tracking-info-percentiles")
    diff.check("CONFIG", "SET", "latency-tracking-info-percentiles", "50.0 99 100")
    diff.check("CONFIG", "GET", "latency-tracking-info-percentiles")
    diff.check_error("CONFIG", "SET", "latency-tracking-info-percentiles", "101")
    diff.check_error("CONFIG", "SET", "latency-tracking-info-percentiles", "abc")
    diff.check_error("CONFIG", "SET", "latency-tracking", "maybe")
    assert re.fullmatch(r"p50=[\d.]+,p99=[\d.]+,p100=[\d.]+", latencystats(lw)["get"])
    diff.check("CONFIG", "SET", "latency-tracking-info-percentiles", "")
    assert latencystats(lw)["get"] == ""
    diff.check("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9")
    # Off: RESETSTAT empties the histograms and nothing new is recorded.
    diff.check("CONFIG", "SET", "latency-tracking", "no")
    diff.check("CONFIG", "RESETSTAT")
    lw.call("GET", "a")
    assert "get" not in latencystats(lw)
    diff.check("CONFIG", "SET", "latency-tracking", "yes")
    lw.call("GET", "a")
    assert "get" in latencystats(lw)
    # latencystats is not a default section; "everything" includes it, as in Redis.
    assert b"latency_percentiles_usec" not in lw.call("INFO")
    assert b"latency_percentiles_usec_get" in lw.call("INFO", "everything")
