#!/usr/bin/env python3
"""Runs a real Alertmanager (Debian's prometheus-alertmanager) for the tests.

It listens on 127.0.0.1 only, with clustering off, its own configuration (a
route to a receiver that sends nothing) and storage in --dir. Prints
"ready PORT" once /-/ready answers; stops Alertmanager on SIGTERM.
Alertmanager cannot report a port it chose itself, so a free one is picked
and, if another program takes it first, another is tried.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

CONFIG = """\
route:
  receiver: nowhere
  group_wait: 1h
receivers:
  - name: nowhere
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ready(port, proc, deadline):
    url = "http://127.0.0.1:%d/-/ready" % port
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--binary", default="prometheus-alertmanager")
    args = parser.parse_args()
    config = os.path.join(args.dir, "alertmanager.yml")
    with open(config, "w", encoding="utf-8") as f:
        f.write(CONFIG)
    log = open(os.path.join(args.dir, "alertmanager.log"), "ab")
    state = {"proc": None, "stopping": False}

    # Only flags and signals here: the main thread may be inside proc.wait().
    def stop(*_):
        state["stopping"] = True
        if state["proc"] and state["proc"].poll() is None:
            state["proc"].terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(5):
        if state["stopping"]:
            break
        port = free_port()
        proc = subprocess.Popen(
            [args.binary, "--config.file=" + config,
             "--storage.path=" + os.path.join(args.dir, "data"),
             "--web.listen-address=127.0.0.1:%d" % port,
             "--cluster.listen-address="],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        state["proc"] = proc
        if state["stopping"]:
            proc.terminate()
        elif ready(port, proc, time.monotonic() + 30):
            print("ready %d" % port, flush=True)
            proc.wait()
            sys.exit(0 if state["stopping"] else 1)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    if not state["stopping"]:
        sys.stderr.write("Alertmanager did not start; see alertmanager.log\n")
    sys.exit(0 if state["stopping"] else 1)


if __name__ == "__main__":
    main()
