#!/usr/bin/env bash
# Builds the configured WildFly (both WARs deployed) and runs it in the foreground; Ctrl-C stops it.
# Extra arguments go to standalone.sh, e.g. ./run.sh -b 0.0.0.0 to serve beyond loopback.
# ./run.sh --stack runs the whole stack on this machine instead (scripts/stack.sh): the server, and Prometheus,
# Alertmanager, the blackbox exporter, Loki, Alloy, Jaeger and Grafana with the configuration of observability/.
# Telemetry settings come from the environment, e.g. OTEL_EXPORTER_OTLP_ENDPOINT=http://jaeger:4318 ./run.sh
set -euo pipefail
cd "$(dirname "$0")"

mode=run
if [ "${1:-}" = "--stack" ]; then
    mode=stack
    shift
fi

scripts/install-prerequisites.sh "$mode"
mvn -B -q -ntp -Dstyle.color=never -DskipTests -pl wildfly-config -am install
server="$PWD/wildfly-config/target/server"
[ "$mode" = run ] || exec scripts/stack.sh "$server" "$@"

cat <<URLS
WildFly MLT is starting; it is ready when http://127.0.0.1:9990/health/ready answers UP.
  webapp     http://127.0.0.1:8080/webapp/          http://127.0.0.1:8080/webapp/service
  webapi     http://127.0.0.1:8080/webapi/          http://127.0.0.1:8080/webapi/add?a=2&b=2
  health     http://127.0.0.1:9990/health/live      http://127.0.0.1:9990/health/ready   http://127.0.0.1:9990/health/started
  metrics    http://127.0.0.1:9464/metrics (webapp)  http://127.0.0.1:9465/metrics (webapi)  http://127.0.0.1:9990/metrics (server, JVM)
  traces     exported over OTLP/HTTP to ${OTEL_EXPORTER_OTLP_ENDPOINT:-http://localhost:4318}
  logs       $server/standalone/log/server.log (JSON lines)
URLS
exec "$server/bin/standalone.sh" "$@"
