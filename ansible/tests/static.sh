#!/usr/bin/env bash
# Static tests of ansible/: lint (production profile), syntax check, the secrets gate, and a render test that writes
# every host-specific file of the example inventory into a temporary directory and checks it against observability/
# and the inventory with the validators the roles use (promtool, amtool, blackbox exporter, nft).
# Needs: ansible-core, ansible-lint, prometheus (promtool), prometheus-alertmanager (amtool),
# prometheus-blackbox-exporter, prometheus-postgres-exporter, nftables, nginx, python3-yaml, python3-passlib, gpg, gpgv. Runs in well under a minute; touches no host.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
ansible_dir="$(dirname "$here")"
repo="$(dirname "$ansible_dir")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$ansible_dir"
export ANSIBLE_CONFIG="$ansible_dir/ansible.cfg" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0

passed=0 failed=0
result() { # name, exit status, log file
    if [[ $2 -eq 0 ]]; then
        passed=$((passed + 1)); echo "PASS $1"
    else
        failed=$((failed + 1)); echo "FAIL $1"; tail -n 40 "$3" | sed 's/^/    /'
    fi
}
timed() { local start=$SECONDS; "$@"; local rc=$?; echo "    (${1##*/}: $((SECONDS - start)) s)" >&2; return $rc; }

# Lint every file of ansible/ (explicit paths: ansible-lint would otherwise see only files git already tracks).
timed ansible-lint --offline -p production site.yml roles inventories tests/render tests/grafana-signature/check.yml >"$work/lint.log" 2>&1
result "ansible-lint --profile production" $? "$work/lint.log"

timed ansible-playbook --syntax-check -i inventories/example site.yml >"$work/syntax.log" 2>&1
result "ansible-playbook --syntax-check site.yml" $? "$work/syntax.log"

# The secrets gate: the first play must stop the run while secrets are missing or placeholders, before any host is
# contacted. ansible_host=127.0.0.1 port 1: should the gate ever let a run through, the connection is refused locally.
gate() { # expected message, extra -e arguments...
    local expect="$1"; shift
    ansible-playbook -i inventories/example site.yml -e ansible_host=127.0.0.1 -e ansible_port=1 "$@" \
        >"$work/gate.log" 2>&1
    local rc=$?
    [[ $rc -ne 0 ]] && grep -q "$expect" "$work/gate.log" && grep -q 'PLAY \[Check the inventory and the secrets\]' "$work/gate.log" \
        && ! grep -q 'PLAY \[Prepare every host\]' "$work/gate.log"
}
receivers='{"alertmanager_receivers": {"pager": {}, "team": {}, "low": {}}}'
gate "Set grafana_admin_password" -e "$receivers"
result "site.yml stops before any change without grafana_admin_password" $? "$work/gate.log"
gate "Set grafana_admin_password" -e "$receivers" -e grafana_admin_password=changeme
result "site.yml stops on a placeholder Grafana password" $? "$work/gate.log"
gate "Set alertmanager_receivers" -e grafana_admin_password=a-long-enough-secret
result "site.yml stops without Alertmanager receivers" $? "$work/gate.log"
gate "Set firewall_ssh_sources" -e "$receivers" -e grafana_admin_password=a-long-enough-secret -e '{"firewall_ssh_sources": []}'
result "site.yml stops while no SSH source is named" $? "$work/gate.log"
secrets=(-e "$receivers" -e grafana_admin_password=a-long-enough-secret)
gate "Set alertmanager_web_password" "${secrets[@]}"
result "site.yml stops without alertmanager_web_password" $? "$work/gate.log"
secrets+=(-e alertmanager_web_password=a-long-enough-am-secret)
gate "Set tls_ca_passphrase" "${secrets[@]}"
result "site.yml stops without tls_ca_passphrase" $? "$work/gate.log"
gate "Set tls_ca_passphrase" "${secrets[@]}" -e tls_ca_passphrase=changeme-changeme-changeme
result "site.yml stops on a placeholder CA passphrase" $? "$work/gate.log"
secrets+=(-e tls_ca_passphrase=a-long-enough-ca-passphrase)
gate "Set prometheus_web_password" "${secrets[@]}"
result "site.yml stops without prometheus_web_password" $? "$work/gate.log"
gate "Set prometheus_web_password" "${secrets[@]}" -e prometheus_web_password=short
result "site.yml stops on a short prometheus_web_password" $? "$work/gate.log"
secrets+=(-e prometheus_web_password=a-long-enough-prometheus-secret)
gate "Set loki_push_password (16+ characters) for app1, app2" "${secrets[@]}"
result "site.yml stops without the app hosts' loki_push_password, naming them" $? "$work/gate.log"
gate "Set loki_push_password (16+ characters) for app1, app2" "${secrets[@]}" -e loki_push_password=short
result "site.yml stops on a short loki_push_password" $? "$work/gate.log"
gate "Set grafana_admin_user to a login other than" "${secrets[@]}" -e loki_push_password=a-long-enough-push-secret \
    -e grafana_admin_user=admin
result "site.yml stops while Grafana's admin login is admin" $? "$work/gate.log"
# Past the Loki and Jaeger gateways' checks (the gate's ansible_host=127.0.0.1 would make their listen address loopback).
secrets+=(-e loki_push_password=a-long-enough-push-secret -e loki_gateway_listen_address=192.0.2.21
          -e jaeger_ui_password=a-long-enough-jaeger-secret -e jaeger_gateway_listen_address=192.0.2.21)
gate "Set mlt_db_password" "${secrets[@]}"
result "site.yml stops without mlt_db_password" $? "$work/gate.log"
gate "Set mlt_db_password" "${secrets[@]}" -e mlt_db_password=changeme-changeme-changeme
result "site.yml stops on a placeholder database password" $? "$work/gate.log"
gate "Set mlt_db_password" "${secrets[@]}" -e 'mlt_db_password=a-long-enough-but-"quoted"'
result "site.yml stops on a database password the EnvironmentFile cannot hold" $? "$work/gate.log"

# check_render.py runs with Ansible's own Python: the one whose passlib hashed the passwords and whose yaml it reads.
ansible_python="$(ansible --version | sed -n 's/^ *python version = .*(\(.*\))$/\1/p')"
python3_ansible() { "${ansible_python:-python3}" "$@"; }

mkdir -p "$work/render"
MLT_RENDER_DIR="$work/render" timed ansible-playbook -i inventories/example -e "mlt_repo_root=$repo" \
    tests/render/render.yml >"$work/render.log" 2>&1
result "render.yml renders every host-specific file" $? "$work/render.log"

python3_ansible "$here/render/check_render.py" "$work/render" "$repo" >"$work/check.log" 2>&1
grep -E '^(PASS|FAIL) ' "$work/check.log"
passed=$((passed + $(grep -c '^PASS ' "$work/check.log")))
failed=$((failed + $(grep -c '^FAIL ' "$work/check.log")))
if ! grep -q '^render checks:' "$work/check.log"; then
    failed=$((failed + 1)); echo "FAIL check_render.py did not finish"; tail -n 20 "$work/check.log"
fi

# One place per port: render again with every app-host port moved (management, both metrics ports, Alloy's) and the
# database host's (PostgreSQL, its exporter). The same
# checks must pass: a port written anywhere but the inventory would now disagree with what the host listens on.
moved='{"wildfly_management_port": 19990, "wildfly_metrics_https_port": 19443,
        "mlt_log_shipper_ports": {"alloy": 22345, "promtail": 9080},
        "wildfly_app_services": [{"name": "webapp", "metrics_port": 19464}, {"name": "webapi", "metrics_port": 19465}],
        "postgresql_port": 15432, "postgresql_exporter_port": 19187}'
mkdir -p "$work/render-moved"
MLT_RENDER_DIR="$work/render-moved" timed ansible-playbook -i inventories/example -e "mlt_repo_root=$repo" \
    -e "$moved" tests/render/render.yml >"$work/render-moved.log" 2>&1
result "render.yml renders every host-specific file with every app-host port moved" $? "$work/render-moved.log"
python3_ansible "$here/render/check_render.py" "$work/render-moved" "$repo" >"$work/check-moved.log" 2>&1
grep -E '^(PASS|FAIL) ' "$work/check-moved.log" | sed 's/^\(PASS\|FAIL\) /\1 (ports moved) /'
passed=$((passed + $(grep -c '^PASS ' "$work/check-moved.log")))
failed=$((failed + $(grep -c '^FAIL ' "$work/check-moved.log")))
if ! grep -q '^render checks:' "$work/check-moved.log"; then
    failed=$((failed + 1)); echo "FAIL check_render.py (ports moved) did not finish"; tail -n 20 "$work/check-moved.log"
fi
grep -q '19443' "$work/render-moved/mon1/file_sd/wildfly.yml" && grep -q '19443' "$work/render-moved/mon1/file_sd/app.yml" \
    && grep -q '19443' "$work/render-moved/app1/nftables.conf" && grep -q 'port: 19465' "$work/render-moved/app1/metrics-https.yml" \
    && grep -q '19990' "$work/render-moved/app1/metrics-https.yml" \
    && grep -q ':19187' "$work/render-moved/mon1/file_sd/postgres.yml" && grep -q '15432' "$work/render-moved/db1/nftables.conf" \
    && grep -q ':15432/' "$work/render-moved/app1/wildfly.env"
result "the moved ports reached Prometheus' targets and the firewall" $? "$work/check-moved.log"

# Grafana's package pin against a signed APT index: real gpg/gpgv, throwaway keys, file:// suites.
timed bash "$here/grafana-signature/test.sh" >"$work/signature.log" 2>&1
grep -E '^(PASS|FAIL) ' "$work/signature.log"
passed=$((passed + $(grep -c '^PASS ' "$work/signature.log")))
failed=$((failed + $(grep -c '^FAIL ' "$work/signature.log")))
if ! grep -q '^grafana signature:' "$work/signature.log"; then
    failed=$((failed + 1)); echo "FAIL grafana-signature/test.sh did not finish"; tail -n 20 "$work/signature.log"
fi

echo "static: ${SECONDS} s"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
