# The Cruddur web pages (`cruddur-frontend`) as a static binary on an empty image.
#
#   DOCKER_BUILDKIT=1 docker build -f docker/frontend.Dockerfile -t cruddur-frontend .
#   docker run --rm -p 127.0.0.1:3000:3000 --read-only -e API_URL=http://backend:4567 cruddur-frontend
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

# No C dependency here (no TLS, no SQLite), so the musl target is all a static binary needs;
# a stand-in without rustup has it already.
RUN if command -v rustup >/dev/null 2>&1; then rustup target add "${TARGET}"; fi

WORKDIR /src

# Sources only; the whole workspace is needed for its manifest, only cruddur-frontend and its
# path dependencies are compiled (see backend.Dockerfile on rust-toolchain.toml).
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates

# Dependency caching: the crates.io registry and the target directory live in BuildKit cache
# mounts, so a source change recompiles only the changed crates (and relinks), not the
# dependency tree. The registry is shared with the other image's build (cargo locks it
# itself); each image has its own target directory, so both can build at once. The binary is
# copied out of the cache mount into /out.
RUN --mount=type=cache,id=cruddur-cargo-registry,target=/usr/local/cargo/registry,sharing=shared \
    --mount=type=cache,id=cruddur-cargo-git,target=/usr/local/cargo/git,sharing=shared \
    --mount=type=cache,id=cruddur-frontend-target-musl,target=/src/target,sharing=locked \
    cargo auditable build --release --locked --target "${TARGET}" -p cruddur-frontend \
    && install -D -m 0555 "target/${TARGET}/release/cruddur-frontend" /out/cruddur-frontend

# ---------------------------------------------------------------------------------------------
FROM scratch

ARG VERSION=0.1.0
ARG SOURCE=https://github.com/cruddur/cruddur
ARG REVISION=unknown

LABEL org.opencontainers.image.title="cruddur-frontend" \
      org.opencontainers.image.description="Cruddur web frontend: server-rendered pages over the JSON API (static binary)" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}"

# Templates and static assets are compiled into the binary: it is the whole image. It writes
# no file, so a read-only root filesystem needs no tmpfs.
COPY --from=build /out/cruddur-frontend /cruddur-frontend

USER 65532:65532
ENV HOST=0.0.0.0 \
    PORT=3000
EXPOSE 3000

HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/cruddur-frontend", "healthcheck"]

ENTRYPOINT ["/cruddur-frontend"]
CMD ["serve"]
