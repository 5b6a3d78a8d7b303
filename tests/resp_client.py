"""A minimal raw RESP client for tests that compare replies byte for byte.

send(*args) encodes a command as a RESP multibulk; read_reply() returns the exact bytes of
one complete reply (RESP2 or RESP3), however it arrives.
"""
import socket


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, (int, float)):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RawClient:
    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.settimeout(timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _fill(self):
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buf += data

    def _line_end(self, pos):
        while True:
            end = self.buf.find(b"\r\n", pos)
            if end >= 0:
                return end
            self._fill()

    def _reply_end(self, pos):
        """Returns the offset just past the reply that starts at pos."""
        while len(self.buf) <= pos:
            self._fill()
        kind = self.buf[pos:pos + 1]
        end = self._line_end(pos)
        header = self.buf[pos + 1:end]
        nxt = end + 2
        if kind in (b"+", b"-", b":", b",", b"#", b"_", b"("):
            return nxt
        if kind in (b"$", b"=", b"!"):
            n = int(header)
            if n < 0:
                return nxt
            while len(self.buf) < nxt + n + 2:
                self._fill()
            return nxt + n + 2
        if kind in (b"*", b"~", b">", b"%", b"|"):
            n = int(header)
            if n < 0:
                return nxt
            if kind in (b"%", b"|"):
                n *= 2
            for _ in range(n):
                nxt = self._reply_end(nxt)
            return nxt
        raise ValueError(f"bad RESP type byte {kind!r} in {self.buf[pos:pos + 40]!r}")

    def read_reply(self):
        end = self._reply_end(0)
        reply, self.buf = self.buf[:end], self.buf[end:]
        return reply

    def call(self, *args):
        self.sock.sendall(encode(*args))
        return self.read_reply()


class Pair:
    """The same client on Lacewing and redis-server: call() sends to both and asserts equal
    replies (byte for byte)."""

    def __init__(self, lw_port, rd_port):
        self.lw = RawClient(lw_port)
        self.rd = RawClient(rd_port)

    def call(self, *args):
        lw, rd = self.lw.call(*args), self.rd.call(*args)
        assert lw == rd, f"{args}: lacewing {lw!r} != redis {rd!r}"
        return lw

    def close(self):
        self.lw.close()
        self.rd.close()
