"""The messages between the grader and the sandboxed process that runs student code.

Every message is a 4-byte big-endian length and that many bytes of UTF-8 JSON: no pickle,
so nothing the student's process sends can become more than plain data on the grader's side.
Values travel as JSON scalars (None, bool, int, float, str) or as one-key objects:

    {"tuple": [...]}  {"list": [...]}  {"dict": [[key, value], ...]}  (keys are scalars)
    {"ref": n, "type": "Value"}        an object that stays in the student's process
    {"portable": "name"}               a grader helper both sides hold (see `standins`)

`read_value` checks a reply from the student's side strictly: its size, its nesting, its
types; anything else is a `ProtocolError`, and the grader stops that process.
"""

from __future__ import annotations

import json
import socket
import struct
import time

MAX_REPLY_BYTES = 8 * 1024 * 1024
"""The largest reply the grader reads (a 20,000-node order is about 0.5 MB)."""
MAX_DEPTH = 16
MAX_ITEMS = 500_000
MAX_TEXT = 4000
"""Characters kept of one error message or repr from student code."""
_HEADER = struct.Struct(">I")
SCALARS = (type(None), bool, int, float, str)


class ProtocolError(Exception):
    """The other side sent something that is not a well-formed message."""


def send(sock: socket.socket, message: object) -> None:
    """Send one message (plain JSON data)."""
    data = json.dumps(message, separators=(",", ":")).encode("utf-8")
    sock.sendall(_HEADER.pack(len(data)) + data)


def receive(sock: socket.socket, limit: int = MAX_REPLY_BYTES, deadline: float | None = None) -> object:
    """Read one whole message; `ProtocolError` when it is too large, cut short or not JSON.

    With a `deadline` (a `time.monotonic()` value), `TimeoutError` when the whole message has not
    arrived by then, however slowly the other side drips it.
    """
    (size,) = _HEADER.unpack(_read_exactly(sock, _HEADER.size, deadline))
    if size > limit:
        raise ProtocolError(f"a message of {size} bytes, more than the {limit} allowed")
    try:
        return json.loads(_read_exactly(sock, size, deadline).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ProtocolError(f"a message that is not JSON: {error}") from None


def _read_exactly(sock: socket.socket, size: int, deadline: float | None) -> bytes:
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply in time")
            sock.settimeout(left)
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def cut(text: str, limit: int = MAX_TEXT) -> str:
    """`text` shortened to `limit` characters, saying so."""
    return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} more characters cut]"


def read_value(data: object, make_ref, depth: int = 0, budget: list[int] | None = None) -> object:
    """Turn a decoded reply value into Python data, checking every part of it.

    `make_ref(n, type_name)` builds the grader's stand-in for an object of the student's process.
    """
    budget = [MAX_ITEMS] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise ProtocolError("a reply nested too deeply or with too many items")
    if type(data) in SCALARS:
        if type(data) is str and len(data) > MAX_REPLY_BYTES:
            raise ProtocolError("a string longer than a reply may be")
        return data
    if type(data) is not dict or len(data) not in (1, 2):
        raise ProtocolError(f"a value of the wrong shape: {type(data).__name__}")
    if set(data) == {"ref", "type"}:
        if type(data["ref"]) is not int or type(data["type"]) is not str or len(data["type"]) > 200:
            raise ProtocolError("a malformed object reference")
        return make_ref(data["ref"], data["type"])
    ((kind, items),) = data.items()
    if type(items) is not list:
        raise ProtocolError(f"a {kind!r} whose items are not a list")
    if kind in ("tuple", "list"):
        values = [read_value(item, make_ref, depth + 1, budget) for item in items]
        return tuple(values) if kind == "tuple" else values
    if kind == "dict":
        result = {}
        for pair in items:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) not in SCALARS:
                raise ProtocolError("a malformed dict entry")
            result[pair[0]] = read_value(pair[1], make_ref, depth + 1, budget)
        return result
    raise ProtocolError(f"an unknown kind of value {kind!r}")
