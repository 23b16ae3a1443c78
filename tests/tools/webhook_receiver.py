#!/usr/bin/env python3
"""A webhook receiver for the notifier tests, on 127.0.0.1 only.

Prints "ready PORT REFUSED_PORT" once listening: PORT answers HTTP, and
REFUSED_PORT is bound but never listens, so connecting to it is refused.
Every request is appended to the --record file as one JSON line (method,
path, headers, body) before it is answered, so a client that has its answer
can read it there. What is answered depends on the path:

  /ok, anything else     200 "ok"
  /status/NNN            status NNN; ?retry_after=V or /status/NNN/retry/V
                         adds "Retry-After: V"
  /hang                  never answers (until the client gives up)
  /huge                  200 with a 1 GiB body, streamed
  /huge/NNN              status NNN with a 1 GiB body

Anything after these (such as /api/v2/alerts) is ignored.
"""
import argparse
import json
import os
import signal
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

GIB = 1 << 30
STOP = threading.Event()
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this the second waits
    # for the client's delayed ACK (40 ms a request).
    disable_nagle_algorithm = True
    record = None

    def log_message(self, fmt, *args):
        sys.stderr.write("receiver: " + fmt % args + "\n")

    def _record(self, body):
        entry = {
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", errors="replace"),
        }
        with LOCK, open(self.record, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def _answer(self, status, body=b"ok", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _huge(self, status):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(GIB))
        self.end_headers()
        chunk = b"x" * 65536
        try:
            for _ in range(GIB // len(chunk)):
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else b""
        self._record(body)
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        query = parse_qs(url.query)
        if parts[0] == "hang":
            STOP.wait(600)
            self.close_connection = True
        elif parts[0] == "huge":
            self._huge(int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 200)
        elif parts[0] == "status" and len(parts) > 1:
            retry = query.get("retry_after", [])
            if len(parts) > 3 and parts[2] == "retry":
                retry.append(parts[3])
            headers = [("Retry-After", v) for v in retry]
            self._answer(int(parts[1]), ("failure %s" % parts[1]).encode(), headers)
        else:
            self._answer(200)

    do_PUT = do_POST


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", required=True)
    args = parser.parse_args()
    Handler.record = args.record
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    refused = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    refused.bind(("127.0.0.1", 0))

    def stop(*_):
        STOP.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("ready %d %d" % (server.server_address[1], refused.getsockname()[1]), flush=True)
    server.serve_forever(poll_interval=0.1)
    server.server_close()
    refused.close()
    os._exit(0)


if __name__ == "__main__":
    main()
