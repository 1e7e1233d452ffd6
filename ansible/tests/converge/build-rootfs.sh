#!/usr/bin/env bash
# Builds (once) the Debian 12 root file system that the converge test boots three times.
# Base packages are installed; the packages the roles install (JDK, Prometheus, Alertmanager, blackbox exporter, PostgreSQL, nginx)
# are only downloaded into the rootfs's apt cache, so the roles really install them, from that cache, with no
# network inside the test hosts. The result is cached under $MLT_TEST_ROOTFS_CACHE and reused while the package
# lists below are unchanged (their hash names the directory); a build that did not finish is redone.
set -euo pipefail

cache_root="${MLT_TEST_ROOTFS_CACHE:-/var/cache/mlt-test-rootfs}"
suite=bookworm
# Installed: what a minimal VM has (systemd, sshd, python for Ansible, unzip/tar for unarchive, nftables).
include_pkgs="systemd-sysv,dbus,openssh-server,sudo,python3,python3-apt,ca-certificates,curl,iproute2,nftables,unzip,tar,gzip,procps,less"
# Downloaded only: what the roles install (the database host's PostgreSQL, its exporter and the driver Ansible's
# community.postgresql modules use; nginx, the authenticating TLS proxy in front of services without auth of their own).
download_pkgs="openjdk-17-jre-headless prometheus prometheus-alertmanager prometheus-blackbox-exporter postgresql prometheus-postgres-exporter python3-psycopg2 nginx"

# The Debian mirror apt uses here (first URI in the sources), unless MLT_TEST_MIRROR names one.
mirror="${MLT_TEST_MIRROR:-$( (cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null || true) |
    grep -oE '^(URIs:|deb)[[:space:]]+https?://[^[:space:]]+/debian/?([[:space:]]|$)' | head -1 | awk '{print $2}')}"
[[ -n "$mirror" ]] || { echo "no Debian mirror found in /etc/apt/sources.list*; set MLT_TEST_MIRROR" >&2; exit 1; }

key="$(printf '%s|%s|%s' "$suite" "$include_pkgs" "$download_pkgs" | sha256sum | cut -c1-12)"
rootfs="$cache_root/$suite-$key"
if [[ -f "$rootfs.done" ]]; then
    echo "$rootfs"
    exit 0
fi

rm -rf "$rootfs"
mkdir -p "$cache_root"
echo "building $rootfs from $mirror (once)" >&2
debootstrap --variant=minbase --include="$include_pkgs" "$suite" "$rootfs" "$mirror" >&2

cat > "$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror $suite main
deb $mirror $suite-updates main
deb ${mirror%/debian*}/debian-security $suite-security main
SOURCES
chroot "$rootfs" apt-get update -qq >&2
chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --download-only --no-install-recommends \
    $download_pkgs >&2
# Each booted copy gets its own machine id.
: > "$rootfs/etc/machine-id"
rm -f "$rootfs/var/lib/dbus/machine-id"
touch "$rootfs.done"
echo "$rootfs"
