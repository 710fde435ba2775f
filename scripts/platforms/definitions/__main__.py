"""Tier 3, offline: the platform definitions beyond compose, checked without a cluster.

- deploy/swarm: the stack file renders (`docker stack config`), also with images pinned by digest;
- deploy/kubernetes: the production overlay renders (`kubectl kustomize`), also with its images
  pinned by digest (an overlay on it setting `digest:`), is valid against the
  Kubernetes 1.30 schemas, meets Pod Security "restricted" on every pod, and is clean under
  checkov and Trivy (reviewed exceptions only: annotations, .trivyignore.yaml);
- deploy/aws: cfn-lint finds no error, checkov and Trivy are clean, and moto's ECS, ECR and
  Secrets Manager accept the template's repositories, secrets, task definitions and services;
- every platform agrees with the images on the user, the ports and the health check;
- every platform sets METRICS_ADDR (port 9464) and LOG_FORMAT=json on both services and keeps the
  metrics port inside (compose, cloud-init, Swarm, Kubernetes, ECS).

Usage: python3 scripts/platforms/definitions   (scripts/platforms/check-definitions.sh
installs the tools). Prints one ok/FAIL line per check, `containers: N passed, M failed` last.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from agreement import agreement  # noqa: E402
from checks import Checks  # noqa: E402
from ecs_on_moto import PINNED, ecs_on_moto  # noqa: E402
from observability import METRICS_PORT, observability  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
OVERLAY = ROOT / "deploy/kubernetes/overlays/production"
TEMPLATE = ROOT / "deploy/aws/cruddur.yaml"
TRIVY = ["trivy", "config", "--quiet", "--exit-code", "1", "--ignorefile", str(ROOT / ".trivyignore.yaml")]
CHECKOV = ["checkov", "--quiet", "--compact", "--skip-download"]


def ran(checks, what, command, **options):
    """A check that `command` succeeds; its output is shown when it does not."""
    done = subprocess.run(command, capture_output=True, text=True, **options)
    if not checks.check(what, done.returncode == 0):
        print("\n".join("        " + line for line in (done.stdout + done.stderr).splitlines()[-40:]))
    return done


def pinned_swarm(checks):
    """The stack runs the images it is given by digest (BACKEND_IMAGE, FRONTEND_IMAGE)."""
    images = {service: f"registry.example/cruddur-{service}@{PINNED}" for service in ("backend", "frontend")}
    done = subprocess.run(["docker", "stack", "config", "-c", str(ROOT / "deploy/swarm/stack.yaml")],
                          capture_output=True, text=True,
                          env={**os.environ, "BACKEND_IMAGE": images["backend"], "FRONTEND_IMAGE": images["frontend"]})
    services = yaml.safe_load(done.stdout)["services"] if done.returncode == 0 else {}
    checks.check("stack file renders with images pinned by digest",
                 all(services.get(service, {}).get("image") == image for service, image in images.items()))


def pinned_kubernetes(checks):
    """An overlay over production that pins its images by digest (what `kustomize edit set
    image NAME@sha256:…` writes) renders every Cruddur container with that digest."""
    production = yaml.safe_load((OVERLAY / "kustomization.yaml").read_text())["images"]
    with tempfile.TemporaryDirectory() as overlay:
        (Path(overlay) / "kustomization.yaml").write_text(yaml.safe_dump({
            "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
            "resources": [os.path.relpath(OVERLAY, overlay)],
            "images": [{"name": image["newName"], "digest": PINNED} for image in production]}))
        done = subprocess.run(["kubectl", "kustomize", overlay], capture_output=True, text=True)
    pods = [document["spec"]["template"]["spec"] for document in yaml.safe_load_all(done.stdout)
            if document and "template" in document.get("spec", {})] if done.returncode == 0 else []
    rendered = {container["image"] for pod in pods for container in pod.get("initContainers", []) + pod["containers"]
                if "cruddur-" in container["image"]}
    checks.check("production overlay with its images pinned by digest renders every container so",
                 rendered == {f"{image['newName']}@{PINNED}" for image in production})


def restricted(checks, documents):
    """Pod Security "restricted", and what the issue adds (no token, probes, limits), for
    every pod template."""
    for document in documents:
        pod = document.get("spec", {}).get("template", {}).get("spec")
        if pod is None:
            continue
        name = f"{document['kind']}/{document['metadata']['name']}"
        context = pod.get("securityContext", {})
        checks.check(f"{name}: runs as non-root, seccomp RuntimeDefault, no service-account token",
                     context.get("runAsNonRoot") is True
                     and context.get("seccompProfile", {}).get("type") == "RuntimeDefault"
                     and pod.get("automountServiceAccountToken") is False)
        for container in pod.get("initContainers", []) + pod["containers"]:
            security = container.get("securityContext", {})
            checks.check(f"{name}/{container['name']}: no privilege escalation, read-only root, drops ALL",
                         security.get("allowPrivilegeEscalation") is False
                         and security.get("readOnlyRootFilesystem") is True
                         and security.get("capabilities", {}).get("drop") == ["ALL"])
            resources = container.get("resources", {})
            checks.check(f"{name}/{container['name']}: cpu and memory requested and limited",
                         all(resources.get(kind, {}).get(what) for kind in ("requests", "limits")
                             for what in ("cpu", "memory")))
            if container in pod["containers"]:
                checks.check(f"{name}/{container['name']}: startup, readiness and liveness probes",
                             all(probe in container for probe in ("startupProbe", "readinessProbe", "livenessProbe")))


def main():
    checks = Checks()
    os.environ.update(TRIVY_SKIP_DB_UPDATE="1", TRIVY_SKIP_JAVA_DB_UPDATE="1", TRIVY_SKIP_CHECK_UPDATE="1",
                      TRIVY_OFFLINE_SCAN="1", TRIVY_DISABLE_TELEMETRY="1")
    print("swarm:")
    ran(checks, "stack file renders (docker stack config)",
        ["docker", "stack", "config", "-c", str(ROOT / "deploy/swarm/stack.yaml")])
    pinned_swarm(checks)

    print("kubernetes:")
    with tempfile.TemporaryDirectory() as rendered_dir:
        # Named as .trivyignore.yaml's paths name it.
        rendered = Path(rendered_dir) / "kubernetes.yaml"
        done = ran(checks, "production overlay renders (kubectl kustomize)", ["kubectl", "kustomize", str(OVERLAY)])
        rendered.write_text(done.stdout)
        documents = [document for document in yaml.safe_load_all(done.stdout) if document]
        ran(checks, f"{len(documents)} objects valid against Kubernetes 1.30 schemas (strict)",
            ["kubernetes-validate", "--quiet", "--strict", "-k", "1.30.0", str(rendered)])
        restricted(checks, documents)
        pinned_kubernetes(checks)
        ran(checks, "checkov: clean (skips only by annotation, with reasons)",
            [*CHECKOV, "--framework", "kubernetes", "-f", str(rendered)])
        ran(checks, "trivy config: clean (reviewed exceptions in .trivyignore.yaml)", [*TRIVY, rendered_dir])

    print("aws:")
    ran(checks, "cfn-lint: no error or warning", ["cfn-lint", str(TEMPLATE)])
    ran(checks, "checkov: clean (skips only in the template's metadata, with reasons)",
        [*CHECKOV, "--framework", "cloudformation", "-f", str(TEMPLATE)])
    ran(checks, "trivy config: clean (reviewed exceptions in .trivyignore.yaml)", [*TRIVY, str(TEMPLATE.parent)])
    ecs_on_moto(checks, TEMPLATE)

    print("images and platforms agree (user, ports, health check):")
    agreement(checks, ROOT, documents)

    print(f"metrics and JSON logs on every platform (port {METRICS_PORT} kept inside):")
    observability(checks, ROOT, documents)
    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
