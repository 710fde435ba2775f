# The Cruddur JSON API (`cruddur-backend`) as a static binary on an empty image.
#
#   DOCKER_BUILDKIT=1 docker build -f docker/backend.Dockerfile -t cruddur-backend .
#   docker run --rm -p 127.0.0.1:4567:4567 --read-only --tmpfs /data:uid=65532,gid=65532 \
#       -e FRONTEND_URL='*' -e BACKEND_URL='*' cruddur-backend
#
# Build context: the repository root (see /.dockerignore, an allow-list). Needs BuildKit
# (cache mounts). No `# syntax=` line on purpose: BuildKit would pull a frontend image.
# The build image is the pinned upstream Rust image; where no registry is reachable, pass a
# local stand-in (scripts/offline-standins/build.sh) with --build-arg RUST_IMAGE=...

ARG RUST_IMAGE=rust:1.95.0-bookworm

# ---------------------------------------------------------------------------------------------
# checkov:skip=CKV_DOCKER_7: the tag is in the ARG default above (pinned, not latest); checkov does not resolve ARGs
FROM ${RUST_IMAGE} AS build

# cargo-auditable embeds the dependency list in the binary, so `cargo audit bin` and SBOM tools
# can read what was compiled in. Its own layer, the same in both Dockerfiles (and the gate test's
# fixture, scripts/supply-chain/fixtures/vulnerable/Dockerfile), so BuildKit builds
# it once for both images and keeps it until the version changes. cargo install does nothing
# when the build image already has that version.
ARG CARGO_AUDITABLE_VERSION=0.7.7
RUN --mount=type=cache,id=cruddur-cargo-registry,target=/usr/local/cargo/registry,sharing=shared \
    cargo install --locked --version "${CARGO_AUDITABLE_VERSION}" cargo-auditable

ARG TARGET=x86_64-unknown-linux-musl

# A static binary needs the musl target and, for the C it bundles (SQLite, jemalloc), musl-gcc.
# The upstream image has neither; a stand-in may already have both, so each is added only when
# missing.
RUN if ! command -v musl-gcc >/dev/null 2>&1; then \
        apt-get update \
        && apt-get install -y --no-install-recommends musl-tools=1.2.3-1 \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && if command -v rustup >/dev/null 2>&1; then rustup target add "${TARGET}"; fi

WORKDIR /src

# Sources only (no rust-toolchain.toml: the build image's toolchain is the pinned one, and a
# stand-in's copied toolchain has no rustup to read it). The whole workspace is needed for its
# manifest; only cruddur-backend and its path dependencies are compiled.
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates

# Dependency caching: the crates.io registry and the target directory live in BuildKit cache
# mounts, so a source change recompiles only the changed crates (and relinks), not the
# dependency tree. The registry is shared with the other image's build (cargo locks it
# itself); each image has its own target directory, so both can build at once. The binary is
# copied out of the cache mount into /out.
# Optimised for size ("s"): with the AWS SDK linked in, that is what keeps the image within
# its 20 MB budget; the password hash (argon2, blake2) keeps full speed.
RUN --mount=type=cache,id=cruddur-cargo-registry,target=/usr/local/cargo/registry,sharing=shared \
    --mount=type=cache,id=cruddur-cargo-git,target=/usr/local/cargo/git,sharing=shared \
    --mount=type=cache,id=cruddur-backend-target-musl,target=/src/target,sharing=locked \
    cargo auditable build --release --locked --target "${TARGET}" -p cruddur-backend \
        --config 'profile.release.opt-level="s"' \
        --config 'profile.release.package.argon2.opt-level=3' \
        --config 'profile.release.package.blake2.opt-level=3' \
    && install -D -m 0555 "target/${TARGET}/release/cruddur-backend" /out/cruddur-backend \
    && install -d -m 0700 -o 65532 -g 65532 /out/data

# The Mozilla roots of the distribution's ca-certificates package, for HTTPS to AWS when the
# messages are in DynamoDB: assembled from the package's own files, not copied from /etc/ssl,
# which a build machine may extend with its own CAs (a TLS proxy's) that must never ship.
RUN mkdir -p /out/etc/ssl/certs \
    && cat /usr/share/ca-certificates/mozilla/*.crt >/out/etc/ssl/certs/ca-certificates.crt

# ---------------------------------------------------------------------------------------------
FROM scratch

ARG VERSION=0.1.0
ARG SOURCE=https://github.com/cruddur/cruddur
ARG REVISION=unknown

LABEL org.opencontainers.image.title="cruddur-backend" \
      org.opencontainers.image.description="Cruddur micro-blogging JSON API (static binary, embedded SQLite or PostgreSQL)" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}"

COPY --from=build /out/cruddur-backend /cruddur-backend
COPY --from=build /out/etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
# The embedded SQLite store's folder, the only place the program writes. Mount a volume or a
# tmpfs (uid/gid 65532) there when the root filesystem is read-only.
COPY --from=build --chown=65532:65532 /out/data /data

USER 65532:65532
ENV HOST=0.0.0.0 \
    PORT=4567 \
    DATA_DIR=/data
EXPOSE 4567
VOLUME ["/data"]

HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/cruddur-backend", "healthcheck"]

ENTRYPOINT ["/cruddur-backend"]
CMD ["serve"]
