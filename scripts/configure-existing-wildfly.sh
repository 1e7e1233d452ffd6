#!/usr/bin/env bash
# Applies this project's server configuration to an existing WildFly 39 installation, as an operator would: that
# installation's own bin/jboss-cli.sh runs, in an embedded (offline) server, the same CLI scripts the build runs on
# its Galleon-provisioned server (wildfly-config/src/main/cli, in the order wildfly-config/pom.xml lists them), and
# bin/standalone.conf gets the same additions. Stop the server first. Running it again is safe.
# Then start the server and deploy the WARs: README, "Deploy onto your own WildFly".
#
#   scripts/configure-existing-wildfly.sh JBOSS_HOME [SERVER_CONFIG]      (default standalone-microprofile.xml)
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 JBOSS_HOME [SERVER_CONFIG (default standalone-microprofile.xml)]" >&2
    exit 2
fi
jboss_home=$(cd "$1" && pwd)
server_config=${2:-standalone-microprofile.xml}
config_module="$(cd "$(dirname "$0")/.." && pwd)/wildfly-config"
configuration_dir="$jboss_home/standalone/configuration"

if [ ! -x "$jboss_home/bin/jboss-cli.sh" ] || [ ! -f "$configuration_dir/$server_config" ]; then
    echo "$jboss_home is no WildFly installation with standalone/configuration/$server_config" >&2
    exit 2
fi

management() {
    JBOSS_HOME="$jboss_home" "$jboss_home/bin/jboss-cli.sh" --connect --controller=127.0.0.1:9990 --command="$1" 2>/dev/null
}
# The embedded server edits the configuration file that a running server would overwrite; the boot below needs the
# management port.
if management ':read-attribute(name=server-state)' >/dev/null; then
    echo "A server answers on the management port (127.0.0.1:9990): stop it first." >&2
    exit 1
fi

# The CLI scripts and the standalone.conf additions, from where the build takes them.
mapfile -t scripts < <(sed -n 's|^ *<script>${project.basedir}/\(src/main/cli/[a-z-]*\.cli\)</script>$|\1|p' \
    "$config_module/pom.xml")
mapfile -t confs < <(sed -n 's|^ *files="\([a-z,.-]*\)"/>$|\1|p' "$config_module/pom.xml" | tr , '\n')
if [ "${#scripts[@]}" -eq 0 ] || [ "${#confs[@]}" -eq 0 ]; then
    echo "No CLI scripts or conf files found in $config_module/pom.xml" >&2
    exit 1
fi

# Everything the script writes besides the configuration goes here: the embedded server's log (text) too.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cli_file="$scratch/configure.cli"
{
    echo "embed-server --server-config=$server_config"
    for script in "${scripts[@]}"; do
        cat "$config_module/$script"
        echo
    done
    echo "stop-embedded-server"
} >"$cli_file"

echo "Configuring $configuration_dir/$server_config with ${scripts[*]##*/}"
JAVA_OPTS="${JAVA_OPTS:-} -Djboss.server.log.dir=$scratch/embedded-log" JBOSS_HOME="$jboss_home" \
    "$jboss_home/bin/jboss-cli.sh" --file="$cli_file" >"$scratch/configure.log" 2>&1 || {
    cat "$scratch/configure.log" >&2
    echo "The CLI scripts failed; the last command shown did not succeed (the commands before it are saved)." >&2
    exit 1
}

# Each addition starts with a line of its own ("# --- ... (appended by wildfly-config)"): added once.
for conf in "${confs[@]}"; do
    if ! grep -qxF "$(head -n 2 "$config_module/src/main/conf/$conf" | grep -m 1 '^# ---')" "$jboss_home/bin/standalone.conf"; then
        echo "Appending $conf to $jboss_home/bin/standalone.conf"
        cat "$config_module/src/main/conf/$conf" >>"$jboss_home/bin/standalone.conf"
    fi
done

# logging.properties configures the logging of every boot until the logging subsystem starts; only the logging
# subsystem of a running server writes it (neither the embedded server nor an admin-only boot does). Without it each
# boot would begin with text lines in the JSON server.log. So the configuration boots once, in a base directory of
# its own that holds a copy of the configuration directory and nothing else (none of your deployments, data or logs),
# and its logging.properties is taken, with that directory's paths replaced by this installation's and, as in
# wildfly-config/pom.xml, the JSON file named by the boot log file (${org.jboss.boot.log.file}: standalone/log/server.log
# unless -Djboss.server.log.dir says otherwise).
if grep -q '^handler\.JSON_FILE=' "$configuration_dir/logging.properties"; then
    echo "Configured $jboss_home ($server_config)."
    exit 0
fi
cp -a "$configuration_dir" "$scratch/configuration"
echo "Booting $server_config once in $scratch to write logging.properties"
MLT_CLASS_DATA_SHARING=false JBOSS_HOME="$jboss_home" "$jboss_home/bin/standalone.sh" -c "$server_config" \
    -Djboss.server.base.dir="$scratch" >"$scratch/console.log" 2>&1 &
boot_pid=$!
deadline=$((SECONDS + 180))
until management ':read-attribute(name=server-state)' | grep -q '"result" => "running"'; do
    if ! kill -0 "$boot_pid" 2>/dev/null || [ "$SECONDS" -gt "$deadline" ]; then
        echo "The boot did not come up:" >&2
        cat "$scratch/console.log" >&2
        kill "$boot_pid" 2>/dev/null || true
        exit 1
    fi
    sleep 1
done
management ':shutdown' >/dev/null
wait "$boot_pid" || true
sed -e "s|$scratch|$jboss_home/standalone|g" \
    -e 's|^handler\.JSON_FILE\.fileName=.*$|handler.JSON_FILE.fileName=${org.jboss.boot.log.file}|' \
    "$scratch/configuration/logging.properties" >"$configuration_dir/logging.properties"
if ! grep -q '^handler\.JSON_FILE=' "$configuration_dir/logging.properties"; then
    cat "$scratch/console.log" >&2
    echo "The boot wrote no JSON handler into logging.properties." >&2
    exit 1
fi
echo "Configured $jboss_home ($server_config)."
