"""Metrics and logs on every platform: both services serve Prometheus metrics on port 9464
(METRICS_ADDR) and log JSON lines (LOG_FORMAT=json), and no platform lets the metrics port out
of its own network: compose, the VM of deploy/cloud-init.yaml (compose.yaml with an override),
the Swarm stack and its proxy, the Kubernetes manifests (Services and NetworkPolicies) and the
ECS task definitions (load balancer and security groups). Two checks per platform and service:
the settings, and the port kept in."""

import re
import textwrap

import yaml
from cfnlint.decode import cfn_yaml

METRICS_PORT = 9464
SERVICES = ("backend", "frontend")


def sets_both(environment):
    """METRICS_ADDR listens on every interface at the metrics port (a loopback address could
    not be scraped), and LOG_FORMAT is json."""
    host, _, port = str(environment.get("METRICS_ADDR", "")).rpartition(":")
    return host in ("0.0.0.0", "[::]") and port == str(METRICS_PORT) and environment.get("LOG_FORMAT") == "json"


def covers_metrics(mapping):
    """Whether a compose or stack port mapping (short or long syntax) names the metrics port."""
    text = f"{mapping.get('target', '')} {mapping.get('published', '')}" if isinstance(mapping, dict) else str(mapping)
    ranges = [(int(low), int(high)) for low, high in re.findall(r"(\d+)-(\d+)", text)]
    return any(low <= METRICS_PORT <= high for low, high in ranges) or str(METRICS_PORT) in re.findall(r"\d+", text)


def observability(checks, root, kubernetes):
    compose_file(checks, yaml.safe_load((root / "compose.yaml").read_text()))
    cloud_init(checks, yaml.safe_load((root / "deploy/cloud-init.yaml").read_text()))
    swarm(checks, yaml.safe_load((root / "deploy/swarm/stack.yaml").read_text()),
          (root / "deploy/swarm/haproxy.cfg").read_text())
    kubernetes_manifests(checks, kubernetes)
    ecs(checks, cfn_yaml.load(str(root / "deploy/aws/cruddur.yaml"))["Resources"])


def compose_file(checks, compose):
    for service in SERVICES:
        ours = compose["services"][service]
        checks.check(f"compose {service}: METRICS_ADDR on :{METRICS_PORT}, LOG_FORMAT=json",
                     sets_both(ours.get("environment", {})))
        checks.check(f"compose {service}: metrics port not published, on the internal `metrics` network",
                     not any(covers_metrics(m) for s in compose["services"].values() for m in s.get("ports", []))
                     and "metrics" in ours.get("networks", [])
                     and compose["networks"]["metrics"].get("internal") is True)


def cloud_init(checks, config):
    """The VM runs compose.yaml (checked above) with an override its deploy script writes: that
    override must leave the settings and the ports alone, and Caddy proxy only the public ports."""
    files = {entry["path"]: entry["content"] for entry in config["write_files"]}
    deploy = files["/usr/local/sbin/cruddur-deploy"]
    overrides = [yaml.safe_load(re.sub(r"\$\{[^}]*\}", "x", textwrap.dedent(body)))["services"]
                 for body in re.findall(r"cat >/etc/cruddur/compose\.vm\.yaml <<EOF\n(.*?)\n\s*EOF", deploy, re.S)]
    runs_compose = "-f /opt/cruddur/src/compose.yaml" in files["/usr/local/bin/cruddur-compose"]
    caddy = re.search(r"cat >/etc/caddy/Caddyfile <<EOF\n(.*?)\n\s*EOF", deploy, re.S).group(1)
    for service in SERVICES:
        untouched = all(
            not {"METRICS_ADDR", "LOG_FORMAT"} & set(override.get(service, {}).get("environment", {}))
            and "ports" not in override.get(service, {}) for override in overrides)
        checks.check(f"cloud-init {service}: compose.yaml's METRICS_ADDR and LOG_FORMAT, not overridden",
                     runs_compose and overrides and untouched)
        checks.check(f"cloud-init {service}: metrics port not published nor proxied by Caddy",
                     untouched and str(METRICS_PORT) not in caddy
                     and set(re.findall(r"reverse_proxy 127\.0\.0\.1:(\d+)", caddy)) == {"3000", "4567"})


def swarm(checks, stack, proxy):
    for service in SERVICES:
        ours = stack["services"][service]
        checks.check(f"swarm {service}: METRICS_ADDR on :{METRICS_PORT}, LOG_FORMAT=json",
                     sets_both(ours.get("environment", {})))
        checks.check(f"swarm {service}: metrics port published by no service nor proxied, "
                     "on the internal `metrics` network",
                     not any(covers_metrics(m) for s in stack["services"].values() for m in s.get("ports", []))
                     and f":{METRICS_PORT}" not in proxy
                     and "metrics" in ours.get("networks", [])
                     and stack["networks"]["metrics"].get("internal") is True)


def selects(selector, labels):
    """A Kubernetes label selector (matchLabels, and the In and NotIn of matchExpressions)."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        inside = labels.get(expression["key"]) in expression.get("values", [])
        if {"In": not inside, "NotIn": inside}.get(expression["operator"], True):
            return False
    return True


def kubernetes_manifests(checks, documents):
    services = [d for d in documents if d["kind"] == "Service"]
    policies = [d["spec"] for d in documents if d["kind"] == "NetworkPolicy"]
    for service in SERVICES:
        deployment = next(d for d in documents if d["kind"] == "Deployment" and d["metadata"]["name"] == service)
        template = deployment["spec"]["template"]
        container = next(c for c in template["spec"]["containers"] if c["name"] == service)
        environment = {variable["name"]: variable.get("value") for variable in container.get("env", [])}
        checks.check(f"kubernetes {service}: METRICS_ADDR on :{METRICS_PORT}, LOG_FORMAT=json", sets_both(environment))

        labels = template["metadata"]["labels"]
        exposed = any(port.get("port") == METRICS_PORT or port.get("targetPort") in (METRICS_PORT, "metrics")
                      for s in services if selects({"matchLabels": s["spec"].get("selector", {})}, labels)
                      for port in s["spec"]["ports"])
        # Ingress rules that let the metrics port in (a rule without ports lets every port in):
        # each must name its peers by pod or namespace (in the cluster), not by address, and
        # one at least must exist, or no scraper reaches the pods past the default deny.
        rules = [rule for policy in policies if selects(policy["podSelector"], labels)
                 for rule in policy.get("ingress", [])
                 if "ports" not in rule or any(p.get("port") in (METRICS_PORT, "metrics") for p in rule["ports"])]
        in_cluster = rules and all(rule.get("from") and not any("ipBlock" in peer for peer in rule["from"])
                                   for rule in rules)
        checks.check(f"kubernetes {service}: container port `metrics` {METRICS_PORT}, in no Service, "
                     "NetworkPolicies let in-cluster scrapers alone reach it",
                     {"name": "metrics", "containerPort": METRICS_PORT} in container.get("ports", [])
                     and not exposed and in_cluster)


def opens(rule):
    """Whether a security group rule covers the metrics port."""
    if str(rule.get("IpProtocol")) == "-1":
        return True
    return rule.get("IpProtocol") == "tcp" and rule.get("FromPort", 0) <= METRICS_PORT <= rule.get("ToPort", 65535)


def ecs(checks, resources):
    def of_type(kind):
        return [r["Properties"] for r in resources.values() if r["Type"] == kind]
    forwarded = ({t["Port"] for t in of_type("AWS::ElasticLoadBalancingV2::TargetGroup")}
                 | {listener.get("Port") for listener in of_type("AWS::ElasticLoadBalancingV2::Listener")}
                 | {b["ContainerPort"] for s in of_type("AWS::ECS::Service") for b in s.get("LoadBalancers", [])})
    # Every rule letting the metrics port in, by the group it belongs to.
    ingress = [(name, rule) for name, r in resources.items() if r["Type"] == "AWS::EC2::SecurityGroup"
               for rule in r["Properties"].get("SecurityGroupIngress", [])]
    ingress += [(r["Properties"]["GroupId"].get("Ref"), r["Properties"]) for r in resources.values()
                if r["Type"] == "AWS::EC2::SecurityGroupIngress"]
    ingress = [(group, rule) for group, rule in ingress if opens(rule)]
    # From another security group, or the VPC's own range: never an address range of the internet.
    inside = all("SourceSecurityGroupId" in rule or rule.get("CidrIp") == {"Ref": "VpcCidr"} for _, rule in ingress)
    for service in SERVICES:
        name, task = next((name, r["Properties"]) for name, r in resources.items()
                          if r["Type"] == "AWS::ECS::TaskDefinition"
                          and r["Properties"]["Family"] == f"cruddur-{service}")
        container = task["ContainerDefinitions"][0]
        environment = {variable["Name"]: variable["Value"] for variable in container.get("Environment", [])}
        checks.check(f"ECS {service}: METRICS_ADDR on :{METRICS_PORT}, LOG_FORMAT=json", sets_both(environment))

        ecs_service = next(s for s in of_type("AWS::ECS::Service") if s["TaskDefinition"] == {"Ref": name})
        network = ecs_service["NetworkConfiguration"]["AwsvpcConfiguration"]
        groups = {group["Ref"] for group in network["SecurityGroups"]}
        checks.check(f"ECS {service}: metrics port behind no load balancer; its security group opens it "
                     "within the VPC only",
                     METRICS_PORT not in forwarded and inside and any(group in groups for group, _ in ingress))
