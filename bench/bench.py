#!/usr/bin/env python3
"""Telemetry overhead benchmark for WildFly MLT: throughput, latency, boot time and memory, A/B interleaved.

A: full telemetry: every trace sampled and exported over OTLP to a counting receiver, the metrics endpoints scraped
   every 5 s, JSON logs to file.
B: telemetry off: OpenTelemetry SDK disabled, nothing scraped; everything else equal.

Each round starts a fresh server from the packaged archive, waits for /health/ready (boot-to-ready time), loads
/webapp/service in 5 s windows until throughput stops rising (the last three windows within 3 % of their mean, at
least --warmup seconds), then measures /webapp/service and /webapi/add at that plateau. The ramp is the time from
ready to the end of the first window at 90 % of the plateau. Rounds alternate A, B, A, B, ...; each A/B pair gives
a ratio, and the medians of the pairs' ratios are reported. Prints a table and writes JSON
(bench/target/results.json) with the machine description. --smoke runs one short round of each for CI.
"""
import argparse
import glob
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "bench", "target")
APP = "http://127.0.0.1:8080"
READY = "http://127.0.0.1:9990/health/ready"
METRICS = ["http://127.0.0.1:9464/metrics", "http://127.0.0.1:9465/metrics", "http://127.0.0.1:9990/metrics"]
OTLP_PORT = 14319
ENDPOINTS = {"service": APP + "/webapp/service", "add": APP + "/webapi/add?a=2&b=2"}
CONFIGS = {
    "A": {"description": "full telemetry (100% traces over OTLP, metrics scraped every 5 s, JSON logs)",
          "properties": ["-Dotel.exporter.otlp.endpoint=http://127.0.0.1:%d" % OTLP_PORT,
                         "-Dotel.traces.sampler.arg=1.0"],
          "scrape": True},
    "B": {"description": "telemetry off (OpenTelemetry SDK disabled, no scraping)",
          "properties": ["-Dotel.sdk.disabled=true"],
          "scrape": False},
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="rounds per configuration (interleaved)")
    parser.add_argument("--duration", type=int, default=30, help="seconds of wrk per endpoint and round")
    parser.add_argument("--warmup", type=int, default=60, help="seconds of warm-up load per round, at least")
    parser.add_argument("--max-warmup", type=int, default=300, help="seconds of warm-up load per round, at most")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--boots", type=int, default=5, help="extra boots to time boot-to-ready (median)")
    parser.add_argument("--smoke", action="store_true", help="one short round of each configuration, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.duration, args.warmup, args.max_warmup, args.boots = 1, 2, 0, 10, 0
    require("wrk", "wrk")

    server_home = unpack_server()
    receiver = start_receiver()
    try:
        runs = []
        for round_number in range(args.rounds):
            for name in ("A", "B"):
                runs.append(run_round(server_home, name, round_number, args))
        boots = [boot_to_ready(server_home, CONFIGS["A"]) for _ in range(args.boots)]
        boots += [r["boot_to_ready_s"] for r in runs if r["config"] == "A"]
        spans = json.load(urllib.request.urlopen("http://127.0.0.1:%d/" % OTLP_PORT, timeout=5))
    finally:
        receiver.terminate()

    result = summarise(runs, boots, spans, args)
    os.makedirs(TARGET, exist_ok=True)
    with open(os.path.join(TARGET, "results.json"), "w") as out:
        json.dump(result, out, indent=2)
    print_table(result)
    print(json.dumps(result))


def unpack_server():
    archives = glob.glob(os.path.join(ROOT, "wildfly-config", "target", "wildfly-mlt-server-*.tar.gz"))
    if not archives:
        subprocess.run(["mvn", "-B", "-q", "-ntp", "-DskipTests", "-pl", "wildfly-config", "-am", "install"],
                       cwd=ROOT, check=True)
        archives = glob.glob(os.path.join(ROOT, "wildfly-config", "target", "wildfly-mlt-server-*.tar.gz"))
    home = os.path.join(TARGET, "wildfly-mlt-server")
    shutil.rmtree(home, ignore_errors=True)
    os.makedirs(TARGET, exist_ok=True)
    with tarfile.open(archives[0]) as archive:
        archive.extractall(TARGET)
    return home


def start_server(home, config):
    # System properties as server arguments: the JVM options stay those the server ships with (standalone.conf).
    log = open(os.path.join(TARGET, "server-console.log"), "ab")
    process = subprocess.Popen([os.path.join(home, "bin", "standalone.sh")] + config["properties"], stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    started = time.monotonic()
    deadline = started + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("server exited during boot; see bench/target/server-console.log")
        if http_status(READY) == 200:
            return process, time.monotonic() - started
        time.sleep(0.05)
    stop_server(process)
    raise SystemExit("server not ready within 120 s")


def stop_server(process):
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    # standalone.sh can exit before its JVM has let go of the ports; the next boot must not see the old server.
    deadline = time.monotonic() + 30
    while http_status(READY) is not None and time.monotonic() < deadline:
        time.sleep(0.1)


def boot_to_ready(home, config):
    process, seconds = start_server(home, config)
    stop_server(process)
    return seconds


def run_round(home, name, round_number, args):
    config = CONFIGS[name]
    process, boot_seconds = start_server(home, config)
    java_pid = java_child(process.pid)
    stop = threading.Event()
    peak_rss = [0]
    watchers = [threading.Thread(target=watch_rss, args=(java_pid, peak_rss, stop), daemon=True)]
    if config["scrape"]:
        watchers.append(threading.Thread(target=scrape_every_5s, args=(stop,), daemon=True))
    for watcher in watchers:
        watcher.start()
    try:
        warmup = warm_up(ENDPOINTS["service"], args.max_warmup, args.warmup, args.connections, window=RAMP_WINDOW_S)
        results = {endpoint: wrk(url, args.duration, args.connections) for endpoint, url in ENDPOINTS.items()}
    finally:
        stop.set()
        stop_server(process)
    ramp = ramp_seconds(warmup["windows_req_per_s"], results["service"]["requests_per_s"])
    print("round %d %s: service %.0f req/s, add %.0f req/s, ramp %s s, peak RSS %.0f MB" % (
        round_number + 1, name, results["service"]["requests_per_s"], results["add"]["requests_per_s"], ramp,
        peak_rss[0] / 1e6), file=sys.stderr)
    return {"config": name, "round": round_number + 1, "boot_to_ready_s": boot_seconds,
            "peak_rss_bytes": peak_rss[0], "warmup": warmup, "ramp_to_90pct_s": ramp, "endpoints": results}


RAMP_WINDOW_S = 5


def ramp_seconds(windows, plateau):
    """Seconds from ready to the end of the first warm-up window at 90 % of the plateau, or None if none got there."""
    for number, rate in enumerate(windows, 1):
        if rate >= 0.9 * plateau:
            return number * RAMP_WINDOW_S
    return None


def java_child(shell_pid):
    # standalone.sh runs java as its child; RSS is the JVM's.
    for _ in range(50):
        children = subprocess.run(["pgrep", "-P", str(shell_pid), "java"], capture_output=True, text=True).stdout.split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    return shell_pid


def watch_rss(pid, peak, stop):
    while not stop.is_set():
        try:
            with open("/proc/%d/status" % pid) as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        peak[0] = max(peak[0], int(line.split()[1]) * 1024)
        except OSError:
            return
        stop.wait(0.5)


def scrape_every_5s(stop):
    while not stop.is_set():
        for url in METRICS:
            http_status(url)
        stop.wait(5)


WRK_LATENCY = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$")
WRK_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)")
WRK_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
WRK_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(url, seconds, connections):
    run = subprocess.run(["wrk", "--latency", "-t", "2", "-c", str(connections), "-d", "%ds" % seconds, url],
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit("wrk failed on %s: %s%s" % (url, run.stdout, run.stderr))
    return parse_wrk(run.stdout)


def parse_wrk(output):
    result = {"requests_per_s": 0.0, "p50_ms": None, "p99_ms": None, "non_2xx": 0, "socket_errors": 0}
    for line in output.splitlines():
        if m := WRK_LATENCY.match(line):
            result["p%s_ms" % m.group(1)] = float(m.group(2)) * UNIT[m.group(3)]
        elif m := WRK_RPS.match(line):
            result["requests_per_s"] = float(m.group(1))
        elif m := WRK_NON_2XX.search(line):
            result["non_2xx"] = int(m.group(1))
        elif m := WRK_ERRORS.search(line):
            result["socket_errors"] = sum(int(g) for g in m.groups())
    return result


def summarise(runs, boots, spans, args):
    per_config = {}
    for name in CONFIGS:
        mine = [r for r in runs if r["config"] == name]
        per_config[name] = {
            "description": CONFIGS[name]["description"],
            "peak_rss_mb": max(r["peak_rss_bytes"] for r in mine) / 1e6,
            "endpoints": {endpoint: {
                key: statistics.median(r["endpoints"][endpoint][key] for r in mine)
                for key in ("requests_per_s", "p50_ms", "p99_ms")}
                | {"non_2xx": sum(r["endpoints"][endpoint]["non_2xx"] for r in mine),
                   "socket_errors": sum(r["endpoints"][endpoint]["socket_errors"] for r in mine)}
                for endpoint in ENDPOINTS}}
    pairs = [(a, b) for a, b in zip((r for r in runs if r["config"] == "A"), (r for r in runs if r["config"] == "B"))]
    ratios = {endpoint: {
        "throughput_A_over_B": statistics.median(a["endpoints"][endpoint]["requests_per_s"]
                                                 / b["endpoints"][endpoint]["requests_per_s"] for a, b in pairs),
        "p99_A_over_B": statistics.median(a["endpoints"][endpoint]["p99_ms"] / b["endpoints"][endpoint]["p99_ms"]
                                          for a, b in pairs),
        "throughput_A_over_B_per_pair": [round(a["endpoints"][endpoint]["requests_per_s"]
                                               / b["endpoints"][endpoint]["requests_per_s"], 3) for a, b in pairs]}
        for endpoint in ENDPOINTS}
    for name in CONFIGS:
        ramps = [r["ramp_to_90pct_s"] for r in runs if r["config"] == name]
        per_config[name]["ramp_to_90pct_s"] = ramps
    return {"machine": machine(), "settings": {"rounds": args.rounds, "duration_s": args.duration,
                                               "warmup_s": args.warmup, "max_warmup_s": args.max_warmup,
                                               "connections": args.connections},
            "configs": per_config, "ratios": ratios,
            "boot_to_ready_s_median": statistics.median(boots) if boots else None,
            "otlp_export_requests": spans["requests"], "runs": runs}


def machine():
    with open("/proc/cpuinfo") as cpuinfo:
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    with open("/proc/meminfo") as meminfo:
        memory_kb = int(meminfo.readline().split()[1])
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    return {"cpu": model, "cores": os.cpu_count(), "memory_gb": round(memory_kb / 1024 / 1024, 1),
            "kernel": platform.release(), "java": java}


def print_table(result):
    print("\nmachine: %(cpu)s, %(cores)d cores, %(memory_gb)s GB, %(java)s" % result["machine"])
    print("%-7s %-8s %10s %9s %9s %8s %8s" % ("config", "endpoint", "req/s", "p50 ms", "p99 ms", "non-2xx", "errors"))
    for name, config in result["configs"].items():
        for endpoint, figures in config["endpoints"].items():
            print("%-7s %-8s %10.0f %9.2f %9.2f %8d %8d" % (name, endpoint, figures["requests_per_s"],
                  figures["p50_ms"], figures["p99_ms"], figures["non_2xx"], figures["socket_errors"]))
    for endpoint, ratio in result["ratios"].items():
        print("A/B %-8s throughput %.3f (pairs %s)  p99 %.3f" % (endpoint, ratio["throughput_A_over_B"],
              ratio["throughput_A_over_B_per_pair"], ratio["p99_A_over_B"]))
    print("ready to 90 %% of the plateau: A %s s, B %s s" % (result["configs"]["A"]["ramp_to_90pct_s"],
                                                          result["configs"]["B"]["ramp_to_90pct_s"]))
    print("peak RSS: A %.0f MB, B %.0f MB; boot to ready (median): %.2f s; OTLP export requests received: %d\n" % (
        result["configs"]["A"]["peak_rss_mb"], result["configs"]["B"]["peak_rss_mb"],
        result["boot_to_ready_s_median"] or 0, result["otlp_export_requests"]))


def require(binary, package):
    if shutil.which(binary) is None:
        raise SystemExit("%s is not installed: apt-get install %s (scripts/install-prerequisites.sh does it)"
                         % (binary, package))


def warm_up(url, max_seconds, min_seconds=0, connections=16, window=10, within=0.03, steady=3):
    """Load until throughput stops rising: at least min_seconds, then until the last `steady` windows are within 3 %
    of their mean (or max_seconds). The JIT ramp on 2 cores has flat stretches: two windows alone stop too early."""
    started = time.monotonic()
    windows = []
    while time.monotonic() - started < max_seconds:
        windows.append(wrk(url, window, connections)["requests_per_s"])
        last = windows[-steady:]
        mean = sum(last) / len(last)
        if (time.monotonic() - started >= min_seconds and len(last) == steady
                and all(abs(w - mean) <= within * mean for w in last)):
            break
    return {"seconds": round(time.monotonic() - started), "windows_req_per_s": windows}


def start_receiver():
    return subprocess.Popen([sys.executable, os.path.join(ROOT, "bench", "counting_otlp_receiver.py"), str(OTLP_PORT)])


def raise_open_files_limit():
    """A spike of thousands of connections needs as many descriptors in wrk (a child: it inherits the limit)."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def http_status(url, timeout=2):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as answered:
        return answered.code
    except Exception:  # no answer at all means "not answering yet" to the callers
        return None


if __name__ == "__main__":
    main()
