#!/usr/bin/env python3
"""Checks the files render.yml rendered against observability/ and the inventory.

Usage: check_render.py RENDER_DIR REPO_ROOT
Prints PASS/FAIL per check; exit status 1 if any failed. Validators (promtool, amtool, blackbox exporter, nft) are the
ones the roles use on the hosts, run here on the rendered files.
"""
import base64
import configparser
import glob
import http.client
import json
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

import yaml

render_dir, repo = sys.argv[1], os.path.realpath(sys.argv[2])
obs = os.path.join(repo, "observability")
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("PASS " if ok else "FAIL ") + name + ("" if ok or not detail else ": " + str(detail)))


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode == 0, (p.stdout + p.stderr).strip()[-800:]


def env_file(path):
    values = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            values[k] = v.strip('"')
    return values


hosts = {}
for f in sorted(glob.glob(os.path.join(render_dir, "*", "inventory.json"))):
    h = json.load(open(f))
    hosts[h["host"]] = h
apps = [h for h in hosts.values() if "app_servers" in h["groups"]]
mons = [h for h in hosts.values() if "monitoring" in h["groups"]]
dbs = [h for h in hosts.values() if "databases" in h["groups"]]
check("inventory has app servers, a monitoring host and one database host", apps and mons and len(dbs) == 1)
mon = mons[0]
out = lambda host, name: os.path.join(render_dir, host, name)

# --- Sources: every role reads the repository's observability/ files, which exist. ---
for name, path in mon["sources"].items():
    if path:
        check(f"{name} source is in observability/ and exists",
              os.path.realpath(path).startswith(obs + os.sep) and os.path.exists(path), path)

# --- Pins: every downloaded file is pinned by a literal sha256 in its role's defaults, unless that role opts in to the
# release's checksum file (<prefix>_checksum_from_url: true); the inventory may not loosen a pin either. Internal
# roles (roles/_*) hold no pins, only what they read from the calling role. ---
ansible_dir = os.path.join(repo, "ansible")
pin_files = sorted(glob.glob(os.path.join(ansible_dir, "roles", "[!_]*", "defaults", "main.yml"))
                   + glob.glob(os.path.join(ansible_dir, "inventories", "*", "group_vars", "*.yml")))
pinned = set()
for f in pin_files:
    values = yaml.safe_load(open(f)) or {}
    for key, value in values.items():
        if key.endswith(("_checksum", "_sha256")):
            pinned.add(key)
            opted_in = values.get(key + "_from_url") is True
            check(f"{os.path.relpath(f, ansible_dir)}: {key} is a literal sha256"
                  + (" (opted in to the checksum URL)" if opted_in else ""),
                  opted_in or re.fullmatch(r"sha256:[0-9a-f]{64}", str(value)) is not None, value)
# The opt-in is the operator's (in the inventory), never a role's default.
for f in pin_files:
    if os.sep + "roles" + os.sep in f:
        for key, value in (yaml.safe_load(open(f)) or {}).items():
            if key.endswith("_checksum_from_url"):
                check(f"{os.path.relpath(f, ansible_dir)}: {key} defaults to false", value is False, value)
# Grafana's package pin is checked against the signed APT index (tasks/signature.yml): on by default, with a literal
# fingerprint as the trust anchor (a key fetched from the same server is trusted only for it).
grafana_defaults = yaml.safe_load(open(os.path.join(ansible_dir, "roles", "grafana", "defaults", "main.yml")))
check("grafana: the signature check is on and its key pinned by a literal fingerprint",
      grafana_defaults.get("grafana_signature_check") is True
      and re.fullmatch(r"[0-9A-F]{40}", str(grafana_defaults.get("grafana_apt_key_fingerprint"))) is not None,
      grafana_defaults.get("grafana_apt_key_fingerprint"))
release_roles = ("loki", "jaeger", "alloy", "promtail", "grafana")
check("every release role has a checksum pin", {f"{r}_checksum" for r in release_roles} <= pinned, sorted(pinned))

# --- Secrets: every task that renders or sends a secret (an argument_specs option marked no_log) has no_log: true.
# Asserts are exempt: a failed assert prints its expression and fail_msg, never the values. ---
def spec_secrets(options):
    for name, spec in (options or {}).items():
        if spec.get("no_log"):
            yield name
        yield from spec_secrets(spec.get("options"))

secrets = set()
for f in glob.glob(os.path.join(ansible_dir, "roles", "*", "meta", "argument_specs.yml")):
    for entry in (yaml.safe_load(open(f)) or {}).get("argument_specs", {}).values():
        secrets |= set(spec_secrets(entry.get("options")))
check("the secrets are marked no_log in argument_specs",
      {"grafana_admin_password", "alertmanager_receivers", "alertmanager_global", "tls_ca_passphrase",
       "prometheus_web_password", "alertmanager_web_password", "prometheus_alertmanager_password",
       "grafana_datasource_credentials", "_web_config_users", "loki_gateway_users", "alloy_loki_password",
       "promtail_loki_password", "grafana_datasource_headers", "postgresql_password",
       "wildfly_db_password"} <= secrets, sorted(secrets))

def tasks_of(items):
    for t in items or []:
        if isinstance(t, dict):
            yield t
            for key in ("block", "rescue", "always"):
                yield from tasks_of(t.get(key))

secret_re = re.compile(r"\b(" + "|".join(sorted(secrets)) + r")\b")
for f in sorted(glob.glob(os.path.join(ansible_dir, "roles", "*", "tasks", "*.yml"))):
    role_dir = os.path.dirname(os.path.dirname(f))
    for t in tasks_of(yaml.safe_load(open(f))):
        if "block" in t or "ansible.builtin.assert" in t:
            continue
        text = yaml.safe_dump(t)
        for module in ("ansible.builtin.template", "ansible.builtin.copy"):
            src = (t.get(module) or {}).get("src") if isinstance(t.get(module), dict) else None
            path = os.path.join(role_dir, "templates" if module.endswith("template") else "files", src or "")
            if src and os.path.isfile(path):
                text += open(path).read()
        if secret_re.search(text):
            check(f"{os.path.relpath(f, ansible_dir)}: '{t.get('name')}' handles a secret with no_log: true",
                  t.get("no_log") is True, secret_re.search(text).group(1))

# --- Prometheus: file_sd targets are the inventory's app hosts, with env/service/host labels. ---
prom = yaml.safe_load(open(os.path.join(obs, "prometheus", "prometheus.yml")))
sd_files = sorted({f for job in prom["scrape_configs"] for sd in job.get("file_sd_configs", []) for f in sd["files"]})
rendered = sorted("file_sd/" + os.path.basename(f) for f in glob.glob(out(mon["host"], "file_sd/*.yml")))
check("prometheus.yml reads exactly the file_sd files the role renders", sd_files == rendered, (sd_files, rendered))
# Every port is taken from what the app host itself runs with (its rendered unit, environment and shipper config), so
# a port changed in the inventory must reach Prometheus' targets and the firewall, or these checks fail: static.sh
# renders a second time with other ports to prove it.
wf_env = {h["host"]: env_file(out(h["host"], "wildfly.env")) for h in apps}
# The application services the server runs: <NAME>_METRICS_PORT in its environment, one per WAR that reads it.
services = {h["host"]: {k[:-len("_METRICS_PORT")].lower(): v for k, v in wf_env[h["host"]].items()
                        if k.endswith("_METRICS_PORT")} for h in apps}
war_ports = {}
for f in sorted(glob.glob(os.path.join(repo, "*-war", "src", "main", "resources", "META-INF",
                                       "microprofile-config.properties"))):
    props = dict(l.split("=", 1) for l in open(f).read().splitlines() if "=" in l and not l.startswith("#"))
    port_key = re.fullmatch(r"\$\{([\w.-]+):\d+\}", props.get("otel.exporter.prometheus.port", ""))
    if port_key:
        war_ports[props["otel.service.name"]] = re.sub(r"[^A-Za-z0-9]", "_", port_key.group(1)).upper()
check("every WAR reads its metrics port from <service>_METRICS_PORT",
      war_ports and all(env == f"{name.upper()}_METRICS_PORT" for name, env in war_ports.items()), war_ports)
management_port = {h["host"]: re.search(r"-Djboss\.management\.http\.port=(\d+)",
                                        open(out(h["host"], "wildfly-mlt.service")).read()).group(1) for h in apps}
# --- Management on loopback (issue 16): health and server metrics reach other hosts only through the metrics
# listener, the YAML overlay the server boots with. ---
overlay = {h["host"]: yaml.safe_load(open(out(h["host"], "metrics-https.yml")))["wildfly-configuration"] for h in apps}
metrics_port = {h: str(o["socket-binding-group"]["standard-sockets"]["socket-binding"]["mlt-metrics-https"]["port"])
                for h, o in overlay.items()}
for h in apps:
    o, unit = overlay[h["host"]], open(out(h["host"], "wildfly-mlt.service")).read()
    undertow, elytron = o["subsystem"]["undertow"], o["subsystem"]["elytron"]
    proxies = undertow["configuration"]["handler"]["reverse-proxy"]
    locations = undertow["server"]["mlt-metrics"]["host"]["mlt-metrics"]["location"]
    upstream = o["socket-binding-group"]["standard-sockets"]["remote-destination-outbound-socket-binding"]
    check(f"{h['host']}: management on loopback (MLT_MANAGEMENT_BIND_ADDRESS=127.0.0.1)",
          wf_env[h["host"]].get("MLT_MANAGEMENT_BIND_ADDRESS") == "127.0.0.1", wf_env[h["host"]])
    check(f"{h['host']}: the server boots with the overlays: deployments, webapi callers, management, metrics listener",
          re.search(r"^\s*--yaml=\S*/deployments\.yml:\S*/webapi-callers\.yml:\S*/management\.yml:\S*/metrics-https\.yml\s*$",
                    unit, re.M) is not None)
    m = yaml.safe_load(open(out(h["host"], "management.yml")))["wildfly-configuration"]["subsystem"]["elytron"]
    check(f"{h['host']}: management asks local processes too for a user (no JBOSS-LOCAL-USER, management.yml)",
          m["sasl-authentication-factory"]["management-sasl-authentication"]["mechanism-configurations"]
          == [{"mechanism-name": "DIGEST-MD5", "mechanism-realm-configurations": [{"realm-name": "ManagementRealm"}]}], m)
    d = yaml.safe_load(open(out(h["host"], "deployments.yml")).read().replace("!remove", "'!remove'"))["wildfly-configuration"]
    check(f"{h['host']}: no deployment scanner; the WARs are read-only unmanaged deployments of deployments/",
          d["subsystem"]["deployment-scanner"]["scanner"]["default"] == "!remove"
          and {n: v["content"][0]["path"] for n, v in d["deployment"].items()}
          == {"webapi.war": "deployments/webapi.war", "webapp.war": "deployments/webapp.war"}, d)
    check(f"{h['host']}: deployments/ is not writable for the server (no ReadWritePaths)",
          "standalone/deployments" not in unit)
    check(f"{h['host']}: the metrics listener listens on the host's address",
          o["interface"]["mlt-metrics-https"]["inet-address"] == h["address"], o["interface"])
    check(f"{h['host']}: the metrics listener's locations are /metrics and /health, each proxied to the same path of "
          "management, and /<service>/metrics per service, proxied to its /metrics; nothing else",
          {loc: (proxies[v["handler"]]["host"].popitem()[1]["path"]) for loc, v in locations.items()}
          == {"/metrics": "/metrics", "/health": "/health", **{f"/{n}/metrics": "/metrics" for n in services[h["host"]]}},
          locations)
    check(f"{h['host']}: the proxy reaches the management port on loopback",
          upstream["mlt-management-loopback"] == {"host": "127.0.0.1",
                                                  "port": "${jboss.management.http.port:%s}" % management_port[h["host"]]},
          upstream)
    check(f"{h['host']}: each service's location reaches that service's metrics port on loopback, where it listens",
          wf_env[h["host"]].get("OTEL_EXPORTER_PROMETHEUS_HOST") == "127.0.0.1"
          and {n: upstream.get(f"mlt-metrics-{n}") for n in services[h["host"]]}
          == {n: {"host": "127.0.0.1", "port": int(p)} for n, p in services[h["host"]].items()},
          (wf_env[h["host"]].get("OTEL_EXPORTER_PROMETHEUS_HOST"), upstream))
    check(f"{h['host']}: the metrics listener requires a client certificate (need-client-auth)",
          elytron["server-ssl-context"]["mltMetricsSSC"].get("need-client-auth") is True
          and undertow["server"]["mlt-metrics"]["https-listener"]["https"]["ssl-context"] == "mltMetricsSSC")
    ssc = elytron["server-ssl-context"]["mltMetricsSSC"]
    domain = elytron.get("security-domain", {}).get(ssc.get("security-domain"), {})
    check(f"{h['host']}: only the monitoring hosts' own certificates open a session (key-store-realm of their "
          "certificates, principal = CN, authentication not optional)",
          ssc.get("authentication-optional") is False
          and [r["realm"] for r in domain.get("realms", [])] == ["mltMetricsClients"]
          and elytron["key-store-realm"]["mltMetricsClients"]["key-store"] == "mltMetricsClientStore"
          and elytron["key-store"]["mltMetricsClientStore"]["path"].endswith("/metrics-https-clients.p12")
          and elytron["x500-attribute-principal-decoder"][domain.get("principal-decoder")] == {"oid": "2.5.4.3",
                                                                                           "maximum-segments": 1}
          and f"only these may connect ({', '.join(m['host'] for m in mons)})" in open(out(h["host"], "metrics-https.yml")).read(),
          (ssc, domain))
    check(f"{h['host']}: the console redirect is off on the metrics listener",
          undertow["server"]["mlt-metrics"]["host"]["mlt-metrics"].get("disable-console-redirect") is True)
promtail_port = str(yaml.safe_load(open(os.path.join(obs, "promtail", "promtail.yml")))["server"]["http_listen_port"])
alloy_port = {h["host"]: re.search(r"--server\.http\.listen-addr=\S*:(\d+)", open(out(h["host"], "alloy.service")).read()).group(1)
              for h in apps}
shipper_port = {h["host"]: promtail_port if h["log_shipper"] == "promtail" else alloy_port[h["host"]] for h in apps}
for h in apps:
    check(f"{h['host']}: the server runs every WAR's service with a metrics port",
          set(services[h["host"]]) == set(war_ports), (services[h["host"]], war_ports))
expected_sd = {
    "app": [{"targets": [f"{h['address']}:{metrics_port[h['host']]}"],
             "labels": {"env": h["env"], "service": name, "host": h["host"], "__scheme__": "https",
                        "__metrics_path__": f"/{name}/metrics"}}
            for h in apps for name in services[h["host"]]],
    "wildfly": [{"targets": [f"{h['address']}:{metrics_port[h['host']]}"],
                 "labels": {"env": h["env"], "service": "wildfly", "host": h["host"], "__scheme__": "https"}} for h in apps],
}
for shipper in ("promtail", "alloy"):
    expected_sd[shipper] = [{"targets": [f"{h['address']}:{shipper_port[h['host']]}"],
                             "labels": {"env": h["env"], "service": shipper, "host": h["host"]}}
                            for h in apps if h["log_shipper"] == shipper]
# postgres_exporter's port: the one the database host's exporter listens on.
exporter_listen = {h["host"]: re.search(r"--web\.listen-address=([^\s\"]+)", open(out(h["host"], "postgres_exporter.default")).read())
                   .group(1) for h in dbs}
expected_sd["postgres"] = [{"targets": [exporter_listen[h["host"]]],
                            "labels": {"env": h["env"], "service": "postgres", "host": h["host"]}} for h in dbs]
for job, expected in expected_sd.items():
    groups = yaml.safe_load(open(out(mon["host"], f"file_sd/{job}.yml"))) or []
    check(f"file_sd/{job}.yml targets = the ports the app hosts listen on", groups == expected, (groups, expected))

# --- TLS and basic auth of Prometheus and Alertmanager: each serves HTTPS with the host's certificate and asks for
# the inventory's password (bcrypt); Prometheus reaches both over HTTPS, trusting the deployment's CA only. ---
tls = mon["tls"]
logins = mon["web_logins"]
prom_src = yaml.safe_load(open(os.path.join(obs, "prometheus", "prometheus.yml")))
prom_out = yaml.safe_load(open(out(mon["host"], "prometheus.yml")))
client_keys = ("scheme", "tls_config", "basic_auth")
strip = lambda d: {k: v for k, v in d.items() if k not in client_keys}
tls_jobs = {"prometheus": "prometheus", "alertmanager": "alertmanager", "grafana": "tls"}  # job -> whose login it uses
cert_jobs = {"wildfly", "app"}  # jobs that present the host's certificate to the app hosts' metrics listeners
# ... and those that do it over https for every target: the other hosts' exporters and log shippers (issue 16).
https_cert_jobs = {"postgres", "alloy", "promtail"}
cert_jobs |= https_cert_jobs
check("rendered prometheus.yml equals the repository's but for TLS and auth on its own jobs and Alertmanagers",
      [strip(j) for j in prom_out["scrape_configs"]] == prom_src["scrape_configs"]
      and [strip(a) for a in prom_out["alerting"]["alertmanagers"]] == prom_src["alerting"]["alertmanagers"]
      and {k: v for k, v in prom_out.items() if k not in ("scrape_configs", "alerting")}
      == {k: v for k, v in prom_src.items() if k not in ("scrape_configs", "alerting")})
check("rendered prometheus.yml: every job but its own two and wildfly keeps the source's settings (no password sent "
      "to app hosts)", all(j == s for j, s in zip(prom_out["scrape_configs"], prom_src["scrape_configs"])
                          if j["job_name"] not in tls_jobs and j["job_name"] not in cert_jobs))
for j in prom_out["scrape_configs"]:
    if j["job_name"] in cert_jobs:
        check(f"prometheus.yml {j['job_name']}: the deployment's CA and the host's certificate as client certificate, no "
              "password", j.get("tls_config") == {"ca_file": tls["ca_file"], "cert_file": tls["cert_file"],
                                                  "key_file": tls["key_file"]} and "basic_auth" not in j, j)
    if j["job_name"] in https_cert_jobs:
        check(f"prometheus.yml {j['job_name']}: scheme https for every target", j.get("scheme") == "https", j)
bb_src = yaml.safe_load(open(os.path.join(obs, "blackbox", "blackbox.yml")))
bb_out = yaml.safe_load(open(out(mon["host"], "blackbox.yml")))
bb_tls = bb_out["modules"]["http_health"]["http"].pop("tls_config", None)
check("rendered blackbox.yml: the health probes trust the deployment's CA and present the host's certificate",
      bb_tls == {"ca_file": tls["ca_file"], "cert_file": tls["cert_file"], "key_file": tls["key_file"]}, bb_tls)
check("rendered blackbox.yml equals the repository's but for that tls_config", bb_out == bb_src)
check(f"blackbox exporter reads the host key through the key group, {tls['key_group']}",
      f"SupplementaryGroups={tls['key_group']}" in open(out(mon["host"], "blackbox-hardening.conf")).read())
clients = [(j["job_name"], j, tls_jobs[j["job_name"]]) for j in prom_out["scrape_configs"] if j["job_name"] in tls_jobs]
clients += [("alerting", a, "alertmanager") for a in prom_out["alerting"]["alertmanagers"]]
check("prometheus.yml has the clients of its own API, of Alertmanager and of Grafana", len(clients) == 4, [c[0] for c in clients])
grafana_job = next((j for j in prom_out["scrape_configs"] if j["job_name"] == "grafana"), {})
check("prometheus.yml grafana: https with the deployment's CA, no login (Grafana serves /metrics over HTTPS)",
      grafana_job.get("scheme") == "https" and grafana_job.get("tls_config") == {"ca_file": tls["ca_file"]}
      and "basic_auth" not in grafana_job, grafana_job)
clients = [c for c in clients if c[2] != "tls"]
for name, c, login in clients:
    check(f"prometheus.yml {name}: https, the deployment's CA, {login}'s user, password from a file (not inline)",
          c.get("scheme") == "https" and c.get("tls_config") == {"ca_file": tls["ca_file"]}
          and c.get("basic_auth", {}).get("username") == logins[login]["username"]
          and "password" not in c.get("basic_auth", {}) and c["basic_auth"].get("password_file", "").endswith(".password"), c)

stage = tempfile.mkdtemp()
try:
    # A throwaway CA file, certificate and password files stand in for the host's, at paths inside the stage.
    key, crt = os.path.join(stage, "host.key"), os.path.join(stage, "host.crt")
    ok, msg = run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                   "-subj", "/CN=localhost", "-days", "1", "-keyout", key, "-out", crt])
    check("openssl makes a throwaway certificate for the checks", ok, msg)
    text = (open(out(mon["host"], "prometheus.yml")).read().replace(tls["ca_file"], crt)
            .replace(tls["cert_file"], crt).replace(tls["key_file"], key))
    for name, c, login in clients:
        path = c["basic_auth"]["password_file"]
        staged = os.path.join(stage, os.path.basename(path))
        open(staged, "w").write(logins[login]["password"])
        text = text.replace(path, staged)
    open(os.path.join(stage, "prometheus.yml"), "w").write(text)
    shutil.copytree(os.path.join(obs, "prometheus", "rules"), os.path.join(stage, "rules"))
    shutil.copytree(out(mon["host"], "file_sd"), os.path.join(stage, "file_sd"))
    ok, msg = run(["promtool", "check", "config", os.path.join(stage, "prometheus.yml")])
    check("promtool check config on the rendered prometheus.yml with its rules and rendered targets", ok, msg)
    ok, msg = run(["promtool", "check", "config", "--syntax-only", os.path.join(stage, "prometheus.yml")])
    def discovered(job, *labels):
        """promtool check service-discovery: the given labels of each target of the job, sorted."""
        p = subprocess.run(["promtool", "check", "service-discovery", os.path.join(stage, "prometheus.yml"), job],
                           capture_output=True, text=True)
        return sorted(tuple(t["labels"].get(k) for k in labels) for t in json.loads(p.stdout or "[]") if t.get("labels"))
    # postgres_exporter over https, its certificate verified against the deployment's CA (no server_name, no
    # insecure_skip_verify: the target's address is the name checked).
    found = discovered("postgres", "__scheme__", "__address__")
    want = sorted(("https", exporter_listen[h["host"]]) for h in dbs)
    check("promtool check service-discovery postgres: the exporters over HTTPS", found == want, (found, want))
    pg_job = next(j for j in prom_out["scrape_configs"] if j["job_name"] == "postgres")
    check("prometheus.yml postgres: the server name is verified (no insecure_skip_verify, no server_name override)",
          not pg_job["tls_config"].get("insecure_skip_verify") and "server_name" not in pg_job["tls_config"], pg_job)
    # The relabelling as Prometheus applies it: the health probes go to the metrics listener over HTTPS, through the
    # exporter on plain HTTP; job wildfly scrapes the listener over HTTPS.
    for job, path in (("health-ready", "/health/ready"), ("health-live", "/health/live"), ("wildfly", "")):
        found = discovered(job, "__scheme__", "__address__", "__param_target")
        want = sorted(("https", f"{h['address']}:{metrics_port[h['host']]}", None) if job == "wildfly" else
                      ("http", "localhost:9115", f"https://{h['address']}:{metrics_port[h['host']]}{path}") for h in apps)
        check(f"promtool check service-discovery {job}: the metrics listeners over HTTPS", found == want, (found, want))
    found = discovered("app", "__scheme__", "__address__", "__metrics_path__")
    want = sorted(("https", f"{h['address']}:{metrics_port[h['host']]}", f"/{n}/metrics")
                  for h in apps for n in services[h["host"]])
    check("promtool check service-discovery app: each service at /<service>/metrics of the metrics listener, HTTPS",
          found == want, (found, want))
    open(os.path.join(stage, "blackbox.yml"), "w").write(
        open(out(mon["host"], "blackbox.yml")).read().replace(tls["ca_file"], crt).replace(tls["cert_file"], crt)
        .replace(tls["key_file"], key))
    bb_ok, bb_msg = run(["prometheus-blackbox-exporter", "--config.check", "--config.file=" + os.path.join(stage, "blackbox.yml")])
    check("blackbox exporter accepts the rendered blackbox.yml (the role's validate)", bb_ok, bb_msg)
    check("promtool check config --syntax-only (the role's validate) accepts prometheus.yml", ok, msg)
    try:
        from passlib.hash import bcrypt
    except ImportError:
        bcrypt = None
    check("passlib is installed (the roles hash with it; apt-get install python3-passlib)", bcrypt is not None)
    for server in ("prometheus", "alertmanager"):
        name = f"{server}-web.yml"
        raw = open(out(mon["host"], name)).read()
        web = yaml.safe_load(raw)
        users = web.get("basic_auth_users", {})
        login = logins[server]
        check(f"{name}: TLS with the host's certificate and key, TLS 1.2 or later",
              web.get("tls_server_config") == {"cert_file": tls["cert_file"], "key_file": tls["key_file"],
                                                "min_version": "TLS12"}, web.get("tls_server_config"))
        check(f"{name}: one user, {login['username']}, whose bcrypt hash matches the inventory's password",
              list(users) == [login["username"]] and bcrypt is not None
              and bcrypt.verify(login["password"], users[login["username"]]), users)
        check(f"{name}: the password is not in the file", login["password"] not in raw)
        staged = os.path.join(stage, name)
        open(staged, "w").write(raw.replace(tls["cert_file"], crt).replace(tls["key_file"], key))
        ok, msg = run(["promtool", "check", "web-config", staged])
        check(f"promtool check web-config (the role's validate) accepts {name}", ok, msg)
finally:
    shutil.rmtree(stage)
args = open(out(mon["host"], "prometheus.default")).read()
check("prometheus runs with exemplar storage (prometheus.yml needs it)", "--enable-feature=exemplar-storage" in args)
for server, flags in (("prometheus", args), ("alertmanager", open(out(mon["host"], "alertmanager.default")).read())):
    check(f"{server} runs with its web configuration (--web.config.file)", "--web.config.file=" in flags
          and re.search(r"--web\.config\.file=\S+\.yml", flags) is not None, flags)
    unit = open(out(mon["host"], f"{server}-hardening.conf")).read()
    check(f"{server} reads the host key through the key group, {tls['key_group']}",
          f"SupplementaryGroups={tls['key_group']}" in unit)

# --- Alertmanager: routes and inhibitions unchanged, receivers filled, amtool accepts it. ---
am_src = yaml.safe_load(open(os.path.join(obs, "alertmanager", "alertmanager.yml")))
am = yaml.safe_load(open(out(mon["host"], "alertmanager.yml")))
check("alertmanager route and inhibit_rules equal the repository's",
      am["route"] == am_src["route"] and am["inhibit_rules"] == am_src["inhibit_rules"])
check("alertmanager receivers are the repository's names",
      [r["name"] for r in am["receivers"]] == [r["name"] for r in am_src["receivers"]])
ok, msg = run(["amtool", "check-config", out(mon["host"], "alertmanager.yml")])
check("amtool check-config on rendered alertmanager.yml", ok, msg)
# The notification templates with the rendered base URLs: they load, and the links start at this site's Grafana.
grafana_url = f"https://{mon['address']}:3000"
shutil.copy(os.path.join(obs, "alertmanager", "templates", "mlt.tmpl"), out(mon["host"], "templates/mlt.tmpl"))
ok, msg = run(["amtool", "template", "render", "--template.glob=" + out(mon["host"], "templates/*.tmpl"),
               "--template.text={{ template \"mlt.grafana_url\" . }}"])
check("alertmanager templates render with the site's Grafana URL", ok and msg == grafana_url, msg)
# Jaeger's UI link patterns: valid JSON, every Grafana link pointed at this site's Grafana.
ui = json.load(open(out(mon["host"], "ui-config.json")))
urls = [p["url"] for p in ui["linkPatterns"]]
check("jaeger ui-config.json links to the site's Grafana", urls and all(u.startswith(grafana_url + "/") for u in urls), urls)
ok, msg = run(["prometheus-blackbox-exporter", "--config.check",
               "--config.file=" + os.path.join(obs, "blackbox", "blackbox.yml")])
check("blackbox exporter accepts blackbox.yml", ok, msg)

# --- Environment files provide every variable the canonical configs expand. ---
def referenced(path, pattern):
    """Variables a config expands, comments left out (they show the syntax with placeholder names)."""
    text = "\n".join(l for l in open(path) if not l.lstrip().startswith(("#", "//")))
    return sorted(set(re.findall(pattern, text)))

loki_vars = referenced(os.path.join(obs, "loki", "loki.yml"), r"\$\{([A-Z_][A-Z0-9_]*)")
check("loki.env sets every ${VAR} of loki.yml", set(loki_vars) <= set(env_file(out(mon["host"], "loki.env"))), loki_vars)
jaeger_vars = referenced(os.path.join(obs, "jaeger", "jaeger.yml"), r"\$\{env:([A-Z_][A-Z0-9_]*)")
check("jaeger.env sets every ${env:VAR} of jaeger.yml",
      set(jaeger_vars) <= set(env_file(out(mon["host"], "jaeger.env"))), jaeger_vars)
# OTLP into Jaeger: the overlay the unit merges over jaeger.yml (a second --config) makes the receiver mutual TLS.
jaeger_base = yaml.safe_load(open(os.path.join(obs, "jaeger", "jaeger.yml")))
jaeger_tls = yaml.safe_load(open(out(mon["host"], "jaeger-tls.yml")))
otlp_http_tls = jaeger_tls["receivers"]["otlp"]["protocols"]["http"]["tls"]
check("jaeger-tls.yml: OTLP/HTTP serves the host certificate and requires a client certificate of the deployment's CA",
      otlp_http_tls == {"cert_file": "/etc/mlt-tls/host.crt", "key_file": "/etc/mlt-tls/host.key",
                        "client_ca_file": "/etc/mlt-tls/ca.crt", "min_version": "1.2"}, otlp_http_tls)
check("jaeger-tls.yml changes nothing but the OTLP/HTTP receiver's TLS", list(jaeger_tls) == ["receivers"]
      and list(jaeger_tls["receivers"]["otlp"]["protocols"]) == ["http"], jaeger_tls)
check("jaeger unit reads jaeger.yml, then jaeger-tls.yml over it",
      "--config=/etc/jaeger/jaeger.yml --config=/etc/jaeger/jaeger-tls.yml" in open(out(mon["host"], "jaeger.service")).read())
jaeger_listen = {path: v for path, v in (
    ("otlp grpc", jaeger_base["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"]),
    ("query grpc", jaeger_base["extensions"]["jaeger_query"]["grpc"]["endpoint"]),
    ("health", jaeger_base["extensions"]["healthcheckv2"]["http"]["endpoint"]),
    ("own metrics", "%s:%s" % (jaeger_base["service"]["telemetry"]["metrics"]["readers"][0]["pull"]["exporter"]["prometheus"]["host"],
                               jaeger_base["service"]["telemetry"]["metrics"]["readers"][0]["pull"]["exporter"]["prometheus"]["port"])))}
check("jaeger.yml: auxiliary ports on loopback", all(v.startswith("127.0.0.1:") for v in jaeger_listen.values()), jaeger_listen)
check("jaeger.yml: a memory limiter first in the traces pipeline",
      jaeger_base["service"]["pipelines"]["traces"]["processors"][0] == "memory_limiter", jaeger_base["service"]["pipelines"])
check("loki unit expands the environment",
      "-config.expand-env=true" in open(out(mon["host"], "loki.service")).read())
promtail_vars = referenced(os.path.join(obs, "promtail", "promtail.yml"), r"\$\{([A-Z_][A-Z0-9_]*)")
alloy_vars = referenced(os.path.join(obs, "alloy", "config.alloy"), r'sys\.env\("([A-Z_][A-Z0-9_]*)"\)')
for h in apps:
    host = h["host"]
    for shipper, needed in (("promtail", promtail_vars), ("alloy", alloy_vars)):
        env = env_file(out(host, f"{shipper}.env"))
        check(f"{host}: {shipper}.env sets every variable of its config", set(needed) <= set(env), needed)
        check(f"{host}: {shipper} labels equal the host's Prometheus labels",
              env.get("MLT_ENV") == h["env"] and env.get("MLT_HOST") == host, env)
        push = h["loki_push"]
        check(f"{host}: {shipper} pushes over https to the Loki gateway of the monitoring host",
              env.get("LOKI_URL") == f"https://{mon['address']}:{push['port']}/loki/api/v1/push", env.get("LOKI_URL"))
        check(f"{host}: {shipper} logs in as {host} (its tenant) with its password file, trusting the deployment's CA",
              env.get("LOKI_USERNAME") == host == push["username"]
              and env.get("LOKI_PASSWORD_FILE") == push["password_files"][shipper]
              and env.get("LOKI_CA_FILE") == tls["ca_file"] == push["ca_files"][shipper], env)
        unit = open(out(host, "wildfly-mlt.service")).read()
        log_dir = re.search(r"-Djboss\.server\.log\.dir=(\S+)", unit).group(1)
        check(f"{host}: {shipper} tails the JSON log the server writes",
              env.get("WILDFLY_LOG_FILE") == f"{log_dir}/server.log", env.get("WILDFLY_LOG_FILE"))
    groups = h["log_groups"]
    check(f"{host}: the log shippers join the log group, not the server's group (which reads its configuration)",
          groups["alloy"] == groups["promtail"] == groups["wildfly"] != groups["server"], groups)
    check(f"{host}: promtail expands its environment",
          "-config.expand-env=true" in open(out(host, "promtail.service")).read())
    env = wf_env[host]
    needed = ["MLT_BIND_ADDRESS", "MLT_MANAGEMENT_BIND_ADDRESS", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_TRACES_SAMPLER_ARG",
              "MLT_ENVIRONMENT", "OTEL_EXPORTER_PROMETHEUS_HOST", "WEBAPI_URL", "JAVA_OPTS", "MLT_CONSOLE_LOG_LEVEL"]
    check(f"{host}: wildfly.env sets every runtime variable", all(k in env for k in needed),
          [k for k in needed if k not in env])
    callers = yaml.safe_load(open(out(host, "webapi-callers.yml")))["wildfly-configuration"]["subsystem"]["undertow"]
    acl = callers["configuration"]["filter"]["expression-filter"]["mlt-webapi-callers"]["expression"]
    check(f"{host}: /webapi answers loopback and the app hosts only (Undertow ip-access-control, default deny)",
          acl == "ip-access-control(default-allow=false, acl={%s})" % ", ".join(
              f"'{a} allow'" for a in ["127.0.0.1", "::1"] + [a["address"] for a in apps])
          and callers["server"]["default-server"]["host"]["default-host"]["filter-ref"]["mlt-webapi-callers"]
          == {"predicate": "path-prefix('/webapi')"}, acl)
    check(f"{host}: the server reads the access list at boot",
          "/etc/wildfly-mlt/webapi-callers.yml" in (re.findall(r"--yaml=(\S+)", open(out(host, "wildfly-mlt.service")).read())
                                                    or [""])[0].split(":"))
    check(f"{host}: traces go to Jaeger's OTLP/HTTP on the monitoring host, over TLS",
          env["OTEL_EXPORTER_OTLP_ENDPOINT"] == f"https://{mon['address']}:4318", env["OTEL_EXPORTER_OTLP_ENDPOINT"])
    check(f"{host}: the exporter checks Jaeger against the deployment's CA and presents this host's certificate",
          env.get("OTEL_EXPORTER_OTLP_CERTIFICATE") == "/etc/mlt-tls/ca.crt"
          and env.get("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE") == "/etc/mlt-tls/host.crt"
          and env.get("OTEL_EXPORTER_OTLP_CLIENT_KEY") == "/etc/mlt-tls/host.key",
          {k: v for k, v in env.items() if k.startswith("OTEL_EXPORTER_OTLP")})
    check(f"{host}: Vert.x can read the client certificate (javax.naming.ldap in jboss.modules.system.pkgs, OtlpTlsIT)",
          re.search(r"-Djboss\.modules\.system\.pkgs=\S*javax\.naming\.ldap", env.get("JAVA_OPTS", "")) is not None,
          env.get("JAVA_OPTS"))
    check(f"{host}: deployment.environment is the env label", env["MLT_ENVIRONMENT"] == h["env"])
    check(f"{host}: the application metrics (plain HTTP) listen on loopback, behind the metrics listener",
          env["OTEL_EXPORTER_PROMETHEUS_HOST"] == "127.0.0.1", env["OTEL_EXPORTER_PROMETHEUS_HOST"])

# --- Grafana: the provisioned data source uids are the ones the dashboards use; anonymous access off. ---
ds = [d for f in glob.glob(os.path.join(obs, "grafana", "provisioning", "datasources", "*.yml"))
      for d in yaml.safe_load(open(f)).get("datasources", [])]
uids = {d["uid"] for d in ds}
check("grafana data sources have uids prometheus, loki, jaeger", {"prometheus", "loki", "jaeger"} <= uids, uids)
dash_uids = set()
for f in glob.glob(os.path.join(mon["sources"]["grafana_dashboards"], "*.json")):
    text = open(f).read()
    dash_uids |= set(re.findall(r'"datasource"\s*:\s*\{[^}]*"uid"\s*:\s*"([^"$]+)"', text))
# "-- Grafana --" and friends are Grafana's built-in data sources (annotations, mixed queries).
dash_uids = {u for u in dash_uids if not u.startswith("-- ")}
check("every data source uid the dashboards use is provisioned", dash_uids <= uids, dash_uids - uids)
# Deployment annotations: the tags site.yml posts (roles/grafana/tasks/annotate.yml) are the ones every dashboard's
# "Deployments" annotation selects.
grafana_defaults = yaml.safe_load(open(os.path.join(ansible_dir, "roles", "grafana", "defaults", "main.yml")))
site = open(os.path.join(ansible_dir, "site.yml")).read()
for f in sorted(glob.glob(os.path.join(mon["sources"]["grafana_dashboards"], "*.json"))):
    annotations = json.load(open(f)).get("annotations", {}).get("list", [])
    tags = [a["target"]["tags"] for a in annotations if a.get("name") == "Deployments"]
    check(f"{os.path.basename(f)}: its Deployments annotation selects the tags a rollout posts",
          tags == [[grafana_defaults["grafana_deployment_tag"], "env:$env"]] and '"env:{{ mlt_environment }}"' in site, tags)
# The data sources Grafana logs in with: Prometheus and Alertmanager over HTTPS with basic auth and the deployment's
# CA (Grafana reads it with $__file{}); the others as in the repository's file.
ds_out = {d["uid"]: d for d in yaml.safe_load(open(out(mon["host"], "grafana-datasources.yml")))["datasources"]}
for d in ds:
    o = ds_out.get(d["uid"], {})
    if d["uid"] in logins:
        login = logins[d["uid"]]
        check(f"grafana data source {d['uid']}: https on the source's port, basic auth as {login['username']}, "
              "the deployment's CA only",
              o.get("url") == d["url"].replace("http://", "https://", 1) and o.get("basicAuth") is True
              and o.get("basicAuthUser") == login["username"]
              and o.get("secureJsonData") == {"basicAuthPassword": login["password"].replace("$", "$$"),
                                               "tlsCACert": "$__file{" + tls["ca_file"] + "}"}
              and o.get("jsonData", {}).get("tlsAuthWithCACert") is True
              and {k: v for k, v in o.items() if k not in ("url", "basicAuth", "basicAuthUser", "secureJsonData", "jsonData")}
              == {k: v for k, v in d.items() if k not in ("url", "jsonData")}, o)
    elif d["uid"] in mon["grafana_datasource_headers"]:
        headers = mon["grafana_datasource_headers"][d["uid"]]
        names = {k: v for k, v in o.get("jsonData", {}).items() if k.startswith("httpHeaderName")}
        values = o.get("secureJsonData", {})
        sent = {names[k]: values.get("httpHeaderValue" + k[len("httpHeaderName"):]) for k in names}
        check(f"grafana data source {d['uid']}: as in the repository's file but for its headers {sorted(headers)}, "
              "sent as secure values", sent == headers
              and {k: v for k, v in o.get("jsonData", {}).items() if k not in names} == d.get("jsonData", {})
              and {k: v for k, v in o.items() if k not in ("jsonData", "secureJsonData")}
              == {k: v for k, v in d.items() if k != "jsonData"}, o)
    else:
        check(f"grafana data source {d['uid']}: as in the repository's file", o == d, o)
provider = yaml.safe_load(open(os.path.join(obs, "grafana", "provisioning", "dashboards", "mlt.yml")))
check("dashboard provider names the directory the role fills", provider["providers"][0]["options"]["path"].startswith("/"))
ini = open(out(mon["host"], "grafana.ini")).read()
home = re.search(r"^default_home_dashboard_path = (\S+)$", ini, re.M)
home_file = os.path.join(mon["sources"]["grafana_dashboards"], os.path.basename(home.group(1))) if home else ""
check("grafana.ini: the home dashboard is mlt-home, in the directory the provider loads",
      home and os.path.dirname(home.group(1)) == provider["providers"][0]["options"]["path"].rstrip("/")
      and os.path.exists(home_file) and json.load(open(home_file))["uid"] == "mlt-home", home and home.group(1))
check("grafana.ini: anonymous access off, sign-up off",
      re.search(r"\[auth\.anonymous\]\s*\nenabled = false", ini) and "allow_sign_up = false" in ini)
grafana_ini = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=None)
grafana_ini.read_string(ini)
g = lambda section, key: grafana_ini.get(section, key, fallback=None)
check("grafana.ini: HTTPS only, with the host's certificate and key, TLS 1.2 or later",
      g("server", "protocol") == "https" and g("server", "cert_file") == tls["cert_file"]
      and g("server", "cert_key") == tls["key_file"] and g("server", "min_tls_version") in ("TLS1.2", "TLS1.3"),
      dict(grafana_ini["server"]))
check("grafana.ini: the session cookie is Secure and SameSite=strict or lax",
      g("security", "cookie_secure") == "true" and g("security", "cookie_samesite") in ("strict", "lax"))
check("grafana.ini: HSTS for at least a day, Grafana's Content-Security-Policy, nosniff",
      g("security", "strict_transport_security") == "true"
      and int(g("security", "strict_transport_security_max_age_seconds") or 0) >= 86400
      and g("security", "content_security_policy") == "true" and g("security", "x_content_type_options") == "true")
check("grafana.ini: no external snapshots, no public dashboards",
      g("snapshots", "external_enabled") == "false" and g("public_dashboards", "enabled") == "false")
check("grafana.ini: the admin login is not Grafana's well-known admin, and is the inventory's",
      g("security", "admin_user") == mon["grafana_admin_user"] and mon["grafana_admin_user"].lower() != "admin")
check(f"grafana reads the host key through the key group, {tls['key_group']}",
      f"SupplementaryGroups={tls['key_group']}" in open(out(mon["host"], "grafana-hardening.conf")).read())

# --- Firewall: each port only to the hosts that need it; the rule sets load. ---
def rules(host):
    text = open(out(host, "nftables.conf")).read()
    found = {}
    for m in re.finditer(r"tcp dport \{ ([^}]*) \} ip6? saddr \{ ([^}]*) \} accept", text):
        for port in m.group(1).split(", "):
            found.setdefault(int(port), set()).update(s.strip() for s in m.group(2).split(","))
    return found

app_addrs = {h["address"] for h in apps}
# The example inventory ships with Alloy: Promtail is end of life upstream (2026-03-02) and stays an option only.
check("the example inventory's log shipper is alloy", all(h["log_shipper"] == "alloy" for h in apps),
      [h["log_shipper"] for h in apps])
for h in apps:
    r = rules(h["host"])
    check(f"{h['host']}: the management port :{management_port[h['host']]} is open to nobody",
          int(management_port[h["host"]]) not in r, r.get(int(management_port[h["host"]])))
    check(f"{h['host']}: the metrics listener :{metrics_port[h['host']]} open to the monitoring hosts only",
          r.get(int(metrics_port[h["host"]])) == {m["address"] for m in mons}, r.get(int(metrics_port[h["host"]])))
    for port in services[h["host"]].values():
        check(f"{h['host']}: a WAR's metrics port :{port} (loopback, plain HTTP) is open to nobody", int(port) not in r,
              r.get(int(port)))
    other = alloy_port[h["host"]] if h["log_shipper"] == "promtail" else promtail_port
    check(f"{h['host']}: {h['log_shipper']} :{shipper_port[h['host']]} open to the monitoring hosts only, :{other} closed",
          r.get(int(shipper_port[h["host"]])) == {m["address"] for m in mons} and int(other) not in r, r)
    check(f"{h['host']}: nothing else open to the monitoring hosts",
          {p for p, s in r.items() if s == {m["address"] for m in mons}}
          == {int(p) for p in [metrics_port[h["host"]], shipper_port[h["host"]]]}, r)
for port in (3100, 4318):
    check(f"{mon['host']}: :{port} open to the app hosts only", rules(mon["host"]).get(port) == app_addrs,
          rules(mon["host"]).get(port))
check(f"{mon['host']}: :4317 (OTLP/gRPC, unused) closed", 4317 not in rules(mon["host"]), rules(mon["host"]).get(4317))
grpc_port = yaml.safe_load(open(os.path.join(obs, "loki", "loki.yml")))["server"]["grpc_listen_port"]
check(f"{mon['host']}: Loki's gRPC :{grpc_port} is open to nobody (it listens on loopback as well)",
      grpc_port not in rules(mon["host"]), rules(mon["host"]).get(grpc_port))
for port in (3000, 9090):
    check(f"{mon['host']}: :{port} open to the admin CIDRs only",
          rules(mon["host"]).get(port) == set(mon["admin_cidrs"]), rules(mon["host"]).get(port))
firewall_defaults = yaml.safe_load(open(os.path.join(ansible_dir, "roles", "firewall", "defaults", "main.yml")))
check("firewall role has no default SSH sources (the operator names them)", "firewall_ssh_sources" not in firewall_defaults,
      firewall_defaults.get("firewall_ssh_sources"))
for h in hosts:
    text = open(out(h, "nftables.conf")).read()
    ssh = rules(h).get(22, set())
    check(f"{h}: SSH open to the inventory's firewall_ssh_sources only, not to the world",
          ssh == set(hosts[h]["ssh_sources"]) and not ssh & {"0.0.0.0/0", "::/0"}, ssh)
    limit = re.search(r"tcp dport 22 ct state new add @ssh_new4 \{ ip saddr limit rate over \d+/minute burst \d+ packets \} drop", text)
    accept = text.find('accept comment "ssh"')
    check(f"{h}: new SSH connections are rate-limited per source before they are accepted",
          limit is not None and 0 <= limit.start() < accept, text[max(accept - 400, 0):accept])
if shutil.which("nft") and shutil.which("unshare"):
    for h in hosts:
        ok, msg = run(["unshare", "-rn", "nft", "-c", "-f", out(h, "nftables.conf")])
        check(f"{h}: nft -c accepts the rule set", ok, msg)
else:
    check("nft and unshare are installed (nftables rule-set check)", False)

# --- Loki: loopback only, one tenant per app host, deletion off unless opted in; the gateway (nginx) in front. ---
loki_src = yaml.safe_load(open(os.path.join(obs, "loki", "loki.yml")))
loki_server = loki_src.get("server", {})
check("loki.yml: multi-tenant (auth_enabled), every request names its tenant", loki_src.get("auth_enabled") is True)
check("loki.yml: HTTP and gRPC listen on loopback only",
      loki_server.get("http_listen_address") == "127.0.0.1" == loki_server.get("grpc_listen_address"), loki_server)
check("loki.yml: queries may span tenants (Grafana reads every app host's)",
      loki_src.get("querier", {}).get("multi_tenant_queries_enabled") is True)
check("loki.yml: deletion_mode is set, from LOKI_DELETION_MODE, disabled by default",
      loki_src.get("limits_config", {}).get("deletion_mode") == "${LOKI_DELETION_MODE:-disabled}")
check("loki.yml: retention stays on", loki_src["compactor"].get("retention_enabled") is True)
check("loki.env: the delete API is disabled", env_file(out(mon["host"], "loki.env")).get("LOKI_DELETION_MODE") == "disabled")
gw = mon["loki_gateway"]
check("loki gateway: forwards to Loki's own port on loopback",
      gw["upstream"] == f"127.0.0.1:{loki_server['http_listen_port']}", gw["upstream"])
check("loki gateway: listens on the host's address, on the port the app hosts push to",
      gw["listen"] == mon["address"] and all(h["loki_push"]["port"] == gw["port"] for h in apps), gw)
check("loki gateway: one login per app host, its inventory name", sorted(gw["users"]) == sorted(h["host"] for h in apps),
      sorted(gw["users"]))
check("loki gateway: each login's password is that app host's (what its shipper sends)",
      all(gw["users"][h["host"]] == h["loki_push"]["password"] for h in apps))
htpasswd_raw = open(out(mon["host"], "loki-gateway.htpasswd")).read()
hashes = dict(l.split(":", 1) for l in htpasswd_raw.splitlines() if l and not l.startswith("#"))
check("loki-gateway.htpasswd: one bcrypt hash per app host, each matching that host's password",
      sorted(hashes) == sorted(gw["users"]) and bcrypt is not None
      and all(re.match(r"^\$2b\$%02d\$" % gw["bcrypt_rounds"], hashes[u]) and bcrypt.verify(p, hashes[u])
              for u, p in gw["users"].items()), hashes)
check("loki-gateway.htpasswd: no password in the file", not any(p in htpasswd_raw for p in gw["users"].values()))
promtail_client = yaml.safe_load(open(os.path.join(obs, "promtail", "promtail.yml")))["clients"][0]
check("promtail.yml: basic auth from LOKI_USERNAME and LOKI_PASSWORD_FILE, CA from LOKI_CA_FILE, no tenant_id of its own",
      promtail_client.get("basic_auth") == {"username": "${LOKI_USERNAME:-}", "password_file": "${LOKI_PASSWORD_FILE:-}"}
      and promtail_client.get("tls_config") == {"ca_file": "${LOKI_CA_FILE:-}"} and "tenant_id" not in promtail_client,
      promtail_client)
alloy_text = " ".join("\n".join(l for l in open(os.path.join(obs, "alloy", "config.alloy"))
                                if not l.lstrip().startswith("//")).split())
write = re.search(r'loki\.write "monitoring" \{(.*)$', alloy_text)
check("config.alloy: loki.write logs in from LOKI_USERNAME and LOKI_PASSWORD_FILE, CA from LOKI_CA_FILE, no tenant_id",
      write is not None
      and 'basic_auth { username = sys.env("LOKI_USERNAME") password_file = sys.env("LOKI_PASSWORD_FILE") }' in write.group(1)
      and 'tls_config { ca_file = sys.env("LOKI_CA_FILE") }' in write.group(1) and "tenant_id" not in alloy_text,
      write and write.group(1)[:400])
# The Jaeger gateway: Jaeger's UI and query API have no login; they listen on loopback, nginx serves them with TLS and
# a login on the host's address.
jaeger_gw = open(out(mon["host"], "jaeger-gateway.conf")).read()
jaeger_query = jaeger_base["extensions"]["jaeger_query"]["http"]["endpoint"]
check("jaeger.yml: the UI and query API listen on loopback only", jaeger_query.startswith("127.0.0.1:"), jaeger_query)
check("jaeger-gateway.conf: TLS with the host's certificate on the host's address, the UI's port",
      f"listen {mon['address']}:16686 ssl;" in jaeger_gw and "ssl_certificate /etc/mlt-tls/host.crt;" in jaeger_gw
      and "ssl_certificate_key /etc/mlt-tls/host.key;" in jaeger_gw, jaeger_gw[:600])
jaeger_locations = re.findall(r"location\s+([^{]+)\{(.*?)\n    \}", jaeger_gw, re.S)
check("jaeger-gateway.conf: one location, every request needs a login, then goes to Jaeger on loopback",
      len(jaeger_locations) == 1 and "auth_basic_user_file /etc/nginx/jaeger-gateway.htpasswd;" in jaeger_locations[0][1]
      and f"proxy_pass http://{jaeger_query};" in jaeger_locations[0][1]
      and 'proxy_set_header Authorization "";' in jaeger_locations[0][1], jaeger_locations)
gw_conf = open(out(mon["host"], "loki-gateway.conf")).read()
check("loki-gateway.conf: TLS with the host's certificate and key, on the host's address",
      f"listen {gw['listen']}:{gw['port']} ssl;" in gw_conf and f"ssl_certificate {tls['cert_file']};" in gw_conf
      and f"ssl_certificate_key {tls['key_file']};" in gw_conf)
check("loki-gateway.conf: the only location that proxies is POST /loki/api/v1/push, X-Scope-OrgID = the login",
      gw_conf.count("proxy_pass ") == 1 and "location = /loki/api/v1/push {" in gw_conf
      and "proxy_set_header X-Scope-OrgID $loki_gateway_tenant;" in gw_conf
      and re.search(r"map \$remote_user \$loki_gateway_tenant \{\s*default \$remote_user;\s*\}", gw_conf) is not None)

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def openssl(*args):
    ok, msg = run(["openssl", *args])
    if not ok:
        raise RuntimeError(msg)

def throwaway_cas(stage, names):
    """Self-signed CAs <stage>/<name>.crt and .key, valid one day."""
    for name in names:
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-subj", f"/CN=render {name}", "-days", "1", "-keyout", f"{stage}/{name}.key",
                "-out", f"{stage}/{name}.crt", "-addext", "basicConstraints=critical,CA:TRUE")

def wait_for_port(port):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)

def plain_http(port, method, path, body=None, headers=None):
    """One plain-HTTP request to a TLS port: (status, text)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.read().decode(errors="replace")
    finally:
        c.close()

def stop(proc, stage):
    if proc:
        proc.terminate()
        proc.wait(timeout=20)
    shutil.rmtree(stage)

if shutil.which("nginx"):
    # The gateway's file as rendered, in nginx (the role's package) on free loopback ports, with a throwaway CA and
    # host certificate. Its upstream here is a second server block of the same nginx that records the request line
    # and the headers it receives (what Loki would get) and answers 204: no stand-in for Loki's behaviour, only for
    # its ear.
    stage = tempfile.mkdtemp()
    os.chmod(stage, 0o755)  # nginx's workers (nobody) read the password file
    proc = None
    try:
        throwaway_cas(stage, ("ca", "other-ca"))
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=mon",
                "-keyout", f"{stage}/host.key", "-out", f"{stage}/host.csr")
        open(f"{stage}/san.ext", "w").write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
        openssl("x509", "-req", "-in", f"{stage}/host.csr", "-CA", f"{stage}/ca.crt", "-CAkey", f"{stage}/ca.key",
                "-CAcreateserial", "-days", "1", "-extfile", f"{stage}/san.ext", "-out", f"{stage}/host.crt")
        for f in os.listdir(stage):
            os.chmod(os.path.join(stage, f), 0o644)
        port, upstream_port = free_port(), free_port()
        conf = (gw_conf.replace(f"listen {gw['listen']}:{gw['port']} ssl;", f"listen 127.0.0.1:{port} ssl;")
                .replace(tls["cert_file"], f"{stage}/host.crt").replace(tls["key_file"], f"{stage}/host.key")
                .replace(gw["htpasswd"], f"{stage}/htpasswd").replace(gw["access_log"], f"{stage}/access.log")
                .replace(gw["error_log"], f"{stage}/error.log")
                .replace(f"server {gw['upstream']};", f"server 127.0.0.1:{upstream_port};"))
        open(f"{stage}/loki-gateway.conf", "w").write(conf)
        shutil.copy(out(mon["host"], "loki-gateway.htpasswd"), f"{stage}/htpasswd")
        os.chmod(f"{stage}/htpasswd", 0o644)
        temp = "".join(f"    {d}_temp_path {stage}/{d};\n" for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        open(f"{stage}/nginx.conf", "w").write(f"""daemon off;
pid {stage}/nginx.pid;
error_log {stage}/nginx-error.log;
events {{}}
http {{
{temp}    include {stage}/loki-gateway.conf;
    log_format heard escape=json '$request_method $request_uri orgid=[$http_x_scope_orgid] auth=[$http_authorization]';
    server {{
        listen 127.0.0.1:{upstream_port};
        access_log {stage}/upstream.log heard;
        location / {{ return 204; }}
    }}
}}
""")
        ok, msg = run(["nginx", "-t", "-q", "-e", f"{stage}/nginx-error.log", "-p", stage, "-c", f"{stage}/nginx.conf"])
        check("nginx -t accepts the rendered loki-gateway.conf (in an http block, with the throwaway certificate)", ok, msg)
        # The role's own validate command (the shared path of the gateways, _nginx_site), on the rendered file.
        validate = yaml.safe_load(open(os.path.join(ansible_dir, "roles", "_nginx_site", "tasks", "main.yml")))
        command = next(t["ansible.builtin.template"]["validate"] for t in validate
                       if isinstance(t.get("ansible.builtin.template"), dict)
                       and t["ansible.builtin.template"].get("src") == "{{ _nginx_site_template }}")
        p = subprocess.run(shlex.split(command % f"{stage}/loki-gateway.conf"), capture_output=True, text=True)
        check("the role's validate command accepts the rendered loki-gateway.conf", p.returncode == 0, p.stderr[-400:])
        broken = f"{stage}/broken.conf"
        open(broken, "w").write(conf.replace("proxy_pass ", "proxy_pas "))
        p = subprocess.run(shlex.split(command % broken), capture_output=True, text=True)
        check("the role's validate command refuses a broken loki-gateway.conf", p.returncode != 0, p.stderr[-400:])
        proc = subprocess.Popen(["nginx", "-e", f"{stage}/nginx-error.log", "-p", stage, "-c", f"{stage}/nginx.conf"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        wait_for_port(port)
        ca_ctx = ssl.create_default_context(cafile=f"{stage}/ca.crt")

        def request(method, path, login=None, headers=None, body=b"", ctx=ca_ctx):
            c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
            h = dict(headers or {})
            if login:
                h["Authorization"] = "Basic " + base64.b64encode(f"{login[0]}:{login[1]}".encode()).decode()
            try:
                c.request(method, path, body=body, headers=h)
                r = c.getresponse()
                return r.status, r.read().decode(errors="replace")
            finally:
                c.close()

        def heard():
            try:
                return open(f"{stage}/upstream.log").read().splitlines()
            except FileNotFoundError:
                return []

        def until(predicate):
            deadline = time.monotonic() + 10
            while not predicate() and time.monotonic() < deadline:
                time.sleep(0.05)
            return predicate()

        app1, app2 = sorted(gw["users"])[:2]
        login1, login2 = (app1, gw["users"][app1]), (app2, gw["users"][app2])
        push = "/loki/api/v1/push"
        stream = json.dumps({"streams": [{"stream": {"host": app1}, "values": [["1", "line"]]}]}).encode()
        json_type = {"Content-Type": "application/json"}
        status, _ = request("POST", push, body=stream, headers=json_type)
        check("loki gateway (nginx): a push without login answers 401", status == 401, status)
        status, _ = request("POST", push, login=(app1, "wrong-password-wrong"), body=stream, headers=json_type)
        check("loki gateway (nginx): a push with a wrong password answers 401", status == 401, status)
        status, _ = request("POST", push, login=(app1, gw["users"][app2]), body=stream, headers=json_type)
        check(f"loki gateway (nginx): {app1} with {app2}'s password answers 401", status == 401, status)
        check("loki gateway (nginx): nothing refused reached Loki", heard() == [], heard())
        status, _ = request("POST", push, login=login1, body=stream, headers={**json_type, "X-Scope-OrgID": app2})
        check(f"loki gateway (nginx): {app1}'s push with its login is forwarded (the upstream's 204)", status == 204, status)
        check(f"loki gateway (nginx): Loki gets {push} with X-Scope-OrgID {app1} (the {app2} the client sent is "
              "replaced) and no Authorization", until(lambda: heard() == [f"POST {push} orgid=[{app1}] auth=[]"]), heard())
        access = lambda: open(f"{stage}/access.log").read().splitlines()
        check("loki gateway (nginx): its access log records the tenant sent and the one the client asked for",
              until(lambda: any(f'user="{app1}" tenant_sent="{app1}" tenant_asked="{app2}"' in l
                                and "upstream_status=204" in l for l in access())), access()[-3:])
        status, _ = request("POST", push, login=login2, body=stream, headers=json_type)
        check(f"loki gateway (nginx): {app2}'s push goes to tenant {app2}",
              status == 204 and until(lambda: heard()[-1:] == [f"POST {push} orgid=[{app2}] auth=[]"]), heard())
        # A spelling that nginx normalizes to the push path is forwarded as that path, never as the client wrote it.
        before = len(heard())
        status, _ = request("POST", "/loki/api/v1/delete/../push", login=login1, body=stream, headers=json_type)
        check("loki gateway (nginx): /loki/api/v1/delete/../push reaches Loki as /loki/api/v1/push",
              status == 204 and until(lambda: heard()[before:] == [f"POST {push} orgid=[{app1}] auth=[]"]), heard())
        before = len(heard())
        refused = [("GET", "/loki/api/v1/query?query=%7Bhost%3D%22app2%22%7D"), ("GET", "/loki/api/v1/query_range"),
                   ("GET", "/loki/api/v1/labels"), ("GET", "/loki/api/v1/tail"), ("GET", push),
                   ("POST", "/loki/api/v1/delete?query=%7Bhost%3D%22app2%22%7D&start=0"),
                   ("DELETE", "/loki/api/v1/delete"), ("POST", "/flush"), ("POST", "/ingester/shutdown"),
                   ("GET", "/ingester/shutdown"), ("GET", "/config"), ("GET", "/metrics"), ("GET", "/ready"),
                   ("POST", "/loki/api/v1/push/../delete"), ("POST", "/api/prom/push"), ("POST", "/otlp/v1/logs")]
        for method, path in refused:
            status, _ = request(method, path, login=login1, body=b"" if method == "GET" else stream, headers=json_type)
            check(f"loki gateway (nginx): {method} {path.split('?')[0]} with {app1}'s login is refused (403)",
                  status == 403, status)
        time.sleep(0.2)
        check("loki gateway (nginx): no refused request reached Loki", heard()[before:] == [], heard()[before:])
        try:
            request("POST", push, login=login1, body=stream, headers=json_type,
                    ctx=ssl.create_default_context(cafile=f"{stage}/other-ca.crt"))
            check("loki gateway (nginx): a client trusting another CA refuses its certificate", False)
        except ssl.SSLCertVerificationError:
            check("loki gateway (nginx): a client trusting another CA refuses its certificate", True)
        status, text = plain_http(port, "POST", push, body=stream, headers={**json_type, "Authorization": "Basic "
                                  + base64.b64encode(f"{login1[0]}:{login1[1]}".encode()).decode()})
        check("loki gateway (nginx): plain HTTP is answered 400 and not forwarded",
              status == 400 and "plain HTTP request was sent to HTTPS port" in text
              and until(lambda: len(heard()) == before) and len(heard()) == before, (status, text[:200]))
    except Exception as e:  # a failure to set up the stage is a failed check, not a crash of the whole report
        check("loki gateway (nginx): the local run with a throwaway CA completes", False, repr(e))
    finally:
        stop(proc, stage)
else:
    check("nginx is installed (the Loki gateway's check: apt-get install nginx)", False)

# --- The database host: PostgreSQL listens on the inventory's interface, lets in webapi from the app hosts only, over
# TLS with scram-sha-256, to its own database; every app host's datasource points there, verifying the certificate. ---
def pg_conf(path):
    return {m.group(1): m.group(2).strip("'") for m in re.finditer(r"^(\w+) = (.+)$", open(path).read(), re.M)}

for db in dbs:
    conf = {**pg_conf(out(db["host"], "postgresql-restart.conf")), **pg_conf(out(db["host"], "postgresql-reload.conf"))}
    check(f"{db['host']}: PostgreSQL listens on its inventory address only", conf.get("listen_addresses") == db["address"],
          conf.get("listen_addresses"))
    check(f"{db['host']}: TLS on with the host's certificate and key, TLS 1.2 or later; scram-sha-256 passwords",
          conf.get("ssl") == "on" and conf.get("ssl_cert_file") == tls["cert_file"]
          and conf.get("ssl_key_file") == tls["key_file"] and conf.get("ssl_min_protocol_version") == "TLSv1.2"
          and conf.get("password_encryption") == "scram-sha-256", conf)
    hba = [l.split() for l in open(out(db["host"], "pg_hba.conf")).read().splitlines() if l.strip() and not l.startswith("#")]
    remote = [l for l in hba if l[0] != "local"]
    check(f"{db['host']}: pg_hba: remote logins only hostssl, scram-sha-256, one database and role, from each app host",
          all(l[0] == "hostssl" and l[4] == "scram-sha-256" for l in remote)
          and {l[3] for l in remote} == {a + "/32" for a in db["app_addresses"]}
          and len({(l[1], l[2]) for l in remote}) == 1, remote)
    check(f"{db['host']}: pg_hba: local logins by peer only (postgres, the exporter's role)",
          all(l[-1] == "peer" for l in hba if l[0] == "local") and {l[2] for l in hba if l[0] == "local"}
          == {"postgres", db["db_exporter_user"]}, hba)
    r = rules(db["host"])
    port, exporter_port = int(conf["port"]), int(exporter_listen[db["host"]].rsplit(":", 1)[1])
    check(f"{db['host']}: :{port} open to the app hosts only, :{exporter_port} to the monitoring hosts only, nothing else",
          r.get(port) == set(db["app_addresses"]) and r.get(exporter_port) == {m["address"] for m in mons}
          and set(r) == {22, port, exporter_port}, r)
    check(f"{db['host']}: the exporter listens on the host's address and connects over the Unix socket, no password",
          exporter_listen[db["host"]].startswith(db["address"] + ":")
          and "host=/run/postgresql" in env_file(out(db["host"], "postgres_exporter.default"))["DATA_SOURCE_NAME"]
          and "password" not in env_file(out(db["host"], "postgres_exporter.default"))["DATA_SOURCE_NAME"])
    database, role = remote[0][1], remote[0][2]
    for h in apps:
        env = wf_env[h["host"]]
        check(f"{h['host']}: webapi's datasource is PostgreSQL on {db['host']}:{port}/{database} as {role}, "
              "the certificate verified against the deployment's CA",
              env.get("MLT_DB_DRIVER") == "postgresql"
              and env.get("MLT_DB_URL") == f"jdbc:postgresql://{db['address']}:{port}/{database}"
                                           f"?sslmode=verify-full&sslrootcert={tls['ca_file']}"
              and env.get("MLT_DB_USER") == role and env.get("MLT_DB_PASSWORD") == db["db_password"],
              {k: v for k, v in env.items() if k.startswith("MLT_DB") and k != "MLT_DB_PASSWORD"})

# --- postgres_exporter and the log shippers serve their /metrics over HTTPS only, to clients with a certificate of the
# deployment's CA (issue 16). The exporter's rendered web configuration also runs here, in the packaged exporter on a
# free loopback port with a throwaway CA, and the role's validate command is tried on it. ---
pg_validate = yaml.safe_load(open(os.path.join(ansible_dir, "roles", "postgresql", "vars", "main.yml")))[
    "postgresql_exporter_web_config_validate"]
mtls_server = {"cert_file": tls["cert_file"], "key_file": tls["key_file"], "min_version": "TLS12",
               "client_auth_type": "RequireAndVerifyClientCert", "client_ca_file": tls["ca_file"]}
for db in dbs:
    web = yaml.safe_load(open(out(db["host"], "postgres_exporter-web.yml")))
    check(f"{db['host']}: postgres_exporter-web.yml: the host's certificate, TLS 1.2 or later, a client certificate of "
          "the deployment's CA required (RequireAndVerifyClientCert), no password", web == {"tls_server_config": mtls_server}, web)
    flags = env_file(out(db["host"], "postgres_exporter.default"))["ARGS"].split()
    check(f"{db['host']}: the exporter runs with it (--web.config.file={db['db_exporter_web_config']})",
          f"--web.config.file={db['db_exporter_web_config']}" in flags, flags)
for h in apps:
    text = open(out(h["host"], "http-tls.alloy")).read()
    block = dict(re.findall(r'^\s*(\w+)\s*=\s*"([^"]*)"\s*$', text, re.M))
    check(f"{h['host']}: http-tls.alloy: Alloy's HTTP server with the host's certificate, TLS 1.2 or later, a client "
          "certificate of the deployment's CA required", re.search(r"^http \{\s*tls \{", text, re.M) is not None
          and block == mtls_server, block)
    check(f"{h['host']}: alloy runs its configuration directory (config.alloy and http-tls.alloy)",
          re.search(r"^ExecStart=\S+ run /etc/alloy --server\.http\.listen-addr=", open(out(h["host"], "alloy.service")).read(),
                    re.M) is not None)
    env = env_file(out(h["host"], "promtail.env"))
    check(f"{h['host']}: promtail.env: the host's certificate and key, the deployment's CA for client certificates",
          (env.get("PROMTAIL_TLS_CERT_FILE"), env.get("PROMTAIL_TLS_KEY_FILE"), env.get("PROMTAIL_TLS_CLIENT_CA_FILE"))
          == (tls["cert_file"], tls["key_file"], tls["ca_file"]), env)
    check(f"{h['host']}: both shippers read the host key through the key group, {tls['key_group']}",
          all(tls["key_group"] in groups for groups in h["shipper_groups"].values()), h["shipper_groups"])
for role, template in (("alloy", "http-tls.alloy.j2"), ("promtail", "promtail.env.j2")):
    tasks = yaml.safe_load(open(os.path.join(ansible_dir, "roles", role, "tasks", "configure.yml")))
    stat = next((t for t in tasks if t.get("register") == f"{role}_tls_cert"), {}).get("ansible.builtin.stat", {})
    writes = next((t for t in tasks if (t.get("ansible.builtin.template") or {}).get("src") == template), {})
    check(f"{role}: a renewed host certificate restarts it (the certificate's sha256 is in {template}, which notifies "
          f"Restart {role})", stat.get("path") == "{{ %s_tls_cert_file }}" % role and stat.get("checksum_algorithm") == "sha256"
          and f"{role}_tls_cert.stat.checksum" in open(os.path.join(ansible_dir, "roles", role, "templates", template)).read()
          and writes.get("notify") == f"Restart {role}", (stat, writes.get("notify")))
promtail_server = yaml.safe_load(open(os.path.join(obs, "promtail", "promtail.yml")))["server"]
check("promtail.yml: its HTTP server takes the PROMTAIL_TLS_* files, requires a client certificate, TLS 1.2 or later",
      promtail_server.get("http_tls_config") == {"cert_file": "${PROMTAIL_TLS_CERT_FILE:-}",
                                                 "key_file": "${PROMTAIL_TLS_KEY_FILE:-}",
                                                 "client_auth_type": "RequireAndVerifyClientCert",
                                                 "client_ca_file": "${PROMTAIL_TLS_CLIENT_CA_FILE:-}"}
      and promtail_server.get("tls_min_version") == "VersionTLS12", promtail_server)

if shutil.which("prometheus-postgres-exporter") and dbs:
    stage = tempfile.mkdtemp()
    proc = None
    try:
        throwaway_cas(stage, ("ca", "other-ca"))
        # The exporter's host certificate, Prometheus' client certificate, and a client certificate of another CA.
        for name, ca, usage in (("host", "ca", "serverAuth"), ("client", "ca", "clientAuth"), ("other", "other-ca", "clientAuth")):
            openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", f"/CN={name}",
                    "-keyout", f"{stage}/{name}.key", "-out", f"{stage}/{name}.csr")
            open(f"{stage}/{name}.ext", "w").write(f"subjectAltName=IP:127.0.0.1\nextendedKeyUsage={usage}\n")
            openssl("x509", "-req", "-in", f"{stage}/{name}.csr", "-CA", f"{stage}/{ca}.crt", "-CAkey", f"{stage}/{ca}.key",
                    "-CAcreateserial", "-days", "1", "-extfile", f"{stage}/{name}.ext", "-out", f"{stage}/{name}.crt")
        db = dbs[0]
        conf = (open(out(db["host"], "postgres_exporter-web.yml")).read().replace(tls["cert_file"], f"{stage}/host.crt")
                .replace(tls["key_file"], f"{stage}/host.key").replace(tls["ca_file"], f"{stage}/ca.crt"))
        open(f"{stage}/web.yml", "w").write(conf)
        open(f"{stage}/broken.yml", "w").write(conf.replace(f"{stage}/ca.crt", f"{stage}/missing-ca.crt"))
        p = subprocess.run(shlex.split(pg_validate % f"{stage}/web.yml"), capture_output=True, text=True)
        check("the postgresql role's validate command accepts the rendered exporter web configuration", p.returncode == 0,
              (p.stdout + p.stderr)[-400:])
        p = subprocess.run(shlex.split(pg_validate % f"{stage}/broken.yml"), capture_output=True, text=True)
        check("the postgresql role's validate command refuses one whose client CA file is missing", p.returncode != 0,
              (p.stdout + p.stderr)[-400:])
        port = free_port()
        proc = subprocess.Popen(["prometheus-postgres-exporter", f"--web.listen-address=127.0.0.1:{port}",
                                 f"--web.config.file={stage}/web.yml"], env={**os.environ, "DATA_SOURCE_NAME": "host=/nonexistent"},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(port)

        def metrics(cert=None, maximum=None):
            ctx = ssl.create_default_context(cafile=f"{stage}/ca.crt")  # verifies the exporter's certificate and name
            if cert:
                ctx.load_cert_chain(f"{stage}/{cert}.crt", f"{stage}/{cert}.key")
            if maximum:
                ctx.maximum_version = maximum
            c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
            try:
                c.request("GET", "/metrics")
                r = c.getresponse()
                return r.status, r.read().decode(errors="replace")
            except (ssl.SSLError, ConnectionError, http.client.HTTPException) as e:
                return None, repr(e)
            finally:
                c.close()

        status, body = metrics("client")
        check("postgres_exporter (rendered config): with a client certificate of the CA, /metrics serves pg_up "
              "(its certificate verified against the CA for 127.0.0.1)", status == 200 and re.search(r"(?m)^pg_up ", body)
              is not None, (status, body[:200]))
        status, body = metrics()
        check("postgres_exporter (rendered config): without a client certificate the TLS handshake is refused, no metrics",
              status is None and "pg_up" not in body, (status, body[:200]))
        status, body = metrics("other")
        check("postgres_exporter (rendered config): a client certificate of another CA is refused", status is None,
              (status, body[:200]))
        status, body = metrics("client", ssl.TLSVersion.TLSv1_1)
        check("postgres_exporter (rendered config): TLS 1.1 is refused", status is None, (status, body[:200]))
        status, text = plain_http(port, "GET", "/metrics")
        check("postgres_exporter (rendered config): plain HTTP is answered 400, no metrics",
              status == 400 and "pg_up" not in text, (status, text[:200]))
    except Exception as e:  # a failure to set up the stage is a failed check, not a crash of the whole report
        check("postgres_exporter: the local run with a throwaway CA completes", False, repr(e))
    finally:
        stop(proc, stage)
else:
    check("prometheus-postgres-exporter is installed (the exporter's check: apt-get install prometheus-postgres-exporter)",
          False)

# --- Units: systemd accepts every rendered unit (each directive known and well-formed), the hardening is in each,
# and the services with no egress deny every other address. The binaries are not installed here: /bin/true stands in
# for ExecStart only so that systemd-analyze looks at the rest. ---
units = sorted(glob.glob(os.path.join(render_dir, "*", "*.service")))
check("units were rendered", len(units) > 0)
for unit in units:
    name = os.path.relpath(unit, render_dir)
    text = open(unit).read()
    for directive in ("ProtectProc=invisible", "SystemCallFilter=@system-service", "SystemCallErrorNumber=EPERM",
                      "NoNewPrivileges=yes", "ProtectSystem=strict", "CapabilityBoundingSet=\n"):
        check(f"{name}: {directive.strip()}", directive in text)
    if shutil.which("systemd-analyze"):
        vdir = tempfile.mkdtemp()
        try:
            copy = os.path.join(vdir, os.path.basename(unit))
            open(copy, "w").write(re.sub(r"^ExecStart=\S+", "ExecStart=/bin/true", text, flags=re.M))
            p = subprocess.run(["systemd-analyze", "verify", "--man=no", copy], capture_output=True, text=True)
            problems = [l for l in (p.stdout + p.stderr).splitlines()
                        if os.path.basename(unit) in l and "EnvironmentFile" not in l]
            check(f"{name}: systemd-analyze verify accepts it", p.returncode == 0 and not problems,
                  (p.stdout + p.stderr)[-600:])
        finally:
            shutil.rmtree(vdir)
for service, peers in (("loki", set()), ("jaeger", set(mon["app_addresses"]))):
    text = open(out(mon["host"], f"{service}.service")).read()
    allow = re.search(r"^IPAddressAllow=(.*)$", text, re.M)
    check(f"{service}.service: no egress, only localhost and its clients ({sorted(peers)})",
          "IPAddressDeny=any" in text and allow is not None and set(allow.group(1).split()) == {"localhost"} | peers,
          allow and allow.group(1))
for h in apps:
    text = open(out(h["host"], "alloy.service")).read()
    check(f"{h['host']}: alloy.service keeps its egress (it pushes to Loki)", "IPAddressDeny" not in text)

failed = results.count(False)
print(f"render checks: {len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
