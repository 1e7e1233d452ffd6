#!/usr/bin/env python3
"""Where the warm-up goes: the first minutes of a fresh server under load, 5 s window by window.

For each configuration (A: full telemetry, B: telemetry off, as in bench.py) one fresh server is started (after one
boot that writes the class data sharing archive, as in profile.py), then /webapp/service is loaded with 16 connections
in 5 s windows for --seconds. Each window reports the throughput and the CPU the JVM's thread groups spent in it
(from /proc: the JIT compilers, the request threads, GC, the exporter...), so the ramp can be read as what competes
with the requests for the cores. Prints a table and writes JSON (bench/target/ramp.json).
"""
import argparse
import collections
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
import profile  # noqa: E402

WINDOW_S = 5


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", default="A,B")
    parser.add_argument("--seconds", type=int, default=90, help="seconds of load from ready")
    args = parser.parse_args()
    with profile.archived_home() as home:
        result = {"machine": bench.machine(), "window_s": WINDOW_S, "seconds": args.seconds,
                  "configs": {name: ramp(home, name, args.seconds) for name in args.configs.split(",")}}
    os.makedirs(bench.TARGET, exist_ok=True)
    with open(os.path.join(bench.TARGET, "ramp.json"), "w") as out:
        json.dump(result, out, indent=2)
    for name, config in result["configs"].items():
        print("\n%s: boot to ready %.2f s; CPU seconds per 5 s window (2 cores = 10 available)" % (
            name, config["boot_to_ready_s"]))
        groups = list(config["windows"][0]["cpu_s"])
        print("%5s %8s  " % ("s", "req/s") + " ".join("%10s" % g[:10] for g in groups))
        for w in config["windows"]:
            print("%5d %8.0f  " % (w["end_s"], w["req_per_s"]) + " ".join("%10.2f" % w["cpu_s"][g] for g in groups))
        print("totals over the first %d s: %s" % (args.seconds, config["cpu_s_total"]))
        print("boot: %.1f CPU s until ready, most in %s" % (config["boot_cpu_s_total"], config["boot_cpu_s_by_thread"]))
    print(json.dumps(result))


JIT = "JIT compilers"


def grouped(pid):
    """Clock ticks so far by thread group. The JVM stops idle compiler threads (and starts them again), and a thread
    that has ended is no longer listed, so the JIT's share is the process's total (which keeps the ticks of ended
    threads) minus every other group's."""
    totals = collections.Counter()
    for thread, spent in profile.thread_cpu(pid).items():
        group = next((g for g, part in profile.THREAD_GROUPS if part in thread), "other JVM threads")
        if group != JIT:
            totals[group] += spent
    with open("/proc/%d/stat" % pid) as stat:
        line = stat.read()
    fields = line[line.rindex(")") + 2:].split()
    totals[JIT] = int(fields[11]) + int(fields[12]) - sum(totals.values())
    return totals


def ramp(home, name, seconds):
    process, boot_seconds = bench.start_server(home, bench.CONFIGS[name])
    pid = bench.java_child(process.pid)
    groups = [g for g, _ in profile.THREAD_GROUPS] + ["other JVM threads"]
    windows = []
    try:
        # The boot's CPU by thread name (digits dropped: "MSC service thread 1-3" counts as "MSC service thread -").
        at_ready = collections.Counter()
        for thread, spent in profile.thread_cpu(pid).items():
            at_ready[re.sub(r"\d+", "", thread).strip()] += spent
        boot_cpu = {t: round(v / profile.CLOCK_TICKS, 2) for t, v in at_ready.most_common(12)}
        before = grouped(pid)
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            figures = bench.wrk(bench.ENDPOINTS["service"], WINDOW_S, 16)
            after = grouped(pid)
            windows.append({"end_s": round(time.monotonic() - started), "req_per_s": figures["requests_per_s"],
                            "cpu_s": {g: round((after[g] - before[g]) / profile.CLOCK_TICKS, 2) for g in groups}})
            before = after
    finally:
        bench.stop_server(process)
    total = {g: round(sum(w["cpu_s"][g] for w in windows), 1) for g in groups}
    return {"boot_to_ready_s": round(boot_seconds, 2), "boot_cpu_s_by_thread": boot_cpu,
            "boot_cpu_s_total": round(sum(at_ready.values()) / profile.CLOCK_TICKS, 2), "windows": windows,
            "cpu_s_total": total}


if __name__ == "__main__":
    main()
