"""The Docker engine as the Swarm test drives it: the swarm itself, one stack, its services,
tasks and containers. Everything goes through the `docker` command line, as an operator's
would."""

import json
import subprocess
import time
from pathlib import Path

STACK_FILE = Path(__file__).resolve().parents[3] / "deploy" / "swarm" / "stack.yaml"
CREATE_SECRETS = STACK_FILE.parent / "create-secrets.sh"
# Swarm's UpdateStatus states once an update is over, whichever way.
ENDED = {"completed", "rollback_completed", "paused", "rollback_paused"}


class DockerError(Exception):
    """A docker command failed; the message holds its error output."""


def docker(*args, env=None, timeout=900, check=True):
    """Runs `docker ARGS`, returning its standard output."""
    done = subprocess.run(
        ["docker", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and done.returncode != 0:
        output = (done.stderr.strip() or done.stdout.strip())[-2000:]
        raise DockerError(f"docker {' '.join(args[:3])}: {output}")
    return done.stdout


def wait_until(seconds, condition, every=0.5):
    """Polls `condition` until it is true; returns the seconds it took, or None on timeout."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(every)
    return None


class Swarm:
    """A single-node swarm for the test: made if the engine is in none, and left afterwards."""

    def __init__(self):
        self.made = False

    def __enter__(self):
        state = docker("info", "--format", "{{.Swarm.LocalNodeState}}").strip()
        if state != "active":
            docker("swarm", "init", "--advertise-addr", "127.0.0.1")
            self.made = True
        return self

    def __exit__(self, *_):
        if self.made:
            docker("swarm", "leave", "--force", check=False)
            # Made by `swarm init` for the nodes' own traffic; leaving keeps it.
            docker("network", "rm", "docker_gwbridge", check=False)


class Stack:
    """One deployment of deploy/swarm/stack.yaml, named `name`, with its own secrets."""

    def __init__(self, name, env):
        self.name = name
        self.env = env

    def service(self, short):
        return f"{self.name}_{short}"

    def network(self, short):
        return f"{self.name}_{short}"

    def image(self, short):
        """The image the service's tasks run."""
        return docker(
            "service", "inspect", "--format", "{{.Spec.TaskTemplate.ContainerSpec.Image}}", self.service(short)
        ).strip()

    def services(self):
        """Every service of the stack, as `docker inspect` gives them."""
        ids = docker("service", "ls", "-q", "--filter", f"label=com.docker.stack.namespace={self.name}").split()
        return json.loads(docker("service", "inspect", *ids)) if ids else []

    def create_secrets(self):
        subprocess.run([str(CREATE_SECRETS), self.name], check=True, env=self.env)

    def deploy(self):
        docker(
            "stack", "deploy", "--resolve-image", "never", "--prune",
            "-c", str(STACK_FILE), self.name, env=self.env,
        )

    def tasks(self, short):
        """The service's tasks meant to run, as `docker inspect` gives them."""
        ids = docker(
            "service", "ps", "-q", "--filter", "desired-state=running", self.service(short)
        ).split()
        return json.loads(docker("inspect", *ids)) if ids else []

    def running(self, short, image=None):
        """Tasks running (and so healthy, where the image has a health check), on `image`
        if given."""
        return [
            task
            for task in self.tasks(short)
            if task["Status"]["State"] == "running"
            and (image is None or task["Spec"]["ContainerSpec"]["Image"] == image)
        ]

    def converged(self, short, replicas, image=None):
        tasks = self.tasks(short)
        running = self.running(short, image)
        return len(tasks) == replicas and len(running) == replicas

    def wait_converged(self, short, replicas, image=None, timeout=240):
        return wait_until(timeout, lambda: self.converged(short, replicas, image), every=1)

    def update_image(self, short, image):
        """Rolls the service to `image` and waits for the update to end; returns how long it
        took and how it ended (Swarm's UpdateStatus state)."""
        started = time.monotonic()
        docker(
            "service", "update", "--quiet", "--detach=false", "--no-resolve-image",
            "--image", image, self.service(short), check=False,
        )
        ended = wait_until(300, lambda: self.update_state(short) in ENDED, every=1)
        state = self.update_state(short) if ended is not None else "still updating"
        return time.monotonic() - started, state

    def update_state(self, short):
        status = docker(
            "service", "inspect", "--format", "{{json .UpdateStatus}}", self.service(short)
        ).strip()
        return (json.loads(status) or {}).get("State", "") if status != "null" else ""

    def scale(self, short, replicas):
        started = time.monotonic()
        docker("service", "scale", "--detach=false", f"{self.service(short)}={replicas}")
        self.wait_converged(short, replicas)
        return time.monotonic() - started

    def containers(self, short):
        return docker(
            "ps", "-q", "--filter", f"label=com.docker.swarm.service.name={self.service(short)}"
        ).split()

    def exec_in(self, short, *command):
        return docker("exec", self.containers(short)[0], *command)

    def remove(self):
        """The stack, then what outlives it: its volumes and secrets."""
        docker("stack", "rm", self.name, check=False)
        label = f"label=com.docker.stack.namespace={self.name}"
        wait_until(120, lambda: not docker("ps", "-aq", "--filter", label).strip(), every=1)
        wait_until(60, lambda: not docker("network", "ls", "-q", "--filter", label).strip())
        for volume in docker("volume", "ls", "-q", "--filter", label).split():
            docker("volume", "rm", "-f", volume, check=False)
        for secret in docker(
            "secret", "ls", "-q", "--filter", f"label=org.cruddur.stack={self.name}"
        ).split():
            docker("secret", "rm", secret, check=False)

