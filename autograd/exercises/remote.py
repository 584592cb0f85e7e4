"""The grader's side of the sandbox: keepers, workers, and stand-ins for the student's objects.

A `Slot` is one keeper process (`autograd.exercises.sandbox`) and the folder its workers see; a
`Worker` is the fresh sandboxed process of one test. Student objects stay in the worker: the
grader holds a `Remote` for each, whose attribute reads, calls and operators are requests to the
worker, answered with plain data (`protocol`). So a test written for pytest runs unchanged in
the grader with `Remote` modules in place of imported ones, and every verdict is decided here.
"""

from __future__ import annotations

import grp
import json
import math
import os
import pwd
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from autograd.exercises import protocol
from autograd.exercises.standins import PORTABLE

STARTUP_LIMIT = 60.0
"""Seconds a keeper may take to start (it imports the engine once per grading run)."""
SANDBOX_IDS = range(61000, 65534)
"""Where the uid student code runs as comes from when the grader is root (the same number is its gid):
one that no account, group or running process uses, drawn for each slot, so that student code
that signals every process it may (`kill(-1)`) reaches only its own slot: not `nobody`'s daemons."""


@dataclass(frozen=True)
class Limits:
    """What a test's worker may use: its CPU seconds follow the test's time limit."""

    memory_bytes: int = 512 << 20
    """Address space: Python and the engine take about 100 MiB of it, the exercises' graphs a few."""
    file_bytes: int = 1 << 20
    processes: int = 8
    """Processes and threads of the worker's own (as root the count is the sandbox uid's, so per slot)."""
    output_bytes: int = 64 * 1024
    """Bytes of a test's printed output the grader keeps (the rest is read and dropped)."""


class WorkerLost(BaseException):
    """The test's worker is gone or unusable; a BaseException so that no `except Exception` in a test hides it."""

    status = "crashed"


class TimedOut(WorkerLost):
    status = "timed out"


class Crashed(WorkerLost):
    status = "crashed"


class Garbled(WorkerLost):
    status = "error"


class StudentError(Exception):
    """An exception raised by student code, as the worker described it."""

    def __init__(self, type_name: str, message: str, where: str, stub: bool) -> None:
        super().__init__(message)
        self.type_name, self.message, self.where, self.stub = type_name, message, where, stub

    def __str__(self) -> str:
        return self.message

    def describe(self) -> str:
        """`Type: message`, then the student's line that raised it."""
        text = f"{self.type_name}: {self.message}" if self.message else self.type_name
        return text + (f"\n  {self.where}" if self.where else "")


# Exceptions a test may expect from student code (`pytest.raises(ValueError)`) arrive as these types.
_EXPECTABLE = (
    ArithmeticError, AssertionError, AttributeError, IndexError, KeyError, LookupError, MemoryError,
    NameError, NotImplementedError, OverflowError, RecursionError, RuntimeError, TypeError,
    ValueError, ZeroDivisionError,
)  # fmt: skip
_STUDENT_TYPES = {cls.__name__: type(f"Student{cls.__name__}", (StudentError, cls), {}) for cls in _EXPECTABLE}


def student_error(info: object) -> StudentError:
    """The `StudentError` (also of the built-in type it names, when it is one a test may expect) for a reply."""
    if type(info) is not dict or not {"type", "message", "where", "stub"} <= info.keys():
        raise Garbled("a malformed error report")
    name, message, where, stub = (info[k] for k in ("type", "message", "where", "stub"))
    if not (type(name) is str and type(message) is str and type(where) is str and type(stub) is bool):
        raise Garbled("a malformed error report")
    cls = _STUDENT_TYPES.get(name, StudentError)
    return cls(protocol.cut(name, 100), protocol.cut(message), protocol.cut(where, 300), stub)


class Remote:
    """An object that lives in the student's process; what it does, it does there."""

    __slots__ = ("_worker", "_ref", "_type")

    def __init__(self, worker: Worker, ref: int, type_name: str) -> None:
        object.__setattr__(self, "_worker", worker)
        object.__setattr__(self, "_ref", ref)
        object.__setattr__(self, "_type", type_name)

    def __getattr__(self, name: str) -> object:
        if name.startswith("__") and name.endswith("__") and name not in ("__name__", "__qualname__"):
            raise AttributeError(name)
        return self._worker.request({"do": "getattr", "obj": {"ref": self._ref}, "name": name})

    def __setattr__(self, name: str, value: object) -> None:
        value = self._worker.send_value(value)
        self._worker.request({"do": "setattr", "obj": {"ref": self._ref}, "name": name, "value": value})

    def __call__(self, *args: object, **kwargs: object) -> object:
        send = self._worker.send_value
        return self._worker.request({
            "do": "call", "obj": {"ref": self._ref},
            "args": [send(a) for a in args], "kwargs": [[k, send(v)] for k, v in kwargs.items()],
        })  # fmt: skip

    def __repr__(self) -> str:
        text = self._worker.apply("repr", self)
        return text if type(text) is str else f"<{self._type} object>"

    def __eq__(self, other: object) -> bool:
        # Identity, never the student's __eq__: a student object must not claim to equal an expected value.
        return self is other if isinstance(other, Remote) else NotImplemented

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        return _typed(self._worker.apply("truth", self), bool, "bool()")

    def __len__(self) -> int:
        return _typed(self._worker.apply("len", self), int, "len()")

    def __iter__(self):
        return iter(_typed(self._worker.apply("list", self), list, "iteration"))

    def __getitem__(self, key: object) -> object:
        return self._worker.apply("getitem", self, key)

    def __contains__(self, item: object) -> bool:
        return bool(_typed(self._worker.apply("contains", self, item), bool, "`in`"))

    def __float__(self) -> float:
        return _typed(self._worker.apply("float", self), float, "float()")

    def __int__(self) -> int:
        return _typed(self._worker.apply("int", self), int, "int()")

    def __index__(self) -> int:
        return _typed(self._worker.apply("index", self), int, "an index")


def _typed(value: object, kind: type, what: str) -> object:
    if type(value) is not kind:
        raise TypeError(f"student code's {what} gave a {type(value).__name__}, not a {kind.__name__}")
    return value


def _operator(name: str, reflected: bool = False):
    def method(self: Remote, *other: object) -> object:
        return self._worker.apply(name, *(other + (self,) if reflected else (self,) + other))

    method.__name__ = f"__{'r' if reflected else ''}{name}__"
    return method


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow"):
    setattr(Remote, f"__{_name}__", _operator(_name))
    setattr(Remote, f"__r{_name}__", _operator(_name, reflected=True))
for _name in ("neg", "pos", "abs", "lt", "le", "gt", "ge"):
    setattr(Remote, f"__{_name}__", _operator(_name))


class Worker:
    """One test's sandboxed process, seen from the grader: requests with a deadline, output kept up to a cap."""

    def __init__(self, sock: socket.socket, output: int, deadline: float, limits: Limits) -> None:
        self.sock = sock
        self.deadline = deadline
        self.limits = limits
        self.lost: WorkerLost | None = None
        self.remotes: dict[int, Remote] = {}
        self._portable = {id(value): name for name, value in PORTABLE.items()}
        self._output = bytearray()
        self._output_total = 0
        self._reader = threading.Thread(target=self._drain, args=(output,), daemon=True)
        self._reader.start()

    def _drain(self, fd: int) -> None:
        with open(fd, "rb", buffering=0) as stream:
            while chunk := stream.read(65536):
                self._output_total += len(chunk)
                room = self.limits.output_bytes - len(self._output)
                if room > 0:
                    self._output += chunk[:room]

    def output(self) -> tuple[str, int]:
        """What the test's student code printed (up to the cap), and how many bytes it printed in all."""
        self._reader.join(timeout=2.0)
        return self._output.decode("utf-8", errors="replace"), self._output_total

    def module(self, name: str) -> Remote:
        """Import the student's module `name` in the worker."""
        module = self.request({"do": "import", "name": name})
        if not isinstance(module, Remote):
            raise Garbled(f"importing {name} gave a {type(module).__name__}")
        return module

    def apply(self, name: str, *args: object) -> object:
        return self.request({"do": "op", "name": name, "args": [self.send_value(a) for a in args]})

    def send_value(self, value: object) -> object:
        """`value` as request data: plain data, this worker's objects, or a portable helper by name."""
        if id(value) in self._portable and PORTABLE[self._portable[id(value)]] is value:
            return {"portable": self._portable[id(value)]}
        kind = type(value)
        if kind in protocol.SCALARS:
            return value
        if isinstance(value, Remote):
            if value._worker is not self:
                raise TypeError("an object of another test's student process")
            return {"ref": value._ref}
        if kind in (tuple, list):
            return {kind.__name__: [self.send_value(item) for item in value]}
        if kind is dict:
            return {"dict": [[k, self.send_value(v)] for k, v in value.items()]}
        raise TypeError(f"a {kind.__name__} cannot be passed to student code")

    def _remote(self, ref: int, type_name: str) -> Remote:
        remote = self.remotes.get(ref)
        if remote is None:
            remote = self.remotes[ref] = Remote(self, ref, type_name)
        return remote

    def request(self, message: dict) -> object:
        """Send one request and wait, until the deadline at most, for its reply; raise what student code raised."""
        if self.lost is not None:
            raise self.lost
        try:
            self.sock.settimeout(max(0.001, self.deadline - time.monotonic()))
            protocol.send(self.sock, message)
            reply = protocol.receive(self.sock, deadline=self.deadline)
            if type(reply) is not dict or len(reply) != 1 or not ({"ok"} >= reply.keys() or {"error"} >= reply.keys()):
                raise protocol.ProtocolError("a reply that is neither a result nor an error")
            if "error" in reply:
                raise student_error(reply["error"])
            return protocol.read_value(reply["ok"], self._remote)
        except TimeoutError:
            self.lost = TimedOut("no answer before the time limit")
        except (EOFError, ConnectionError, OSError) as error:
            self.lost = Crashed(f"the process ended ({type(error).__name__})")
        except protocol.ProtocolError as error:
            self.lost = Garbled(str(error))
        raise self.lost


def _sandbox_ids() -> tuple[int | None, int | None]:
    """The uid and gid student code runs as: an unused one when the grader is root, else the grader's own."""
    if os.geteuid() != 0:
        return None, None
    taken = {user.pw_uid for user in pwd.getpwall()} | {group.gr_gid for group in grp.getgrall()}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        try:
            taken.add(os.stat(f"/proc/{entry}").st_uid) if entry.isdigit() else None
        except OSError:
            continue
    uid = random.SystemRandom().choice([uid for uid in SANDBOX_IDS if uid not in taken])
    return uid, uid


class Slot:
    """A keeper process and its folder: runs one test at a time, each in a fresh worker."""

    def __init__(self, folder: Path, student_files: dict[str, bytes], limits: Limits, cpu_seconds: int) -> None:
        self.folder = folder
        self.limits = limits
        self.uid, self.gid = _sandbox_ids()
        self._count = 0
        student = folder / "student"
        student.mkdir(parents=True)
        for name, data in student_files.items():
            (student / name).write_bytes(data)
            (student / name).chmod(0o644)
        for path in (folder, student):
            path.chmod(0o755)
        config = {
            "uid": self.uid, "gid": self.gid, "root": str(folder), "student": "/student",
            "memory_bytes": limits.memory_bytes, "cpu_seconds": cpu_seconds, "file_bytes": limits.file_bytes,
            "processes": limits.processes,
        }  # fmt: skip
        # One message per packet on Linux; elsewhere a stream, fine as commands and replies strictly alternate.
        kind = socket.SOCK_SEQPACKET if sys.platform.startswith("linux") else socket.SOCK_STREAM
        self.control, theirs = socket.socketpair(socket.AF_UNIX, kind)
        config["control_fd"] = theirs.fileno()
        # The keeper's own errors go to a log beside (not inside) the folder student code sees; its
        # environment is a bare minimum, so no variable of the grader's (a token, say) reaches student code.
        self.log = folder.with_name(f"{folder.name}.log")
        with self.log.open("wb") as log:
            self.keeper = subprocess.Popen(
                [sys.executable, "-I", "-m", "autograd.exercises.sandbox", json.dumps(config)],
                cwd=folder, pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=log, start_new_session=True, env={"PATH": os.defpath, "LC_ALL": "C.UTF-8"},
            )  # fmt: skip
        theirs.close()
        self._expect("ready", STARTUP_LIMIT)

    def _expect(self, key: str, seconds: float) -> dict:
        self.control.settimeout(seconds)
        try:
            reply = json.loads(self.control.recv(4096) or b"{}")
        except (OSError, ValueError) as error:
            raise RuntimeError(f"the sandbox keeper did not answer ({error})") from None
        if key not in reply:
            tail = self.log.read_text(encoding="utf-8", errors="replace")[-1500:].strip()
            said = f": {tail}" if tail else ""
            raise RuntimeError(f"the sandbox keeper stopped (exit code {self.keeper.poll()}){said}")
        return reply

    def spawn(self, deadline: float) -> Worker:
        """A fresh worker for one test, with an empty working folder of its own."""
        self._count += 1
        work = self.folder / f"work-{self._count}"
        work.mkdir(mode=0o700)
        if self.uid is not None:
            os.chown(work, self.uid, self.gid)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        read_end, write_end = os.pipe()
        try:
            message = json.dumps({"do": "spawn", "tmp": f"/{work.name}"}).encode()
            socket.send_fds(self.control, [message], [theirs.fileno(), write_end])
        finally:
            theirs.close()
            os.close(write_end)
        self._expect("pid", STARTUP_LIMIT)
        return Worker(ours, read_end, deadline, self.limits)

    def reap(self, worker: Worker | None) -> None:
        """Kill the worker and everything it started, and clear its working folder."""
        if worker is not None:
            worker.sock.close()
        self.control.send(b'{"do": "reap"}')
        self._expect("reaped", 30.0)
        for work in self.folder.glob("work-*"):
            shutil.rmtree(work, ignore_errors=True)

    def close(self) -> None:
        """Stop the keeper (which kills everything below it first)."""
        self.control.close()
        try:
            self.keeper.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.keeper.pid, 9)
            self.keeper.wait()


def cpu_seconds(timeout: float) -> int:
    """The CPU-time limit of a worker whose test may run `timeout` seconds of wall-clock time."""
    return max(1, math.ceil(timeout)) + 1
