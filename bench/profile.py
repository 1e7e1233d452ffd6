#!/usr/bin/env python3
"""Where configuration A (full telemetry) spends its CPU on /webapp/service: a JFR recording under wrk load.

Starts the packaged server as bench.py does (A: traces exported to the counting receiver, metrics scraped), warms
up, records 30 s of wrk load with JFR (started through jcmd, so the JVM options stay those the server ships with),
then prints, per component of interest, the share of CPU samples whose innermost frame of a known component is
that component's (its own cost, not what it calls), and the hottest frames.
The recording stays in bench/target/profile-A.jfr for JDK Mission Control.
"""
import collections
import os
import re
import subprocess
import sys
import threading

import bench

# A sample is attributed to the component of the innermost frame that belongs to one; the JDK frames above it are
# that component's own work (collections, strings, I/O it does).
COMPONENTS = {
    "OpenTelemetry (spans, metrics, export)": ("io.opentelemetry.", "io.smallrye.opentelemetry."),
    "logging (JSON formatter, file handler)": ("org.jboss.logmanager.",),
    "REST client call to webapi": ("org.jboss.resteasy.client.", "org.jboss.resteasy.microprofile.client.",
                                   "org.apache.http."),
    "RESTEasy (JAX-RS server)": ("org.jboss.resteasy.",),
    "JSON-B (Yasson)": ("org.eclipse.yasson.",),
    "Undertow/XNIO (HTTP server)": ("io.undertow.", "org.xnio."),
    "Weld (CDI)": ("org.jboss.weld.",),
    "request id / MDC glue (web-common)": ("org.wildfly.mlt.web.",),
}
FRAME = re.compile(r"^\s+([\w$.<>]+)\(")


def main():
    server_home = bench.unpack_server()
    recording = os.path.join(bench.TARGET, "profile-A.jfr")
    receiver = subprocess.Popen([sys.executable, os.path.join(bench.ROOT, "bench", "counting_otlp_receiver.py"),
                                 str(bench.OTLP_PORT)])
    process, _ = bench.start_server(server_home, bench.CONFIGS["A"])
    stop = threading.Event()
    threading.Thread(target=bench.scrape_every_5s, args=(stop,), daemon=True).start()
    try:
        java = bench.java_child(process.pid)
        bench.wrk(bench.ENDPOINTS["service"], 15, 16)
        subprocess.run(["jcmd", str(java), "JFR.start", "name=bench", "settings=profile"], check=True,
                       capture_output=True)
        figures = bench.wrk(bench.ENDPOINTS["service"], 30, 16)
        subprocess.run(["jcmd", str(java), "JFR.dump", "name=bench", "filename=" + recording], check=True,
                       capture_output=True)
    finally:
        stop.set()
        bench.stop_server(process)
        receiver.terminate()
    print("A /service under JFR: %(requests_per_s).0f req/s, p50 %(p50_ms).1f ms, p99 %(p99_ms).1f ms" % figures)
    report(recording)


def report(recording):
    printed = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample", "--stack-depth", "96", recording],
                             capture_output=True, text=True, check=True).stdout
    samples = [block for block in printed.split("jdk.ExecutionSample") if "stackTrace" in block]
    hottest = collections.Counter()
    owner = collections.Counter()
    for sample in samples:
        frames = [m.group(1) for line in sample.splitlines() if (m := FRAME.match(line))]
        if not frames:
            continue
        hottest[frames[0]] += 1
        owner[next((component for frame in frames for component, prefixes in COMPONENTS.items()
                    if frame.startswith(prefixes)), "other (JDK, JBoss Threads, ...)")] += 1
    total = len(samples)
    print("\n%d CPU samples, by the component doing the work:" % total)
    for component, count in owner.most_common():
        print("  %5.1f%%  %s" % (100.0 * count / total, component))
    print("\nHottest frames (self):")
    for frame, count in hottest.most_common(15):
        print("  %5.1f%%  %s" % (100.0 * count / total, frame))


if __name__ == "__main__":
    if len(sys.argv) == 2:
        report(sys.argv[1])  # an existing recording
    else:
        main()
