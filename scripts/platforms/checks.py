"""The platform tests' bookkeeping: one ok/FAIL line per check, a table of figures, and the
closing tally `containers: N passed, M failed` that .ci/run adds up with the other tier-3
scripts'."""


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
