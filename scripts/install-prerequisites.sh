#!/usr/bin/env bash
# Installs what the build and the tests drive for real, from Debian/Ubuntu packages: the JDK and Maven, Prometheus,
# promtool, Alertmanager/amtool and the blackbox exporter (observability tests), Node.js/npm (LogQL parser),
# Ansible and ansible-lint (playbook tests), wrk (benchmark). Idempotent; needs root or sudo.
set -euo pipefail

packages=(openjdk-17-jdk-headless maven
          prometheus prometheus-alertmanager prometheus-blackbox-exporter
          nodejs npm ansible ansible-lint wrk)

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "prerequisites present: ${packages[*]}"
