"""The command line: check-config, probe (exit codes follow Nagios), plugins,
and an installed tree that finds its own plugins."""

import json
import os
import shutil
import subprocess

from gwtest import (BUILD_DIR, GWYLIWR, SOURCE_DIR, TestCase, free_port, main, run)


def own_network(cmd):
    """`cmd` in a network namespace of its own, loopback only, when this user
    may make one (root): the demo's fixed ports then cannot clash with
    another demo on the same machine (another checkout's tests)."""
    if subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode != 0:
        return cmd
    return ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"] + cmd


class CheckConfigTest(TestCase):
    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_default_configuration_is_valid(self):
        r = run([GWYLIWR, "check-config", "-c", os.path.join(SOURCE_DIR, "config/gwyliwr.yaml")])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"valid: 22 councils, \d+ targets")

    def test_demo_runs_and_its_configuration_is_valid(self):
        # The README's first command ends in `gwyliwr demo`: the simulator and
        # the daemon, on the fixed demo ports of 127.0.0.1.
        d = os.path.join(self.tmp, "demo")
        r = run(own_network([GWYLIWR, "demo", "--data-dir", d, "--for", "16s"]), timeout=90)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-3000:])
        self.assertIn("a simulated council estate is running on 127.0.0.1", r.stdout)
        self.assertIn("running: 28 targets in 3 councils", r.stderr)
        # The terminal shows the daemon: certificates in one line, the
        # simulator's own lines in the log the banner names.
        sim_log = os.path.join(os.path.realpath(d), "simulator.log")
        self.assertIn("making TLS certificates for the simulated HTTPS services", r.stdout)
        self.assertIn("  simulator log   %s" % sim_log, r.stdout)
        terminal = r.stdout + r.stderr
        self.assertNotIn("Certificate request self-signature ok", terminal)
        self.assertNotIn("subject=", terminal)
        self.assertNotIn("gwyliwr-sim:", terminal)
        with open(sim_log) as f:
            log = f.read()
        self.assertRegex(log, r"make-certs\.sh: a local CA and certificates .* in ")
        self.assertRegex(log, r"gwyliwr-sim: ready: \d+ listeners on 127\.0\.0\.1")
        self.assertRegex(r.stderr, r"cardiff/ftp \(tcp\): DOWN after 2 failures: connection refused")
        self.assertRegex(r.stderr, r"gwynedd/myaccount \(http\): DEGRADED .*expires in 3\.\d days")
        self.assertRegex(r.stderr, r"cardiff/website \(http\): UP: HTTP 200")
        self.assertRegex(r.stderr, r"cardiff/ev \(ocpi\): UP: 24 EVSEs at 8 locations from "
                                   r"127\.0\.0\.1:18180: .*; rapid chargers: \d+ of 16 working")
        for target in ("website", "myaccount", "smtp", "vpn", "ev", "wifi", "status"):
            self.assertTrue(os.path.exists(os.path.join(d, "data", "cardiff", target + ".rrd")))
        r = run([GWYLIWR, "check-config", "-c", os.path.join(d, "demo.yaml")])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        self.assertIn("valid: 3 councils, 28 targets", r.stdout)

    def test_every_problem_is_reported_with_its_position(self):
        secret = self.write("token", "s3cret\n")
        os.chmod(secret, 0o644)
        path = self.write("bad.yaml", "\n".join([
            "daemon:",
            "  log_levl: info",                  # 2: unknown key, near miss
            "defaults:",
            "  interval: 5 minutes",             # 4: bad duration
            "councils:",
            "  - id: cardiff",
            "    name: Cardiff Council",
            "    targets:",
            "      - id: smtp",
            "        check: tcpp",               # 10: no plugin, near miss
            "      - id: web",
            "        check: tcp",
            "        host: www.cardiff.gov.uk",
            "        port: [443]",               # 13: wrong type
            "      - id: web",                   # 14: duplicate target id
            "        check: tcp",
            "        port: 25",                  # (15) missing host, at the mapping
            "  - id: cardiff",                   # 17: duplicate council
            "    name: Again",
            "include: [nothing-here-*.yaml]",    # 19: matches nothing
            "",
        ]))
        r = run([GWYLIWR, "check-config", "-c", path])
        self.assertEqual(r.returncode, 1)
        err = r.stderr
        expect = [
            "bad.yaml:2:3: error: unknown key \"log_levl\" (did you mean \"log_level\"?)",
            "bad.yaml:4:13: error: bad duration \"5 minutes\"",
            "bad.yaml:10:16: error: target cardiff/smtp: no plugin provides check type \"tcpp\" "
            "(did you mean \"tcp\"?)",
            "bad.yaml:14:15: error: found a list (expected a whole number)",
            "bad.yaml:15:13: error: duplicate target id \"cardiff/web\" (first defined at",
            "bad.yaml:15:9: error: target cardiff/web: missing required key \"host\"",
            "bad.yaml:18:9: error: duplicate council id \"cardiff\"",
            "bad.yaml:20:11: error: include \"nothing-here-*.yaml\" matches no file",
        ]
        for e in expect:
            self.assertIn(e, err)
        self.assertRegex(r.stdout, r"bad\.yaml: \d+ errors")

    def test_json_secrets_env_and_includes(self):
        secret = self.write("token", "s3cret\n")
        os.chmod(secret, 0o644)
        os.makedirs(os.path.join(self.tmp, "conf.d"))
        self.write("conf.d/powys.yaml",
                   "councils:\n  - id: powys\n    targets:\n      - id: web\n        check: tcp\n"
                   "        host: ${GW_TEST_HOST}\n        port: 443\n")
        path = self.write("main.json", json.dumps({
            "councils": [{"id": "cardiff", "targets": [
                {"id": "web", "check": "tcp", "host": "${GW_TEST_HOST:-localhost}", "port": 443}]}],
            "include": ["conf.d/*.yaml"]}, indent=1))
        env = dict(os.environ, GW_TEST_HOST="www.powys.gov.uk")
        r = run([GWYLIWR, "check-config", "-c", path], env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("valid: 2 councils, 2 targets", r.stdout)
        env.pop("GW_TEST_HOST")
        r = run([GWYLIWR, "check-config", "-c", path], env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("powys.yaml:6:15: error: environment variable GW_TEST_HOST is not set", r.stderr)


class ProbeTest(TestCase):
    def test_probe_exit_codes_follow_nagios(self):
        listener = self.listener("open")
        r = run([GWYLIWR, "probe", "tcp://127.0.0.1:%d" % listener.port])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.splitlines()[0], r"^UP: probe/tcp \(tcp\): connected to .*\| latency=")
        self.assertIn("connect", r.stdout)

        port = free_port()
        r = run([GWYLIWR, "probe", "--json", "tcp://127.0.0.1:%d" % port])
        self.assertEqual(r.returncode, 2)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["status"], "down")
        self.assertEqual(doc["reason"], "connect_refused")

        silent = self.listener("silent")
        cfg = os.path.join(self.tmp, "c.yaml")
        with open(cfg, "w") as f:
            f.write("councils:\n  - id: cardiff\n    targets:\n      - id: smtp\n        check: tcp\n"
                    "        host: 127.0.0.1\n        port: %d\n        expect: \"220\"\n"
                    "        timeout: 1500ms\n" % silent.port)
        r = run([GWYLIWR, "probe", "-c", cfg, "cardiff/smtp"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("(timeout)", r.stdout)

        r = run([GWYLIWR, "probe", "-c", cfg, "cardiff/nothing"])
        self.assertEqual(r.returncode, 3)
        self.assertIn("no target \"cardiff/nothing\"", r.stderr)
        r = run([GWYLIWR, "probe", "gopher://example"])
        self.assertEqual(r.returncode, 3)


class InstallTest(TestCase):
    def test_installed_binary_finds_its_plugins(self):
        prefix = os.path.join(self.tmp, "prefix")
        r = run(["cmake", "--install", BUILD_DIR, "--prefix", prefix], timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        exe = os.path.join(prefix, "bin", "gwyliwr")
        self.assertTrue(os.access(exe, os.X_OK))
        self.assertTrue(os.path.exists(os.path.join(prefix, "lib/gwyliwr/plugins/check_tcp.so")))
        self.assertTrue(os.path.exists(os.path.join(prefix, "lib/systemd/system/gwyliwr.service")))
        self.assertTrue(os.path.exists(os.path.join(prefix, "include/gwyliwr/plugin.h")))
        env = dict(os.environ)
        env.pop("GWYLIWR_PLUGIN_DIR", None)
        r = run([exe, "plugins"], env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("check tcp:", r.stdout)
        listener = self.listener("open")
        r = run([exe, "probe", "tcp://127.0.0.1:%d" % listener.port], env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        shutil.rmtree(prefix)


if __name__ == "__main__":
    main()
