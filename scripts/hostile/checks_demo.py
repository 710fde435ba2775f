"""Finding 11: demo mode (config B) must only serve what asks for it by its own name, refuse
cross-site writes made on the demo user's behalf, and never listen beyond loopback."""

import subprocess
import tempfile

from net import api, request
from runner import check, expect, expect_status
from servers import base_env, free_ports

EXIT_WITHIN = 10


@check(11, "B")
def demo_mode_checks_the_host_header(ctx):
    server = ctx.server("B")
    rebound = request(server.port, "GET", "/api/message_groups", headers={"Host": "evil.example"})
    expect_status(rebound, 403, "Host: evil.example in demo mode")
    expect(b'"uuid"' not in rebound.body, "the demo user's message groups were returned to Host: evil.example")
    for host in (f"localhost:{server.port}", f"127.0.0.1:{server.port}"):
        reply = request(server.port, "GET", "/api/message_groups", headers={"Host": host})
        expect_status(reply, 200, f"Host: {host} in demo mode")


@check(11, "B")
def demo_mode_refuses_cross_origin_anonymous_writes(ctx):
    server = ctx.server("B")
    crud = {"message": "posted with no token", "ttl": "1-hour"}
    cross = api(server, "POST", "/api/activities", crud, headers={"Origin": "http://evil.example"})
    expect_status(cross, 403, "an anonymous POST /api/activities with Origin: http://evil.example")
    plain = api(server, "POST", "/api/activities", crud)
    expect_status(plain, 200, "an anonymous POST /api/activities without Origin (not a browser)")


@check(11)
def demo_mode_refuses_a_public_listen_address(ctx):
    port, web_port = free_ports(2)
    with tempfile.TemporaryDirectory(prefix="hostile-public-") as data_dir:
        env = {**base_env(), "HOST": "0.0.0.0", "PORT": str(port), "WEB_PORT": str(web_port), "DATA_DIR": data_dir}
        process = subprocess.Popen(
            [ctx.binary], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            _, stderr = process.communicate(timeout=EXIT_WITHIN)
        except subprocess.TimeoutExpired:
            stderr = None
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    expect(stderr is not None, f"demo mode on HOST=0.0.0.0 still running after {EXIT_WITHIN} s")
    expect(process.returncode != 0, "demo mode on HOST=0.0.0.0 exited with status 0")
    expect(b"demo" in stderr.lower(), f"stderr does not mention demo mode: {stderr[-300:]!r}")
