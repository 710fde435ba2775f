#!/usr/bin/env bash
# Build the local stand-in base images that replace upstream images no registry can serve
# on this machine (see ../shared/ENVIRONMENT.md). Idempotent: an image that already exists
# is kept (FORCE=1 rebuilds).
#
#   scripts/containers/build-standins.sh            # all stand-ins
#   scripts/containers/build-standins.sh rust       # only the Rust build image
#
# Prints `NAME=image:tag` lines on stdout, one per stand-in, for use as build arguments /
# compose variables (RUST_IMAGE=...).
#
# The stand-ins are local-only (`cruddur-local/...`) and are never pushed. Only they carry
# this machine's CA bundle (the TLS proxy's CA, needed for cargo/apt downloads at build time);
# the project's Dockerfiles and final images never do.
set -euo pipefail

RUST_STANDIN="${RUST_STANDIN:-cruddur-local/rust:1.95-bookworm}"
# Later slices of issue 4:
# POSTGRES_STANDIN="${POSTGRES_STANDIN:-cruddur-local/postgres:15-bookworm}"
# DYNAMODB_STANDIN="${DYNAMODB_STANDIN:-cruddur-local/dynamodb-local:latest}"

SUITE="${DEBIAN_SUITE:-bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
HOST_CA_BUNDLE="${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
HOST_TOOLCHAIN="${HOST_TOOLCHAIN:-${RUSTUP_HOME:-$HOME/.rustup}/toolchains/stable-x86_64-unknown-linux-gnu}"
WORK_ROOT="${STANDIN_WORKDIR:-/tmp/cruddur-standins}"

log() { printf '[build-standins] %s\n' "$*" >&2; }
image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

ensure_debootstrap() {
    if ! command -v debootstrap >/dev/null 2>&1; then
        log "installing debootstrap"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq debootstrap >/dev/null
    fi
}

# A minimal Debian root filesystem in $1 with the extra packages $2...
make_rootfs() {
    local dir="$1"; shift
    $SUDO rm -rf "$dir"
    mkdir -p "$dir"
    log "debootstrap --variant=minbase $SUITE -> $dir"
    $SUDO debootstrap --variant=minbase "$SUITE" "$dir" "$MIRROR" >"$dir.debootstrap.log" 2>&1 \
        || { tail -n 30 "$dir.debootstrap.log" >&2; return 1; }
    # Same apt sources as a Debian image; name resolution for apt in the chroot.
    cat >"$dir/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
SOURCES
    cp /etc/resolv.conf "$dir/etc/resolv.conf"
    if [ -f /etc/apt/apt.conf.d/99artifact-registry ]; then
        cp /etc/apt/apt.conf.d/99artifact-registry "$dir/etc/apt/apt.conf.d/"
    fi
    if [ "$#" -gt 0 ]; then
        log "apt-get install $* (chroot)"
        $SUDO chroot "$dir" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        $SUDO chroot "$dir" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    fi
    $SUDO chroot "$dir" apt-get clean
    $SUDO rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir/etc/resolv.conf"
    : >"$dir/etc/resolv.conf"
}

# Stand-in for `rust:1.95-bookworm`: Debian bookworm, a C toolchain (gcc, musl-gcc for
# static musl builds of C dependencies such as SQLite), this machine's Rust toolchain with
# the x86_64-unknown-linux-musl target, laid out like the upstream image
# (CARGO_HOME=/usr/local/cargo, tools on PATH).
build_rust() {
    if [ "${FORCE:-0}" != 1 ] && image_exists "$RUST_STANDIN"; then
        log "$RUST_STANDIN exists, kept"
        echo "RUST_IMAGE=$RUST_STANDIN"
        return
    fi
    ensure_debootstrap
    # The musl standard library, added to the host toolchain (outside the project directory so
    # its rust-toolchain.toml does not pick the toolchain).
    if [ ! -d "$HOST_TOOLCHAIN/lib/rustlib/x86_64-unknown-linux-musl" ]; then
        log "rustup target add x86_64-unknown-linux-musl"
        (cd / && rustup target add --toolchain "$(basename "$HOST_TOOLCHAIN")" x86_64-unknown-linux-musl)
    fi
    local dir="$WORK_ROOT/rust"
    local t0=$SECONDS
    make_rootfs "$dir" gcc libc6-dev ca-certificates musl-tools
    log "copying the Rust toolchain from $HOST_TOOLCHAIN (without its documentation)"
    $SUDO mkdir -p "$dir/usr/local/rust" "$dir/usr/local/cargo/bin"
    $SUDO tar -C "$HOST_TOOLCHAIN" --exclude=./share/doc -c . | $SUDO tar -C "$dir/usr/local/rust" -x
    # Local stand-in only: trust the TLS proxy that downloads pass through.
    $SUDO cp "$HOST_CA_BUNDLE" "$dir/etc/ssl/certs/ca-certificates.crt"
    log "docker import -> $RUST_STANDIN"
    $SUDO tar -C "$dir" -c . | docker import \
        -c 'ENV PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        -c 'ENV CARGO_HOME=/usr/local/cargo' \
        -c 'ENV RUST_VERSION=1.95.0' \
        -c 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
        -c 'LABEL org.opencontainers.image.title="cruddur local stand-in for rust:1.95-bookworm" org.opencontainers.image.description="Local-only build image; carries this machine CA bundle; never push"' \
        -c 'WORKDIR /' \
        -c 'CMD ["bash"]' \
        - "$RUST_STANDIN" >/dev/null
    $SUDO rm -rf "$dir" "$dir.debootstrap.log"
    docker run --rm "$RUST_STANDIN" sh -c 'cargo --version && rustc --print target-libdir --target x86_64-unknown-linux-musl >/dev/null && musl-gcc --version >/dev/null' >&2
    log "$RUST_STANDIN built in $((SECONDS - t0))s"
    echo "RUST_IMAGE=$RUST_STANDIN"
}

# Placeholders for the next slices of issue 4 (compose stack):
build_postgres() { log "postgres stand-in: not implemented yet (next slice)"; }
build_dynamodb() { log "dynamodb-local stand-in: not implemented yet (next slice)"; }

docker info >/dev/null 2>&1 || { log "no Docker engine; run scripts/containers/setup-docker.sh"; exit 1; }
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(rust postgres dynamodb)
for t in "${targets[@]}"; do
    case "$t" in
        rust) build_rust ;;
        postgres) build_postgres ;;
        dynamodb) build_dynamodb ;;
        *) log "unknown stand-in: $t (rust|postgres|dynamodb)"; exit 2 ;;
    esac
done
