#!/usr/bin/env python3
"""Smoke test of the benchmark (run by the build): bench.py --smoke runs end to end and prints well-formed JSON.

It checks the shape and the sanity of the figures, not their size: speed is judged from full runs, not in the build.
"""
import json
import os
import subprocess
import sys
import unittest

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench.py")
SPIKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "spike.py")


def run_json(script):
    run = subprocess.run([sys.executable, script, "--smoke"], capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        raise AssertionError("%s --smoke failed (%d):\n%s\n%s" % (script, run.returncode, run.stdout, run.stderr))
    return json.loads(run.stdout.strip().splitlines()[-1])


class BenchSmokeTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.result = run_json(BENCH)

    def test_both_configurations_served_both_endpoints_without_errors(self):
        for name in ("A", "B"):
            config = self.result["configs"][name]
            self.assertGreater(config["peak_rss_mb"], 50, name)
            for endpoint in ("service", "add"):
                figures = config["endpoints"][endpoint]
                self.assertGreater(figures["requests_per_s"], 0, (name, endpoint))
                self.assertEqual(0, figures["non_2xx"], (name, endpoint))
                self.assertEqual(0, figures["socket_errors"], (name, endpoint))

    def test_the_ramp_and_the_pairs_are_reported(self):
        for name in ("A", "B"):
            ramps = self.result["configs"][name]["ramp_to_90pct_s"]
            self.assertEqual(1, len(ramps), name)
            # None only when no warm-up window got to 90 % of the plateau; otherwise whole 5 s windows.
            self.assertTrue(all(r is None or (r > 0 and r % 5 == 0) for r in ramps), ramps)
        for run in self.result["runs"]:
            self.assertGreater(len(run["warmup"]["windows_req_per_s"]), 0, run["config"])
        for endpoint, ratio in self.result["ratios"].items():
            self.assertEqual(1, len(ratio["throughput_A_over_B_per_pair"]), endpoint)

    def test_boot_time_and_received_spans_are_measured(self):
        self.assertGreater(self.result["boot_to_ready_s_median"], 0)
        self.assertGreater(self.result["otlp_export_requests"], 0, "configuration A exported no spans")

    def test_every_span_of_configuration_a_is_accounted_for(self):
        spans = self.result["spans_A"]
        self.assertEqual(1, spans["rounds"], spans)
        self.assertEqual(0, spans["undecodable_exports"], "the receiver could not walk an export request")
        (run,) = [r["spans"] for r in self.result["runs"] if r["config"] == "A"]
        # The counts are the receiver's decoded spans and the SDK's own counter, independent of each other.
        self.assertGreater(run["received"], 0, run)
        self.assertEqual(run["exported_by_sdk"], run["received"], run)
        self.assertEqual(0, run["dropped_by_sdk"], run)
        self.assertLessEqual(run["expected_at_least"], run["exported_by_sdk"], run)
        self.assertLessEqual(run["exported_by_sdk"], run["expected_at_most"], run)
        self.assertTrue(run["all_accounted"], run)
        for name in ("A", "B"):
            (one,) = [r for r in self.result["runs"] if r["config"] == name]
            self.assertEqual(name == "B", one["spans"] is None, name)


class SpikeSmokeTest(unittest.TestCase):
    """spike.py --smoke: 300 connections for 3 s on the server as shipped, which must answer only 200 or 503 problems."""

    @classmethod
    def setUpClass(cls):
        cls.on = run_json(SPIKE)["configs"]["on"]

    def test_the_spike_gets_only_200s_and_503_problems_without_socket_errors(self):
        spike = self.on["spike"]
        self.assertGreater(spike["statuses"].get("200", 0), 0, spike)
        self.assertLessEqual(set(spike["statuses"]), {"200", "503"}, spike)
        self.assertEqual(0, spike["bad_refusals"], "a 503 without problem+json or Retry-After")
        self.assertEqual(0, spike["socket_errors"], spike)

    def test_webapi_and_health_answered_throughout_and_the_server_recovers(self):
        for name, probe in self.on["probes_during_spike"].items():
            # The service's own probe may be refused (503) in a spike; webapi and health must answer 200.
            self.assertGreater(probe["count"] + probe.get("refused", 0), 0, name)
            self.assertEqual(0, probe["failures"], name)
        self.assertIn("service", self.on["probes_during_spike"], "the successes' latency is probed")
        self.assertEqual(1, len(self.on["spike_ok_over_baseline"]), "one spike in the smoke run")
        self.assertEqual(200, self.on["first_service_after_spike"]["status"])
        self.assertTrue(self.on["ready_after_spike"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
