"""Findings 1-4: connections that are held open, slow-lorises, and fd exhaustion."""

import http.client
import time

from net import (
    close_all,
    connect,
    fresh_address,
    is_open,
    new_account,
    read_one_response,
    request,
    trickle,
    wait_closed,
)
from runner import check, expect, expect_status
from servers import BODY_TIMEOUT, HEADER_TIMEOUT, IDLE_TIMEOUT

# What HTTP/2 "prior knowledge" starts with: the client preface, then an empty SETTINGS frame.
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
H2_EMPTY_SETTINGS = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"


def open_connections(port, sources, count, timeout=0.25, give_up_after=25, budget=3.0):
    """Up to `count` connections, round-robin over `sources`; refusals and timeouts are
    skipped, within bounds: `give_up_after` failures in a row or `budget` seconds end it."""
    held, failures_in_a_row = [], 0
    attempt = 0
    ends = time.monotonic() + budget
    while len(held) < count and failures_in_a_row < give_up_after and time.monotonic() < ends:
        try:
            held.append(connect(port, sources[attempt % len(sources)], timeout))
            failures_in_a_row = 0
        except OSError:
            failures_in_a_row += 1
        attempt += 1
    return held


@check(1, "A")
def idle_connections_are_closed(ctx):
    server = ctx.server("A")
    held = open_connections(server.port, [fresh_address() for _ in range(10)], 100)
    try:
        expect(len(held) == 100, f"only {len(held)} of 100 connections could be opened")
        left_open = wait_closed(held, time.monotonic() + IDLE_TIMEOUT + 2)
        expect(not left_open, f"{len(left_open)} of 100 silent connections still open after {IDLE_TIMEOUT + 2} s")
    finally:
        close_all(held)


@check(1, "A")
def idle_keep_alive_connection_is_closed(ctx):
    server = ctx.server("A")
    sock = connect(server.port, fresh_address())
    try:
        sock.sendall(f"GET /api/health-check HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
        reply = read_one_response(sock, time.monotonic() + 5)
        expect_status(reply, 200, "the request before the connection goes idle")
        left_open = wait_closed([sock], time.monotonic() + IDLE_TIMEOUT + 2)
        expect(not left_open, f"the keep-alive connection was still open {IDLE_TIMEOUT + 2} s after its response")
    finally:
        sock.close()


@check(1, "A")
def idle_http2_connection_is_closed(ctx):
    server = ctx.server("A")
    sock = connect(server.port, fresh_address())
    try:
        sock.sendall(H2_PREFACE + H2_EMPTY_SETTINGS)
        left_open = wait_closed([sock], time.monotonic() + IDLE_TIMEOUT + 2)
        expect(not left_open, f"the silent HTTP/2 connection was still open after {IDLE_TIMEOUT + 2} s")
    finally:
        sock.close()


@check(2, "A")
def slow_headers_are_cut_off(ctx):
    server = ctx.server("A")
    deadline = time.monotonic() + HEADER_TIMEOUT + 2
    sock = connect(server.port, fresh_address())
    try:
        sock.sendall(b"GET /api/health-check HTTP/1.1\r\nHost: x\r\n")
        ended = trickle(sock, b"X-Slow-Loris: " + b"a" * 50, 1.0, deadline)
        expect(ended.outcome != "open", f"still reading headers after {ended.elapsed:.1f} s ({ended.sent} bytes trickled)")
        expect(ended.outcome == "closed" or ended.status == 408, f"answered {ended.status}, expected 408 or a close")
    finally:
        sock.close()


@check(3, "A")
def slow_body_has_a_total_deadline(ctx):
    server = ctx.server("A")
    account = new_account(server)
    sock = connect(server.port, fresh_address())
    try:
        head = (
            f"POST /api/activities HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Authorization: Bearer {account.token}\r\ncontent-type: application/json\r\n"
            "Content-Length: 60000\r\n\r\n"
        )
        sock.sendall(head.encode())
        deadline = time.monotonic() + BODY_TIMEOUT + 2
        ended = trickle(sock, b'{"message":"' + b"a" * 200, 1.0, deadline)
        expect(ended.outcome != "open", f"still reading the body after {ended.elapsed:.1f} s ({ended.sent} bytes trickled)")
        expect(ended.status not in (401, 403), f"answered {ended.status} before reading the body: nothing was tested")
        expect(ended.outcome == "closed" or 400 <= (ended.status or 0) < 500, f"answered {ended.status}, expected a 4xx (408) or a close")
    finally:
        sock.close()


def top_up(held, port, sources, count):
    """Drops the connections the server closed (or answered) and opens new ones up to `count`."""
    still_open = []
    for sock in held:
        if is_open(sock):
            still_open.append(sock)
        else:
            sock.close()
    held[:] = still_open
    held.extend(open_connections(port, sources, count - len(held)))


@check(4, "A_capped")
def health_check_answers_under_fd_pressure(ctx):
    server = ctx.server("A_capped")
    sources = [fresh_address() for _ in range(30)]
    held = []
    try:
        for attempt in range(1, 4):
            top_up(held, server.port, sources, 300)
            started = time.monotonic()
            try:
                reply, error = request(server.port, "GET", "/api/health-check", timeout=2.0), None
            except (OSError, http.client.HTTPException) as failure:
                reply, error = None, f"{type(failure).__name__}: {failure}"
            took = time.monotonic() - started
            what = f"health check {attempt}/3 with {len(held)} idle connections held"
            expect(reply is not None, f"{what}: {error} after {took:.1f} s")
            expect_status(reply, 200, what)
            expect(took <= 2.0, f"{what}: answered after {took:.1f} s")
    finally:
        close_all(held)
