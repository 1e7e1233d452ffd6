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


class BenchSmokeTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        run = subprocess.run([sys.executable, BENCH, "--smoke"], capture_output=True, text=True, timeout=600)
        if run.returncode != 0:
            raise AssertionError("bench.py --smoke failed (%d):\n%s\n%s" % (run.returncode, run.stdout, run.stderr))
        cls.result = json.loads(run.stdout.strip().splitlines()[-1])

    def test_both_configurations_served_both_endpoints_without_errors(self):
        for name in ("A", "B"):
            config = self.result["configs"][name]
            self.assertGreater(config["peak_rss_mb"], 50, name)
            for endpoint in ("service", "add"):
                figures = config["endpoints"][endpoint]
                self.assertGreater(figures["requests_per_s"], 0, (name, endpoint))
                self.assertEqual(0, figures["non_2xx"], (name, endpoint))
                self.assertEqual(0, figures["socket_errors"], (name, endpoint))

    def test_boot_time_and_received_spans_are_measured(self):
        self.assertGreater(self.result["boot_to_ready_s_median"], 0)
        self.assertGreater(self.result["otlp_export_requests"], 0, "configuration A exported no spans")


if __name__ == "__main__":
    unittest.main(verbosity=2)
