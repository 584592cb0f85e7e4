"""A pytest plugin that writes what the grader needs, one JSON line per event.

Loaded in the grader's pytest subprocess with `-p autograd.exercises.plugin`. It reads
two environment variables: where to write the events, and which tests to leave out
(those a previous run already finished, after a time-out restarted it). Events:
`collected` (every test with its exercise, points, time limit and visibility),
`start` (a test begins: the grader's watchdog starts its clock) and `result`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from autograd.exercises.grade import (
    EVENTS_VARIABLE,
    NOT_ATTEMPTED,
    ONLY_VARIABLE,
    PASSED,
    SKIP_VARIABLE,
    SKIPPED,
    STUDENT_DIR_VARIABLE,
)

MESSAGE_LINES = 20


def _marker_arg(item: pytest.Item, name: str, default: object) -> object:
    marker = item.get_closest_marker(name)
    return marker.args[0] if marker and marker.args else default


def _passing() -> dict[str, str]:
    """A test's outcome until one of its reports says otherwise."""
    return {"status": PASSED, "message": ""}


def _stub_error(error: BaseException | None) -> NotImplementedError | None:
    """The unsolved stub's NotImplementedError anywhere in the exception chain, or None."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, NotImplementedError):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def _message(call: pytest.CallInfo, student_folder: Path | None) -> str:
    """What went wrong, in words: the test's own message, or the error and where in the student's code."""
    excinfo = call.excinfo
    error = excinfo.value
    if isinstance(error, AssertionError | pytest.fail.Exception):
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error}"
        if student_folder is not None:
            for entry in reversed(excinfo.traceback):
                path = Path(str(entry.path))
                if student_folder in path.parents:
                    text += f"\n  in {path.name}, line {entry.lineno + 1}: {str(entry.statement).strip()}"
                    break
    lines = [line.rstrip() for line in text.strip().splitlines()]
    if len(lines) > MESSAGE_LINES:
        lines = [*lines[:MESSAGE_LINES], "..."]
    return "\n".join(lines)


class ResultWriter:
    """Writes collection, start and result events for the grader."""

    def __init__(self, events: Path) -> None:
        self.events = events.open("a", encoding="utf-8")
        self.skip = (
            set(json.loads(Path(os.environ[SKIP_VARIABLE]).read_text())) if os.environ.get(SKIP_VARIABLE) else set()
        )
        only = os.environ.get(ONLY_VARIABLE, "")
        self.only = {int(n) for n in only.split(",") if n}
        student = os.environ.get(STUDENT_DIR_VARIABLE)
        self.student_folder = Path(student).resolve() if student else None
        self.outcomes: dict[str, dict] = {}

    def write(self, **event: object) -> None:
        self.events.write(json.dumps(event) + "\n")
        self.events.flush()

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        keep, drop = [], []
        for item in items:
            exercise = _marker_arg(item, "exercise", 0)
            chosen = not self.only or exercise in self.only
            (keep if chosen and item.nodeid not in self.skip else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
        tests = [
            {
                "id": item.nodeid,
                "name": item.name,
                "exercise": _marker_arg(item, "exercise", 0),
                "points": _marker_arg(item, "points", 1),
                "timeout": _marker_arg(item, "timeout", None),
                "hidden": item.nodeid.replace(os.sep, "/").startswith("hidden/"),
            }
            for item in items
        ]
        self.write(event="collected", tests=tests)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.write(event="collect_error", path=report.nodeid, message=str(report.longrepr)[-2000:])

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.outcomes[nodeid] = _passing()
        self.write(event="start", id=nodeid)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Generator[None, Any, None]:
        outcome = yield
        report = outcome.get_result()
        state = self.outcomes.setdefault(item.nodeid, _passing())
        if state["status"] != PASSED:
            return
        if report.skipped:
            state.update(status=SKIPPED, message=str(report.longrepr[-1]) if report.longrepr else "skipped")
        elif report.failed and call.excinfo is not None:
            stub = _stub_error(call.excinfo.value)
            if stub is not None:
                state.update(status=NOT_ATTEMPTED, message=str(stub) or "NotImplementedError")
            else:
                status = "failed" if report.when == "call" else "error"
                state.update(status=status, message=_message(call, self.student_folder))
        elif report.failed:
            state.update(status="failed", message=str(report.longrepr)[-2000:])

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        self.write(event="result", id=nodeid, **self.outcomes.pop(nodeid, _passing()))


def pytest_configure(config: pytest.Config) -> None:
    events = os.environ.get(EVENTS_VARIABLE)
    if events:
        config.pluginmanager.register(ResultWriter(Path(events)), "backprop-exercises-results")
