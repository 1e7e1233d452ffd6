#!/usr/bin/env python3
"""Where full telemetry (A) spends the CPU that telemetry off (B) does not, on /webapp/service at the plateau.

For each configuration: boot the packaged server (its class data sharing archive already written by a first boot,
as on a host after its first start), warm up until throughput stops rising (as bench.py does), then measure 30 s of
wrk load and account for it twice:
- CPU time per 1,000 requests by JVM thread group, from /proc (request threads, I/O threads, GC in the VM thread,
  JIT compiler threads, the OTLP exporter's threads): everything the JVM burns, native code and kernel included;
- JFR execution samples per 1,000 requests (Java code only), inclusive, by component, with -XX:+DebugNonSafepoints
  so that inlined frames are attributed to the method they belong to.
The recording runs from boot (JDK_JAVA_OPTIONS) because starting it under load deoptimises and recompiles, which on
2 cores cuts throughput by two thirds for a minute. Prints a table and, last, one line of JSON; the recordings stay
in bench/target/profile-<config>.jfr for JDK Mission Control.
"""
import argparse
import collections
import contextlib
import json
import os
import re
import subprocess
import sys
import threading
import time

import bench

MEASURE_S = 30
# JFR samples are attributed to every component on their stack (inclusive): a span started inside a REST call counts
# for both; compare A with B per row, not rows with each other.
COMPONENTS = {
    "OpenTelemetry API/SDK": ("io.opentelemetry.",),
    "SmallRye OpenTelemetry (instrumentation, exporter)": ("io.smallrye.opentelemetry.",),
    "OTLP export (Vert.x client)": ("io.vertx.", "io.netty."),
    "logging": ("org.jboss.logmanager.",),
    "REST client to webapi": ("org.jboss.resteasy.client.", "org.jboss.resteasy.microprofile.client.",
                              "org.apache.http."),
    "Fault Tolerance": ("io.smallrye.faulttolerance.",),
    "Weld (CDI)": ("org.jboss.weld.",),
    "web-common (admission, ids, telemetry glue)": ("org.wildfly.mlt.",),
    "JSON-B (Yasson)": ("org.eclipse.yasson.",),
}
THREAD_GROUPS = [("request threads", "default task"), ("I/O threads", "default I/O"), ("GC and safepoints", "VM Thread"),
                 ("JIT compilers", "CompilerThre"), ("OTLP exporter event loop", "vert.x-eventloo"),
                 ("batch span processor", "BatchSpanProces")]
FRAME = re.compile(r"^\s+([\w$.<>]+)\(")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", default="A,B")
    parser.add_argument("--max-warmup", type=int, default=240, help="seconds of warm-up load, at most")
    args = parser.parse_args()
    with archived_home() as home:
        results = {name: profile(home, name, args) for name in args.configs.split(",")}
    result = {"machine": bench.machine(), "measured_s": MEASURE_S, "configs": results}
    if "A" in results and "B" in results:
        result["A_minus_B_cpu_ms_per_1000_requests"] = {
            group: round(results["A"]["cpu_ms_per_1000_requests"][group]
                         - results["B"]["cpu_ms_per_1000_requests"][group], 1)
            for group in results["A"]["cpu_ms_per_1000_requests"]}
    print_table(result)
    print(json.dumps(result))


def profile(home, name, args):
    config = bench.CONFIGS[name]
    recording = os.path.join(bench.TARGET, "profile-%s.jfr" % name)
    os.environ["JDK_JAVA_OPTIONS"] = ("-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints "
                                      "-XX:StartFlightRecording=name=profile,settings=profile")
    try:
        process, _ = bench.start_server(home, config)
    finally:
        del os.environ["JDK_JAVA_OPTIONS"]  # jcmd is a Java launcher too
    stop = threading.Event()
    if config["scrape"]:
        threading.Thread(target=bench.scrape_every_5s, args=(stop,), daemon=True).start()
    try:
        java = bench.java_child(process.pid)
        warmup = bench.warm_up(bench.ENDPOINTS["service"], args.max_warmup)
        before = thread_cpu(java)
        figures = bench.wrk(bench.ENDPOINTS["service"], MEASURE_S, 16)
        after = thread_cpu(java)
        subprocess.run(["jcmd", str(java), "JFR.dump", "name=profile", "begin=-%ds" % MEASURE_S,
                        "filename=" + recording], check=True, capture_output=True)
    finally:
        stop.set()
        bench.stop_server(process)
    requests = figures["requests_per_s"] * MEASURE_S
    spent = collections.Counter()
    for thread, ticks in after.items():
        group = next((g for g, part in THREAD_GROUPS if part in thread), "other JVM threads")
        spent[group] += ticks - before.get(thread, 0)
    cpu = {g: round(1000.0 * 1000 * spent[g] / CLOCK_TICKS / requests, 1)
           for g in [g for g, _ in THREAD_GROUPS] + ["other JVM threads"]}
    cpu["total"] = round(sum(cpu.values()), 1)
    return {"description": config["description"], "warmup": warmup, "service": figures,
            "cpu_ms_per_1000_requests": cpu, "jfr_samples_per_1000_requests": jfr_components(recording, requests)}


@contextlib.contextmanager
def archived_home():
    """A freshly unpacked server whose first boot has written the class data sharing archive (the measured boots then
    use it, as a host's second start does), with the counting OTLP receiver running."""
    bench.require("wrk", "wrk")
    home = bench.unpack_server()
    receiver = bench.start_receiver()
    try:
        first, _ = bench.start_server(home, bench.CONFIGS["B"])
        first_java = bench.java_child(first.pid)
        bench.stop_server(first)
        deadline = time.monotonic() + 120
        while os.path.exists("/proc/%d" % first_java) and time.monotonic() < deadline:
            time.sleep(0.5)  # the archive is written after the ports close; JFR is off in a JVM that writes one
        yield home
    finally:
        receiver.terminate()


def thread_cpu(pid):
    """User + system clock ticks of each live thread of the JVM, by thread name."""
    ticks = collections.Counter()
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, task)) as stat:
                line = stat.read()
        except OSError:
            continue  # the thread ended meanwhile
        fields = line[line.rindex(")") + 2:].split()
        ticks[line[line.index("(") + 1:line.rindex(")")]] += int(fields[11]) + int(fields[12])
    return ticks


def jfr_components(recording, requests):
    printed = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample", "--stack-depth", "128", recording],
                             capture_output=True, text=True, check=True).stdout
    counts = collections.Counter()
    samples = 0
    for block in printed.split("jdk.ExecutionSample"):
        frames = [m.group(1) for line in block.splitlines() if (m := FRAME.match(line))]
        if not frames:
            continue
        samples += 1
        for component, prefixes in COMPONENTS.items():
            if any(frame.startswith(prefixes) for frame in frames):
                counts[component] += 1
    shares = {c: round(1000.0 * counts[c] / requests, 2) for c in COMPONENTS}
    shares["all Java samples"] = round(1000.0 * samples / requests, 2)
    return shares


def print_table(result):
    configs = result["configs"]
    names = list(configs)
    print("\n/service at the plateau: " + ", ".join(
        "%s %.0f req/s (p99 %.1f ms) after %d s of warm-up" % (n, configs[n]["service"]["requests_per_s"],
                                                              configs[n]["service"]["p99_ms"],
                                                              configs[n]["warmup"]["seconds"]) for n in names))
    for title, key in (("CPU ms per 1,000 requests, by JVM thread group", "cpu_ms_per_1000_requests"),
                       ("JFR samples per 1,000 requests, inclusive, by component", "jfr_samples_per_1000_requests")):
        print("\n%-52s " % title + " ".join("%8s" % n for n in names))
        for row in configs[names[0]][key]:
            print("  %-50s " % row + " ".join("%8.2f" % configs[n][key][row] for n in names))


if __name__ == "__main__":
    main()
