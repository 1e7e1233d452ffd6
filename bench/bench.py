#!/usr/bin/env python3
"""Telemetry overhead benchmark for WildFly MLT: throughput, latency, boot time and memory, A/B interleaved.

A: full telemetry: every trace sampled and exported over OTLP to a counting receiver, the metrics endpoints scraped
   every 5 s, JSON logs to file.
B: telemetry off: OpenTelemetry SDK disabled, nothing scraped; everything else equal.

Each round starts a fresh server from the packaged archive, waits for /health/ready (boot-to-ready time), loads
/webapp/service in 5 s windows until throughput stops rising (the last four windows within 3 % of their mean and
not rising by more than that, at least --warmup seconds), then measures /webapp/service and /webapi/add at that
plateau. The ramp is the time from ready to the end of the first window at 90 % of the plateau. Rounds alternate A, B, A, B, ...; each A/B pair gives
a ratio, and the medians of the pairs' ratios are reported. Nothing lost: after each A round the driver waits for
the export to drain and compares the spans the receiver decoded with the SDK's processedSpans counter (exported,
dropped) and with requests x spans per request. Prints a table and writes JSON
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
# Spans one request leaves when sampled: /service, webapp's SERVER, INTERNAL and REST client CLIENT span, then
# webapi's SERVER, pool checkout (getConnection) and INSERT; /add, webapi's three. Probes and scrapes leave none.
SPANS_PER_REQUEST = {"service": 6, "add": 3}
APP_METRICS = METRICS[:2]
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
        wait_for(lambda: receiver_counts() is not None, 10, "the counting OTLP receiver did not start")
        runs = []
        for round_number in range(args.rounds):
            for name in ("A", "B"):
                runs.append(run_round(server_home, name, round_number, args))
        boots = [boot_to_ready(server_home, CONFIGS["A"]) for _ in range(args.boots)]
        boots += [r["boot_to_ready_s"] for r in runs if r["config"] == "A"]
        spans = receiver_counts()
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
    received_before = receiver_counts()
    spans = None
    try:
        warmup = warm_up(ENDPOINTS["service"], args.max_warmup, args.warmup, args.connections, window=RAMP_WINDOW_S)
        results = {endpoint: wrk(url, args.duration, args.connections) for endpoint, url in ENDPOINTS.items()}
        if config["scrape"]:
            spans = account_spans(warmup, results, received_before, args.connections)
    finally:
        stop.set()
        stop_server(process)
    ramp = ramp_seconds(warmup["windows_req_per_s"], results["service"]["requests_per_s"])
    print("round %d %s: service %.0f req/s, add %.0f req/s, ramp %s s, peak RSS %.0f MB" % (
        round_number + 1, name, results["service"]["requests_per_s"], results["add"]["requests_per_s"], ramp,
        peak_rss[0] / 1e6), file=sys.stderr)
    return {"config": name, "round": round_number + 1, "boot_to_ready_s": boot_seconds,
            "peak_rss_bytes": peak_rss[0], "warmup": warmup, "ramp_to_90pct_s": ramp, "endpoints": results,
            "spans": spans}


PROCESSED_SPANS = re.compile(r'^processedSpans(?:_ratio)?_total\{([^}]*)\} ([0-9.eE+]+)$', re.M)


def sdk_span_counts():
    """The SDK's own count (BatchSpanProcessor's processedSpans) over both WARs: handed to the exporter, dropped."""
    counts = {"exported": 0, "dropped": 0}
    for url in APP_METRICS:
        with urllib.request.urlopen(url, timeout=5) as response:
            text = response.read().decode()
        for labels, value in PROCESSED_SPANS.findall(text):
            counts["dropped" if 'dropped="true"' in labels else "exported"] += int(float(value))
    return counts


def account_spans(warmup, results, received_before, connections):
    """Nothing lost: once the export has drained, the receiver holds every span the SDK exported, and exported plus
    dropped is requests x spans per request. wrk counts the responses it read; up to `connections` requests of each
    wrk run can still be in flight when it stops, and the server finishes (and traces) them."""
    requests = {"service": warmup["requests"] + results["service"]["requests"], "add": results["add"]["requests"]}
    expected = sum(SPANS_PER_REQUEST[e] * n for e, n in requests.items())
    in_flight = connections * ((len(warmup["windows_req_per_s"]) + 1) * SPANS_PER_REQUEST["service"]
                               + SPANS_PER_REQUEST["add"])
    # The batch processor exports every 5 s by default (and later when the host is loaded): drained once the SDK
    # has accounted for at least the expected spans, the receiver holds all it exported, and neither count has moved
    # for longer than that delay. A loss shows as the deadline passing with a count short of the expected.
    deadline, last, unchanged_since = time.monotonic() + 90, None, time.monotonic()
    while True:
        sdk = sdk_span_counts()
        received = receiver_counts()["spans"] - received_before["spans"]
        now = time.monotonic()
        if (sdk, received) != last:
            last, unchanged_since = (sdk, received), now
        if ((sdk["exported"] + sdk["dropped"] >= expected and received >= sdk["exported"]
             and now - unchanged_since >= 6) or now > deadline):
            break
        time.sleep(1)
    accounted = sdk["exported"] + sdk["dropped"]
    return {"requests": requests, "expected_at_least": expected, "expected_at_most": expected + in_flight,
            "exported_by_sdk": sdk["exported"], "dropped_by_sdk": sdk["dropped"], "received": received,
            "lost_in_export": sdk["exported"] - received,
            "all_accounted": received == sdk["exported"] and expected <= accounted <= expected + in_flight}


def receiver_counts():
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/" % OTLP_PORT, timeout=5) as response:
            return json.load(response)
    except OSError:
        return None


def wait_for(condition, seconds, message):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(message)
        time.sleep(0.1)


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
WRK_REQUESTS = re.compile(r"^\s*(\d+) requests in ")
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
    result = {"requests": 0, "requests_per_s": 0.0, "p50_ms": None, "p99_ms": None, "non_2xx": 0, "socket_errors": 0}
    for line in output.splitlines():
        if m := WRK_LATENCY.match(line):
            result["p%s_ms" % m.group(1)] = float(m.group(2)) * UNIT[m.group(3)]
        elif m := WRK_REQUESTS.match(line):
            result["requests"] = int(m.group(1))
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
            "otlp_export_requests": spans["requests"], "spans_A": spans_summary(runs, spans), "runs": runs}


def spans_summary(runs, received):
    mine = [r["spans"] for r in runs if r["spans"]]
    return {"rounds": len(mine), "all_accounted": bool(mine) and all(s["all_accounted"] for s in mine),
            "exported_by_sdk": sum(s["exported_by_sdk"] for s in mine),
            "dropped_by_sdk": sum(s["dropped_by_sdk"] for s in mine),
            "received": sum(s["received"] for s in mine), "lost_in_export": sum(s["lost_in_export"] for s in mine),
            "undecodable_exports": received["undecodable"]}


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
    spans = result["spans_A"]
    print("spans in A: %d exported by the SDK, %d received, %d dropped by the SDK; every round accounted: %s\n" % (
        spans["exported_by_sdk"], spans["received"], spans["dropped_by_sdk"], spans["all_accounted"]))


def require(binary, package):
    if shutil.which(binary) is None:
        raise SystemExit("%s is not installed: apt-get install %s (scripts/install-prerequisites.sh does it)"
                         % (binary, package))


def warm_up(url, max_seconds, min_seconds=0, connections=16, window=10, within=0.03, steady=4):
    """Load until throughput stops rising: at least min_seconds, then until the last `steady` windows are within 3 %
    of their mean and the last is not 3 % above the first of them (or max_seconds). The JIT ramp on 2 cores has flat
    stretches, and on a slow host it creeps up by 3-4 % per 5 s window for a minute: three windows within 3 % of
    their mean alone stopped there, and the plateau measured after it was 1.5 times the last window."""
    started = time.monotonic()
    windows, requests = [], 0
    while time.monotonic() - started < max_seconds:
        run = wrk(url, window, connections)
        windows.append(run["requests_per_s"])
        requests += run["requests"]
        last = windows[-steady:]
        mean = sum(last) / len(last)
        if (time.monotonic() - started >= min_seconds and len(last) == steady
                and all(abs(w - mean) <= within * mean for w in last) and last[-1] - last[0] <= within * mean):
            break
    return {"seconds": round(time.monotonic() - started), "windows_req_per_s": windows, "requests": requests}


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
