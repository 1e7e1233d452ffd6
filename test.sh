#!/usr/bin/env bash
# Runs every test, as CI does: installs what the tests drive for real (scripts/install-prerequisites.sh), then
# `mvn verify`. Extra arguments go to Maven, e.g. ./test.sh -Dansible.converge.skip=true on a machine without root.
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-prerequisites.sh
exec mvn -B -ntp verify "$@"
