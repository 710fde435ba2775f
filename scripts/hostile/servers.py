"""The all-in-one binary as a child process: its configurations, start, readiness and stop.

Every instance gets a temporary DATA_DIR, free ports on 127.0.0.1 and a clean environment
(only PATH and HOME are inherited, so nothing from the caller's shell changes the set-up).
"""

import http.client
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time

# Config A's serving timeouts, in seconds; the checks wait this plus two seconds.
IDLE_TIMEOUT = 2
HEADER_TIMEOUT = 2
BODY_TIMEOUT = 3

READY_WITHIN = 60.0
FD_LIMIT = 256


# Where readiness is polled from: not 127.0.0.1, whose ephemeral ports a server that has
# not bound yet may be about to take.
POLL_SOURCE = "127.0.0.254"

_handed_out = set()


def free_ports(count):
    """`count` ports that were free a moment ago on 127.0.0.1, none handed out before."""
    sockets, ports = [], []
    try:
        while len(ports) < count:
            probe = socket.socket()
            sockets.append(probe)
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
            if port not in _handed_out:
                _handed_out.add(port)
                ports.append(port)
        return ports
    finally:
        for probe in sockets:
            probe.close()


def base_env():
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "RUST_LOG": "warn",
        # Stopping at the end need not wait for the default 10 s drain.
        "SHUTDOWN_GRACE_SECS": "1",
    }
    if "HOME" in os.environ:
        env["HOME"] = os.environ["HOME"]
    return env


def demo_off_env():
    """Config A: demo mode off, seeded users, a token secret, short serving timeouts."""
    return {
        "DEMO_USER": "",
        "JWT_SECRET": secrets.token_urlsafe(36)[:48],
        "SEED_DEMO_DATA": "true",
        "IDLE_TIMEOUT_SECS": str(IDLE_TIMEOUT),
        "HEADER_TIMEOUT_SECS": str(HEADER_TIMEOUT),
        "BODY_TIMEOUT_SECS": str(BODY_TIMEOUT),
    }


def demo_on_env():
    """Config B: the all-in-one defaults (demo user andrewbrown, password cruddur-demo)."""
    return {}


# name: (environment, command prefix, whether the pages must answer before checks run)
CONFIGS = {
    "A": (demo_off_env, [], True),
    "A_capped": (demo_off_env, ["prlimit", f"--nofile={FD_LIMIT}:{FD_LIMIT}", "--"], False),
    "B": (demo_on_env, [], True),
}


class Server:
    """One instance of the binary. `error` is set when it could not be started."""

    def __init__(self, name, binary):
        self.name = name
        self.binary = binary
        make_env, self.prefix, self.needs_web = CONFIGS[name]
        self.extra_env = make_env()
        self.port, self.web_port = free_ports(2)
        self.data_dir = tempfile.mkdtemp(prefix=f"hostile-{name}-")
        self.log_path = os.path.join(self.data_dir, "server.log")
        self.process = None
        self.error = None

    def env(self):
        env = base_env()
        env.update(self.extra_env)
        env.update(
            {
                "HOST": "127.0.0.1",
                "PORT": str(self.port),
                "WEB_PORT": str(self.web_port),
                "DATA_DIR": self.data_dir,
            }
        )
        return env

    def start(self):
        if self.prefix and shutil.which(self.prefix[0]) is None:
            self.error = f"{self.prefix[0]} is not installed (util-linux)"
            return
        try:
            with open(self.log_path, "wb") as log:
                self.process = subprocess.Popen(
                    [*self.prefix, self.binary],
                    env=self.env(),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
        except OSError as error:
            self.error = f"cannot start {self.binary}: {error}"

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def exit_status(self):
        if self.process is None:
            return "not started"
        code = self.process.poll()
        return "running" if code is None else f"exit status {code}"

    def wait_ready(self, deadline):
        """Waits until /api/health-check answers 200 (and the pages answer at all)."""
        if self.error:
            return
        api_up = web_up = False
        while time.monotonic() < deadline:
            if not self.alive():
                self.error = f"exited during start-up ({self.exit_status()}): {self.log_tail(5)}"
                return
            api_up = api_up or answers(self.port, "/api/health-check", want_ok=True)
            web_up = web_up or not self.needs_web or answers(self.web_port, "/healthz")
            if api_up and web_up:
                return
            time.sleep(0.1)
        self.error = f"not ready within {READY_WITHIN:.0f} s (api {api_up}, pages {web_up})"

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, "rb") as log:
                text = log.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def answers(port, path, want_ok=False):
    """Whether GET `path` on 127.0.0.1:`port` gets an answer (a 200 when `want_ok`)."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=1, source_address=(POLL_SOURCE, 0)
    )
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status == 200 or not want_ok
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()
