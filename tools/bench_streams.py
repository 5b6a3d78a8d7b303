"""Workload 8 of tools/bench (issue 14, streams): Lacewing against redis-server.

Rows (Lacewing --proactor_threads 2; every entry has 5 small fields,
`field1 <12 digits> field2 x field3 yy field4 7 field5 zzz`):
  XADD to one stream      redis-benchmark -c 50 -P 16 -r 1000000 -n N XADD s1 * <fields>
  XADD to 10k streams     redis-benchmark -c 50 -P 16 -r 10000 -n N XADD st:__rand_int__ * <fields>
  XREADGROUP+XACK loop    the stream `q` is filled with --stream-consume-n entries (XADD as
                          above), XGROUP CREATE q g 0; then --stream-consumers processes, each
                          on its own connection, loop: send `XACK q g <the ids of its previous
                          batch>` and `XREADGROUP GROUP g c<i> COUNT <--stream-count> STREAMS q >`
                          in one write, read both replies, until a read returns nothing. Rate =
                          entries acknowledged per second of the whole run; p99 = one loop
                          round trip. Sanity: every entry acknowledged once, XPENDING empty.
  memory per entry        FLUSHALL, INFO memory used_memory, XADD --stream-mem-n entries to one
                          stream (redis-benchmark as the first row), used_memory again;
                          reported: (after - before) / XLEN, both servers, and the ratio.
The consumer processes are Python (a raw RESP socket, IDs found by a regex), so on a 2-core
machine they compete with the server for CPU: the loop's ratio understates the faster side.
"""
import multiprocessing
import re
import socket
import time

FIELDS = ["field1", "__rand_int__", "field2", "x", "field3", "yy", "field4", "7", "field5", "zzz"]
# An entry of an XREADGROUP reply: *2 $len <ms-seq> *10 (the 5 field/value pairs).
_ENTRY_ID = re.compile(rb"\*2\r\n\$\d+\r\n(\d+-\d+)\r\n\*10\r\n")
_PONG = b"+PONG\r\n"


def _cmd(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def _consumer(port, name, count, start, results, deadline):
    """One consumer loop; puts (acked entries, round-trip latencies in s, error or None)."""
    acked, lat, err = 0, [], None
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        read = _cmd("XREADGROUP", "GROUP", "g", name, "COUNT", count, "STREAMS", "q", ">")
        pending = []
        start.wait(30)
        while time.monotonic() < deadline:
            # The replies end with PONG: no value of this data contains "+PONG\r\n".
            req = (_cmd("XACK", "q", "g", *pending) if pending else b"") + read + _cmd("PING")
            t = time.perf_counter()
            sock.sendall(req)
            buf = b""
            while not buf.endswith(_PONG):
                chunk = sock.recv(1 << 20)
                if not chunk:
                    raise ConnectionError("server closed the connection")
                buf += chunk
            lat.append(time.perf_counter() - t)
            if b"\r\n-" in buf or buf.startswith(b"-"):
                raise RuntimeError(f"error reply: {buf[:200]!r}")
            acked += len(pending)
            pending = _ENTRY_ID.findall(buf)
            if not pending:
                break
        sock.close()
    except Exception as e:  # reported by the parent as a failure
        err = f"{name}: {e}"
    results.put((acked, lat, err))


def consumer_loop(server, consumers, count, timeout):
    """Runs the consumer processes once against a filled `q`; returns (entries/s, p99 ms, errs)."""
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Event(), ctx.Queue()
    deadline = time.monotonic() + timeout
    procs = [ctx.Process(target=_consumer, args=(server.port, f"c{i}", count, start, results,
                                                  deadline), daemon=True)
             for i in range(consumers)]
    for p in procs:
        p.start()
    time.sleep(0.3)  # let every consumer connect
    t0 = time.perf_counter()
    start.set()
    outs = [results.get(timeout=timeout + 30) for _ in procs]
    elapsed = time.perf_counter() - t0
    for p in procs:
        p.join(10)
    acked = sum(o[0] for o in outs)
    lat = sorted(x for o in outs for x in o[1])
    errs = [o[2] for o in outs if o[2]]
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000 if lat else None
    return acked / elapsed if elapsed > 0 else 0, p99, acked, errs


def used_memory(server):
    return int(server.client().info("memory")["used_memory"])


class StreamBench:
    """Runs workload 8 with tools/bench's helpers (passed in, as bench is no module)."""

    def __init__(self, both, run_redis_benchmark, result_cls, rows, commands, failures, log,
                 args, repeat):
        self.both, self.rrb, self.Result = both, run_redis_benchmark, result_cls
        self.rows, self.commands, self.failures, self.log = rows, commands, failures, log
        self.args, self.repeat = args, repeat

    def xadd_args(self, n, key, rand):
        return ["-c", "50", "-P", "16", "-r", str(rand), "-n", str(n), "XADD", key, "*"] + FIELDS

    def fill(self, server, n, key):
        self.rrb(server.port, self.xadd_args(n, key, 1000000), self.args.timeout)

    def run(self, lws, lw, rs):
        """lws: one Lacewing per thread count (named lacewing-tN); lw: the one the memory
        measure uses."""
        a = self.args
        probe = [("XADD", "probe:s", "*", "f", "v")]
        self.both(["XADD one stream, 5 fields -P 16 -c 50"],
                  self.xadd_args(a.n, "s1", 1000000), ["XADD"], probe)
        self.both(["XADD 10k streams, 5 fields -P 16 -c 50"],
                  self.xadd_args(a.n, "st:__rand_int__", 10000), ["XADD"], probe)
        self.rows.append((f"XREADGROUP+XACK loop, {a.stream_consumers} consumers, COUNT "
                          f"{a.stream_count} (entries/s)",) + self.consume(lws, rs))
        return self.memory(lw, rs)

    def consume(self, lws, rs):
        """(per thread count: Result, redis-server's Result) of the consumer loop."""
        a = self.args
        self.commands.append(
            f"fill: redis-benchmark {' '.join(self.xadd_args(a.stream_consume_n, 'q', 1000000))}"
            f"; XGROUP CREATE q g 0; then {a.stream_consumers} processes loop [XACK q g <ids of "
            f"the last batch>, XREADGROUP GROUP g c<i> COUNT {a.stream_count} STREAMS q >] "
            "in one write until the group is drained")
        runs = {srv.name: [] for srv in lws + [rs]}
        for i in range(self.repeat):
            for srv in lws + [rs]:
                c = srv.client()
                c.flushall()
                try:
                    self.fill(srv, a.stream_consume_n, "q")
                    c.xgroup_create("q", "g", id="0")
                    n = c.xlen("q")
                    self.log(f"  consumer loop on {srv.name}, run {i + 1}/{self.repeat}")
                    rate, p99, acked, errs = consumer_loop(srv, a.stream_consumers,
                                                           a.stream_count, a.timeout)
                    pending = c.xpending("q", "g")["pending"]
                except Exception as e:  # a failed run is a note, as the other rows
                    self.failures.append(f"{srv.name}: consumer loop: {e}")
                    runs[srv.name].append(f"n/a ({str(e)[:50]})")
                    continue
                if errs or acked != n or pending:
                    self.failures.append(f"{srv.name}: consumer loop acked {acked} of {n}, "
                                         f"{pending} pending, errors {errs[:2]}")
                runs[srv.name].append((rate, p99))
                self.log(f"    {rate:,.0f} entries/s, loop p99 {p99} ms")
        def median(r):
            notes = [x for x in r if isinstance(x, str)]
            if notes or not r:
                return self.Result(note=notes[0] if notes else "n/a")
            rate, p99 = sorted(r)[len(r) // 2]
            return self.Result(rate, p99)

        for srv in lws + [rs]:
            srv.client().flushall()
        return ({int(srv.name.split("-t")[1]): median(runs[srv.name]) for srv in lws},
                median(runs[rs.name]))

    def memory(self, lw, rs):
        """Markdown lines: used_memory per entry of one stream, both servers."""
        a = self.args
        self.commands.append(f"memory: FLUSHALL; INFO memory; redis-benchmark "
                             f"{' '.join(self.xadd_args(a.stream_mem_n, 'mem', 1000000))}; "
                             "INFO memory; XLEN mem")
        per = {}
        for srv in (lw, rs):
            try:
                c = srv.client()
                c.flushall()
                time.sleep(0.2)
                before = used_memory(srv)
                self.fill(srv, a.stream_mem_n, "mem")
                time.sleep(0.2)
                after, n = used_memory(srv), c.xlen("mem")
                per["lacewing" if srv is lw else "redis"] = (n, after - before,
                                                             (after - before) / max(n, 1))
                c.flushall()
            except Exception as e:
                self.failures.append(f"{srv.name}: stream memory: {e}")
        out = ["", f"Stream memory (workload 8): used_memory delta after XADD of "
               f"{a.stream_mem_n:,} entries of 5 small fields to one stream (redis-benchmark "
               "-c 50 -P 16), Lacewing `--proactor_threads 2`:", "",
               "| server | entries | used_memory delta | bytes per entry |", "|---|---|---|---|"]
        for name in ("lacewing", "redis"):
            if name in per:
                n, delta, b = per[name]
                out.append(f"| {name} | {n:,} | {delta / 1e6:.1f} MB | {b:.1f} |")
            else:
                out.append(f"| {name} | n/a | | |")
        if "lacewing" in per and "redis" in per and per["redis"][2] > 0:
            out.append("")
            out.append(f"Lacewing / redis-server bytes per entry: "
                       f"{per['lacewing'][2] / per['redis'][2]:.2f}")
        return out
