"""The images are the one source of truth for who a service runs as, where it listens and how
its health is checked; every platform's definition must say the same. Read from each
Dockerfile's USER, EXPOSE and HEALTHCHECK, and from the route the binary's `healthcheck`
subcommand probes, then compared with compose, the Swarm stack and its proxy, the Kubernetes
manifests and the ECS task definitions."""

import json
import re

import yaml
from cfnlint.decode import cfn_yaml

# The route each binary's `healthcheck` subcommand probes, and where that is written (the
# backend's probes HEALTH_CHECK of the API's route table, checked in `agreement`).
HEALTH_ROUTE = {
    "backend": ("crates/contract/src/routes.rs", r'HEALTH_CHECK = Get "(/[^"]+)"'),
    "frontend": ("crates/frontend/src/startup.rs", r'LIVENESS_PATH: &str = "(/[^"]+)"'),
}


def image(root, service):
    """(user, port, health command, health route) as the image and its program define them."""
    dockerfile = (root / f"docker/{service}.Dockerfile").read_text()
    user = re.search(r"(?m)^USER (\S+)", dockerfile).group(1)
    port = int(re.search(r"(?m)^EXPOSE (\d+)", dockerfile).group(1))
    health = json.loads(re.search(r"(?ms)^HEALTHCHECK .*?CMD (\[.*?\])", dockerfile).group(1))
    source, pattern = HEALTH_ROUTE[service]
    route = re.search(pattern, (root / source).read_text(), re.S).group(1)
    return user, port, health, route


def agreement(checks, root, kubernetes):
    compose = yaml.safe_load((root / "compose.yaml").read_text())["services"]
    stack = yaml.safe_load((root / "deploy/swarm/stack.yaml").read_text())["services"]
    proxy = (root / "deploy/swarm/haproxy.cfg").read_text()
    template = cfn_yaml.load(str(root / "deploy/aws/cruddur.yaml"))["Resources"]
    cli = (root / "crates/backend/src/cli.rs").read_text()
    checks.check("the backend's healthcheck probes the route table's HEALTH_CHECK",
                 re.search(r"probe\(.*?routes::HEALTH_CHECK", cli, re.S) is not None)
    for service in ("backend", "frontend"):
        user, port, health, route = image(root, service)
        uid, gid = (int(part) for part in user.split(":"))
        checks.check(f"{service} image: USER {user}, EXPOSE {port}, HEALTHCHECK {' '.join(health)} (probes {route})",
                     uid >= 10000 and health == [f"/cruddur-{service}", "healthcheck"])

        ours = compose[service]
        checks.check(f"compose {service}: same user, port and health check",
                     ours["user"] == user
                     and all(str(mapping).endswith(f":{port}") for mapping in ours["ports"])
                     and ours["healthcheck"]["test"] == ["CMD", *health])

        ours = stack[service]
        checks.check(f"swarm {service}: same user, the image's own health check, proxied to its port",
                     ours["user"] == user and "test" not in ours["healthcheck"]
                     and f"tasks.{service}:{port}" in proxy)

        deployment = next(d for d in kubernetes if d["kind"] == "Deployment" and d["metadata"]["name"] == service)
        pod = deployment["spec"]["template"]["spec"]
        container = next(c for c in pod["containers"] if c["name"] == service)
        checks.check(f"kubernetes {service}: same user, port, and the liveness route the binary probes",
                     (pod["securityContext"]["runAsUser"], pod["securityContext"]["runAsGroup"]) == (uid, gid)
                     and [p["containerPort"] for p in container["ports"] if p["name"] != "metrics"] == [port]
                     and container["livenessProbe"]["httpGet"]["path"] == route
                     and container["startupProbe"]["httpGet"]["path"] == route)

        task = next(r["Properties"] for r in template.values()
                    if r["Type"] == "AWS::ECS::TaskDefinition" and r["Properties"]["Family"] == f"cruddur-{service}")
        container = task["ContainerDefinitions"][0]
        targets = [r["Properties"] for r in template.values() if r["Type"] == "AWS::ElasticLoadBalancingV2::TargetGroup"]
        checks.check(f"ECS {service}: same user, port and health check; its target group on that port",
                     container["User"] == user
                     and [m["ContainerPort"] for m in container["PortMappings"] if m.get("Name") != "metrics"] == [port]
                     and container["HealthCheck"]["Command"] == ["CMD", *health]
                     and any(t["Port"] == port for t in targets))
