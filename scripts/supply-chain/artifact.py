"""An image's SBOM as an OCI artifact beside the image in the private registry (push-sbom.sh),
through oras-py. The artifact goes to the image's own repository, tagged `sha256-HEX.sbom` (the
tag clients look for when a registry has no referrers API), with artifactType
application/vnd.cyclonedx+json and the image's manifest as its `subject` (so a registry with
the referrers API lists it under the image too).

    python3 artifact.py push REPOSITORY@DIGEST SBOM.cdx.json
        Pushes the SBOM beside that image; prints REPOSITORY:sha256-HEX.sbom and the
        artifact's digest.
    python3 artifact.py pull REFERENCE DIR
        Pulls the artifact's files into DIR and prints their paths.
    python3 artifact.py manifest REFERENCE
        Prints the manifest the registry serves for REFERENCE.
    python3 artifact.py tags REPOSITORY
        Prints the repository's tags, one a line.
    python3 artifact.py catalog REGISTRY
        Prints the registry's repositories, one a line.
    python3 artifact.py referrers REPOSITORY@DIGEST
        Prints the HTTP status of the referrers API for that image, then the body when 200.

Env: REGISTRY_AUTH_FILE (the registry's credentials, in Docker's config.json format, as
start-registry.sh writes it), REGISTRY_CA (the CA its certificate is checked against).
"""

import hashlib
import json
import os
import sys

import oras.oci
import oras.provider

SBOM_TYPE = "application/vnd.cyclonedx+json"
# OCI 1.1's artifact form: the type in artifactType, the config the two-byte empty descriptor.
EMPTY_CONFIG = ":application/vnd.oci.empty.v1+json"
MANIFEST_TYPES = [
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
]


class Registry(oras.provider.Registry):
    """oras-py's client, with the manifest's artifactType set (oras-py has no option for it)."""

    artifact_type = None

    def upload_manifest(self, manifest, container):
        if self.artifact_type:
            manifest["artifactType"] = self.artifact_type
        return super().upload_manifest(manifest, container)


def registry():
    # The registry asks for htpasswd's Basic credentials; oras-py's default expects tokens.
    return Registry(tls_verify=os.environ["REGISTRY_CA"], auth_backend="basic")


def get(client, reference, url_of, accept=None):
    """GETs the URL url_of(container) gives, logged in to the reference's registry."""
    container = client.get_container(reference)
    client.auth.load_configs(container, configs=[os.environ["REGISTRY_AUTH_FILE"]])
    headers = {"Accept": ", ".join(accept)} if accept else {}
    return client.do_request(f"{client.prefix}://{url_of(container)}", "GET", headers=headers)


def subject_of(client, image):
    """The descriptor of the image's manifest, from the bytes the registry serves."""
    response = get(client, image, lambda c: c.manifest_url(), MANIFEST_TYPES)
    response.raise_for_status()
    digest = "sha256:" + hashlib.sha256(response.content).hexdigest()
    if digest != image.split("@", 1)[1]:
        sys.exit(f"{image}: the registry served a manifest of digest {digest}")
    media_type = response.headers["Content-Type"].split(";")[0]
    return oras.oci.Subject(mediaType=media_type, digest=digest, size=len(response.content))


def push(image, sbom):
    repository, digest = image.split("@", 1)
    target = f"{repository}:{digest.replace(':', '-')}.sbom"
    client = registry()
    client.artifact_type = SBOM_TYPE
    response = client.push(
        target=target,
        files=[f"{sbom}:{SBOM_TYPE}"],
        disable_path_validation=True,
        manifest_config=EMPTY_CONFIG,
        subject=subject_of(client, image),
        config_path=os.environ["REGISTRY_AUTH_FILE"],
        quiet=True,
    )
    print(target, response.headers["Docker-Content-Digest"])


def pull(reference, outdir):
    paths = registry().pull(
        target=reference, outdir=outdir, config_path=os.environ["REGISTRY_AUTH_FILE"]
    )
    print("\n".join(paths))


def manifest(reference):
    response = get(registry(), reference, lambda c: c.manifest_url(), MANIFEST_TYPES)
    response.raise_for_status()
    sys.stdout.buffer.write(response.content)


def tags(repository):
    response = get(registry(), repository, lambda c: c.tags_url())
    response.raise_for_status()
    print("\n".join(response.json().get("tags") or []))


def catalog(address):
    # Any repository name gives get_container the registry's address; the URL is the catalog.
    response = get(registry(), f"{address}/catalog", lambda c: f"{c.registry}/v2/_catalog")
    response.raise_for_status()
    print("\n".join(response.json().get("repositories") or []))


def referrers(image):
    digest = image.split("@", 1)[1]
    response = get(
        registry(),
        image,
        lambda c: f"{c.registry}/v2/{c.api_prefix}/referrers/{digest}",
        ["application/vnd.oci.image.index.v1+json"],
    )
    print(response.status_code)
    if response.status_code == 200:
        print(json.dumps(response.json()))


COMMANDS = {
    "push": push,
    "pull": pull,
    "manifest": manifest,
    "tags": tags,
    "catalog": catalog,
    "referrers": referrers,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](*sys.argv[2:])
