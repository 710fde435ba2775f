"""Talking to the servers: distinct loopback clients, raw sockets, HTTP, the API and a browser.

All traffic goes to 127.0.0.1. A "client" is a source address in 127/8 (all loopback on
Linux), bound before connecting; each `fresh_address()` is in a /16 of its own and never
127.0.0.1 (which the all-in-one trusts as its own frontend, a proxy).
"""

import html
import http.client
import itertools
import json
import re
import secrets
import selectors
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass

from runner import expect, expect_status

SERVER_HOST = "127.0.0.1"
DEMO_PASSWORD = "cruddur-demo"

_addresses = itertools.count(0)
_addresses_lock = threading.Lock()


def fresh_address():
    """A loopback source address no earlier call returned: 127.1.0.2, 127.2.0.2, …"""
    with _addresses_lock:
        n = next(_addresses)
    return f"127.{1 + n % 254}.{(n // 254) % 256}.2"


# ---------------------------------------------------------------- raw sockets


def connect(port, source, timeout=5.0):
    """A TCP connection to the server from `source`."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.bind((source, 0))
        sock.connect((SERVER_HOST, port))
    except OSError:
        sock.close()
        raise
    return sock


def close_all(sockets):
    for sock in sockets:
        try:
            sock.close()
        except OSError:
            pass


def _peer_closed(sock):
    """Reads what is waiting on a non-blocking socket; True once the peer has closed it."""
    try:
        while True:
            if not sock.recv(65536):
                return True
    except BlockingIOError:
        return False
    except OSError:  # reset, aborted, timed out: closed all the same
        return True


def wait_closed(sockets, deadline):
    """Reads (and drops) what the server sends until it has closed every socket or the
    deadline passes; returns the sockets still open."""
    still_open = set(sockets)
    with selectors.DefaultSelector() as selector:
        for sock in sockets:
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
        while still_open:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            for key, _ in selector.select(min(left, 0.25)):
                if _peer_closed(key.fileobj):
                    selector.unregister(key.fileobj)
                    still_open.discard(key.fileobj)
    return still_open


def is_open(sock):
    """Whether the server has neither closed `sock` nor started answering on it."""
    try:
        sock.setblocking(False)
        sock.recv(1, socket.MSG_PEEK)
        return False
    except BlockingIOError:
        return True
    except OSError:
        return False


@dataclass
class Trickled:
    """How a trickle ended: "closed", "answered" (with the status) or "open" at the deadline."""

    outcome: str
    status: int | None
    elapsed: float
    sent: int


def trickle(sock, payload, interval, deadline):
    """Sends `payload` one byte every `interval` seconds until the server answers or closes
    the connection, or `deadline` passes."""
    started = time.monotonic()
    received = b""
    sent = 0
    next_send = started
    while True:
        now = time.monotonic()
        if now >= deadline:
            return Trickled("open", None, now - started, sent)
        if now >= next_send and sent < len(payload):
            try:
                sock.sendall(payload[sent : sent + 1])
            except OSError:
                return Trickled("closed", None, time.monotonic() - started, sent)
            sent += 1
            next_send += interval
            continue
        wake = deadline if sent >= len(payload) else min(next_send, deadline)
        sock.settimeout(max(0.01, wake - now))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            return Trickled("closed", None, time.monotonic() - started, sent)
        if not chunk:
            return Trickled("closed", None, time.monotonic() - started, sent)
        received += chunk
        if b"\r\n" in received:
            return Trickled("answered", status_of(received), time.monotonic() - started, sent)


def status_of(data):
    """The status code of an HTTP/1.x status line at the start of `data`, or None."""
    match = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return int(match.group(1)) if match else None


# ---------------------------------------------------------------- replies


class Reply:
    """A status, the headers in order (repeated ones kept) and the body."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        values = self.headers_named(name)
        return values[0] if values else None

    def headers_named(self, name):
        return [value for key, value in self.headers if key.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)

    def error_codes(self):
        """The codes of a 422 body: a JSON array of strings (or an object holding one)."""
        try:
            body = self.json()
        except ValueError:
            return []
        if isinstance(body, dict):
            body = next((v for v in body.values() if isinstance(v, list)), [])
        return [code for code in body if isinstance(code, str)] if isinstance(body, list) else []

    def brief(self):
        text = " ".join(self.text.split())
        return ascii(text[:160] + ("..." if len(text) > 160 else ""))


def _parse_head(head):
    lines = head.decode("iso-8859-1").split("\r\n")
    status = status_of(lines[0].encode("iso-8859-1"))
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers.append((name.strip(), value.strip()))
    return status, headers


def _dechunk(data):
    """The body of a chunked message, and whether its last chunk has arrived."""
    body = b""
    while True:
        line, sep, rest = data.partition(b"\r\n")
        if not sep:
            return body, False
        size = int(line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            return body, True
        if len(rest) < size + 2:
            return body, False
        body += rest[:size]
        data = rest[size + 2 :]


def read_one_response(sock, deadline):
    """Reads exactly one HTTP/1.1 response from `sock`, leaving the connection open."""
    data = b""
    while True:
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            status, headers = _parse_head(data[:head_end])
            reply = Reply(status, headers, data[head_end + 4 :])
            encoding = (reply.header("transfer-encoding") or "").lower()
            length = reply.header("content-length")
            if "chunked" in encoding:
                body, complete = _dechunk(reply.body)
                if complete:
                    return Reply(status, headers, body)
            elif length is not None and len(reply.body) >= int(length):
                return Reply(status, headers, reply.body[: int(length)])
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no complete response before the deadline")
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            if head_end >= 0:
                return reply
            raise ConnectionError(f"closed after {len(data)} bytes, before a whole response")
        data += chunk


def exchange_while_sending(port, source, request, timeout=30.0):
    """Sends `request` (bytes) from a thread while reading the response, so that an early
    answer (a 413 before the body is all sent) is read before the server closes."""
    sock = connect(port, source, timeout)

    def send():
        try:
            sock.sendall(request)
        except OSError:
            pass  # the server stopped reading: its answer is what counts

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        return read_one_response(sock, time.monotonic() + timeout)
    finally:
        try:
            sock.shutdown(socket.SHUT_RDWR)  # ends a send still blocked in the thread
        except OSError:
            pass
        sender.join(timeout=5)
        sock.close()


# ---------------------------------------------------------------- HTTP and the API


def request(port, method, path, *, source=None, headers=None, body=None, timeout=30.0):
    """One request on a connection of its own, from `source` (a fresh address by default)."""
    connection = http.client.HTTPConnection(
        SERVER_HOST, port, timeout=timeout, source_address=(source or fresh_address(), 0)
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


def api(server, method, path, payload=None, *, token=None, source=None, headers=None):
    """A JSON request to the API of `server`."""
    sent = {"Accept": "application/json"}
    body = None
    if payload is not None:
        sent["Content-Type"] = "application/json"
        body = json.dumps(payload).encode()
    if token:
        sent["Authorization"] = f"Bearer {token}"
    sent.update(headers or {})
    return request(server.port, method, path, source=source, headers=sent, body=body)


def random_handle(prefix="h"):
    return f"{prefix}{secrets.token_hex(5)}"


@dataclass
class Account:
    handle: str
    email: str
    password: str
    token: str


def sign_up(server, *, handle=None, display_name=None, email=None, source=None):
    """POSTs a sign-up (fields not given are fresh and valid); returns the reply and fields."""
    handle = handle or random_handle("u")
    fields = {
        "display_name": display_name if display_name is not None else f"Tester {handle}",
        "handle": handle,
        "email": email or f"{handle.lower()}-{secrets.token_hex(3)}@example.com",
        "password": f"pw-{secrets.token_hex(8)}",
    }
    reply = api(server, "POST", "/api/auth/sign_up", fields, source=source)
    return reply, fields


def new_account(server, prefix="u"):
    """A fresh account, signed up from a fresh address (so sign-up limits do not bite)."""
    reply, fields = sign_up(server, handle=random_handle(prefix))
    expect_status(reply, 201, f"set-up: signing up @{fields['handle']}")
    return Account(fields["handle"], fields["email"], fields["password"], reply.json()["token"])


def sign_in(server, login, password, *, source=None, headers=None):
    return api(
        server,
        "POST",
        "/api/auth/sign_in",
        {"login": login, "password": password},
        source=source,
        headers=headers,
    )


def create_crud(server, account, message="a crud to react to"):
    """Posts a crud as `account` through the API; returns its uuid."""
    reply = api(
        server, "POST", "/api/activities", {"message": message, "ttl": "1-hour"}, token=account.token
    )
    expect_status(reply, 200, "set-up: posting a crud")
    return reply.json()["uuid"]


# ---------------------------------------------------------------- a browser on the pages


def form(*pairs, raw=()):
    """A form-encoded body from (name, value) pairs, then `raw` pairs sent as written."""
    encoded = [urllib.parse.urlencode(pairs)] if pairs else []
    encoded += [f"{name}={value}" for name, value in raw]
    return "&".join(encoded)


_CSRF_INPUT = re.compile(r'<input\b[^>]*\bname="csrf_token"[^>]*>', re.IGNORECASE)
_VALUE = re.compile(r'\bvalue="([^"]*)"')


def csrf_field(page, action=None):
    """The `csrf_token` hidden field's value, within the form posting to `action` if given."""
    scope = page
    if action is not None:
        pattern = r'<form\b[^>]*\baction="' + re.escape(action) + r'"[^>]*>(.*?)</form>'
        found = re.search(pattern, page, re.IGNORECASE | re.DOTALL)
        if not found:
            return None
        scope = found.group(1)
    field = _CSRF_INPUT.search(scope)
    value = _VALUE.search(field.group(0)) if field else None
    return html.unescape(value.group(1)) if value else None


class Browser:
    """A cookie jar and an address, browsing the pages port like a browser on its own."""

    def __init__(self, server):
        self.port = server.web_port
        self.source = fresh_address()
        self.jar = {}
        self.csrf = None

    def cookie_named(self, part):
        """The name of the first cookie whose name contains `part` (so `__Host-` prefixes or
        renames still match), or None."""
        return next((name for name in self.jar if part in name.lower()), None)

    def csrf_cookie(self):
        return self.cookie_named("csrf") or "cruddur_csrf"

    def jar_with(self, name, value):
        jar = dict(self.jar)
        if value is None:
            jar.pop(name, None)
        else:
            jar[name] = value
        return jar

    def remember(self, reply):
        for line in reply.headers_named("set-cookie"):
            pair, _, attributes = line.partition(";")
            name, sep, value = pair.strip().partition("=")
            if not sep:
                continue
            if value == "" or re.search(r"(?i)max-age\s*=\s*0\s*(;|$)", attributes):
                self.jar.pop(name, None)
            else:
                self.jar[name] = value

    def headers(self, jar=None):
        jar = self.jar if jar is None else jar
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}

    def get(self, path):
        reply = request(self.port, "GET", path, source=self.source, headers=self.headers())
        self.remember(reply)
        return reply

    def post_form(self, path, body, jar=None):
        """POSTs a form as a same-origin page would (with its Origin). With `jar`, sends those
        cookies instead of the browser's own and keeps nothing the answer sets."""
        sent = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"http://{SERVER_HOST}:{self.port}",
            **self.headers(jar),
        }
        reply = request(self.port, "POST", path, source=self.source, headers=sent, body=body)
        if jar is None:
            self.remember(reply)
        return reply

    def post_large_form(self, path, body):
        """POSTs a big form over a raw socket, reading the answer while still sending."""
        data = body.encode()
        head = [
            f"POST {path} HTTP/1.1",
            f"Host: {SERVER_HOST}:{self.port}",
            f"Origin: http://{SERVER_HOST}:{self.port}",
            "Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {len(data)}",
            "Connection: close",
        ]
        head += [f"{k}: {v}" for k, v in self.headers().items()]
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + data
        return exchange_while_sending(self.port, self.source, raw)

    def sign_in(self, account):
        """Signs in through the form, then loads the home page for its composer's token."""
        page = self.get("/signin")
        expect_status(page, 200, "set-up: GET /signin")
        token = csrf_field(page.text, "/signin")
        expect(token, "set-up: the sign-in form has no csrf_token field")
        fields = (("login", account.handle), ("password", account.password), ("csrf_token", token))
        signed_in = self.post_form("/signin", form(*fields))
        expect_status(signed_in, 303, f"set-up: signing in @{account.handle} through the form")
        expect(self.cookie_named("session"), "set-up: signing in set no session cookie")
        home = self.get("/")
        expect_status(home, 200, "set-up: the home page once signed in")
        self.csrf = csrf_field(home.text, "/cruds")
        expect(self.csrf, "set-up: the home page has no composer form with a csrf_token")
