"""Hostile-input regression suite: replays an attack review's findings against the running
all-in-one binary, one check per line, then `hostile: N passed, M failed`.

Usage: python3 scripts/hostile [--binary PATH] [--list] [NAME_OR_FINDING ...]
A name or finding number given keeps only the checks whose name contains it or whose
finding it is; only the servers those checks need are started.
"""

import argparse
import os
import resource
import signal
import sys
import time

import checks_accounts  # noqa: F401  (each module registers its checks)
import checks_connections  # noqa: F401
import checks_demo  # noqa: F401
import checks_web  # noqa: F401
from runner import CHECKS, Context, run_checks
from servers import READY_WITHIN, Server


def selected(names):
    in_order = sorted(CHECKS, key=lambda c: int(c.finding))
    if not names:
        return in_order
    return [c for c in in_order if any(n == c.finding or n in c.name for n in names)]


def raise_fd_limit(wanted=4096):
    """This process holds hundreds of sockets at once; lift its soft limit if it is lower."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def stop_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.environ.get("CRUDDUR_BIN", "target/release/cruddur"))
    parser.add_argument("--list", action="store_true", help="list the checks and exit")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    checks = selected(args.names)
    if args.list:
        for item in checks:
            print(f"[{item.finding}] {item.name} ({', '.join(item.servers) or 'own process'})")
        return 0

    sys.stdout.reconfigure(errors="backslashreplace")
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    raise_fd_limit()
    binary = os.path.abspath(args.binary)
    needed = sorted({name for item in checks for name in item.servers})
    servers = {}
    passed = failed = 0
    try:
        for name in needed:
            servers[name] = Server(name, binary)
            servers[name].start()
        deadline = time.monotonic() + READY_WITHIN
        for server in servers.values():
            server.wait_ready(deadline)
        for server in servers.values():
            where = server.error or f"API on :{server.port}, pages on :{server.web_port}"
            print(f"server {server.name}: {where}", flush=True)
        passed, failed = run_checks(checks, Context(servers, binary))
        if failed:
            for server in servers.values():
                print(f"---- last lines of server {server.name}'s log ----")
                print(server.log_tail(15))
    finally:
        for server in servers.values():
            server.stop()
    print(f"hostile: {passed} passed, {failed} failed", flush=True)
    return 1 if failed or not checks else 0


if __name__ == "__main__":
    sys.exit(main())
