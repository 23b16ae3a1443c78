#!/usr/bin/env python3
"""SMTP servers for the email notifier's tests (aiosmtpd), on 127.0.0.1 only.

Prints "ready" and then NAME=PORT for each server:

  starttls   offers STARTTLS (the certificate of --certs: valid.crt, valid.key)
             and AUTH (--auth user:password) once TLS is up
  plain      offers neither
  smtps      TLS from the first byte, and AUTH
  hang       accepts connections and never says a word
  huge       greets with a reply of 1 GiB
  refused    bound, never listening: connections are refused

Every message taken is saved in --dir as msg-N.eml (the data as received)
and msg-N.json (envelope sender, recipients, whether TLS was up, who logged
in, and the message as Python's email package reads it: decoded headers and
text), written before the server answers 250. A recipient's local part picks
a refusal: reject@... gets 550, busy@... gets 451.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import socket
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

GIB = 1 << 30


class Recorder:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local == "reject":
            return "550 5.1.1 no such mailbox here"
        if local == "busy":
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, "msg-%d" % self.count)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        login = getattr(session.auth_data, "login", None)
        # Python's own reading of the message: headers unfolded and decoded
        # (RFC 2047), the text decoded from its transfer encoding.
        parsed = email.message_from_bytes(envelope.original_content or envelope.content,
                                          policy=email.policy.default)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "login": login.decode() if isinstance(login, bytes) else login,
            "headers": {k.lower(): str(v) for k, v in parsed.items()},
            "text": parsed.get_content().replace("\r\n", "\n"),
            "defects": [str(d) for d in parsed.defects],
        }
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 accepted"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return check


async def hang_client(reader, writer):
    await reader.read()  # until the client goes away
    writer.close()


async def huge_client(reader, writer):
    line = b"220-" + b"x" * 1020 + b"\r\n"
    try:
        for _ in range(GIB // len(line)):
            writer.write(line)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--certs", required=True)
    parser.add_argument("--auth", required=True, help="user:password")
    args = parser.parse_args()
    user, password = args.auth.split(":", 1)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(os.path.join(args.certs, "valid.crt"), os.path.join(args.certs, "valid.key"))
    recorder = Recorder(args.dir)
    loop = asyncio.get_running_loop()
    auth = authenticator(user, password)

    # aiosmtpd knows of TLS only through STARTTLS: on smtps it must be told
    # that AUTH needs no more of it.
    def smtp(**kw):
        return lambda: SMTP(recorder, hostname="receiver.test", authenticator=auth, **kw)

    servers = {
        "starttls": await loop.create_server(
            smtp(tls_context=ctx, require_starttls=False, auth_require_tls=True),
            "127.0.0.1", 0),
        "plain": await loop.create_server(
            lambda: SMTP(recorder, hostname="receiver.test"), "127.0.0.1", 0),
        "smtps": await loop.create_server(smtp(auth_require_tls=False), "127.0.0.1", 0,
                                          ssl=ctx),
        "hang": await asyncio.start_server(hang_client, "127.0.0.1", 0),
        "huge": await asyncio.start_server(huge_client, "127.0.0.1", 0),
    }
    refused = socket.socket()
    refused.bind(("127.0.0.1", 0))
    ports = {name: s.sockets[0].getsockname()[1] for name, s in servers.items()}
    ports["refused"] = refused.getsockname()[1]
    print("ready " + " ".join("%s=%d" % kv for kv in ports.items()), flush=True)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    for s in servers.values():
        s.close()
    refused.close()
    os._exit(0)


if __name__ == "__main__":
    asyncio.run(main())
