#!/usr/bin/env bash
# A rootless Docker engine beside the root one, for tests: the daemon itself runs as an
# unprivileged user this script creates (see docs/containers.md, "Rootless Docker").
#
#   scripts/containers/rootless-engine.sh start NAME   # prints DOCKER_HOST=unix://... on stdout
#   scripts/containers/rootless-engine.sh stop NAME    # kills the daemon, removes NAME and its files
#
# `start` installs Debian's rootlesskit, slirp4netns and uidmap when missing, opens
# /dev/net/tun to unprivileged users (slirp4netns needs it; 0600 on a fresh machine), creates
# the user NAME with subordinate uid/gid ranges, and starts dockerd-rootless.sh as NAME in its
# own session, with its own XDG_RUNTIME_DIR and data-root under NAME's home. It waits until the
# daemon answers. `stop` undoes all of it, /dev/net/tun's mode included, by the ids it recorded.
# The root engine is neither used nor touched. NAME must not be an existing user.
#
# Env: ROOTLESS_WAIT_SECS (default 60), ROOTLESS_DATA_TMPFS (size of the tmpfs the data-root is
#      on, default 4g: memory used only as filled; empty: on disk), DOCKERD_ROOTLESS_FLAGS (extra dockerd flags, default
#      --icc=false: containers on the default bridge cannot talk to each other).
set -euo pipefail
LOG_TAG=rootless-engine
# shellcheck source=scripts/containers/lib.sh
. "$(dirname "$0")/lib.sh"

ROOTLESS_WAIT_SECS="${ROOTLESS_WAIT_SECS:-60}"
ROOTLESS_DATA_TMPFS="${ROOTLESS_DATA_TMPFS-4g}"
DOCKERD_ROOTLESS_FLAGS="${DOCKERD_ROOTLESS_FLAGS:---icc=false}"
DOCKERD_ROOTLESS=/usr/share/docker.io/contrib/dockerd-rootless.sh
# What `start` changed on the host, read back by `stop`.
STATE_DIR=/run/cruddur-rootless

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

home_of() { printf '/home/%s' "$1"; }
runtime_dir_of() { printf '%s/run' "$(home_of "$1")"; }
data_root_of() { printf '%s/.local/share/docker' "$(home_of "$1")"; }
socket_of() { printf '%s/docker.sock' "$(runtime_dir_of "$1")"; }

install_packages() {
    command -v rootlesskit >/dev/null && command -v slirp4netns >/dev/null && command -v newuidmap >/dev/null \
        && [ -x "$DOCKERD_ROOTLESS" ] && return 0
    log "installing rootlesskit slirp4netns uidmap"
    $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
        rootlesskit slirp4netns uidmap docker.io >/dev/null
}

# slirp4netns opens /dev/net/tun inside the user's namespace, as that user.
open_tun() {
    local state="$1"
    [ -c /dev/net/tun ] || { $SUDO mkdir -p /dev/net && $SUDO mknod -m 0600 /dev/net/tun c 10 200; }
    stat -c %a /dev/net/tun >"$state/tun-mode"
    $SUDO chmod 0666 /dev/net/tun
}

create_user() {
    local name="$1"
    # Debian's useradd gives a new regular user 65536 subordinate uids and gids (login.defs).
    $SUDO useradd --create-home --home-dir "$(home_of "$name")" --shell /usr/sbin/nologin "$name"
    if ! grep -q "^$name:" /etc/subuid || ! grep -q "^$name:" /etc/subgid; then
        log "useradd gave $name no subordinate ids (SUB_UID_COUNT in /etc/login.defs)"
        exit 1
    fi
    $SUDO install -d -m 0700 -o "$name" -g "$name" "$(runtime_dir_of "$name")"
    # The engine's images and containers on a tmpfs: loading is quicker, and removing them is
    # an unmount rather than deleting a gigabyte of small files (tens of seconds).
    if [ -n "$ROOTLESS_DATA_TMPFS" ]; then
        $SUDO install -d -m 0700 -o "$name" -g "$name" "$(data_root_of "$name")"
        $SUDO mount -t tmpfs -o "size=$ROOTLESS_DATA_TMPFS,mode=0700,uid=$(id -u "$name"),gid=$(id -g "$name")" \
            "cruddur-rootless-$name" "$(data_root_of "$name")"
    fi
}

start() {
    local name="$1" state="$STATE_DIR/$1" home host pid flags
    read -ra flags <<<"$DOCKERD_ROOTLESS_FLAGS"
    if id "$name" >/dev/null 2>&1; then log "user $name exists already"; exit 1; fi
    install_packages
    $SUDO mkdir -p "$state"
    open_tun "$state"
    create_user "$name"
    home="$(home_of "$name")"
    host="unix://$(socket_of "$name")"
    # setsid: the daemon outlives this script; its session id is the pid `stop` kills by.
    $SUDO setsid runuser -u "$name" -- env -i HOME="$home" USER="$name" \
        XDG_RUNTIME_DIR="$(runtime_dir_of "$name")" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
        "$DOCKERD_ROOTLESS" --data-root "$(data_root_of "$name")" "${flags[@]}" \
        >"$state/dockerd.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$state/pid"
    if ! wait_until "$ROOTLESS_WAIT_SECS" env DOCKER_HOST="$host" docker info >/dev/null 2>&1; then
        log "the rootless daemon did not answer within ${ROOTLESS_WAIT_SECS}s; tail of its log:"
        tail -n 30 "$state/dockerd.log" >&2
        exit 1
    fi
    log "rootless engine of $name up (session $pid, log $state/dockerd.log)"
    echo "DOCKER_HOST=$host"
}

# Every process of the session the daemon started in, and every process of the user (its uid is
# new and unique to this engine; containerd and the containers run in sessions of their own).
session_pids() { ps -e -o pid=,sid= | awk -v s="$1" '$2 == s { print $1 }'; }
user_pids() { ps -e -o pid=,user:64= | awk -v u="$1" '$2 == u { print $1 }'; }
# signal_all SIGNAL LISTER ARG: sends SIGNAL to the processes that LISTER ARG lists, if any.
signal_all() {
    local pids
    mapfile -t pids < <("$2" "$3")
    [ "${#pids[@]}" -eq 0 ] || $SUDO kill "-$1" "${pids[@]}" 2>/dev/null || true
}
none_left() { [ -z "$("$1" "$2")" ]; }

stop() {
    local name="$1" state="$STATE_DIR/$1" sid
    if [ -s "$state/pid" ]; then
        sid="$(cat "$state/pid")"
        # rootlesskit passes SIGTERM to dockerd, which stops its containers.
        signal_all TERM session_pids "$sid"
        wait_until 20 none_left session_pids "$sid" || signal_all KILL session_pids "$sid"
    fi
    if id "$name" >/dev/null 2>&1; then
        signal_all KILL user_pids "$name"
        wait_until 10 none_left user_pids "$name" || true
        ! mountpoint -q "$(data_root_of "$name")" || $SUDO umount "$(data_root_of "$name")"
        # Also removes the user's subordinate id ranges and its home.
        $SUDO userdel --remove "$name" 2>/dev/null || true
        $SUDO rm -rf "$(home_of "$name")"
    fi
    [ ! -s "$state/tun-mode" ] || $SUDO chmod "$(cat "$state/tun-mode")" /dev/net/tun
    $SUDO rm -rf "$state"
    $SUDO rmdir --ignore-fail-on-non-empty "$STATE_DIR" 2>/dev/null || true
    log "rootless engine of $name stopped, user and files removed"
}

[ $# -eq 2 ] || usage
case "$1" in
    start) start "$2" ;;
    stop) stop "$2" ;;
    *) usage ;;
esac
