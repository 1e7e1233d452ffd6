#!/usr/bin/env bash
# The whole stack on this machine, on 127.0.0.1: the server given (both WARs deployed), and with the configuration of
# observability/ as committed: Prometheus (exemplar storage on), Alertmanager and the blackbox exporter from the
# distribution's packages; Loki, Alloy, Jaeger and Grafana when their binaries are on the PATH (each absent one is
# skipped with one line saying where to get it). Prints the URLs; Ctrl-C (or SIGTERM) stops every component.
#
#   scripts/stack.sh SERVER_DIR [standalone.sh arguments]      (./run.sh --stack builds the server and runs this)
#
# Nothing of observability/ is copied. What the VMs get from Ansible (the file_sd target files, the dashboard
# provider's path) is written for this host into the state directory, MLT_STACK_DIR (default: next to SERVER_DIR,
# "stack"), which also keeps each component's data and log. Ports are read from where they are defined: the
# monitoring host's from the targets prometheus.yml scrapes, WildFly's from its standalone.xml, each WAR's metrics
# port from its microprofile-config.properties, Jaeger's from jaeger.yml, Alloy's from its Ansible role.
set -euo pipefail

[ $# -ge 1 ] && [ -x "$1/bin/standalone.sh" ] || { echo "usage: $0 SERVER_DIR [standalone.sh arguments]" >&2; exit 2; }
server=$(cd "$1" && pwd)
shift
repo=$(cd "$(dirname "$0")/.." && pwd)
obs="$repo/observability"
state=${MLT_STACK_DIR:-$(dirname "$server")/stack}
mkdir -p "$state/logs"
state=$(cd "$state" && pwd)
loopback=127.0.0.1
# How long a stop may take: WildFly's graceful suspend (MLT_SUSPEND_TIMEOUT, 20 s by default) and its shutdown.
stop_timeout=60

die() { echo "stack: $*" >&2; exit 1; }

# --- Facts, read where they are defined ---------------------------------------------------------------------------

# The port of the static target Prometheus scrapes for JOB (prometheus.yml): where that component has to listen.
scrape_port() {
    local port
    port=$(awk -v job="$1" '
        $0 ~ "job_name: " job "$" { found = 1; next }
        found && /job_name:/ { exit }
        found && /targets:/ && match($0, /:[0-9]+'\''/) { print substr($0, RSTART + 1, RLENGTH - 2); exit }
    ' "$obs/prometheus/prometheus.yml")
    [ -n "$port" ] || die "no static target of job $1 in observability/prometheus/prometheus.yml"
    echo "$port"
}

# A scalar of an Ansible role's defaults (ansible/roles/ROLE/defaults/main.yml), its {{ other_key }} references to
# the same file rendered: the pinned versions and download URLs live there.
role_default() {
    local file="$repo/ansible/roles/$1/defaults/main.yml" value ref
    value=$(awk -v key="$2" '
        folded { if ($0 ~ /^  +[^ ]/) { line = $0; sub(/^ +/, "", line); value = value (value == "" ? "" : " ") line; next }
                 folded = 0; print value; exit }
        index($0, key ":") == 1 {
            value = substr($0, length(key) + 2); sub(/^ +/, "", value)
            if (value ~ /^>-?$/) { folded = 1; value = ""; next }
            gsub(/^"|"$/, "", value); print value; exit
        }
        END { if (folded) print value }
    ' "$file")
    while [[ $value =~ \{\{\ *([a-z_]+)\ *\}\} ]]; do
        ref=$(role_default "$1" "${BASH_REMATCH[1]}")
        value=${value//"${BASH_REMATCH[0]}"/$ref}
    done
    echo "$value"
}

# The default of a socket binding of the server's standalone.xml, e.g. port="${jboss.http.port:8080}".
socket_port() {
    sed -n "s/.*<socket-binding name=\"$1\"[^>]*port=\"\${[^:]*:\([0-9]*\)}\".*/\1/p" \
        "$server/standalone/configuration/standalone.xml" | head -1
}

# jaeger.yml's listen addresses on 0.0.0.0, as key paths of the collector's yaml: config provider, rebound to
# loopback (receivers::otlp::protocols::grpc::endpoint: 127.0.0.1:4317 ...). Keys inside lists are not addressable
# this way; the one list with an address (the telemetry readers) is replaced as a whole by the caller.
jaeger_loopback_overrides() {
    awk -v loopback="$loopback" '
        function path(indent,   p, i) { p = ""; for (i = 0; i < indent; i++) if (i in key) p = p key[i] "::"; return p }
        /^[[:space:]]*(#|$)/ { next }
        {
            match($0, /^ */); indent = RLENGTH; line = substr($0, indent + 1)
            for (i in key) if (i + 0 >= indent) delete key[i]
            for (i in list) if (i + 0 >= indent) delete list[i]
            if (line ~ /^- /) { list[indent] = 1; next }
            for (i in list) next
            name = line; sub(/:.*/, "", name)
            value = line; sub(/^[^:]*: */, "", value); sub(/ +#.*$/, "", value)
            if (value == "") { key[indent] = name; next }
            if (value ~ /^0\.0\.0\.0:[0-9]+$/) { sub(/^0\.0\.0\.0/, loopback, value); print path(indent) name ": " value }
        }
    ' "$obs/jaeger/jaeger.yml"
}

# Refuses to start when something already listens on a port a component needs (e.g. the packages' own services).
require_free_port() {
    if (exec 3<>"/dev/tcp/$loopback/$1") 2>/dev/null; then
        die "port $1 ($2) is in use on $loopback; stop what listens there (the Debian packages start their own" \
            "services: systemctl stop prometheus prometheus-alertmanager prometheus-blackbox-exporter)"
    fi
}

prometheus_port=$(scrape_port prometheus)
alertmanager_port=$(scrape_port alertmanager)
blackbox_port=$(scrape_port blackbox)
loki_port=$(scrape_port loki)
jaeger_metrics_port=$(scrape_port jaeger)
grafana_port=$(scrape_port grafana)
alloy_port=$(role_default alloy alloy_listen_address); alloy_port=${alloy_port##*:}
http_port=$(socket_port http)
management_port=$(socket_port management-http)
[ -n "$http_port" ] && [ -n "$management_port" ] || die "no http/management-http socket binding in $server's standalone.xml"
# The env label: the server's deployment.environment (MLT_ENVIRONMENT, or the default its configuration sets).
env_label=${MLT_ENVIRONMENT:-$(sed -n 's/.*<property name="mlt.environment" value="\([^"]*\)".*/\1/p' \
    "$server/standalone/configuration/standalone.xml" | head -1)}
[ -n "$env_label" ] || die "no mlt.environment in $server's standalone.xml"
host_label=${HOSTNAME%%.*}

# --- Children: each in a session of its own, so that a stop reaches its whole process tree ------------------------

declare -A pid_of=()
names=()
stopping=""

# start NAME COMMAND...: runs it in the background, its output in $state/logs/NAME.log.
start() {
    local name=$1
    shift
    setsid "$@" >"$state/logs/$name.log" 2>&1 </dev/null &
    pid_of[$name]=$!
    names+=("$name")
    echo "started: $name (pid ${pid_of[$name]}, log $state/logs/$name.log)"
}

stop_all() {
    [ -z "$stopping" ] || return 0
    stopping=1
    # Nothing may end the stop half-way: not a second signal, nor a terminal that is gone (EIO, SIGPIPE on echo).
    trap '' INT TERM HUP PIPE
    set +e
    [ ${#names[@]} -gt 0 ] || return 0
    echo "stopping: ${names[*]}"
    local name pid deadline=$((SECONDS + stop_timeout))
    for name in "${names[@]}"; do
        kill -TERM "${pid_of[$name]}" 2>/dev/null || true
    done
    for name in "${names[@]}"; do
        pid=${pid_of[$name]}
        while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
            sleep 0.2
        done
        # The leader is gone or out of time: nothing of its process group may stay behind.
        if kill -0 -- "-$pid" 2>/dev/null; then
            echo "stack: $name did not stop within ${stop_timeout} s, or left processes behind: killing them" >&2
            kill -KILL -- "-$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    echo "stopped: ${names[*]}"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
# The children have sessions of their own, so a closed terminal reaches only this script: it stops them too.
trap 'stop_all; exit 129' HUP
trap 'stop_all' EXIT

# --- The state directory: what Ansible renders on the VMs, for this host -----------------------------------------

# Prometheus resolves rules/ and file_sd/ relative to its config file: the committed file and rules, linked, with
# this host's target files beside them.
mkdir -p "$state/prometheus/file_sd" "$state/prometheus/data"
ln -sfn "$obs/prometheus/prometheus.yml" "$state/prometheus/prometheus.yml"
ln -sfn "$obs/prometheus/rules" "$state/prometheus/rules"

# target_group ADDRESS SERVICE: one file_sd group with the labels every rule, alert and dashboard filters on.
target_group() {
    printf -- "- targets: ['%s']\n  labels: {env: '%s', service: '%s', host: '%s'}\n" "$1" "$env_label" "$2" "$host_label"
}

# job app: one group per deployed WAR at its metrics port (the WAR's otel.exporter.prometheus.port, whose default
# its environment variable overrides, e.g. WEBAPP_METRICS_PORT), labelled with its otel.service.name.
app_targets=""
metrics_ports=()
for war in "$server"/standalone/deployments/*.war; do
    module=$(basename "$war" .war)
    properties="$repo/$module-war/src/main/resources/META-INF/microprofile-config.properties"
    [ -f "$properties" ] || die "$war: no $properties to read its service name and metrics port from"
    service=$(sed -n 's/^otel\.service\.name=//p' "$properties")
    port_key=$(sed -n 's/^otel\.exporter\.prometheus\.port=\${\([^:]*\):[0-9]*}$/\1/p' "$properties")
    port_default=$(sed -n 's/^otel\.exporter\.prometheus\.port=\${[^:]*:\([0-9]*\)}$/\1/p' "$properties")
    port_env=$(echo "$port_key" | tr 'a-z.-' 'A-Z__')
    [ -n "$service" ] && [ -n "$port_default" ] || die "$properties: no otel.service.name or metrics port"
    app_targets+=$(target_group "$loopback:${!port_env:-$port_default}" "$service")$'\n'
    metrics_ports+=("${!port_env:-$port_default}:$service metrics")
done
[ -n "$app_targets" ] || die "no WAR in $server/standalone/deployments"
echo -n "$app_targets" >"$state/prometheus/file_sd/app.yml"
target_group "$loopback:$management_port" wildfly >"$state/prometheus/file_sd/wildfly.yml"
# Promtail is end of life upstream: the local stack ships logs with Alloy only.
echo "[]" >"$state/prometheus/file_sd/promtail.yml"
echo "[]" >"$state/prometheus/file_sd/alloy.yml"

# --- Start --------------------------------------------------------------------------------------------------------

command -v prometheus >/dev/null && command -v prometheus-alertmanager >/dev/null \
    && command -v prometheus-blackbox-exporter >/dev/null \
    || die "Prometheus, Alertmanager or the blackbox exporter is missing: scripts/install-prerequisites.sh stack"

# An optional component: its command, or one line saying how to get it (the Ansible role's pinned release).
optional() {
    local name=$1 found
    if found=$(command -v "$name"); then
        echo "$found"
        return 0
    fi
    local url checksum how
    url=$(role_default "$name" "${name}_archive_url")
    checksum=$(role_default "$name" "${name}_checksum")
    if [ "$name" = grafana ]; then
        how="install it with apt-get install ./$(basename "$url")"
    else
        how="put its $(role_default "$name" "${name}_archive_binary") on the PATH as $name"
    fi
    echo "skipped: $name (not on the PATH; Prometheus' $name target stays down). Get it: $url ($checksum), $how" >&2
    return 1
}

for port in "$prometheus_port:prometheus" "$alertmanager_port:alertmanager" "$blackbox_port:blackbox exporter" \
            "$http_port:wildfly" "$management_port:wildfly management" "${metrics_ports[@]}"; do
    require_free_port "${port%%:*}" "${port#*:}"
done

urls=()
ready=()   # NAME=URL that answers 2xx once NAME is up

start prometheus prometheus --config.file="$state/prometheus/prometheus.yml" \
    --storage.tsdb.path="$state/prometheus/data" --enable-feature=exemplar-storage \
    --web.listen-address="$loopback:$prometheus_port" --web.external-url="http://$loopback:$prometheus_port"
ready+=("prometheus=http://$loopback:$prometheus_port/-/ready")

mkdir -p "$state/alertmanager"
start alertmanager prometheus-alertmanager --config.file="$obs/alertmanager/alertmanager.yml" \
    --storage.path="$state/alertmanager" --cluster.listen-address= \
    --web.listen-address="$loopback:$alertmanager_port" --web.external-url="http://$loopback:$alertmanager_port"
urls+=("Alertmanager         http://$loopback:$alertmanager_port/#/alerts")
ready+=("alertmanager=http://$loopback:$alertmanager_port/-/ready")

start blackbox prometheus-blackbox-exporter --config.file="$obs/blackbox/blackbox.yml" \
    --web.listen-address="$loopback:$blackbox_port"
urls+=("blackbox exporter    http://$loopback:$blackbox_port/")
ready+=("blackbox=http://$loopback:$blackbox_port/metrics")

if loki=$(optional loki); then
    require_free_port "$loki_port" loki
    mkdir -p "$state/loki"
    # One tenant here (the flag overrides loki.yml's auth_enabled): everything runs on loopback for this user, without
    # the gateway that names each VM's tenant (ansible/roles/loki_gateway), and Alloy and Grafana send no tenant.
    LOKI_DATA_DIR="$state/loki" start loki "$loki" -config.file="$obs/loki/loki.yml" -config.expand-env=true \
        -server.http-listen-address="$loopback" -server.grpc-listen-address="$loopback" -auth.enabled=false
    urls+=("Loki (ready)         http://$loopback:$loki_port/ready")
    ready+=("loki=http://$loopback:$loki_port/ready")
fi

if jaeger=$(optional jaeger); then
    overrides=()
    while IFS= read -r override; do
        overrides+=("--config=yaml:$override")
        port=${override##*:}
        require_free_port "$port" jaeger
        case "$override" in extensions::jaeger_query::http::*) jaeger_ui_port=$port ;;
                            extensions::healthcheckv2::http::*) jaeger_health_port=$port ;;
                            receivers::otlp::protocols::http::*) jaeger_otlp_http_port=$port ;; esac
    done < <(jaeger_loopback_overrides)
    [ -n "${jaeger_ui_port:-}" ] && [ -n "${jaeger_health_port:-}" ] && [ -n "${jaeger_otlp_http_port:-}" ] \
        || die "observability/jaeger/jaeger.yml: no query, health check or OTLP/HTTP endpoint found"
    require_free_port "$jaeger_metrics_port" "jaeger metrics"
    overrides+=("--config=yaml:service::telemetry::metrics::readers: [{pull: {exporter: {prometheus: {host: $loopback, port: $jaeger_metrics_port}}}}]")
    mkdir -p "$state/jaeger"
    JAEGER_DATA_DIR="$state/jaeger" JAEGER_UI_CONFIG="$obs/jaeger/ui-config.json" \
        start jaeger "$jaeger" --config="file:$obs/jaeger/jaeger.yml" "${overrides[@]}"
    urls+=("Jaeger search        http://$loopback:$jaeger_ui_port/search")
    ready+=("jaeger=http://$loopback:$jaeger_health_port/status")
    export OTEL_EXPORTER_OTLP_ENDPOINT=${OTEL_EXPORTER_OTLP_ENDPOINT:-http://$loopback:$jaeger_otlp_http_port}
    export MLT_LINKS_JAEGER_URL=${MLT_LINKS_JAEGER_URL:-http://$loopback:$jaeger_ui_port}
fi

if grafana=$(optional grafana); then
    home=$(dirname "$(dirname "$(readlink -f "$grafana")")")
    [ -f "$home/conf/defaults.ini" ] || home=/usr/share/grafana
    [ -f "$home/conf/defaults.ini" ] || die "grafana: no conf/defaults.ini next to $grafana nor in /usr/share/grafana"
    require_free_port "$grafana_port" grafana
    # The committed provisioning, with the dashboard provider's path (on the VMs, where Ansible copies the
    # dashboards) pointed at observability/grafana/dashboards.
    mkdir -p "$state/grafana/provisioning/dashboards" "$state/grafana/data" "$state/grafana/logs" "$state/grafana/plugins"
    for dir in "$obs"/grafana/provisioning/*/; do
        [ "$(basename "$dir")" = dashboards ] || ln -sfn "$dir" "$state/grafana/provisioning/$(basename "$dir")"
    done
    for provider in "$obs"/grafana/provisioning/dashboards/*.yml; do
        sed "s|^\( *path:\).*|\1 $obs/grafana/dashboards|" "$provider" \
            >"$state/grafana/provisioning/dashboards/$(basename "$provider")"
    done
    folder=$(sed -n 's/^ *folderUid: *//p' "$obs/grafana/provisioning/dashboards/mlt.yml" | head -1)
    # No default password: a random one, made once (Grafana keeps it in its database), readable by this user only.
    if [ ! -s "$state/grafana/admin-password" ]; then
        (umask 077 && head -c 18 /dev/urandom | base64 >"$state/grafana/admin-password")
    fi
    GF_PATHS_PROVISIONING="$state/grafana/provisioning" GF_PATHS_DATA="$state/grafana/data" \
    GF_PATHS_LOGS="$state/grafana/logs" GF_PATHS_PLUGINS="$state/grafana/plugins" \
    GF_SERVER_HTTP_ADDR="$loopback" GF_SERVER_HTTP_PORT="$grafana_port" \
    GF_SECURITY_ADMIN_USER=admin GF_SECURITY_ADMIN_PASSWORD__FILE="$state/grafana/admin-password" \
    GF_SECURITY_DISABLE_GRAVATAR=true GF_USERS_ALLOW_SIGN_UP=false GF_AUTH_ANONYMOUS_ENABLED=false \
    GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH="$obs/grafana/dashboards/$(role_default grafana grafana_home_dashboard)" \
    GF_ANALYTICS_REPORTING_ENABLED=false GF_ANALYTICS_CHECK_FOR_UPDATES=false GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES=false \
        start grafana "$grafana" server --homepath="$home"
    urls+=("Grafana dashboards   http://$loopback:$grafana_port/dashboards/f/$folder/ (user admin, password in $state/grafana/admin-password)")
    ready+=("grafana=http://$loopback:$grafana_port/api/health")
    export MLT_LINKS_GRAFANA_URL=${MLT_LINKS_GRAFANA_URL:-http://$loopback:$grafana_port}
fi

if alloy=$(optional alloy); then
    require_free_port "$alloy_port" alloy
    mkdir -p "$state/alloy"
    target_group "$loopback:$alloy_port" alloy >"$state/prometheus/file_sd/alloy.yml"
    WILDFLY_LOG_FILE="$server/standalone/log/server.log" MLT_ENV="$env_label" MLT_HOST="$host_label" \
        start alloy "$alloy" run "$obs/alloy/config.alloy" --server.http.listen-addr="$loopback:$alloy_port" \
        --storage.path="$state/alloy"
    urls+=("Alloy                http://$loopback:$alloy_port/")
    ready+=("alloy=http://$loopback:$alloy_port/-/ready")
fi

# WildFly in the background mode of standalone.sh, which relays SIGTERM to the JVM (a graceful suspend).
LAUNCH_JBOSS_IN_BACKGROUND=1 start wildfly "$server/bin/standalone.sh" "$@"
urls+=("webapp               http://$loopback:$http_port/webapp/   http://$loopback:$http_port/webapp/service"
       "webapi               http://$loopback:$http_port/webapi/add?a=2&b=2"
       "health               http://$loopback:$management_port/health/ready")
ready+=("wildfly=http://$loopback:$management_port/health/ready")

# Prometheus' pages: the Debian package's build serves only the classic UI, under /classic (its / redirects there).
prometheus_url="http://$loopback:$prometheus_port"
for _ in $(seq 60); do
    curl -fsS -o /dev/null --max-time 2 "$prometheus_url/-/ready" 2>/dev/null && break
    sleep 1
done
case "$(curl -sS -o /dev/null -w '%{redirect_url}' --max-time 2 "$prometheus_url/" 2>/dev/null)" in
    */classic/*) prometheus_url+=/classic ;;
esac
urls=("Prometheus alerts    $prometheus_url/alerts" "Prometheus targets   $prometheus_url/targets"
      "Prometheus rules     $prometheus_url/rules" "${urls[@]}")

echo "WildFly MLT stack (Ctrl-C stops it); logs in $state/logs, the server's JSON log in $server/standalone/log/server.log"
printf '  %s\n' "${urls[@]}"

# Report each component once it answers; stop everything as soon as one of them exits.
pending=("${ready[@]}")
while :; do
    for name in "${names[@]}"; do
        if ! kill -0 "${pid_of[$name]}" 2>/dev/null; then
            status=0
            wait "${pid_of[$name]}" || status=$?
            echo "stack: $name exited with status $status (see $state/logs/$name.log); stopping the stack" >&2
            exit 1
        fi
    done
    still=()
    for entry in ${pending[@]+"${pending[@]}"}; do
        if curl -fsS -o /dev/null --max-time 2 "${entry#*=}" 2>/dev/null; then
            echo "up: ${entry%%=*}"
        else
            still+=("$entry")
        fi
    done
    if [ ${#pending[@]} -gt 0 ] && [ ${#still[@]} -eq 0 ]; then
        echo "all up: ${names[*]}"
    fi
    pending=(${still[@]+"${still[@]}"})
    sleep 1
done
