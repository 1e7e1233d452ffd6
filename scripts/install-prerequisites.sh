#!/usr/bin/env bash
# Installs what the build and the tests drive for real, from Debian/Ubuntu packages: the JDK and Maven, Prometheus,
# promtool, Alertmanager/amtool and the blackbox exporter (observability tests), Node.js/npm (LogQL parser),
# Ansible and ansible-lint (playbook tests; with python3-passlib and python3-cryptography), debootstrap, systemd-nspawn and nftables (the converge test's hosts),
# wrk (benchmark), PostgreSQL (webapi's database in the integration tests; the tests run their own instance in a
# temporary directory, the package's own cluster is not used), nginx (tests/static.sh runs the rendered Loki gateway
# on free loopback ports; the package's own service is not used), prometheus-postgres-exporter (tests/static.sh runs
# the rendered exporter web configuration the same way), gpg and gpgv (tests/static.sh checks the grafana role's
# signature check with throwaway keys). Idempotent; needs root or sudo.
# It asks for a package only when its command is missing, so tools installed another way (e.g. a Node.js that
# bundles npm) are kept as they are.
set -euo pipefail

declare -A package_of=(
    [javac]=openjdk-17-jdk-headless [mvn]=maven
    [prometheus]=prometheus [promtool]=prometheus [prometheus-alertmanager]=prometheus-alertmanager
    [amtool]=prometheus-alertmanager [prometheus-blackbox-exporter]=prometheus-blackbox-exporter
    [node]=nodejs [npm]=npm [ansible-playbook]=ansible [ansible-lint]=ansible-lint [wrk]=wrk
    [debootstrap]=debootstrap [systemd-nspawn]=systemd-container [nft]=nftables [ssh]=openssh-client
    [curl]=curl [python3]=python3 [pg_ctlcluster]=postgresql [runuser]=util-linux [nginx]=nginx
    [prometheus-postgres-exporter]=prometheus-postgres-exporter [gpg]=gpg [gpgv]=gpgv
)

# `run` (./run.sh): the JDK and Maven; `stack` (./run.sh --stack): also Prometheus, Alertmanager, the blackbox
# exporter and curl.
declare -A needed=()
case "${1:-all}" in
    run) needed=([javac]=1 [mvn]=1) ;;
    stack) needed=([javac]=1 [mvn]=1 [prometheus]=1 [prometheus-alertmanager]=1 [prometheus-blackbox-exporter]=1 [curl]=1) ;;
esac
if [ ${#needed[@]} -gt 0 ]; then
    for command in "${!package_of[@]}"; do
        [ -n "${needed[$command]:-}" ] || unset "package_of[$command]"
    done
fi

missing=()
for command in "${!package_of[@]}"; do
    command -v "$command" >/dev/null 2>&1 || missing+=("${package_of[$command]}")
done
# Python modules of the Ansible controller, which no command reveals: passlib (password_hash('bcrypt') for the
# Prometheus and Alertmanager web configs) and cryptography (community.crypto, the deployment's CA).
if [ ${#needed[@]} -eq 0 ]; then
    for package in python3-passlib python3-cryptography; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
    done
fi
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    echo "installing: ${missing[*]}"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "prerequisites present: ${!package_of[*]}"
