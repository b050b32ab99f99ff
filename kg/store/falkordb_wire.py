"""Reading FalkorDB's answer off its socket with a bound: the embedded store's `read` (the browser's
query box) must not hold a reply of millions of rows or one huge value in memory to refuse it.

`ro_query_bounded` sends GRAPH.RO_QUERY (which the server refuses to run if the query writes)
and reads the RESP2 reply no further than a number of rows and bytes.
"""
from __future__ import annotations

from kg.store.base import StoreError, TooLarge

MAX_ANSWER_BYTES = 16 << 20     # of a store's reply: reading stops past it (the page gets at most 16 MB too)


class _Resp:
    """A RESP2 reply read from a socket into a buffer of at most `budget` bytes (TooLarge past
    it): `skip` walks a value without making Python objects of it (reading as it goes), `value`
    makes the objects of a value already read, shaped as redis-py gives them with
    decode_responses (errors inside arrays as ResponseError objects)."""

    def __init__(self, sock, budget: int):
        self.sock, self.budget, self.buf = sock, budget, bytearray()

    def _more(self) -> None:
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise StoreError("the store closed the connection in the middle of an answer")
        self.buf += chunk
        if len(self.buf) > self.budget:
            raise TooLarge(f"the answer is over {self.budget >> 20} MB, the most the browser reads; "
                           "add LIMIT or return less")

    def _line(self, pos: int) -> tuple[bytes, int]:
        start = pos
        while True:
            i = self.buf.find(b"\r\n", start)
            if i >= 0:
                return bytes(self.buf[pos:i]), i + 2
            start = max(pos, len(self.buf) - 1)
            self._more()

    def skip(self, pos: int) -> int:
        line, pos = self._line(pos)
        kind, n = line[:1], line[1:]
        if kind == b"$" and int(n) >= 0:
            while len(self.buf) < pos + int(n) + 2:
                self._more()
            return pos + int(n) + 2
        if kind == b"*":
            for _ in range(max(int(n), 0)):
                pos = self.skip(pos)
        return pos

    def header(self, pos: int) -> tuple[int, int]:
        """(element count, position after the header) of the array at `pos`."""
        line, pos = self._line(pos)
        if line[:1] != b"*":
            raise StoreError(f"unexpected answer from the store: {line[:80]!r}")
        return int(line[1:]), pos

    def value(self, pos: int):
        from redis.exceptions import ResponseError

        i = self.buf.index(b"\r\n", pos)
        kind, rest, pos = self.buf[pos:pos + 1], bytes(self.buf[pos + 1:i]), i + 2
        if kind == b"+":
            return rest.decode("utf-8", "replace"), pos
        if kind == b"-":
            return ResponseError(rest.decode("utf-8", "replace")), pos
        if kind == b":":
            return int(rest), pos
        n = int(rest)
        if kind == b"$":
            return (None, pos) if n < 0 else (bytes(self.buf[pos:pos + n]).decode("utf-8", "replace"), pos + n + 2)
        if n < 0:
            return None, pos
        out = []
        for _ in range(n):
            v, pos = self.value(pos)
            out.append(v)
        return out, pos


def ro_query_bounded(socket_path: str, graph, text: str, timeout_ms: int, max_rows: int,
                      budget: int = MAX_ANSWER_BYTES):
    """GRAPH.RO_QUERY `text` (compact) on FalkorDB's socket, its reply read no further than
    `max_rows` rows and `budget` bytes (TooLarge past it): a query answering millions of rows or
    one huge value costs the browser at most that much memory, not the whole answer. Returns
    (falkordb QueryResult, more rows than max_rows)."""
    import socket

    from falkordb.query_result import QueryResult
    from redis.exceptions import ResponseError

    args = [b"GRAPH.RO_QUERY", graph.name.encode(), text.encode("utf-8"), b"--compact", b"timeout", str(timeout_ms).encode()]
    command = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout_ms / 1000 + 30)
        sock.connect(socket_path)
        sock.sendall(command)
        r = _Resp(sock, budget)
        if r._line(0)[0][:1] != b"*":                                  # an error
            r.skip(0)
            reply = r.value(0)[0]
            raise reply if isinstance(reply, ResponseError) else StoreError(f"unexpected answer from the store: {reply!r:.80}")
        n, pos = r.header(0)
        if n != 3:                                                     # [statistics] or an error
            r.skip(0)
            return QueryResult(graph, r.value(0)[0]), False
        header_at = pos
        rows_at = r.skip(header_at)
        count, pos = r.header(rows_at)
        starts = []
        for _ in range(min(count, max_rows)):
            starts.append(pos)
            pos = r.skip(pos)
        more = count > max_rows
        stats = []                      # rows left unread: the statistics after them are not read either
        if not more:
            r.skip(pos)                 # the statistics (or the error that stopped the query)
            stats = r.value(pos)[0]
    header = r.value(header_at)[0]
    rows = [r.value(p)[0] for p in starts]
    return QueryResult(graph, [header, rows, stats]), more
