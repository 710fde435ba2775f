"""Tier 3: the Swarm stack (deploy/swarm/stack.yaml) updated, rolled back, scaled and broken
under load, on a single-node swarm this test makes and leaves; its metrics scraped from the
internal network and its logs read as JSON first.

Usage: python3 scripts/platforms/swarm   (scripts/platforms/test-swarm.sh prepares the
engine and the images). Env: BACKEND_IMAGE, FRONTEND_IMAGE, POSTGRES_IMAGE, DYNAMODB_IMAGE,
HAPROXY_IMAGE (the stack's images; the backend and frontend ones must exist).

Each check prints one ok/FAIL line, the figures of each operation follow as a table, and the
last line is `containers: N passed, M failed`. The stack, its volumes and secrets, the images
built here and the swarm (when this test made it) are removed on exit.
"""

import json
import os
import secrets
import subprocess
import sys
import shutil
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from checks import Checks, free_port  # noqa: E402
from engine import STACK_FILE, Stack, Swarm, docker, wait_until  # noqa: E402
from load import Load, lost_writes  # noqa: E402

STEADY_SECS = 8
# Where the stack's services serve their metrics (METRICS_ADDR), on the `metrics` network.
METRICS_PORT = 9464
# The version of the next release's migration (any number above this release's).
NEXT_MIGRATION = 9000
# Debian's client builds with BuildKit (cache mounts) without the buildx plugin, as in
# scripts/containers/lib.sh.
BUILD_CLI = os.environ.get("DOCKER_BUILD_CLI") or shutil.which("docker", path="/usr/bin") or "docker"
MIGRATIONS = len(list((STACK_FILE.parents[2] / "crates/store/migrations/postgres").glob("*.sql")))


def sign_up(port, handle):
    """A new account through the API; its bearer token."""
    body = {"display_name": "Swarm", "handle": handle, "email": f"{handle}@example.com",
            "password": secrets.token_urlsafe(16)}
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/auth/sign_up", method="POST",
        data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["token"]


def answers(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


def release_with_migration(tag):
    """Builds the backend as the next release would be: these sources plus one backward
    compatible (expand) migration, with the project's Dockerfile. BuildKit's cache mounts keep
    the compiled dependencies, so only the store and the binary are rebuilt."""
    root = STACK_FILE.parents[2]
    with tempfile.TemporaryDirectory() as context:
        context = Path(context)
        for name in ("Cargo.toml", "Cargo.lock", ".dockerignore"):
            shutil.copy(root / name, context / name)
        shutil.copytree(root / "crates", context / "crates", ignore=shutil.ignore_patterns("target", "tests"))
        (context / "crates/store/migrations/postgres" / f"{NEXT_MIGRATION}_release_test_expand.sql").write_text(
            "-- Expand only: a nullable column the previous release does not know, and an index.\n"
            "ALTER TABLE activities ADD COLUMN release_test_note TEXT;\n"
            "CREATE INDEX activities_release_test_note ON activities (release_test_note);\n")
        subprocess.run(
            [BUILD_CLI, "build", "-q", "-f", str(root / "docker/backend.Dockerfile"), "-t", tag,
             "--build-arg", f"RUST_IMAGE={os.environ.get('RUST_IMAGE', 'rust:1.95.0-bookworm')}", str(context)],
            check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, DOCKER_BUILDKIT="1"))
    return tag


def derived_image(base, tag, *instructions):
    """Builds `tag` from `base` with more Dockerfile instructions: a new image of the same
    program, as a release would be."""
    dockerfile = "\n".join([f"FROM {base}", *instructions]) + "\n"
    subprocess.run([BUILD_CLI, "build", "-q", "-t", tag, "-"], input=dockerfile.encode(),
                   check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, DOCKER_BUILDKIT="1"))
    return tag


def under_load(figures, load, phase, operation):
    """Runs `operation` while the load runs; what the clients saw during it (and for two
    seconds after, while the proxy settles) counts towards `phase`."""
    load.begin(phase)
    seconds = operation()
    time.sleep(2)
    load.begin(f"after {phase}")
    figures.append((phase, load.stats[phase], seconds))
    return load.stats[phase]


def main():
    checks = Checks()
    run = f"cruddur-swarm-{os.getpid()}"
    site, api = free_port(), free_port()
    backend = os.environ.get("BACKEND_IMAGE", "cruddur/backend:local")
    frontend = os.environ.get("FRONTEND_IMAGE", "cruddur/frontend:local")
    env = dict(os.environ, BACKEND_IMAGE=backend, FRONTEND_IMAGE=frontend,
               FRONTEND_PORT=str(site), BACKEND_PORT=str(api), BACKEND_REPLICAS="6",
               SECRETS_PREFIX=run)
    built = []
    figures = []
    with Swarm() as swarm:
        stack = Stack(run, env)
        try:
            scenario(checks, figures, stack, site, api, backend, frontend, built)
        finally:
            stack.remove()
            for image in built:
                docker("rmi", image, check=False)
        print(f"swarm: {'made and left' if swarm.made else 'already active, kept'}")
    report(figures)
    return checks.summary()


def scenario(checks, figures, stack, site, api, backend, frontend, built):
    tag = f"swarm-{os.getpid()}"
    backend_v2 = derived_image(backend, f"cruddur/backend:{tag}-v2",
                               "LABEL org.opencontainers.image.version=swarm-test-v2")
    frontend_v2 = derived_image(frontend, f"cruddur/frontend:{tag}-v2",
                                "LABEL org.opencontainers.image.version=swarm-test-v2")
    # Serves as well as v2, but its health check asks a port nothing listens on.
    unhealthy = derived_image(backend_v2, f"cruddur/backend:{tag}-unhealthy",
                              'HEALTHCHECK CMD ["/cruddur-backend", "--port", "1", "healthcheck"]')
    built += [backend_v2, frontend_v2, unhealthy]
    started = time.monotonic()
    backend_v3 = release_with_migration(f"cruddur/backend:{tag}-v3-migration")
    built.append(backend_v3)
    print(f"  (the next release, with a migration, built in {time.monotonic() - started:.0f} s)")

    stack.create_secrets()
    stack.deploy()
    took = stack.wait_converged("backend", 6, timeout=300)
    checks.check("6 backend replicas started at once on an empty database all become healthy",
                 took is not None, f"{took:.0f} s" if took else "timed out")
    applied = stack.exec_in("db", "psql", "-U", "cruddur", "-d", "cruddur", "-tAc",
                            "SELECT count(*), count(*) FILTER (WHERE success) FROM _sqlx_migrations")
    checks.check("each migration applied once, successfully", applied.strip() == f"{MIGRATIONS}|{MIGRATIONS}",
                 f"applied, successful: {applied.strip()}; files: {MIGRATIONS}")
    stack.scale("backend", 3)
    checks.check("frontend: 2 replicas healthy", stack.wait_converged("frontend", 2) is not None)
    hardening(checks, stack)
    checks.check("the site answers through the proxy", wait_until(60, lambda: answers(site, "/")) is not None)
    checks.check("the API answers through the proxy",
                 wait_until(60, lambda: answers(api, "/api/ready")) is not None)
    metrics_and_logs(checks, stack)

    handle = f"swarm{secrets.token_hex(4)}"
    load = Load(site, api, sign_up(api, handle), handle)
    load.start("steady")
    try:
        time.sleep(STEADY_SECS)
        load.begin("steady, done")
        operations(checks, figures, stack, load, backend_v2, frontend_v2, backend_v3, unhealthy)
    finally:
        load.stop()
    missing = lost_writes(api, load.acknowledged)
    checks.check(f"every acknowledged write is there ({len(load.acknowledged)})", not missing,
                 "; ".join(missing[:5]))


def hardening(checks, stack):
    """What the stack file asks of every container, as the engine runs it."""
    for short in ("proxy", "backend", "frontend", "db", "dynamodb-local"):
        for container in json.loads(docker("inspect", *stack.containers(short))):
            host, config = container["HostConfig"], container["Config"]
            name = f"{short} {container['Id'][:12]}"
            checks.check(f"{name}: non-root user {config['User']}, read-only root, no capability",
                         config["User"].split(":")[0] not in ("", "0", "root")
                         and host["ReadonlyRootfs"] and host["CapDrop"] == ["ALL"] and not host["CapAdd"]
                         and not host["Privileged"])
            checks.check(f"{name}: memory, CPU and process limits",
                         host["Memory"] > 0 and host["NanoCpus"] > 0 and (host["PidsLimit"] or 0) > 0)
            # Secrets come as files (*_FILE); DynamoDB Local's fixed AWS_* values are not secrets.
            checks.check(f"{name}: no secret in its environment", not any(
                key.endswith(("PASSWORD", "SECRET", "_KEY", "DATABASE_URL")) and not key.startswith("AWS_")
                for key in (variable.split("=", 1)[0] for variable in config["Env"] or [])))


def metrics_and_logs(checks, stack):
    """Each service answers `GET /metrics` on port 9464 of the internal `metrics` network, asked
    from a one-off container there (the db's image: the services' images have no shell); no
    service publishes that port on the host; every line the services log is a JSON object."""
    probe = stack.image("db")
    for short in ("backend", "frontend"):
        answer = docker(
            "run", "--rm", "--network", stack.network("metrics"), "--read-only", "--cap-drop", "ALL",
            "--user", "65534:65534", "--entrypoint", "bash", probe, "-c",
            f"exec 3<>/dev/tcp/{short}/{METRICS_PORT} && printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3 "
            "&& timeout 10 cat <&3", check=False)
        status = answer.splitlines()[0] if answer else ""
        checks.check(f"{short}: GET /metrics on the internal metrics network -> 200 with the process's series",
                     " 200 " in status and "process_resident_memory_bytes" in answer, status or "no answer")

    published = [port for service in stack.services()
                 for port in service["Spec"].get("EndpointSpec", {}).get("Ports", [])
                 if METRICS_PORT in (port.get("TargetPort"), port.get("PublishedPort"))]
    containers = json.loads(docker("inspect", *stack.containers("backend"), *stack.containers("frontend")))
    bound = [container["Id"][:12] for container in containers
             if container["NetworkSettings"]["Ports"].get(f"{METRICS_PORT}/tcp")]
    checks.check(f"port {METRICS_PORT} published by no service, bound on the host by no container",
                 not published and not bound, f"published {published}, bound by {bound}")

    for short in ("backend", "frontend"):
        lines = [line for container in stack.containers(short)
                 for line in docker("logs", container).splitlines() if line.strip()]
        records = [json_object(line) for line in lines]
        checks.check(f"{short}: every log line is a JSON object, requests logged with their id ({len(lines)} lines)",
                     lines and all(records) and any(r.get("span", {}).get("request_id") for r in records))


def json_object(line):
    """The JSON object a log line holds, or None."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def operations(checks, figures, stack, load, backend_v2, frontend_v2, backend_v3, unhealthy):
    steady = load.stats["steady"]
    figures.append(("steady state", steady, STEADY_SECS))
    checks.check("steady state: no failed request", not steady.failures, "; ".join(steady.failures[:3]))

    def rolling(label, short, image, replicas):
        def roll():
            seconds, state = stack.update_image(short, image)
            checks.check(f"{label}: update {state}", state == "completed")
            checks.check(f"{label}: {replicas} tasks on {image}",
                         stack.wait_converged(short, replicas, image) is not None)
            return seconds
        stats = under_load(figures, load, label, roll)
        checks.check(f"{label}: no failed request", not stats.failures, "; ".join(stats.failures[:3]))

    rolling("rolling update of backend", "backend", backend_v2, 3)
    rolling("rolling update of frontend", "frontend", frontend_v2, 2)

    # The next release migrates as its first task starts, while v2 tasks keep serving.
    rolling("update carrying a migration", "backend", backend_v3, 3)
    versions = stack.exec_in("db", "psql", "-U", "cruddur", "-d", "cruddur", "-tAc",
                             f"SELECT count(*) FROM _sqlx_migrations WHERE version = {NEXT_MIGRATION} AND success")
    checks.check("the next release's migration applied once", versions.strip() == "1", versions.strip())
    # Back to v2 by hand, on the migrated database: it must start and serve beside a
    # migration it does not know.
    rolling("back to the previous release, schema kept", "backend", backend_v2, 3)

    def bad_update():
        seconds, state = stack.update_image("backend", unhealthy)
        checks.check(f"an image failing its health check is rolled back by Swarm: {state}",
                     state == "rollback_completed")
        checks.check("backend: 3 tasks on the previous tag",
                     stack.wait_converged("backend", 3, backend_v2) is not None)
        return seconds
    stats = under_load(figures, load, "failed update, rolled back", bad_update)
    checks.check("rollback: no failed request", not stats.failures, "; ".join(stats.failures[:3]))

    for replicas in (6, 2):
        stats = under_load(figures, load, f"scale backend to {replicas}",
                           lambda r=replicas: stack.scale("backend", r))
        checks.check(f"backend scaled to {replicas}: no failed request", not stats.failures,
                     "; ".join(stats.failures[:3]))

    def kill():
        started = time.monotonic()
        victim = stack.containers("backend")[0]
        docker("kill", victim)
        healed = wait_until(240, lambda: victim not in stack.containers("backend")
                            and stack.converged("backend", 2), every=1)
        checks.check("a killed backend task is replaced: 2 healthy again", healed is not None)
        return time.monotonic() - started
    stats = under_load(figures, load, "kill a backend task", kill)
    # Reads are retried on another replica; a write in flight on the killed task may be lost,
    # and its client told so. At most one request per writer is in flight at a time.
    checks.check(f"killed task: failures at most the writes in flight ({load.writers})",
                 len(stats.failures) <= load.writers,
                 f"{len(stats.failures)} failed: " + "; ".join(stats.failures[:3]))


def report(figures):
    print("\n| operation | requests | failed | p50 | p99 | seconds |")
    print("|---|---|---|---|---|---|")
    for phase, stats, seconds in figures:
        print(f"| {phase} | {stats.requests} | {len(stats.failures)} | {stats.percentile(0.5):.1f} ms "
              f"| {stats.percentile(0.99):.1f} ms | {seconds:.0f} |")


if __name__ == "__main__":
    sys.exit(main())
