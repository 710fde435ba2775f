"""The test runner: a registry of checks, the assertions they use, and one line per result.

A check is a function of one argument (the `Context`, which hands out the running servers),
registered with `@check(finding, *servers)`. It passes by returning and fails by raising
`CheckFailed` (through `expect`) or any other exception, whose text becomes the reason.
"""

import time
import traceback
from dataclasses import dataclass
from typing import Callable


class CheckFailed(Exception):
    """A check's expectation did not hold; the message says which and what was seen."""


def expect(condition, reason):
    """Fails the running check with `reason` unless `condition` holds."""
    if not condition:
        raise CheckFailed(reason)


def expect_status(reply, wanted, what):
    """Fails unless `reply` (a `net.Reply`) has one of the `wanted` statuses."""
    wanted = (wanted,) if isinstance(wanted, int) else tuple(wanted)
    expect(reply is not None, f"{what}: no answer")
    expect(
        reply.status in wanted,
        f"{what}: expected {' or '.join(map(str, wanted))}, got {reply.status} {reply.brief()}",
    )


@dataclass
class Check:
    name: str
    finding: str
    servers: tuple
    run: Callable


CHECKS: list = []


def check(finding, *servers):
    """Registers the decorated function as a check of `finding`, needing these servers."""

    def register(function):
        CHECKS.append(Check(function.__name__, str(finding), tuple(servers), function))
        return function

    return register


class Context:
    """What checks get: the servers by configuration name, started before any check runs."""

    def __init__(self, servers, binary):
        self.servers = servers
        self.binary = binary

    def server(self, name):
        server = self.servers.get(name)
        expect(server is not None, f"server {name} was not started")
        expect(server.error is None, f"server {name} is not running: {server.error}")
        expect(server.alive(), f"server {name} has exited ({server.exit_status()})")
        return server


def one_line(text, limit=400):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def run_checks(checks, context):
    """Runs `checks` in order, printing one line each; returns (passed, failed)."""
    passed = failed = 0
    for item in checks:
        started = time.monotonic()
        try:
            item.run(context)
        except CheckFailed as failure:
            reason = str(failure)
        except Exception as error:  # a crash of the check is a failure with its cause
            frame = traceback.extract_tb(error.__traceback__)[-1]
            reason = f"{type(error).__name__}: {error} (at {frame.name}:{frame.lineno})"
        else:
            reason = None
        took = time.monotonic() - started
        label = f"[{item.finding}] {item.name} ({took:.1f}s)"
        if reason is None:
            passed += 1
            print(f"PASS {label}", flush=True)
        else:
            failed += 1
            print(f"FAIL {label}: {one_line(reason)}", flush=True)
    return passed, failed
