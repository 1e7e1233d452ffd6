#!/usr/bin/env python3
"""Checks the files render.yml rendered against observability/ and the inventory.

Usage: check_render.py RENDER_DIR REPO_ROOT
Prints PASS/FAIL per check; exit status 1 if any failed. Validators (promtool, amtool, blackbox exporter, nft) are the
ones the roles use on the hosts, run here on the rendered files.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

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
check("inventory has app servers and a monitoring host", apps and mons)
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
release_roles = ("loki", "jaeger", "alloy", "promtail", "grafana")
check("every release role has a checksum pin", {f"{r}_checksum" for r in release_roles} <= pinned, sorted(pinned))

# --- Prometheus: file_sd targets are the inventory's app hosts, with env/service/host labels. ---
prom = yaml.safe_load(open(os.path.join(obs, "prometheus", "prometheus.yml")))
sd_files = sorted({f for job in prom["scrape_configs"] for sd in job.get("file_sd_configs", []) for f in sd["files"]})
rendered = sorted("file_sd/" + os.path.basename(f) for f in glob.glob(out(mon["host"], "file_sd/*.yml")))
check("prometheus.yml reads exactly the file_sd files the role renders", sd_files == rendered, (sd_files, rendered))
wf_env = {h["host"]: env_file(out(h["host"], "wildfly.env")) for h in apps}
ports = {"webapp": lambda h: wf_env[h]["WEBAPP_METRICS_PORT"], "webapi": lambda h: wf_env[h]["WEBAPI_METRICS_PORT"],
         "wildfly": lambda h: "9990", "promtail": lambda h: "9080", "alloy": lambda h: "12345"}
for job, port in ports.items():
    groups = yaml.safe_load(open(out(mon["host"], f"file_sd/{job}.yml"))) or []
    members = [h for h in apps if job not in ("promtail", "alloy") or h["log_shipper"] == job]
    expected = [{"targets": [f"{h['address']}:{port(h['host'])}"],
                 "labels": {"env": h["env"], "service": job, "host": h["host"]}} for h in members]
    check(f"file_sd/{job}.yml targets = inventory app hosts", groups == expected, (groups, expected))

stage = tempfile.mkdtemp()
try:
    shutil.copy(os.path.join(obs, "prometheus", "prometheus.yml"), stage)
    shutil.copytree(os.path.join(obs, "prometheus", "rules"), os.path.join(stage, "rules"))
    shutil.copytree(out(mon["host"], "file_sd"), os.path.join(stage, "file_sd"))
    ok, msg = run(["promtool", "check", "config", os.path.join(stage, "prometheus.yml")])
    check("promtool check config on prometheus.yml with its rules and rendered targets", ok, msg)
    ok, msg = run(["promtool", "check", "config", "--syntax-only", os.path.join(stage, "prometheus.yml")])
    check("promtool check config --syntax-only (the role's validate) accepts prometheus.yml", ok, msg)
finally:
    shutil.rmtree(stage)
args = open(out(mon["host"], "prometheus.default")).read()
check("prometheus runs with exemplar storage (prometheus.yml needs it)", "--enable-feature=exemplar-storage" in args)

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
grafana_url = f"http://{mon['address']}:3000"
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
        check(f"{host}: {shipper} pushes to Loki on the monitoring host",
              env.get("LOKI_URL") == f"http://{mon['address']}:3100/loki/api/v1/push", env.get("LOKI_URL"))
        unit = open(out(host, "wildfly-mlt.service")).read()
        log_dir = re.search(r"-Djboss\.server\.log\.dir=(\S+)", unit).group(1)
        check(f"{host}: {shipper} tails the JSON log the server writes",
              env.get("WILDFLY_LOG_FILE") == f"{log_dir}/server.log", env.get("WILDFLY_LOG_FILE"))
    check(f"{host}: promtail expands its environment",
          "-config.expand-env=true" in open(out(host, "promtail.service")).read())
    env = wf_env[host]
    needed = ["MLT_BIND_ADDRESS", "MLT_MANAGEMENT_BIND_ADDRESS", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_TRACES_SAMPLER_ARG",
              "MLT_ENVIRONMENT", "OTEL_EXPORTER_PROMETHEUS_HOST", "WEBAPP_METRICS_PORT", "WEBAPI_METRICS_PORT",
              "WEBAPI_URL", "JAVA_OPTS", "MLT_CONSOLE_LOG_LEVEL"]
    check(f"{host}: wildfly.env sets every runtime variable", all(k in env for k in needed),
          [k for k in needed if k not in env])
    check(f"{host}: traces go to Jaeger's OTLP/HTTP on the monitoring host",
          env["OTEL_EXPORTER_OTLP_ENDPOINT"] == f"http://{mon['address']}:4318")
    check(f"{host}: deployment.environment is the env label", env["MLT_ENVIRONMENT"] == h["env"])
    check(f"{host}: management and metrics listen where Prometheus scrapes",
          env["MLT_MANAGEMENT_BIND_ADDRESS"] == h["address"] and env["OTEL_EXPORTER_PROMETHEUS_HOST"] == h["address"])

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
provider = yaml.safe_load(open(os.path.join(obs, "grafana", "provisioning", "dashboards", "mlt.yml")))
check("dashboard provider names the directory the role fills", provider["providers"][0]["options"]["path"].startswith("/"))
ini = open(out(mon["host"], "grafana.ini")).read()
check("grafana.ini: anonymous access off, sign-up off",
      re.search(r"\[auth\.anonymous\]\s*\nenabled = false", ini) and "allow_sign_up = false" in ini)

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
    for port in (9990, 9464, 9465):
        check(f"{h['host']}: :{port} open to the monitoring hosts only", r.get(port) == {m["address"] for m in mons},
              r.get(port))
    shipper_port, other = {"alloy": (ports["alloy"](h), ports["promtail"](h)),
                           "promtail": (ports["promtail"](h), ports["alloy"](h))}[h["log_shipper"]]
    check(f"{h['host']}: {h['log_shipper']} :{shipper_port} open to the monitoring hosts only, :{other} closed",
          r.get(int(shipper_port)) == {m["address"] for m in mons} and int(other) not in r, r)
for port in (3100, 4317, 4318):
    check(f"{mon['host']}: :{port} open to the app hosts only", rules(mon["host"]).get(port) == app_addrs,
          rules(mon["host"]).get(port))
for port in (3000, 9090):
    check(f"{mon['host']}: :{port} open to the admin CIDRs only",
          rules(mon["host"]).get(port) == set(mon["admin_cidrs"]), rules(mon["host"]).get(port))
if shutil.which("nft") and shutil.which("unshare"):
    for h in hosts:
        ok, msg = run(["unshare", "-rn", "nft", "-c", "-f", out(h, "nftables.conf")])
        check(f"{h}: nft -c accepts the rule set", ok, msg)
else:
    check("nft and unshare are installed (nftables rule-set check)", False)

failed = results.count(False)
print(f"render checks: {len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
