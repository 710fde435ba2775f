"""Bounded, continuous load on the stack through its entry proxy: readers of pages and of the
API, and writers of cruds, each on a keep-alive connection of its own and pausing between
requests. Every answer is recorded against the phase it fell in, so each operation the test
performs is judged by what the clients saw during it: failed requests (no answer, or a 5xx),
latency, and the writes that were acknowledged."""

import http.client
import json
import threading
import time
from dataclasses import dataclass, field

PAUSE = 0.02
WRITE_PAUSE = 0.1
TIMEOUT = 10


@dataclass
class Stats:
    requests: int = 0
    failures: list = field(default_factory=list)
    latencies: list = field(default_factory=list)

    def percentile(self, share):
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


class Load:
    """Readers and writers over the site (port `site`) and the API (port `api`), signed in
    with `token` as `handle`."""

    def __init__(self, site, api, token, handle, readers=4, writers=2):
        self.ports = {"site": site, "api": api}
        self.token = token
        self.handle = handle
        self.readers = readers
        self.writers = writers
        self.phase = "idle"
        self.stats = {}
        self.acknowledged = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = []

    def start(self, phase):
        self.begin(phase)
        self.stopping.clear()
        workers = [self.read] * self.readers + [self.write] * self.writers
        self.threads = [threading.Thread(target=w, args=(i,), daemon=True) for i, w in enumerate(workers)]
        for thread in self.threads:
            thread.start()

    def begin(self, phase):
        """From now on, answers count towards `phase`."""
        with self.lock:
            self.phase = phase
            self.stats.setdefault(phase, Stats())

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def read(self, number):
        paths = [
            ("site", "/"),
            ("api", "/api/activities/home"),
            ("api", f"/api/activities/@{self.handle}"),
            ("site", f"/@{self.handle}"),
        ]
        connections = {}
        turn = number
        while not self.stopping.is_set():
            port, path = paths[turn % len(paths)]
            turn += 1
            self.exchange(connections, port, "GET", path, None, {})
            time.sleep(PAUSE)

    def write(self, number):
        connections = {}
        sent = 0
        while not self.stopping.is_set():
            sent += 1
            body = json.dumps({"message": f"swarm load {number}-{sent}", "ttl": "1-day"})
            headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
            answer = self.exchange(connections, "api", "POST", "/api/activities", body, headers)
            if answer is not None and answer[0] == 200:
                with self.lock:
                    self.acknowledged.append(json.loads(answer[1])["uuid"])
            time.sleep(WRITE_PAUSE)

    def exchange(self, connections, port, method, path, body, headers):
        """One request on this worker's connection to `port`; records it, and returns
        (status, body) or None when there was no answer."""
        started = time.monotonic()
        try:
            connection = connections.get(port)
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", self.ports[port], timeout=TIMEOUT)
                connections[port] = connection
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = (response.status, response.read())
        except (OSError, http.client.HTTPException) as error:
            connections.pop(port).close()
            self.record(started, f"{method} {path}: {type(error).__name__}: {error}")
            return None
        self.record(started, f"{method} {path}: {answer[0]}" if answer[0] >= 500 else None)
        return answer

    def record(self, started, failure):
        elapsed = time.monotonic() - started
        with self.lock:
            stats = self.stats[self.phase]
            stats.requests += 1
            stats.latencies.append(elapsed)
            if failure:
                stats.failures.append(failure)


def lost_writes(api, uuids):
    """The acknowledged cruds the API cannot find (read afresh, past every cache)."""
    connection = http.client.HTTPConnection("127.0.0.1", api, timeout=TIMEOUT)
    missing = []
    for uuid in uuids:
        connection.request("GET", f"/api/activities/{uuid}", headers={"Cache-Control": "no-cache"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            missing.append(f"{uuid}: {response.status}")
    connection.close()
    return missing
