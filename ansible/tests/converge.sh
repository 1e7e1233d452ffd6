#!/usr/bin/env bash
# Converge test: site.yml for real against four booted Debian 12 hosts (app1, app2, mon1, db1), as in the example
# inventory, on a private bridge that the test creates and removes.
#
# Real: firewall, wildfly (+ both WARs), prometheus, alertmanager, blackbox_exporter, postgresql (+ postgres_exporter). Check mode only (their
# binaries cannot be downloaded here): loki, jaeger, grafana, alloy (the default shipper) and promtail (the option).
# Asserted from outside: /webapp/service answers 4 on each app host; Prometheus has every app target up and the
# alert rules loaded; :9990 is closed to a non-monitoring host; Prometheus' and Alertmanager's APIs refuse a client
# without credentials (even on the monitoring host itself), accept one with them, speak only TLS, with a certificate
# that verifies against the deployment's CA (which the playbook creates in the test's tls_pki_dir); a second run changes nothing; a new archive rolls out
# one host at a time while the other serves; a host that never becomes ready stops the rollout with a clear message
# while the other keeps serving.
#
# Topology: network namespaces mlt-ctl (controller, 10.213.7.1: ansible-playbook and curl run there), mlt-app1 (.11),
# mlt-app2 (.12), mlt-mon1 (.21), joined by a bridge in mlt-br. No route leaves 10.213.7.0/24. Each host is
# `systemd-nspawn --boot` on an overlay of one cached Debian 12 rootfs (tests/converge/build-rootfs.sh; built once,
# the roles' packages pre-downloaded into its apt cache since the hosts have no mirror).
# Needs root, debootstrap, systemd-container, nftables, openssh-client, curl, python3, the server archive.
# Cleans up every namespace, mount and process it made, also on failure or interrupt.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
ansible_dir="$(dirname "$here")"
repo="$(dirname "$ansible_dir")"
archive="${MLT_WILDFLY_ARCHIVE:-$repo/wildfly-config/target/wildfly-mlt-server-1.0.0-SNAPSHOT.tar.gz}"
subnet=10.213.7
declare -A ip=([ctl]=$subnet.1 [app1]=$subnet.11 [app2]=$subnet.12 [mon1]=$subnet.21 [db1]=$subnet.31)
hosts=(app1 app2 mon1 db1)
export ANSIBLE_CONFIG="$ansible_dir/ansible.cfg" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_HOST_KEY_CHECKING=False

passed=0 failed=0 timings=()
declare -A nspawn_pid=()
work=""
step_start=$SECONDS

log() { echo "[$(date +%T)] $*"; }
check() { # name, command...
    local name="$1"; shift
    if "$@"; then passed=$((passed + 1)); echo "PASS $name"; else failed=$((failed + 1)); echo "FAIL $name"; fi
}
timing() { timings+=("$(printf '%-34s %4d s' "$1" $((SECONDS - step_start)))"); step_start=$SECONDS; }
in_ns() { local ns="$1"; shift; ip netns exec "mlt-$ns" "$@"; }

# Without systemd on the machine running the test, every container would start in the same (root) cgroup and their
# systemd instances would manage the same cgroups: a unit stopped in one container kills its namesake's processes in
# another, and concurrent unit starts fail with 219/CGROUP. So each container gets a cgroup of its own in every
# hierarchy (cgroup v1 + unified, or pure v2).
cgroup_dirs() { # name
    if [[ -f /sys/fs/cgroup/cgroup.procs ]]; then echo "/sys/fs/cgroup/$1"
    else for d in /sys/fs/cgroup/*/; do [[ -f "${d}cgroup.procs" ]] && echo "$d$1"; done; fi
}
cgroup_enter() { # name: moves the calling (sub)shell there
    local d
    for d in $(cgroup_dirs "$1"); do
        mkdir -p "$d"
        if [[ -f "$(dirname "$d")/cpuset.cpus" && ! -s "$d/cpuset.cpus" ]]; then
            cat "$(dirname "$d")/cpuset.cpus" >"$d/cpuset.cpus"
            cat "$(dirname "$d")/cpuset.mems" >"$d/cpuset.mems"
        fi
        echo "$BASHPID" >"$d/cgroup.procs"
    done
}
cgroup_remove() { # name
    local d
    for d in $(cgroup_dirs "$1"); do [[ -d "$d" ]] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
    return 0
}

cleanup() {
    local rc=$?
    set +e
    for h in "${!nspawn_pid[@]}"; do kill -TERM "${nspawn_pid[$h]}" 2>/dev/null; done
    for _ in $(seq 30); do
        local alive=0
        for h in "${!nspawn_pid[@]}"; do kill -0 "${nspawn_pid[$h]}" 2>/dev/null && alive=1; done
        [[ $alive -eq 0 ]] && break
        sleep 1
    done
    for h in "${!nspawn_pid[@]}"; do kill -KILL "${nspawn_pid[$h]}" 2>/dev/null; done
    for h in "${hosts[@]}"; do cgroup_remove "mlt-$h"; done
    if [[ -n "$work" ]]; then
        for h in "${hosts[@]}"; do mountpoint -q "$work/$h/root" && umount -l "$work/$h/root"; done
    fi
    for ns in ctl "${hosts[@]}" br; do ip netns del "mlt-$ns" 2>/dev/null; done
    [[ -n "$work" && -z "${MLT_KEEP_WORK:-}" ]] && rm -rf "$work"
    echo "--- timings"
    printf '%s\n' "${timings[@]}"
    echo "converge: ${SECONDS} s"
    echo "$passed passed, $failed failed"
    [[ $rc -ne 0 && $failed -eq 0 ]] && echo "converge.sh stopped early (exit $rc); see the output above"
    exit $(( rc != 0 || failed != 0 ))
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ $(id -u) -eq 0 ]] || { echo "converge.sh needs root (namespaces, mounts, systemd-nspawn)"; exit 1; }
for ns in ctl "${hosts[@]}" br; do
    ! ip netns list | grep -qw "mlt-$ns" || { echo "namespace mlt-$ns exists: another converge run?"; exit 1; }
done

# --- The server archive and the rootfs ------------------------------------------------------------------------------
# A build in progress deletes the archive for a while: wait for it before building one.
for _ in $(seq 60); do [[ -f "$archive" ]] && break; sleep 5; done
if [[ ! -f "$archive" ]]; then
    log "building the server archive (mvn, offline)"
    (cd "$repo" && mvn -B -q -o -DskipTests -pl wildfly-config -am install)
fi
rootfs="$("$here/converge/build-rootfs.sh")"
work="$(mktemp -d /var/tmp/mlt-converge.XXXXXX)"
# The test deploys its own copy, so a rebuild during the run changes nothing under it.
cp "$archive" "$work/build1.tar.gz"
archive="$work/build1.tar.gz"
timing "archive and rootfs"

# --- Network --------------------------------------------------------------------------------------------------------
ip netns add mlt-br
ip -n mlt-br link add br0 type bridge
ip -n mlt-br link set br0 up
for n in ctl "${hosts[@]}"; do
    ip netns add "mlt-$n"
    ip -n "mlt-$n" link set lo up
    ip -n mlt-br link add "v-$n" type veth peer name eth0 netns "mlt-$n"
    ip -n mlt-br link set "v-$n" master br0 up
    ip -n "mlt-$n" addr add "${ip[$n]}/24" dev eth0
    ip -n "mlt-$n" link set eth0 up
done

# --- Hosts ----------------------------------------------------------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -f "$work/id_ed25519"
for h in "${hosts[@]}"; do
    mkdir -p "$work/$h"/{upper,work,root}
    mount -t overlay overlay -o "lowerdir=$rootfs,upperdir=$work/$h/upper,workdir=$work/$h/work" "$work/$h/root"
    # A minbase rootfs has no /etc/hosts (Go programs then look up "localhost" in DNS); the host's resolv.conf would
    # name a server outside the test network, so the hosts get none.
    printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n127.0.1.1 %s\n' "$h" >"$work/$h/root/etc/hosts"
    : >"$work/$h/root/etc/resolv.conf"
    install -d -m 0700 "$work/$h/root/root/.ssh"
    install -m 0600 "$work/id_ed25519.pub" "$work/$h/root/root/.ssh/authorized_keys"
    # CAP_NET_ADMIN: the firewall role loads nftables rules; the namespace is the host's own.
    ( cgroup_enter "mlt-$h"
      exec systemd-nspawn --boot --register=no --keep-unit --console=passive --quiet --capability=CAP_NET_ADMIN \
        --resolv-conf=off --directory="$work/$h/root" --machine="mlt-$h" --hostname="$h" \
        --network-namespace-path="/run/netns/mlt-$h" ) >"$work/$h.console" 2>&1 &
    nspawn_pid[$h]=$!
done
ssh_opts=(-i "$work/id_ed25519" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
          -o ConnectTimeout=2 -o BatchMode=yes)
for h in "${hosts[@]}"; do
    for i in $(seq 60); do
        in_ns ctl ssh "${ssh_opts[@]}" "root@${ip[$h]}" true 2>/dev/null && break
        [[ $i -eq 60 ]] && { echo "$h: no SSH after 60 s"; tail -20 "$work/$h.console"; exit 1; }
        sleep 1
    done
done
timing "boot the hosts"

# --- Inventory: the example one, with these hosts' addresses and the test's settings as host variables (which rank
# above the example's group_vars). ---------------------------------------------------------------------------------
# Generated for each run (no password in the repository, SecurityDefaultsIT); Alertmanager's has a '$', which
# Grafana's provisioning would read as a variable unless the role escapes it.
prometheus_password=$(openssl rand -hex 16)
db_password=$(openssl rand -hex 16)
alertmanager_password="am\$$(openssl rand -hex 16)"
# The Loki gateway's logins, one per app host.
declare -A push_password=([app1]=$(openssl rand -hex 16) [app2]=$(openssl rand -hex 16))
# The admins' login at the Jaeger gateway.
jaeger_password=$(openssl rand -hex 16)
ca_file="$work/pki/ca.crt"
cat >"$work/test-hosts.yml" <<EOF
all:
  vars:
    ansible_user: root
    tls_ca_passphrase: converge-test-ca-passphrase
    mlt_db_password: $db_password
    ansible_ssh_private_key_file: $work/id_ed25519
    ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
  children:
    app_servers:
      hosts:
        app1: &app
          ansible_host: ${ip[app1]}
          mlt_tls_pki_dir: $work/pki
          mlt_apt_update_cache: false   # no mirror: the packages are in the hosts' apt cache
          mlt_admin_cidrs: ["${ip[ctl]}"]
          firewall_ssh_sources: ["${ip[ctl]}"]
          mlt_app_http_cidrs: ["$subnet.0/24"]
          wildfly_ready_retries: 24
          wildfly_ready_delay: 5
          loki_push_password: ${push_password[app1]}
        app2:
          <<: *app
          ansible_host: ${ip[app2]}
          loki_push_password: ${push_password[app2]}
    monitoring:
      hosts:
        mon1:
          ansible_host: ${ip[mon1]}
          mlt_tls_pki_dir: $work/pki
          mlt_apt_update_cache: false
          mlt_admin_cidrs: ["${ip[ctl]}"]
          firewall_ssh_sources: ["${ip[ctl]}"]
          grafana_admin_password: converge-test-password
          prometheus_web_password: $prometheus_password
          alertmanager_web_password: '$alertmanager_password'
          jaeger_ui_password: $jaeger_password
          alertmanager_receivers:
            pager: {webhook_configs: [{url: "http://${ip[ctl]}:9/pager"}]}
            team: {webhook_configs: [{url: "http://${ip[ctl]}:9/team"}]}
            low: {}
    # --- The database host (webapi's PostgreSQL, postgres_exporter): a host of its own, as in the example inventory,
    # so that the firewall and pg_hba are proven against a host that is not an app host (mon1).
    databases:
      hosts:
        db1:
          ansible_host: ${ip[db1]}
          mlt_tls_pki_dir: $work/pki
          mlt_apt_update_cache: false
          firewall_ssh_sources: ["${ip[ctl]}"]
    # --- end database host ---
EOF
inventory=(-i "$ansible_dir/inventories/example" -i "$work/test-hosts.yml")
real_roles_skip=loki,jaeger,grafana,log_shipper
playbook() { # log file, ansible-playbook arguments... (build 1 unless an -e mlt_wildfly_archive= follows)
    local out="$1"; shift
    (cd "$ansible_dir" && in_ns ctl ansible-playbook "${inventory[@]}" site.yml -e "mlt_wildfly_archive=$archive" "$@") \
        >"$out" 2>&1
}
recap_changed() { # log file -> "host=changed ..." for hosts with changes
    sed -n '/PLAY RECAP/,$p' "$1" |
        awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^changed=/) { split($i, c, "="); if (c[2] != 0) printf "%s=%s ", $1, c[2] } }'
}
show_failure() { echo "--- $1 (last 60 lines)"; tail -n 60 "$1" | sed 's/^/    /'; }

# --- Run 1 ----------------------------------------------------------------------------------------------------------
log "site.yml, real run (all but $real_roles_skip)"
if playbook "$work/run1.log" --skip-tags "$real_roles_skip"; then check "site.yml converges" true
else check "site.yml converges" false; show_failure "$work/run1.log"; exit 1; fi
timing "site.yml first run"

log "site.yml, check mode (loki, jaeger, grafana, log shipper)"
playbook "$work/check.log" --check --tags "$real_roles_skip" && rc=0 || rc=$?
check "site.yml --check runs loki, jaeger, grafana and the log shipper (alloy)" test $rc -eq 0
[[ $rc -eq 0 ]] || show_failure "$work/check.log"
# Promtail stays an option: the same check on the app servers with it chosen.
playbook "$work/check-promtail.log" --check --tags log_shipper --limit app_servers -e mlt_log_shipper=promtail \
    && rc=0 || rc=$?
check "site.yml --check runs the promtail option on the app servers" test $rc -eq 0
[[ $rc -eq 0 ]] || show_failure "$work/check-promtail.log"
timing "site.yml check mode"

# --- Assertions from outside ----------------------------------------------------------------------------------------
on_host() { local h="$1"; shift; in_ns ctl ssh "${ssh_opts[@]}" "root@${ip[$h]}" "$@"; }
service_answers_4() { # host [namespace]
    local body
    body="$(in_ns "${2:-ctl}" curl -fsS --max-time 5 -H 'Accept: application/json' "http://${ip[$1]}:8080/webapp/service")" \
        && python3 -c 'import json,sys; sys.exit(json.loads(sys.argv[1]).get("result") != 4)' "$body"
}
for h in app1 app2; do check "$h: /webapp/service answers 4" service_answers_4 "$h"; done

# Prometheus and Alertmanager serve HTTPS only, with basic auth; the clients trust the deployment's CA only.
prom_query() { in_ns ctl curl -fsS --max-time 5 --cacert "$ca_file" -u "prometheus:$prometheus_password" \
                   "https://${ip[mon1]}:9090/api/v1/$1"; }
targets_up() {
    prom_query targets | python3 -c '
import json, sys
targets = json.load(sys.stdin)["data"]["activeTargets"]
want = {(job, service, host) for job, service in (("app", "webapp"), ("app", "webapi"), ("wildfly", "wildfly"),
         ("health-ready", "wildfly"), ("health-live", "wildfly")) for host in ("app1", "app2")}
# Its own API and the Alertmanager API over TLS with their credentials, the blackbox exporter on loopback.
want |= {(job, job, None) for job in ("prometheus", "alertmanager", "blackbox")}
up = {(t["labels"]["job"], t["labels"].get("service"), t["labels"].get("host")) for t in targets if t["health"] == "up"}
sys.exit(0 if want <= up else 1)'
}
probes_succeed() {
    local query='query?query=sum%28probe_success%7Bjob%3D%22health-ready%22%7D%29' sum
    sum="$(prom_query "$query" | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')"
    [[ "$sum" == 2 ]]
}
wait_for() { # seconds, command...
    local deadline=$((SECONDS + $1)); shift
    until "$@"; do [[ $SECONDS -ge $deadline ]] && return 1; sleep 3; done
}
check "Prometheus: app (webapp, webapi), wildfly, health targets of both app hosts are up" wait_for 120 targets_up
check "Prometheus: both readiness probes succeed" wait_for 60 probes_succeed
rules_loaded() {
    local want
    want="$(python3 -c 'import glob,sys,yaml; print(sum(len(g["rules"]) for f in glob.glob(sys.argv[1] + "/*.yml") for g in yaml.safe_load(open(f))["groups"]))' \
        "$repo/observability/prometheus/rules")"
    local loaded
    loaded="$(prom_query rules | python3 -c 'import json,sys; print(sum(len(g["rules"]) for g in json.load(sys.stdin)["data"]["groups"]))')"
    [[ "$loaded" == "$want" ]]
}
check "Prometheus: every rule of observability/prometheus/rules is loaded" rules_loaded
check "Alertmanager is ready" in_ns ctl curl -fsS --max-time 5 -o /dev/null --cacert "$ca_file" \
    -u "alertmanager:$alertmanager_password" "https://${ip[mon1]}:9093/-/ready"
alertmanager_active() { # Prometheus sends its alerts there over TLS, authenticated
    prom_query alertmanagers | python3 -c '
import json, sys
active = [a["url"] for a in json.load(sys.stdin)["data"]["activeAlertmanagers"]]
sys.exit(0 if active == ["https://localhost:9093/api/v2/alerts"] else 1)'
}
check "Prometheus: its Alertmanager is https://localhost:9093" alertmanager_active

# From mon1 itself (any local process there), without and with credentials. http_code prints 000 when no HTTP
# answer came back at all.
code() { # namespace, curl arguments... -> the HTTP status
    in_ns "$1" curl -sS -o /dev/null -w '%{http_code}' --max-time 5 "${@:2}" 2>/dev/null || true
}
silence='{"matchers":[{"name":"alertname","value":"ConvergeTestNothing","isRegex":false}],
          "startsAt":"2020-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z","createdBy":"converge","comment":"test"}'
prom="https://${ip[mon1]}:9090" am="https://${ip[mon1]}:9093"
check "from mon1 without credentials: the Prometheus API answers 401" \
    test "$(code mon1 --cacert "$ca_file" "$prom/api/v1/query?query=up")" == 401
check "from mon1 with a wrong password: the Prometheus API answers 401" \
    test "$(code mon1 --cacert "$ca_file" -u prometheus:wrong "$prom/api/v1/query?query=up")" == 401
query_up() { # the query answers with data, not just 200
    in_ns mon1 curl -fsS --max-time 5 --cacert "$ca_file" -u "prometheus:$prometheus_password" \
        "$prom/api/v1/query?query=up%7Bjob%3D%22prometheus%22%7D" |
        python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(not (d["status"] == "success" and d["data"]["result"][0]["value"][1] == "1"))'
}
check "from mon1 with credentials: the Prometheus API answers up{job=\"prometheus\"} = 1" query_up
check "from mon1 without credentials: POST /api/v2/silences on Alertmanager answers 401" \
    test "$(code mon1 --cacert "$ca_file" -X POST -H 'Content-Type: application/json' -d "$silence" "$am/api/v2/silences")" == 401
check "from mon1 without credentials: Alertmanager's /api/v2/status answers 401" \
    test "$(code mon1 --cacert "$ca_file" "$am/api/v2/status")" == 401
silence_roundtrip() { # create with credentials, find it, expire it
    local id
    id="$(in_ns mon1 curl -fsS --max-time 5 --cacert "$ca_file" -u "alertmanager:$alertmanager_password" -X POST \
          -H 'Content-Type: application/json' -d "$silence" "$am/api/v2/silences" |
          python3 -c 'import json,sys; print(json.load(sys.stdin)["silenceID"])')" || return 1
    in_ns mon1 curl -fsS --max-time 5 --cacert "$ca_file" -u "alertmanager:$alertmanager_password" "$am/api/v2/silence/$id" |
        python3 -c 'import json,sys; s=json.load(sys.stdin); sys.exit(s["createdBy"] != "converge")' || return 1
    in_ns mon1 curl -fsS --max-time 5 --cacert "$ca_file" -u "alertmanager:$alertmanager_password" -X DELETE \
        -o /dev/null "$am/api/v2/silence/$id"
}
check "from mon1 with credentials: a silence is created, read back and expired" silence_roundtrip
plain_http_refused() { # port
    local out
    out="$(in_ns mon1 curl -sS --max-time 5 -u "prometheus:$prometheus_password" -w '\n%{http_code}' \
           "http://${ip[mon1]}:$1/api/v1/status/buildinfo" 2>&1)" || true
    [[ "$out" == *"Client sent an HTTP request to an HTTPS server"* && "${out##*$'\n'}" == 400 && "$out" != *'"status"'* ]]
}
for port in 9090 9093; do
    check "from mon1: plain HTTP to :$port is answered 400 \"HTTP request to an HTTPS server\", no API" plain_http_refused "$port"
    check "from mon1: :$port's certificate verifies against the deployment's CA" \
        bash -c "echo | ip netns exec mlt-mon1 openssl s_client -connect ${ip[mon1]}:$port -CAfile '$ca_file' \
                 -verify_return_error -verify_ip ${ip[mon1]} 2>/dev/null | grep -q 'Verify return code: 0 (ok)'"
    check "from mon1: :$port's certificate is refused without the deployment's CA (the system's CAs do not know it)" \
        test "$(code mon1 "https://${ip[mon1]}:$port/-/ready")" == 000
done
check "mon1: the installed CA certificate is the controller's" \
    test "$(on_host mon1 cat /etc/mlt-tls/ca.crt | sha256sum)" == "$(sha256sum <"$ca_file")"
check "mon1: the host key is readable by root and the key group only" \
    test "$(on_host mon1 stat -c %a:%U:%G /etc/mlt-tls/host.key)" == 640:root:mlt-tls

blocked() { ! in_ns "$1" curl -fsS --max-time 3 -o /dev/null "${@:2}" 2>/dev/null; }
# --- Management on loopback (issue 16): from mon1, WildFly's health and metrics only through the metrics listener
# (HTTPS, a client certificate of the deployment's CA), the management API from no port at all. ---
metrics_url="https://${ip[app1]}:9443"
client_cert=(--cacert "$ca_file" --cert "$work/pki/mon1.crt" --key "$work/pki/mon1.key")  # Prometheus' (mon1's)
check "app1: management listens on loopback only (:9990 closed to mon1, the monitoring host)" \
    blocked mon1 "http://${ip[app1]}:9990/health/ready"
check "firewall: :9990 of app1 is closed to app2" blocked app2 "http://${ip[app1]}:9990/health/ready"
no_cert_refused() { # no certificate: no TLS session, no HTTP answer
    local out
    out="$(in_ns mon1 curl -sS --max-time 5 --cacert "$ca_file" -w '\n%{http_code}' "$metrics_url/metrics" 2>&1)" || true
    [[ "${out##*$'\n'}" == 000 && "$out" == *alert* && "$out" != *base_* ]]
}
check "from mon1 without a client certificate: the metrics listener refuses the TLS handshake" no_cert_refused
other_ca_refused() { # a certificate of another CA: refused as well
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=mon1 -days 1 \
        -keyout "$work/other.key" -out "$work/other.crt" 2>/dev/null
    test "$(code mon1 --cacert "$ca_file" --cert "$work/other.crt" --key "$work/other.key" "$metrics_url/metrics")" == 000
}
check "from mon1 with a certificate of another CA: the metrics listener refuses the TLS handshake" other_ca_refused
check "from mon1 with app2's certificate (the same CA, not a client of the listener): the TLS handshake is refused" \
    test "$(code mon1 --cacert "$ca_file" --cert "$work/pki/app2.crt" --key "$work/pki/app2.key" "$metrics_url/metrics")" == 000
metrics_with_cert() {
    in_ns mon1 curl -fsS --max-time 5 "${client_cert[@]}" "$metrics_url/metrics" | grep '^base_memory_usedHeap_bytes' >/dev/null
}
check "from mon1 with Prometheus' certificate: /metrics serves WildFly's metrics" metrics_with_cert
ready_with_cert() {
    in_ns mon1 curl -fsS --max-time 5 "${client_cert[@]}" "$metrics_url/health/ready" |
        python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)["status"] != "UP")'
}
check "from mon1 with Prometheus' certificate: /health/ready answers UP" ready_with_cert
not_management() { # path [curl arguments]: 404 and no management answer, with the client certificate
    local body status
    body="$(in_ns mon1 curl -sS --max-time 5 --path-as-is "${client_cert[@]}" -w '\n%{http_code}' "${@:2}" "$metrics_url$1" 2>&1)" || true
    status="${body##*$'\n'}"
    [[ "$status" == 404 && "$body" != *outcome* && "$body" != *ManagementRealm* ]]
}
for path in /management /console / /webapp/ /metrics/../management /health/../management /metricsx; do
    check "from mon1 with Prometheus' certificate: $path on the metrics listener is 404, no management" not_management "$path"
done
check "from mon1 with Prometheus' certificate: POST /management (an operation) is 404" \
    not_management /management -X POST -H 'Content-Type: application/json' -d '{"operation":"read-resource"}'
management_nowhere() { # every TCP port app1 listens on beyond loopback, over HTTP and HTTPS (with the certificate)
    local ports port body
    ports="$(on_host app1 python3 - <<'PY' | sort -un
for f in ("/proc/net/tcp", "/proc/net/tcp6"):
    for line in open(f).readlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "0A" and not local.startswith(("0100007F", "00000000000000000000000001000000")):
            print(int(local.split(":")[1], 16))
PY
)"
    [[ -n "$ports" ]] || return 1
    echo "    app1 listens beyond loopback on: $(echo $ports)"
    # The detector detects: on app1 itself the management API answers (401, ManagementRealm) on loopback.
    on_host app1 curl -sS -i --max-time 3 http://127.0.0.1:9990/management | grep -q ManagementRealm || return 1
    for port in $ports; do
        for url in "http://${ip[app1]}:$port/management" "https://${ip[app1]}:$port/management"; do
            body="$(in_ns mon1 curl -sS -i --max-time 3 "${client_cert[@]}" "$url" 2>&1)" || true
            [[ "$body" == *ManagementRealm* || "$body" == *'"outcome"'* ]] && { echo "    management answers on $url"; return 1; }
        done
    done
    return 0
}
check "from mon1: no port of app1 answers as the management API (HTTP or HTTPS, with Prometheus' certificate)" management_nowhere
no_local_auth() { # root on app1 runs the server's own CLI module against loopback management: asked for a user
    local out
    out="$(on_host app1 "cd /opt/wildfly-mlt/current && timeout 60 java -jar jboss-modules.jar -mp modules org.jboss.as.cli \
           -c --controller=remote+http://127.0.0.1:9990 --command=':read-attribute(name=server-state)' </dev/null 2>&1")" || true
    echo "$out" | grep -E 'Unable to authenticate|mechanisms' | sed 's/^/    /' | head -n 2
    # It reached the server (asked for a ManagementRealm user) and got no answer; DIGEST-MD5 is the only mechanism.
    [[ "$out" == *"security realm: ManagementRealm"* && "$out" == *"DIGEST-MD5"* && "$out" != *JBOSS-LOCAL-USER* \
       && "$out" != *'"outcome" => "success"'* && "$out" != *running* ]]
}
check "app1: root's CLI gets no silent local authentication on loopback management (a ManagementRealm user is asked)" no_local_auth
wildfly_scraped_over_https() { # Prometheus' WildFly and health targets are the metrics listener, over HTTPS
    prom_query targets | python3 -c '
import json, sys
t = [t for t in json.load(sys.stdin)["data"]["activeTargets"] if t["labels"]["job"] in ("wildfly", "health-ready", "health-live")]
urls = sorted(x["scrapeUrl"] if x["labels"]["job"] == "wildfly" else x["labels"]["instance"] for x in t)
print("    " + " ".join(urls))
sys.exit(not (len(t) == 6 and all(u.startswith("https://") and ":9443/" in u for u in urls)
              and all(x["health"] == "up" for x in t)))'
}
check "Prometheus: the wildfly and health targets are https://<app>:9443 and up" wildfly_scraped_over_https
# The WARs' own metrics ports are plain HTTP: on loopback, read by other hosts through the metrics listener only.
war_metrics_through_listener() { # service port
    on_host app1 curl -fsS --max-time 5 "http://127.0.0.1:$2/metrics" | grep -q "^target_info{.*service_name=\"$1\"" ||
        { echo "    :$2 does not serve $1's metrics on app1's loopback"; return 1; }  # positive control
    blocked mon1 "http://${ip[app1]}:$2/metrics" || { echo "    :$2 answers mon1"; return 1; }
    in_ns mon1 curl -fsS --max-time 5 "${client_cert[@]}" "$metrics_url/$1/metrics" |
        grep -q "^target_info{.*service_name=\"$1\"" || { echo "    $metrics_url/$1/metrics has no target_info of $1"; return 1; }
    test "$(code mon1 --cacert "$ca_file" "$metrics_url/$1/metrics")" == 000
}
check "app1: webapp's metrics (:9464) on loopback only; from mon1 https://app1:9443/webapp/metrics, client certificate required" \
    war_metrics_through_listener webapp 9464
check "app1: webapi's metrics (:9465) on loopback only; from mon1 https://app1:9443/webapi/metrics, client certificate required" \
    war_metrics_through_listener webapi 9465
check "from mon1 with Prometheus' certificate: /webapp/metrics/../../management on the metrics listener is 404, no management" \
    not_management /webapp/metrics/../../management
app_scraped_over_https() { # Prometheus' app targets are the services' locations of the metrics listener
    prom_query targets | python3 -c '
import json, sys
t = [t for t in json.load(sys.stdin)["data"]["activeTargets"] if t["labels"]["job"] == "app"]
urls = sorted(x["scrapeUrl"] for x in t)
print("    " + " ".join(urls))
sys.exit(not (len(t) == 4 and all(x["scrapeUrl"].startswith("https://") and x["health"] == "up"
                                  and x["scrapeUrl"].endswith(":9443/%s/metrics" % x["labels"]["service"]) for x in t)))'
}
check "Prometheus: the app targets are https://<app>:9443/<service>/metrics and up" app_scraped_over_https
exemplars_through_listener() { # the proxy keeps OpenMetrics (Prometheus' Accept header): exemplars with a trace id
    local now; now="$(date +%s)"
    in_ns ctl curl -fsS --max-time 5 --cacert "$ca_file" -u "prometheus:$prometheus_password" -G \
        --data-urlencode 'query=http_server_request_duration_seconds_bucket{job="app",service="webapp"}' \
        --data-urlencode "start=$((now - 3600))" --data-urlencode "end=$now" "https://${ip[mon1]}:9090/api/v1/query_exemplars" |
        python3 -c '
import json, sys
d = json.load(sys.stdin)["data"]
sys.exit(not any(len(e["labels"].get("trace_id", "")) == 32 for s in d for e in s["exemplars"]))'
}
check "Prometheus: webapp's latency exemplars (32-hex trace_id) arrive through the metrics listener" \
    wait_for 90 exemplars_through_listener
# The server cannot add code or change its configuration: neither as its user, nor inside its unit's sandbox.
server_cannot_create() { # directory under standalone/
    local dir="/opt/wildfly-mlt/current/standalone/$1" pid
    pid="$(on_host app1 systemctl show -p MainPID --value wildfly-mlt.service)"
    [[ "$pid" -gt 0 ]] || return 1
    # The probe can write: the same commands create a file in tmp/, the server's.
    on_host app1 nsenter -t "$pid" -m setpriv --reuid=wildfly --regid=wildfly --init-groups touch \
        /opt/wildfly-mlt/current/standalone/tmp/converge-probe && on_host app1 rm /opt/wildfly-mlt/current/standalone/tmp/converge-probe || return 1
    ! on_host app1 setpriv --reuid=wildfly --regid=wildfly --init-groups touch "$dir/converge-probe" 2>/dev/null &&
        ! on_host app1 nsenter -t "$pid" -m setpriv --reuid=wildfly --regid=wildfly --init-groups touch \
            "$dir/converge-probe" 2>/dev/null &&
        on_host app1 test ! -e "$dir/converge-probe"
}
for dir in deployments configuration; do
    check "app1: the wildfly user cannot create a file in $dir/ (as itself, and in the unit's sandbox)" server_cannot_create "$dir"
done
check "app1: standalone.xml is root's, the server's group reads it" \
    test "$(on_host app1 stat -c %a:%U:%G /opt/wildfly-mlt/current/standalone/configuration/standalone.xml)" == 640:root:wildfly
check "app1: no deployment scanner started, both WARs deployed (read-only unmanaged deployments)" \
    on_host app1 "! grep -q WFLYDS0013 /var/log/wildfly-mlt/server.log &&
        grep -Eq 'WFLYSRV0010: Deployed ..?webapp[.]war' /var/log/wildfly-mlt/server.log &&
        grep -Eq 'WFLYSRV0010: Deployed ..?webapi[.]war' /var/log/wildfly-mlt/server.log"
# --- end management on loopback ---
check "firewall: :9443 of app2 is closed to app1" blocked app1 "${client_cert[@]}" "https://${ip[app2]}:9443/metrics"
check "firewall: :8080 of app1 is open to app2" in_ns app2 curl -fsS --max-time 3 -o /dev/null "http://${ip[app1]}:8080/webapp/"
# With the CA and the credentials: only the firewall can stop these.
check "firewall: Prometheus :9090 is closed to app1" \
    blocked app1 --cacert "$ca_file" -u "prometheus:$prometheus_password" "https://${ip[mon1]}:9090/-/ready"
check "firewall: Alertmanager :9093 is closed to app1" \
    blocked app1 --cacert "$ca_file" -u "alertmanager:$alertmanager_password" "https://${ip[mon1]}:9093/-/ready"
check "app1: mgmt-users.properties stays 0600, the server's" \
    test "$(on_host app1 stat -c %a:%U /opt/wildfly-mlt/current/standalone/configuration/mgmt-users.properties)" == 600:wildfly
check "app1: server.log belongs to the log group (0640), not the server's group" \
    test "$(on_host app1 stat -c %a:%G /var/log/wildfly-mlt/server.log)" == 640:wildfly-log

# webapi is internal: webapp (its /webapp/service answered 4 above, to the controller) reaches it, a client outside the app hosts gets 403 from
# Undertow; another app host may call it.
check "app1: /webapi/add refused to the controller (403), answered to app2" \
    test "$(code ctl "http://${ip[app1]}:8080/webapi/add?a=1&b=2")-$(code app2 "http://${ip[app1]}:8080/webapi/add?a=1&b=2")" == 403-200

# --- The Loki gateway (real nginx on mon1; Loki itself runs in check mode only, so nothing listens behind it) ------
# From app1: only POST /loki/api/v1/push with app1's own login passes, into tenant app1, over TLS only.
loki="https://${ip[mon1]}:3100"
push_body='{"streams":[{"stream":{"job":"converge","host":"app2"},"values":[["1","line"]]}]}'
push_code() { # namespace, curl arguments...
    code "$1" --cacert "$ca_file" -X POST -H 'Content-Type: application/json' -d "$push_body" "${@:2}"
}
check "Loki gateway, from app1 without login: a push answers 401" test "$(push_code app1 "$loki/loki/api/v1/push")" == 401
check "Loki gateway, from app1 with a wrong password: a push answers 401" \
    test "$(push_code app1 -u app1:wrong-wrong-wrong "$loki/loki/api/v1/push")" == 401
check "Loki gateway, from app1 with app2's password as app1: a push answers 401" \
    test "$(push_code app1 -u "app1:${push_password[app2]}" "$loki/loki/api/v1/push")" == 401
for req in "GET /loki/api/v1/query?query=%7Bhost%3D%22app2%22%7D" "GET /loki/api/v1/query_range" \
           "POST /loki/api/v1/delete?query=%7Bhost%3D%22app2%22%7D&start=0" "POST /ingester/shutdown" "POST /flush" \
           "GET /loki/api/v1/tail" "GET /metrics"; do
    check "Loki gateway, from app1 with app1's login: ${req%%\?*} answers 403" \
        test "$(code app1 --cacert "$ca_file" -u "app1:${push_password[app1]}" -X "${req%% *}" "$loki${req#* }")" == 403
done
gateway_forwards() { # the push reaches Loki's address with X-Scope-OrgID app1 (what the client asked for replaced)
    [[ "$(push_code app1 -u "app1:${push_password[app1]}" -H 'X-Scope-OrgID: app2' "$loki/loki/api/v1/push")" == 502 ]] &&
        on_host mon1 tail -n 20 /var/log/nginx/loki-gateway.access.log |
        grep -F 'user="app1" tenant_sent="app1" tenant_asked="app2" upstream=127.0.0.1:3100 upstream_status=502' >/dev/null
}
check "Loki gateway, from app1 with app1's login: a push is forwarded to 127.0.0.1:3100 as tenant app1 (502: no Loki here)" \
    gateway_forwards
gateway_plain_http() {
    local out
    out="$(in_ns app1 curl -sS --max-time 5 -u "app1:${push_password[app1]}" -X POST -d "$push_body" -w '\n%{http_code}' \
           "http://${ip[mon1]}:3100/loki/api/v1/push" 2>&1)" || true
    [[ "$out" == *"The plain HTTP request was sent to HTTPS port"* && "${out##*$'\n'}" == 400 ]]
}
check "Loki gateway, from app1: plain HTTP to :3100 is answered 400, not forwarded" gateway_plain_http
check "Loki gateway, from app1: :3100's certificate verifies against the deployment's CA" \
    bash -c "echo | ip netns exec mlt-app1 openssl s_client -connect ${ip[mon1]}:3100 -CAfile '$ca_file' \
             -verify_return_error -verify_ip ${ip[mon1]} 2>/dev/null | grep -q 'Verify return code: 0 (ok)'"
check "Loki gateway, from app1: :3100's certificate is refused without the deployment's CA" \
    test "$(code app1 -X POST "$loki/loki/api/v1/push")" == 000
htpasswd_ok() {
    local file
    [[ "$(on_host mon1 stat -c %a:%U:%G /etc/nginx/loki-gateway.htpasswd)" == 640:root:www-data ]] || return 1
    file="$(on_host mon1 cat /etc/nginx/loki-gateway.htpasswd)" || return 1
    [[ "$(grep -Ec '^app[12]:[$]2b[$]' <<<"$file")" == 2 && "$file" != *"${push_password[app1]}"* \
       && "$file" != *"${push_password[app2]}"* ]]
}
check "mon1: the gateway's password file is 0640 root:www-data, bcrypt hashes of app1 and app2, no password" htpasswd_ok
mon1_listens() { # :3100 is nginx on mon1's address only, nothing on :80 (the package's default site is gone)
    local l
    l=" $(on_host mon1 ss -Hltn | awk '{print $4}' | sort -u | tr '\n' ' ')"
    [[ "$l" == *" ${ip[mon1]}:3100 "* && "$l" != *":80 "* && "$l" != *" 0.0.0.0:3100 "* && "$l" != *" *:3100 "* ]]
}
check "mon1: :3100 is nginx on ${ip[mon1]} only; nothing listens on :80" mon1_listens
# curl exit 7: refused (the port is reachable, nothing listens: Grafana runs in check mode only); 28: the firewall
# dropped it.
curl_exit() { in_ns "$1" curl -sS -o /dev/null --max-time 3 "${@:2}" 2>/dev/null; echo $?; }
check "firewall: :3100 of mon1 is closed to the controller (not an app host)" \
    test "$(curl_exit ctl --cacert "$ca_file" "$loki/loki/api/v1/push")" == 28
check "firewall: Grafana's :3000 of mon1 is reachable from the admin range (refused: no Grafana here), dropped for app1" \
    test "$(curl_exit ctl "https://${ip[mon1]}:3000/")-$(curl_exit app1 "https://${ip[mon1]}:3000/")" == 7-28
check "firewall: Loki's gRPC :9096 of mon1 is closed to app1" test "$(curl_exit app1 "http://${ip[mon1]}:9096/")" == 28

# --- The Jaeger gateway (real nginx on mon1; Jaeger runs in check mode only, so nothing listens behind it) ----------
# From the admin range (the controller): every request needs the admins' login; with it, nginx forwards to Jaeger on
# loopback (502: no Jaeger here) and its log says so.
jaeger="https://${ip[mon1]}:16686"
check "Jaeger gateway, from the admin range without login: 401" \
    test "$(code ctl --cacert "$ca_file" "$jaeger/api/services")" == 401
check "Jaeger gateway, with a wrong password: 401" \
    test "$(code ctl --cacert "$ca_file" -u jaeger:wrong-wrong-wrong "$jaeger/api/services")" == 401
jaeger_forwarded() {
    [[ "$(code ctl --cacert "$ca_file" -u "jaeger:$jaeger_password" "$jaeger/api/services")" == 502 ]] &&
        on_host mon1 tail -n 5 /var/log/nginx/jaeger-gateway.access.log | grep -q 'GET /api/services HTTP/1.1" 502 user="jaeger"'
}
check "Jaeger gateway, with the admins' login: forwarded to Jaeger on loopback (502: Jaeger runs in check mode here)" \
    jaeger_forwarded
check "Jaeger gateway: plain HTTP gets 400" test "$(code ctl "http://${ip[mon1]}:16686/api/services")" == 400
check "firewall: the Jaeger gateway :16686 of mon1 is closed to app1" \
    test "$(curl_exit app1 --cacert "$ca_file" "$jaeger/")" == 28

# --- The database (db1): both app hosts on one PostgreSQL, TLS and scram from the app hosts only -------------------
# Rows written through app1 are read back through app2, with operands no other step uses.
db_a=$((700000 + RANDOM)) db_b=$((800000 + RANDOM))
written_on_app1_read_on_app2() {
    # From the other app host: /webapi answers only the app hosts (and loopback), not the controller.
    in_ns app2 curl -fsS --max-time 5 -o /dev/null "http://${ip[app1]}:8080/webapi/add?a=$db_a&b=$db_b" || return 1
    in_ns app1 curl -fsS --max-time 5 "http://${ip[app2]}:8080/webapi/history?limit=100" | python3 -c '
import json, sys
a, b = int(sys.argv[1]), int(sys.argv[2])
rows = [r for r in json.load(sys.stdin)["additions"] if r["a"] == a and r["b"] == b]
sys.exit(0 if len(rows) == 1 and rows[0]["result"] == a + b else 1)' "$db_a" "$db_b"
}
check "database: an addition written through app1 is read back through app2" written_on_app1_read_on_app2
pg_up() {
    prom_query 'query?query=pg_up%7Bjob%3D%22postgres%22%2Cservice%3D%22postgres%22%2Chost%3D%22db1%22%7D' |
        python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; sys.exit(not (len(r) == 1 and r[0]["value"][1] == "1"))'
}
check "Prometheus: postgres_exporter on db1 is scraped (job postgres) and pg_up = 1" wait_for 90 pg_up
# psql from the controller's PostgreSQL client, run in the network namespace of the host it stands for.
psql_as() { # namespace, sslmode, password, sql
    in_ns "$1" env PGPASSWORD="$3" PGCONNECT_TIMEOUT=3 psql -X -A -t -v ON_ERROR_STOP=1 \
        "host=${ip[db1]} port=5432 dbname=webapi user=webapi sslmode=$2 sslrootcert=$ca_file" -c "$4" 2>&1
}
check "database: from app1, TLS verified against the deployment's CA (verify-full) with the password: webapi's table" \
    bash -c '[[ "$1" =~ ^[0-9]+$ ]]' _ "$(psql_as app1 verify-full "$db_password" 'SELECT count(*) FROM addition')"
check "database: from app1 without TLS: refused by pg_hba (no entry without encryption)" \
    bash -c '[[ "$1" == *"no pg_hba.conf entry"*"no encryption"* ]]' _ "$(psql_as app1 disable "$db_password" 'SELECT 1')"
check "database: from app1 with a wrong password: refused" \
    bash -c '[[ "$1" == *"password authentication failed"* ]]' _ "$(psql_as app1 verify-full wrong-password 'SELECT 1')"
check "database: the server's password is a SCRAM-SHA-256 verifier" \
    test "$(on_host db1 "cd / && runuser -u postgres -- psql -X -A -t -c \"SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = 'webapi'\"")" == 'SCRAM-SHA-256$'
check "database: the exporter's role has pg_monitor and no superuser" \
    test "$(on_host db1 "cd / && runuser -u postgres -- psql -X -A -t -c \"SELECT rolsuper, pg_has_role('prometheus', 'pg_monitor', 'member') FROM pg_roles WHERE rolname = 'prometheus'\"")" == "f|t"
check "firewall: PostgreSQL :5432 of db1 is closed to mon1" \
    bash -c '[[ "$1" == *"timeout expired"* ]]' _ "$(psql_as mon1 verify-full "$db_password" 'SELECT 1')"
check "firewall: PostgreSQL :5432 of db1 is closed to the controller" \
    bash -c '[[ "$1" == *"timeout expired"* ]]' _ "$(psql_as ctl verify-full "$db_password" 'SELECT 1')"
# --- postgres_exporter over mutual TLS (issue 16): HTTPS with db1's certificate, a client certificate of the
# deployment's CA required; Prometheus presents mon1's. ---
exporter="https://${ip[db1]}:9187"
mon_cert=(--cacert "$ca_file" --cert "$work/pki/mon1.crt" --key "$work/pki/mon1.key")  # Prometheus' (mon1's)
exporter_plain_http() { # answered 400 by the TLS server, no metrics
    local out
    out="$(in_ns mon1 curl -sS --max-time 5 -w '\n%{http_code}' "http://${ip[db1]}:9187/metrics" 2>&1)" || true
    [[ "$out" == *"Client sent an HTTP request to an HTTPS server"* && "${out##*$'\n'}" == 400 && "$out" != *pg_* ]]
}
check "from mon1: plain HTTP to postgres_exporter :9187 is answered 400 \"HTTP request to an HTTPS server\", no metrics" \
    exporter_plain_http
exporter_no_cert() { # the server's alert ends the handshake; no HTTP answer
    local out
    out="$(printf 'GET /metrics HTTP/1.0\r\n\r\n' | in_ns mon1 timeout 10 openssl s_client -quiet \
           -connect "${ip[db1]}:9187" -CAfile "$ca_file" 2>&1)" || true
    [[ "$out" == *alert* && "$out" != *pg_* && "$(code mon1 --cacert "$ca_file" "$exporter/metrics")" == 000 ]]
}
check "from mon1 without a client certificate: postgres_exporter refuses the TLS handshake (alert, no metrics)" \
    exporter_no_cert
exporter_other_ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=mon1 -days 1 \
        -keyout "$work/other-pg.key" -out "$work/other-pg.crt" 2>/dev/null
    test "$(code mon1 --cacert "$ca_file" --cert "$work/other-pg.crt" --key "$work/other-pg.key" "$exporter/metrics")" == 000
}
check "from mon1 with a certificate of another CA: postgres_exporter refuses the TLS handshake" exporter_other_ca
exporter_with_cert() { in_ns mon1 curl -fsS --max-time 5 "${mon_cert[@]}" "$exporter/metrics" | grep -x 'pg_up 1' >/dev/null; }
check "from mon1 with Prometheus' certificate: postgres_exporter answers pg_up 1" exporter_with_cert
check "from mon1: postgres_exporter's certificate verifies against the deployment's CA for ${ip[db1]}" \
    bash -c "echo | ip netns exec mlt-mon1 openssl s_client -connect ${ip[db1]}:9187 -CAfile '$ca_file' \
             -cert '$work/pki/mon1.crt' -key '$work/pki/mon1.key' -verify_return_error -verify_ip ${ip[db1]} 2>/dev/null |
             grep -q 'Verify return code: 0 (ok)'"
postgres_scraped_over_https() { # Prometheus' target is the exporter over https, and up
    prom_query targets | python3 -c '
import json, sys
t = [t for t in json.load(sys.stdin)["data"]["activeTargets"] if t["labels"]["job"] == "postgres"]
print("    " + " ".join(x["scrapeUrl"] + " " + x["health"] for x in t))
sys.exit(not (len(t) == 1 and t[0]["scrapeUrl"] == sys.argv[1] and t[0]["health"] == "up"))' "$exporter/metrics"
}
check "Prometheus: the postgres target is $exporter/metrics and up" wait_for 60 postgres_scraped_over_https
check "db1: the exporter's web config is 0640 root:prometheus, the exporter runs in the key group" \
    on_host db1 'test "$(stat -c %a:%U:%G /etc/prometheus-postgres-exporter/web.yml)" == 640:root:prometheus &&
        pid=$(systemctl show -p MainPID --value prometheus-postgres-exporter.service) && [ "$pid" -gt 0 ] &&
        grep "^Groups:" /proc/$pid/status | grep -qw "$(getent group mlt-tls | cut -d: -f3)"'
check "firewall: postgres_exporter :9187 of db1 is closed to app1 (even with mon1's certificate)" \
    test "$(curl_exit app1 "${mon_cert[@]}" "$exporter/metrics")" == 28
# --- end postgres_exporter over mutual TLS ---
check "app1: the database password is in the EnvironmentFile only for root and the server (0640 root:wildfly)" \
    test "$(on_host app1 stat -c %a:%U:%G /etc/wildfly-mlt/wildfly.env)" == 640:root:wildfly
check "app1: the server's model holds the password's expression, not the password" \
    bash -c '! grep -qF "$1" <<<"$2" && grep -qF "\${mlt.db.password,env.MLT_DB_PASSWORD" <<<"$2"' _ "$db_password" \
    "$(on_host app1 cat /opt/wildfly-mlt/current/standalone/configuration/standalone.xml)"
# --- end database ---
timing "assertions"

# --- Run 2: idempotence ---------------------------------------------------------------------------------------------
log "site.yml, second run"
playbook "$work/run2.log" --skip-tags "$real_roles_skip" && rc=0 || rc=$?
changes="$(recap_changed "$work/run2.log")"
check "second run: no failure, changed=0 on every host${changes:+ (changed: $changes)}" test $rc -eq 0 -a -z "$changes"
[[ $rc -eq 0 && -z "$changes" ]] || grep -B3 -E '^changed:' "$work/run2.log" | head -40
timing "site.yml second run"

# --- Rolling deploy of a new archive --------------------------------------------------------------------------------
# A new build: the same server with one more file, so another checksum.
new_archive() { # output path, marker text
    local dir="$work/repack"
    rm -rf "$dir" && mkdir -p "$dir"
    tar -xzf "$archive" -C "$dir"
    echo "$2" >"$dir/wildfly-mlt-server/standalone/configuration/converge-build.txt"
    tar -czf "$1" -C "$dir" wildfly-mlt-server
    rm -rf "$dir"
}
release_of() { in_ns ctl ssh "${ssh_opts[@]}" "root@${ip[$1]}" readlink -f /opt/wildfly-mlt/current; }
# Samples both hosts every half second while a run goes on: one line "<app1 ok> <app2 ok>" per round.
poll_start() {
    ( end=$((SECONDS + 900))
      while [[ $SECONDS -lt $end ]]; do
          a=0; b=0
          service_answers_4 app1 && a=1
          service_answers_4 app2 && b=1
          echo "$a $b"
          sleep 0.5
      done ) >"$1" 2>/dev/null &
    poll_pid=$!
}
poll_stop() { kill "$poll_pid" 2>/dev/null; wait "$poll_pid" 2>/dev/null || true; }

new_archive "$work/build2.tar.gz" build-2
before_app1="$(release_of app1)" before_app2="$(release_of app2)"
log "rolling deploy of build 2"
poll_start "$work/poll-rolling.log"
playbook "$work/rolling.log" --skip-tags "$real_roles_skip" -e "mlt_wildfly_archive=$work/build2.tar.gz" && rc=0 || rc=$?
poll_stop
check "rolling deploy run succeeds" test $rc -eq 0
[[ $rc -eq 0 ]] || show_failure "$work/rolling.log"
check "rolling deploy: both hosts run the new release" \
    test "$(release_of app1)" != "$before_app1" -a "$(release_of app2)" != "$before_app2"
check "rolling deploy: at every sample at least one host served 4" \
    test -s "$work/poll-rolling.log" -a -z "$(grep -x '0 0' "$work/poll-rolling.log")"
check "rolling deploy: each host was out for a while, one after the other" \
    bash -c "grep -q '^0 1' '$work/poll-rolling.log' && grep -q '^1 0' '$work/poll-rolling.log'"
order_ok() { # app1 became ready before app2's release was switched
    awk '/TASK \[wildfly : Poll \/health\/ready/ {p=1} p && /^ok: \[app1\]/ {a=NR} /TASK \[wildfly : Point current/ {q=1}
         q && /^changed: \[app2\]/ && !b {b=NR} END {exit !(a && b && a < b)}' "$work/rolling.log"
}
check "rolling deploy: app1 was ready before app2 was switched" order_ok
for h in app1 app2; do check "$h: /webapp/service answers 4 after the rollout" service_answers_4 "$h"; done
timing "rolling deploy"

# --- A host that never becomes ready stops the rollout --------------------------------------------------------------
# Build 3 for everyone, and on app1 a webapi URL nobody answers: webapp's readiness check stays DOWN there.
new_archive "$work/build3.tar.gz" build-3
cat >"$work/broken-app1.yml" <<EOF
all:
  children:
    app_servers:
      hosts:
        app1:
          wildfly_webapi_url: http://127.0.0.1:1/webapi
          wildfly_ready_retries: 12
EOF
before_app2="$(release_of app2)"
log "rollout of build 3 with app1 never ready"
poll_start "$work/poll-broken.log"
inventory+=(-i "$work/broken-app1.yml")
playbook "$work/broken.log" --skip-tags "$real_roles_skip" -e "mlt_wildfly_archive=$work/build3.tar.gz" && rc=0 || rc=$?
poll_stop
check "rollout with an unready host fails" test $rc -ne 0
check "the failure says which host and why" grep -q 'WildFly on app1 did not report UP on /health/ready' "$work/broken.log"
check "app2 was not touched: still on its release" test "$(release_of app2)" == "$before_app2"
check "app2 served 4 at every sample during the failed rollout" \
    bash -c "test -s '$work/poll-broken.log' && ! awk '\$2 != 1' '$work/poll-broken.log' | grep -q ."
check "app2: /webapp/service answers 4 after the failed rollout" service_answers_4 app2
timing "failed rollout"
[[ $failed -eq 0 ]] || { for f in run1 check check-promtail run2 rolling broken; do [[ -f "$work/$f.log" ]] && cp "$work/$f.log" "/tmp/mlt-converge-$f.log"; done
                          echo "logs kept in /tmp/mlt-converge-*.log"; }
