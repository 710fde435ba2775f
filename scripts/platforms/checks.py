"""What the platform tests share: their bookkeeping (one ok/FAIL line per check, and the
closing tally `containers: N passed, M failed` that .ci/run adds up with the other tier-3
scripts') and a free port on loopback for the servers they start."""

import socket


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, what, ok, detail=""):
        """Records and prints one check; returns whether it passed."""
        mark = "ok  " if ok else "FAIL"
        print(f"  {mark}  {what}{f'  ({detail})' if detail else ''}", flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        return bool(ok)

    def summary(self):
        """Prints the tally; the exit status for the runner."""
        print(f"containers: {self.passed} passed, {self.failed} failed")
        return 0 if self.failed == 0 else 1
