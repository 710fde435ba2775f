"""What the supply-chain gates check about crates (audit.sh, sbom.sh): the vulnerability gate's
policy over cargo-audit's JSON reports, the dependency list cargo-auditable embeds in a binary,
and whether an SBOM names every crate of that list.

    python3 crates.py ignores IGNORES.toml
        Checks the reviewed ignore file: every entry has an id, a crate, a reason and a review
        date that has not passed. Prints one line per problem; exit 1 when there is any.
    python3 crates.py accepted-vulnerabilities IGNORES.toml REPORT.json
        The crates of a lockfile scan whose vulnerabilities the ignore file accepts (one a
        line): audit.sh proves each is compiled into no shipped binary.
    python3 crates.py verdict IGNORES.toml lockfile REPORT.json
    python3 crates.py verdict IGNORES.toml binary REPORT.json COMPILED
        Prints every finding of a `cargo audit --json` report and exits 1 when one is not
        accepted. A vulnerability is accepted only in the lockfile scan and only when ignored;
        in a binary scan nothing but a reviewed warning (unmaintained, unsound, yanked) is. A
        binary scan reads the list cargo-auditable embeds, which names more than is compiled
        (it comes from `cargo metadata`, whose resolve unifies features across the workspace
        and takes weak features such as sqlx's `sqlx-mysql?/chrono` as enabling the optional
        crate): a finding there is a finding in the binary when the crate, at that version, is
        in COMPILED, the package's build graph from cargo's own resolver (`name version` a line).
    python3 crates.py embedded-crates BINARY
        The crates `cargo auditable` embedded in BINARY (its .dep-v0 section), `name version`
        a line, the binary's own package included.
    python3 crates.py root-package BINARY
        The package BINARY was built from, as its embedded list names it.
    python3 crates.py sbom-missing SBOM.cdx.json BINARY
        The crates embedded in BINARY that the CycloneDX SBOM does not list as a cargo
        component (`pkg:cargo/NAME@VERSION`), one a line; exit 1 when there is any.
"""

import datetime
import json
import subprocess
import sys
import tempfile
import tomllib
import zlib
from pathlib import Path

REQUIRED = ("id", "crate", "reason", "review-by")


def load_ignores(path):
    return tomllib.loads(Path(path).read_text()).get("ignore", [])


def ignore_problems(entries, today):
    problems = []
    for number, entry in enumerate(entries, 1):
        name = entry.get("id") or f"entry {number}"
        for key in REQUIRED:
            value = entry.get(key)
            if not (isinstance(value, (str, datetime.date)) and str(value).strip()):
                problems.append(f"{name}: no {key}")
        review_by = entry.get("review-by")
        if isinstance(review_by, str):
            try:
                review_by = datetime.date.fromisoformat(review_by)
            except ValueError:
                problems.append(f"{name}: review-by {review_by!r} is not a date (YYYY-MM-DD)")
                continue
        if isinstance(review_by, datetime.date) and review_by < today:
            problems.append(f"{name}: review date {review_by} has passed: review it again")
        unknown = set(entry) - set(REQUIRED)
        if unknown:
            problems.append(f"{name}: unknown keys {sorted(unknown)}")
    return problems


def findings(report):
    """(kind, id, crate, version, title) for every vulnerability and warning in a report."""
    for item in report["vulnerabilities"]["list"]:
        advisory = item["advisory"]
        yield "vulnerability", advisory["id"], item["package"]["name"], item["package"]["version"], advisory["title"]
    for kind, items in (report.get("warnings") or {}).items():
        for item in items:
            advisory = item.get("advisory") or {}
            yield kind, advisory.get("id", kind), item["package"]["name"], item["package"]["version"], advisory.get("title", kind)


def verdict(entries, scan, report, compiled=None):
    # An entry covers its advisory in the crate it names, not in another crate.
    ignored = {(entry.get("id"), entry.get("crate")) for entry in entries}
    refused = 0
    for kind, advisory, crate, version, title in findings(report):
        if (advisory, crate) in ignored and (kind != "vulnerability" or scan == "lockfile"):
            status = "reviewed"
        elif kind == "vulnerability" and compiled is not None and (crate, version) not in compiled:
            status = "listed by cargo-auditable, not in the build graph (cargo tree)"
        else:
            status = "REFUSED"
            refused += 1
        print(f"{status}: {advisory} {kind} in {crate} {version}: {title}")
    return refused


def embedded_packages(binary):
    with tempfile.TemporaryDirectory() as tmp:
        section = Path(tmp) / "dep-v0"
        subprocess.run(["objcopy", "--dump-section", f".dep-v0={section}", str(binary), str(Path(tmp) / "copy")],
                       check=True, capture_output=True)
        return json.loads(zlib.decompress(section.read_bytes()))["packages"]


def embedded_crates(binary):
    # Build dependencies (build scripts, proc-macros) are listed too, but are not in the binary.
    return sorted({(package["name"], package["version"]) for package in embedded_packages(binary)
                   if package.get("kind", "runtime") == "runtime"})


def read_crates(path):
    return {tuple(line.split()[:2]) for line in Path(path).read_text().splitlines() if line.strip()}


def main(argv):
    command, *args = argv
    if command == "ignores":
        problems = ignore_problems(load_ignores(args[0]), datetime.date.today())
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    if command == "accepted-vulnerabilities":
        ignored = {(entry.get("id"), entry.get("crate")) for entry in load_ignores(args[0])}
        report = json.loads(Path(args[1]).read_text())
        for crate in sorted({crate for kind, advisory, crate, _, _ in findings(report)
                             if kind == "vulnerability" and (advisory, crate) in ignored}):
            print(crate)
        return 0
    if command == "verdict":
        ignores, scan, report, *compiled = args
        compiled = read_crates(compiled[0]) if compiled else None
        return 1 if verdict(load_ignores(ignores), scan, json.loads(Path(report).read_text()), compiled) else 0
    if command == "root-package":
        print(next(package["name"] for package in embedded_packages(args[0]) if package.get("root")))
        return 0
    if command == "embedded-crates":
        for name, version in embedded_crates(args[0]):
            print(name, version)
        return 0
    if command == "sbom-missing":
        sbom = json.loads(Path(args[0]).read_text())
        listed = {(component["name"], component["version"]) for component in sbom.get("components", [])
                  if component.get("purl", "").startswith("pkg:cargo/")}
        missing = [f"{name} {version}" for name, version in embedded_crates(args[1]) if (name, version) not in listed]
        for crate in missing:
            print(crate)
        return 1 if missing else 0
    raise SystemExit(f"unknown command {command!r}\n{__doc__}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
