"""The processes that run student code: a keeper per grading slot, and a fresh worker per test.

The grader starts `python -I -m autograd.exercises.sandbox CONFIG` (isolated: no PYTHONPATH, no
user site-packages, its working folder outside the submission). That keeper imports the engine
and the standard modules students use, makes itself the "child subreaper" of everything below
it (an orphan, even a double-forked daemon that called setsid, becomes its child instead of
init's), and then waits for commands on its control socket. It never runs student code.

For each test the keeper forks a worker that, before touching student code: starts its own
session, keeps only its connection to the grader and an output pipe, confines itself to a
folder holding a copy of the student's files (chroot, when the grader runs as root), drops to
an unprivileged user and group, and sets resource limits (address space, CPU seconds, file
size, processes). It then answers the grader's requests (import a module, call a function,
read an attribute, apply an operator) with plain data. After the test the keeper kills every
process below it, so nothing the test started survives.

The worker only reports what student code returned or raised; the grader decides what that
means (`autograd.exercises.remote` and `runner`).
"""

from __future__ import annotations

import ctypes
import importlib
import json
import operator
import os
import resource
import signal
import socket
import sys
import traceback

# What student files may import once the worker is confined: loaded here, before the chroot.
PRELOADED = (
    "__future__", "abc", "bisect", "cmath", "collections", "collections.abc", "copy", "dataclasses",
    "decimal", "enum", "fractions", "functools", "heapq", "itertools", "math", "numbers", "operator",
    "random", "re", "statistics", "string", "time", "types", "typing", "warnings",
    "autograd", "autograd.engine", "autograd.ops", "autograd.exercises.protocol", "autograd.exercises.standins",
)  # fmt: skip

LINUX = sys.platform.startswith("linux")
"""Linux adds the subreaper, /proc, NO_NEW_PRIVS and network namespaces; elsewhere (macOS) a test's
processes are killed by its session, so a daemon that starts a session of its own may outlive it."""
_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_NO_NEW_PRIVS = 38
_CLONE_NEWNET = 0x40000000

OPERATORS = {
    name: getattr(operator, name)
    for name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "neg", "pos", "abs",
                 "lt", "le", "gt", "ge", "eq", "ne", "truth", "getitem", "contains", "index")
}  # fmt: skip
OPERATORS.update(len=len, repr=repr, str=str, float=float, int=int, list=list)


def _prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


def _children_tree() -> dict[int, list[int]]:
    """Parent pid -> child pids, for every process this one can see."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def kill_descendants(workers: set[int]) -> None:
    """SIGKILL every process below this one until none is left: the workers' sessions first, then
    whatever /proc still shows below this process (an orphan, even a daemon in a session of its
    own, is re-parented here, so it cannot hide). Without /proc (macOS), the workers' sessions only."""
    for pid in workers:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for pid in workers:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    workers.clear()
    me = os.getpid()
    for _ in range(1000):
        if not LINUX:
            found, children = [], []
        else:
            tree = _children_tree()
            children = tree.get(me, [])
            found, stack = [], list(children)
            while stack:
                pid = stack.pop()
                found.append(pid)
                stack.extend(tree.get(pid, []))
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in children:  # killed: each ends at once; its own children come back here for the next round
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        if not found:
            while True:  # zombies that /proc did not show yet
                try:
                    if os.waitpid(-1, os.WNOHANG)[0] == 0:
                        return
                except ChildProcessError:
                    return


def _tasks_of(uid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and os.stat(f"/proc/{entry}").st_uid == uid:
                count += len(os.listdir(f"/proc/{entry}/task"))
        except OSError:
            continue
    return count


def _limit(kind: int, value: int) -> None:
    soft, hard = resource.getrlimit(kind)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    try:
        resource.setrlimit(kind, (value, value))
    except (ValueError, OSError):  # macOS refuses some limits (RLIMIT_AS): the others still hold
        if LINUX:
            raise


def _confine(config: dict, tmp: str) -> str:
    """Everything the worker does to itself before it imports a line of student code; returns the student folder.

    As root: chroot into the slot's folder (so no other file is even visible), then drop to the
    unprivileged uid and gid. Without root, the worker stays the grader's user (documented).
    """
    os.setsid()
    student, processes = config["student"], config["processes"]
    confined = False
    if config["uid"] is not None:
        try:
            os.chroot(config["root"])
            confined = True
        except PermissionError:  # no CAP_SYS_CHROOT: the unprivileged uid still applies
            pass
    if not confined:
        student, tmp = (os.path.join(config["root"], path.lstrip("/")) for path in (student, tmp))
    os.chdir(tmp)
    if config["uid"] is not None:
        os.setgroups([])
        os.setgid(config["gid"])
        os.setuid(config["uid"])
    elif LINUX:
        processes += _tasks_of(os.getuid())
    else:
        processes = None  # the grader's user already runs an unknown number of processes
    if LINUX:
        _prctl(_PR_SET_NO_NEW_PRIVS, 1)
    _limit(resource.RLIMIT_AS, config["memory_bytes"])
    _limit(resource.RLIMIT_CPU, config["cpu_seconds"])
    _limit(resource.RLIMIT_FSIZE, config["file_bytes"])
    if processes is not None:
        _limit(resource.RLIMIT_NPROC, processes)
    _limit(resource.RLIMIT_CORE, 0)
    sys.path[:] = [student] + ([] if confined else sys.path)
    sys.dont_write_bytecode = True
    importlib.invalidate_caches()
    return student


class Server:
    """The worker's side of the conversation: student objects stay here, the grader gets references."""

    def __init__(self, sock: socket.socket, student: str) -> None:
        self.sock = sock
        self.student = student
        self.objects: dict[int, object] = {}
        self.numbers: dict[int, int] = {}
        from autograd.exercises import protocol, standins

        self.protocol = protocol
        self.portable = standins.PORTABLE

    def serve(self) -> None:
        while True:
            try:
                request = self.protocol.receive(self.sock, limit=1 << 30)
            except EOFError:
                return
            try:
                reply = {"ok": self.encode(self.handle(request))}
            except BaseException as error:  # noqa: B036 - anything student code raises is reported, SystemExit too
                reply = {"error": self.describe(error)}
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except BaseException:  # noqa: B036 - student code may have replaced or broken the stream
                    pass
            try:
                self.protocol.send(self.sock, reply)
            except (TypeError, ValueError, RecursionError) as error:
                self.protocol.send(self.sock, {"error": self.describe(error)})

    def handle(self, request: dict) -> object:
        do = request["do"]
        if do == "import":
            return importlib.import_module(request["name"])
        target = self.decode(request["obj"]) if "obj" in request else None
        if do == "getattr":
            return getattr(target, request["name"])
        if do == "setattr":
            setattr(target, request["name"], self.decode(request["value"]))
            return None
        if do == "call":
            args = [self.decode(a) for a in request["args"]]
            kwargs = {k: self.decode(v) for k, v in request["kwargs"]}
            return target(*args, **kwargs)
        if do == "op":
            result = OPERATORS[request["name"]](*(self.decode(a) for a in request["args"]))
            return self.protocol.cut(result) if request["name"] in ("repr", "str") else result
        raise ValueError(f"unknown request {do!r}")

    def decode(self, data: object) -> object:
        if type(data) is dict:
            if "ref" in data:
                return self.objects[data["ref"]]
            if "portable" in data:
                return self.portable[data["portable"]]
            ((kind, items),) = data.items()
            values = [self.decode(item) for item in items] if kind != "dict" else None
            if kind == "tuple":
                return tuple(values)
            if kind == "list":
                return values
            return {key: self.decode(value) for key, value in items}
        return data

    def encode(self, value: object, depth: int = 0) -> object:
        kind = type(value)
        if kind in (type(None), bool, int, float, str):
            return value
        if depth < 8 and kind in (tuple, list) and len(value) <= 200_000:
            return {kind.__name__: [self.encode(item, depth + 1) for item in value]}
        if depth < 8 and kind is dict and len(value) <= 10_000 and all(type(k) in (int, str) for k in value):
            return {"dict": [[k, self.encode(v, depth + 1)] for k, v in value.items()]}
        number = self.numbers.get(id(value))
        if number is None:
            number = self.numbers[id(value)] = len(self.objects) + 1
            self.objects[number] = value
        return {"ref": number, "type": kind.__name__[:100]}

    def describe(self, error: BaseException) -> dict:
        """The error as the grader shows it: type, message, and the student's line that raised it."""
        try:
            message = self.protocol.cut(str(error))
        except BaseException:  # noqa: B036 - a student's __str__ may raise anything
            message = "(the error's message could not be read)"
        where = ""
        try:
            for frame in reversed(traceback.extract_tb(error.__traceback__)):
                if frame.filename.startswith(self.student + os.sep):
                    name = os.path.basename(frame.filename)
                    where = self.protocol.cut(f"in {name}, line {frame.lineno}: {(frame.line or '').strip()}", 300)
                    break
        except BaseException:  # noqa: B036 - a broken traceback is reported without its location
            where = ""
        stub, seen, link = False, set(), error
        while link is not None and id(link) not in seen:
            stub = stub or isinstance(link, NotImplementedError)
            seen.add(id(link))
            link = link.__cause__ or link.__context__
        return {"type": type(error).__name__[:100], "message": message, "where": where, "stub": stub}


def _work(config: dict, rpc_fd: int, output_fd: int, tmp: str) -> None:
    """The forked worker: confine, then serve until the grader hangs up. Never returns."""
    code = 0
    try:
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        os.closerange(3, rpc_fd)
        os.closerange(rpc_fd + 1, 65536)
        sys.stdout.reconfigure(line_buffering=True, write_through=True)
        sys.stderr.reconfigure(line_buffering=True, write_through=True)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        student = _confine(config, tmp)
        Server(socket.socket(fileno=rpc_fd), student).serve()
    except BaseException:  # noqa: B036 - the worker's last word before it exits
        traceback.print_exc()
        code = 70
    os._exit(code)


def keep(config: dict, control: socket.socket) -> None:
    """The keeper's loop: fork a worker per `spawn`, kill everything below on `reap`, stop at EOF."""
    for name in PRELOADED:
        importlib.import_module(name)
    if LINUX:
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    if LINUX and config["uid"] is not None:
        # A network namespace of the slot's own: no network, and no abstract unix socket shared with another slot.
        ctypes.CDLL(None, use_errno=True).unshare(_CLONE_NEWNET)
    control.send(b'{"ready": true}')
    workers: set[int] = set()
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 4096, 2)
        except OSError:
            message, fds = b"", []
        if not message:
            kill_descendants(workers)
            return
        command = json.loads(message)
        if command["do"] == "spawn":
            pid = os.fork()
            if pid == 0:
                control.close()
                _work(config, fds[0], fds[1], command["tmp"])
            workers.add(pid)
            for fd in fds:
                os.close(fd)
            control.send(json.dumps({"pid": pid}).encode())
        elif command["do"] == "reap":
            kill_descendants(workers)
            control.send(b'{"reaped": true}')


def main() -> None:
    config = json.loads(sys.argv[1])
    control = socket.socket(fileno=config["control_fd"])
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    keep(config, control)


if __name__ == "__main__":
    main()
