#!/usr/bin/env python3
"""The CIS Docker Benchmark (v1.6.0) report of a running compose project.

    scripts/containers/cis_report.py PROJECT [--out DIR] [--justified FILE]

Reads the engine that DOCKER_HOST names (`docker info`, the default bridge), every container of
the compose project PROJECT (`docker inspect`), their images (configuration, history, and the
files of each, for setuid bits) and checks them against the daemon (2), image (4) and container
runtime (5) controls that can be read from there. Each control, for each thing it applies to,
passes, fails, or is justified: it fails as written, and cis-justified.toml beside this script
says why that is the right choice (the one reviewed place for such reasons). Controls that do
not apply here are listed as n/a with the evidence.

Writes DIR/cis-docker-ENGINE.md and .json (ENGINE: root or rootless; DIR defaults to
target/compliance) and prints one `ok`/`FAIL`/`n/a` line per result, then
`containers: N passed, M failed`. Exits non-zero when any control failed unjustified.
Run by scripts/containers/test-compose.sh while its stack is up.
"""

import argparse
import datetime
import ipaddress
import json
import os
import subprocess
import sys
import tarfile
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

TITLES = {
    "2.1": "Run the Docker daemon as a non-root user",
    "2.2": "Restrict network traffic between containers on the default bridge",
    "2.5": "Do not use insecure registries",
    "2.6": "Do not use the aufs storage driver",
    "2.9": "Enable user namespace support",
    "2.15": "Enable live restore",
    "2.18": "Do not run experimental features in production",
    "4.1": "Create a user for the container",
    "4.5": "Enable content trust for Docker",
    "4.6": "Add a HEALTHCHECK instruction to the image",
    "4.7": "Do not use update instructions alone",
    "4.8": "Remove setuid and setgid permissions",
    "4.9": "Use COPY instead of ADD",
    "4.10": "Do not store secrets in images",
    "5.1": "Swarm mode not enabled, if not needed",
    "5.2": "AppArmor profile enabled, if applicable",
    "5.3": "SELinux security options set, if applicable",
    "5.4": "Restrict Linux kernel capabilities",
    "5.5": "Do not use privileged containers",
    "5.6": "Do not mount sensitive host directories",
    "5.7": "Do not run sshd within containers",
    "5.8": "Do not map privileged ports",
    "5.9": "Open only needed ports",
    "5.10": "Do not share the host's network namespace",
    "5.11": "Limit memory usage",
    "5.12": "Set CPU priority / limits",
    "5.13": "Mount the root filesystem read-only",
    "5.14": "Bind incoming traffic to a specific host interface",
    "5.15": "Restart policy on-failure, at most 5 times",
    "5.16": "Do not share the host's process namespace",
    "5.17": "Do not share the host's IPC namespace",
    "5.18": "Do not expose host devices",
    "5.20": "Do not set mount propagation to shared",
    "5.21": "Do not share the host's UTS namespace",
    "5.22": "Do not disable the default seccomp profile",
    "5.25": "Confirm cgroup usage",
    "5.26": "Restrict acquiring additional privileges",
    "5.27": "Check container health at runtime",
    "5.29": "Use the PIDs cgroup limit",
    "5.30": "Do not use the default bridge docker0",
    "5.31": "Do not share the host's user namespaces",
    "5.32": "Do not mount the Docker socket",
}

SENSITIVE_DIRS = ["/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr"]
SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "PRIVATE_KEY")


@dataclass
class Result:
    control: str
    subject: str
    status: str  # pass, fail, justified, n/a
    evidence: str
    reason: str = field(default="")


def docker(*args: str) -> str:
    return subprocess.run(["docker", *args], check=True, capture_output=True, text=True).stdout


def docker_json(*args: str):
    return json.loads(docker(*args))


def verdict(ok: bool) -> str:
    return "pass" if ok else "fail"


class Stack:
    """What the engine says about itself and the project's containers and images."""

    def __init__(self, project: str):
        self.info = docker_json("info", "--format", "{{json .}}")
        self.security = self.info.get("SecurityOptions") or []
        self.engine = "rootless" if "name=rootless" in self.security else "root"
        ids = docker("ps", "-a", "-q", "--filter", f"label=com.docker.compose.project={project}").split()
        if not ids:
            raise SystemExit(f"no containers in compose project {project}")
        self.containers = sorted(docker_json("inspect", *ids), key=service)
        image_ids = sorted({c["Image"] for c in self.containers})
        self.images = {i["Id"]: i for i in docker_json("image", "inspect", *image_ids)}

    def has_security(self, name: str) -> bool:
        return any(opt.startswith(f"name={name}") for opt in self.security)


def service(container) -> str:
    return container["Config"]["Labels"].get("com.docker.compose.service", container["Name"].lstrip("/"))


def image_name(stack: Stack, image_id: str) -> str:
    tags = stack.images[image_id].get("RepoTags") or []
    return tags[0] if tags else image_id[:19]


# --- section 2: the daemon ----------------------------------------------------------------------
def daemon_controls(stack: Stack):
    info = stack.info
    yield Result("2.1", "daemon", verdict(stack.engine == "rootless"), f"security options {stack.security}")
    bridge = docker_json("network", "inspect", "bridge")[0]
    icc = bridge.get("Options", {}).get("com.docker.network.bridge.enable_icc", "true")
    yield Result("2.2", "daemon", verdict(icc == "false"), f"default bridge enable_icc={icc}")
    registries = info.get("RegistryConfig") or {}
    cidrs = registries.get("InsecureRegistryCIDRs") or []
    names = [
        name for name, index in (registries.get("IndexConfigs") or {}).items() if not index.get("Secure")
    ]
    # The engine's default, 127.0.0.0/8, is this host only.
    loopback = [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")]
    only_loopback = all(
        any(net.version == lo.version and net.subnet_of(lo) for lo in loopback)
        for net in map(ipaddress.ip_network, cidrs)
    )
    yield Result(
        "2.5",
        "daemon",
        verdict(only_loopback and not names),
        f"insecure registry CIDRs {cidrs} (loopback only), insecure registries {names or 'none'}",
    )
    yield Result("2.6", "daemon", verdict(info["Driver"] != "aufs"), f"storage driver {info['Driver']}")
    userns = stack.has_security("userns") or stack.engine == "rootless"
    yield Result("2.9", "daemon", verdict(userns), f"security options {stack.security}")
    live = info.get("LiveRestoreEnabled", False)
    yield Result("2.15", "daemon", verdict(live), f"LiveRestoreEnabled={live}")
    experimental = info.get("ExperimentalBuild", False)
    yield Result("2.18", "daemon", verdict(not experimental), f"ExperimentalBuild={experimental}")
    swarm = (info.get("Swarm") or {}).get("LocalNodeState", "inactive")
    yield Result("5.1", "daemon", verdict(swarm == "inactive"), f"Swarm.LocalNodeState={swarm}")


# --- section 4: images --------------------------------------------------------------------------
def setuid_files(container_id: str) -> list[str]:
    """Files with a setuid or setgid bit in the container's filesystem (its image's files)."""
    found = []
    with (
        subprocess.Popen(["docker", "export", container_id], stdout=subprocess.PIPE) as export,
        tarfile.open(fileobj=export.stdout, mode="r|") as tar,
    ):
        for member in tar:
            if member.isfile() and member.mode & 0o6000:
                found.append("/" + member.name)
    if export.returncode:
        raise RuntimeError(f"docker export {container_id} failed")
    return found


def image_controls(stack: Stack):
    """Section 4 for the image of each container (subject: the service, so that a reason in
    cis-justified.toml holds whichever image, upstream or stand-in, the service runs)."""
    trust = os.environ.get("DOCKER_CONTENT_TRUST", "")
    yield Result(
        "4.5",
        "images",
        "n/a",
        f"no image is pulled: all are built or loaded locally (DOCKER_CONTENT_TRUST={trust!r})",
    )
    setuid = {}
    for container in stack.containers:
        name, image = service(container), stack.images[container["Image"]]
        label = image_name(stack, container["Image"])
        user = container["Config"].get("User") or ""
        non_root = user.split(":")[0] not in ("", "0", "root")
        yield Result("4.1", name, verdict(non_root), f"Config.User={user!r}")
        health = (image["Config"].get("Healthcheck") or {}).get("Test")
        yield Result(
            "4.6",
            name,
            verdict(bool(health) and health != ["NONE"]),
            f"{label}: Config.Healthcheck.Test={health}",
        )
        history = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", image["Id"]).splitlines()
        updates = [h for h in history if "apt-get update" in h and "install" not in h]
        yield Result(
            "4.7",
            name,
            verdict(not updates),
            f"{label}: {len(history)} history steps, update alone: {updates or 'none'}",
        )
        # The legacy builder records `#(nop) ADD`, BuildKit `ADD … # buildkit`.
        adds = [h for h in history if h.startswith("ADD ") or "#(nop) ADD" in h]
        yield Result("4.9", name, verdict(not adds), f"{label}: ADD steps: {adds or 'none'}")
        env = [e.split("=", 1)[0] for e in image["Config"].get("Env") or []]
        secret_env = [n for n in env if any(w in n for w in SECRET_WORDS) and not n.endswith("_FILE")]
        secret_history = [h for h in history if any(f"{w}=" in h for w in SECRET_WORDS)]
        yield Result(
            "4.10",
            name,
            verdict(not secret_env and not secret_history),
            f"{label}: ENV {env}; secret-like ENV {secret_env or 'none'}; "
            f"in history {secret_history or 'none'}",
        )
        if image["Id"] not in setuid:
            setuid[image["Id"]] = setuid_files(container["Id"])
        special = setuid[image["Id"]]
        shown = ", ".join(special[:6]) + (f" and {len(special) - 6} more" if len(special) > 6 else "")
        yield Result("4.8", name, verdict(not special), f"{label}: setuid/setgid files: {shown or 'none'}")


# --- section 5: containers at runtime ----------------------------------------------------------
def published(container):
    """(host address, host port, container port) of each published port."""
    ports = container["NetworkSettings"].get("Ports") or {}
    return [
        (b["HostIp"], int(b["HostPort"]), port) for port, bindings in ports.items() for b in bindings or []
    ]


def processes_of(container) -> list[str]:
    """The command names of the container's processes: `docker top`, or where that fails (it
    reads the container's cgroup, which a rootless engine on cgroup v1 does not make) every
    process in the pid namespace of the container's first one, from the host's /proc."""
    top = subprocess.run(["docker", "top", container["Id"], "-o", "pid,comm"], capture_output=True, text=True)
    if top.returncode == 0:
        return [line.split(None, 1)[1] for line in top.stdout.splitlines()[1:]]
    namespace = os.readlink(f"/proc/{container['State']['Pid']}/ns/pid")
    commands = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and os.readlink(entry / "ns/pid") == namespace:
                commands.append((entry / "comm").read_text().strip())
        except OSError:
            continue  # the process has gone
    return commands


def runtime_controls(stack: Stack):
    cgroups = stack.info.get("CgroupDriver", "none")
    if not stack.has_security("apparmor"):
        yield Result(
            "5.2", "containers", "n/a", f"the engine has no AppArmor (security options {stack.security})"
        )
    if not stack.has_security("selinux"):
        yield Result(
            "5.3", "containers", "n/a", f"the engine has no SELinux (security options {stack.security})"
        )
    for c in stack.containers:
        name, host, cfg = service(c), c["HostConfig"], c["Config"]
        running = c["State"]["Status"] == "running"
        security_opt = host.get("SecurityOpt") or []
        if stack.has_security("apparmor"):
            profile = c.get("AppArmorProfile", "")
            yield Result(
                "5.2", name, verdict(profile not in ("", "unconfined")), f"AppArmorProfile={profile!r}"
            )
        if stack.has_security("selinux"):
            labels = [o for o in security_opt if o.startswith("label")]
            yield Result(
                "5.3",
                name,
                verdict(bool(c.get("ProcessLabel"))),
                f"ProcessLabel={c.get('ProcessLabel')!r} {labels}",
            )
        cap_drop, cap_add = host.get("CapDrop") or [], host.get("CapAdd") or []
        yield Result(
            "5.4", name, verdict("ALL" in cap_drop and not cap_add), f"CapDrop={cap_drop} CapAdd={cap_add}"
        )
        yield Result("5.5", name, verdict(not host.get("Privileged")), f"Privileged={host.get('Privileged')}")
        binds = [m["Source"] for m in c.get("Mounts", []) if m["Type"] == "bind"]
        sensitive = [
            s for s in binds if s == "/" or any(s == d or s.startswith(d + "/") for d in SENSITIVE_DIRS)
        ]
        yield Result("5.6", name, verdict(not sensitive), f"bind mounts {binds or 'none'}")
        if running:
            commands = processes_of(c)
            sshd = [cmd for cmd in commands if "sshd" in cmd]
            yield Result("5.7", name, verdict(not sshd), f"processes {sorted(set(commands))}")
        ports = published(c)
        low = [p for p in ports if p[1] < 1024]
        yield Result("5.8", name, verdict(not low), f"published {ports or 'none'}")
        own = {p[2] for p in ports}
        yield Result(
            "5.9",
            name,
            verdict(len(own) <= 1),
            f"published {ports or 'none'}: at most the service's own port",
        )
        unbound = [p for p in ports if p[0] in ("", "0.0.0.0", "::")]
        yield Result("5.14", name, verdict(not unbound), f"published {ports or 'none'}")
        for control, key in (
            ("5.10", "NetworkMode"),
            ("5.16", "PidMode"),
            ("5.17", "IpcMode"),
            ("5.21", "UTSMode"),
            ("5.31", "UsernsMode"),
        ):
            yield Result(control, name, verdict(host.get(key) != "host"), f"{key}={host.get(key)!r}")
        enforced = f"cgroup driver {cgroups}" + (": recorded, not enforced" if cgroups == "none" else "")
        memory, cpus, pids = host.get("Memory", 0), host.get("NanoCpus", 0), host.get("PidsLimit") or 0
        yield Result("5.11", name, verdict(memory > 0 and cgroups != "none"), f"Memory={memory} ({enforced})")
        yield Result(
            "5.12",
            name,
            verdict(cpus > 0 and cgroups != "none"),
            f"NanoCpus={cpus} CpuShares={host.get('CpuShares')} ({enforced})",
        )
        yield Result("5.29", name, verdict(pids > 0 and cgroups != "none"), f"PidsLimit={pids} ({enforced})")
        yield Result(
            "5.13", name, verdict(host.get("ReadonlyRootfs")), f"ReadonlyRootfs={host.get('ReadonlyRootfs')}"
        )
        policy = host.get("RestartPolicy") or {}
        restart = policy.get("Name") or "no"
        ok = restart == "no" or (restart == "on-failure" and 0 < policy.get("MaximumRetryCount", 0) <= 5)
        yield Result(
            "5.15", name, verdict(ok), f"RestartPolicy={restart}:{policy.get('MaximumRetryCount', 0)}"
        )
        devices = host.get("Devices") or []
        yield Result("5.18", name, verdict(not devices), f"Devices={devices}")
        shared = [
            m["Destination"] for m in c.get("Mounts", []) if m.get("Propagation") in ("shared", "rshared")
        ]
        yield Result("5.20", name, verdict(not shared), f"shared propagation: {shared or 'none'}")
        unconfined = [o for o in security_opt if o.replace(":", "=").startswith("seccomp=unconfined")]
        # A privileged container runs without seccomp whatever its options say.
        seccomp = stack.has_security("seccomp") and not unconfined and not host.get("Privileged")
        yield Result(
            "5.22",
            name,
            verdict(seccomp),
            f"daemon {[o for o in stack.security if 'seccomp' in o]}, SecurityOpt={security_opt}, "
            f"Privileged={host.get('Privileged')}",
        )
        parent = host.get("CgroupParent") or ""
        yield Result("5.25", name, verdict(not parent), f"CgroupParent={parent!r}")
        nnp = "no-new-privileges:true" in security_opt or "no-new-privileges" in security_opt
        yield Result("5.26", name, verdict(nnp), f"SecurityOpt={security_opt}")
        test = (cfg.get("Healthcheck") or {}).get("Test")
        status = (c["State"].get("Health") or {}).get("Status", "none")
        yield Result(
            "5.27",
            name,
            verdict(bool(test) and test != ["NONE"]),
            f"Healthcheck.Test={test}; status {status}",
        )
        networks = list((c["NetworkSettings"].get("Networks") or {}).keys())
        yield Result(
            "5.30",
            name,
            verdict("bridge" not in networks and host.get("NetworkMode") not in ("default", "bridge")),
            f"networks {networks}",
        )
        sockets = [m["Source"] for m in c.get("Mounts", []) if m.get("Source", "").endswith(".sock")]
        yield Result("5.32", name, verdict(not sockets), f"socket mounts: {sockets or 'none'}")


# --- justifications -----------------------------------------------------------------------------
def load_justified(path: Path):
    entries = tomllib.loads(path.read_text())["justified"]
    for entry in entries:
        if entry["control"] not in TITLES or not entry.get("reason"):
            raise SystemExit(f"{path}: every entry needs a known control and a reason: {entry}")
    return entries


def justify(results: list[Result], entries, engine: str, cgroup_driver: str):
    """A failed result becomes justified when an entry covers it; returns the entries unused here."""
    used = set()
    for result in results:
        if result.status != "fail":
            continue
        for index, entry in enumerate(entries):
            if (
                entry["control"] == result.control
                and result.subject in entry.get("subjects", [result.subject])
                and engine in entry.get("engines", [engine])
                and cgroup_driver in entry.get("cgroup_drivers", [cgroup_driver])
            ):
                result.status, result.reason = "justified", entry["reason"]
                used.add(index)
                break
    return [e for i, e in enumerate(entries) if i not in used]


# --- output -------------------------------------------------------------------------------------
def control_key(control: str):
    return tuple(int(part) for part in control.split("."))


def cell(text) -> str:
    """Text for one cell of a Markdown table."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(stack: Stack, project: str, results: list[Result], unused) -> str:
    info = stack.info
    counts = {s: sum(r.status == s for r in results) for s in ("pass", "justified", "fail", "n/a")}
    lines = [
        f"# CIS Docker Benchmark v1.6.0: the compose stack on the {stack.engine} engine",
        "",
        f"Generated {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M UTC} by "
        f"`scripts/containers/cis_report.py` from compose project `{project}`: Docker "
        f"{info['ServerVersion']}, storage {info['Driver']}, cgroup v{info.get('CgroupVersion')} "
        f"(driver {info.get('CgroupDriver')}), security options {', '.join(stack.security)}.",
        "",
        f"{counts['pass']} passed, {counts['justified']} justified, {counts['fail']} failed, "
        f"{counts['n/a']} not applicable. Reasons for the justified ones: "
        "`scripts/containers/cis-justified.toml`.",
        "",
        "| control | title | subject | result | evidence |",
        "|---|---|---|---|---|",
    ]
    for r in sorted(results, key=lambda r: (control_key(r.control), r.subject)):
        lines.append(
            f"| {r.control} | {TITLES[r.control]} | {cell(r.subject)} | {r.status} | {cell(r.evidence)} |"
        )
    lines += ["", "## Justified", ""]
    reasons = {}
    for r in results:
        if r.status == "justified":
            reasons.setdefault((r.control, r.reason), []).append(r.subject)
    for (control, reason), subjects in sorted(reasons.items(), key=lambda item: control_key(item[0][0])):
        lines.append(f"- **{control} {TITLES[control]}** ({', '.join(subjects)}): {reason}")
    if unused:
        lines += [
            "",
            "Justifications not needed on this engine: "
            + ", ".join(sorted({e["control"] for e in unused}, key=control_key))
            + ".",
        ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("project", help="compose project name (com.docker.compose.project)")
    parser.add_argument("--out", type=Path, default=Path("target/compliance"))
    parser.add_argument("--justified", type=Path, default=Path(__file__).with_name("cis-justified.toml"))
    args = parser.parse_args()

    stack = Stack(args.project)
    results = [*daemon_controls(stack), *image_controls(stack), *runtime_controls(stack)]
    unused = justify(
        results, load_justified(args.justified), stack.engine, stack.info.get("CgroupDriver", "none")
    )

    args.out.mkdir(parents=True, exist_ok=True)
    report = args.out / f"cis-docker-{stack.engine}"
    report.with_suffix(".md").write_text(markdown(stack, args.project, results, unused))
    report.with_suffix(".json").write_text(
        json.dumps([asdict(r) | {"title": TITLES[r.control]} for r in results], indent=2) + "\n"
    )

    passed = failed = 0
    for r in sorted(results, key=lambda r: (control_key(r.control), r.subject)):
        line = f"CIS {r.control} {r.subject}: {TITLES[r.control]} ({r.evidence})"
        if r.status == "n/a":
            print(f"  n/a   {line}")
        elif r.status == "fail":
            print(f"  FAIL  {line}")
            failed += 1
        else:
            print(f"  ok    {line}" + (" justified: see the report" if r.status == "justified" else ""))
            passed += 1
    print(f"report: {report}.md, {report}.json")
    print(f"containers: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
