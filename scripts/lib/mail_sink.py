#!/usr/bin/python3
"""A mail sink for the end-to-end tests: an SMTP server that accepts every message.

    python3 scripts/lib/mail_sink.py --listen 127.0.0.1:2525 --dir target/e2e-mail

No authentication, no TLS. Each message is written once per envelope recipient into --dir
as `<unix-ms>-<counter>.json` with the keys to (the envelope recipient, lowercased), from,
subject, text, html and received_at (unix ms); end2end/tests/mail.ts reads them. Files are
written under a temporary name and renamed, so a reader never sees half a file. The messages
of an earlier run are deleted once the port is bound. Runs in the foreground until SIGTERM
or SIGINT.

Needs aiosmtpd: Debian's python3-aiosmtpd (scripts/test.sh installs it).
"""

import os
import sys

try:
    import aiosmtpd  # noqa: F401
except ImportError:
    # `python3` may be another interpreter (pyenv, a venv) than the one Debian's package
    # installed aiosmtpd for: run again with Debian's.
    debian = "/usr/bin/python3"
    if os.path.exists(debian) and os.path.realpath(sys.executable) != os.path.realpath(debian):
        os.execv(debian, [debian, *sys.argv])
    sys.exit("mail_sink: aiosmtpd is missing; install it with: apt-get install python3-aiosmtpd")

import argparse
import asyncio
import email
import email.policy
import html.parser
import itertools
import json
import re
import signal
import time
from pathlib import Path

from aiosmtpd.smtp import SMTP


class _TextOfHtml(html.parser.HTMLParser):
    """The visible text of an HTML document: tags dropped, entities decoded."""

    BREAKS = {"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table"}
    HIDDEN = {"script", "style", "head", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)

    def text(self):
        lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(self.parts).split("\n"))
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(markup):
    parser = _TextOfHtml()
    parser.feed(markup)
    parser.close()
    return parser.text()


def _content(part):
    """The decoded text of a text/* part, even when it names an unknown charset."""
    if part is None:
        return None
    try:
        return part.get_content()
    except (LookupError, UnicodeError, KeyError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def parse(raw, envelope_from):
    """The fields of the JSON file (without to and received_at) for one raw message."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    plain = _content(msg.get_body(preferencelist=("plain",)))
    markup = _content(msg.get_body(preferencelist=("html",)))
    if plain is None:
        plain = html_to_text(markup) if markup is not None else ""
    return {
        "from": str(msg.get("From") or envelope_from or ""),
        "subject": str(msg.get("Subject") or ""),
        "text": plain,
        "html": markup,
    }


class Sink:
    """The aiosmtpd handler: writes every message it is handed into `directory`."""

    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)

    def write(self, record):
        name = f"{record['received_at']}-{next(self.counter)}.json"
        tmp = self.directory / f".{name}.tmp"
        tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.directory / name)
        return name

    async def handle_DATA(self, server, session, envelope):
        received_at = int(time.time() * 1000)
        try:
            fields = parse(envelope.original_content or envelope.content, envelope.mail_from)
        except Exception as err:  # a message the tests cannot read should fail loudly
            print(f"mail_sink: cannot parse a message from {envelope.mail_from}: {err!r}", flush=True)
            return "451 Requested action aborted: cannot parse the message"
        names = []
        for rcpt in envelope.rcpt_tos:
            record = {"to": rcpt.lower(), **fields, "received_at": received_at}
            names.append(self.write(record))
        print(
            f"mail_sink: {envelope.mail_from} -> {', '.join(r.lower() for r in envelope.rcpt_tos)}: "
            f"{fields['subject']!r} ({', '.join(names)})",
            flush=True,
        )
        return "250 Message accepted for delivery"


def clear(directory):
    """Deletes the messages (and stray temporary files) of an earlier run."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.iterdir():
        if path.is_file() and (path.suffix == ".json" or path.name.endswith(".tmp")):
            path.unlink()


def parse_listen(value):
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]"), int(port)


async def serve(host, port, directory):
    loop = asyncio.get_running_loop()
    sink = Sink(directory)
    try:
        server = await loop.create_server(
            lambda: SMTP(sink, hostname="mail-sink", enable_SMTPUTF8=True, loop=loop),
            host=host,
            port=port,
        )
    except OSError as err:
        print(f"mail_sink: cannot listen on {host}:{port}: {err}", file=sys.stderr, flush=True)
        return 1
    # Only once the port is ours: a second sink started by mistake must not empty the first's.
    clear(directory)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"mail_sink: listening on {host}:{port}, writing to {directory}", flush=True)
    await stop.wait()
    server.close()
    try:
        # From Python 3.12 this also waits for open connections: do not hang on an idle client.
        await asyncio.wait_for(server.wait_closed(), timeout=2)
    except asyncio.TimeoutError:
        pass
    print("mail_sink: stopped", flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listen", type=parse_listen, default="127.0.0.1:2525", metavar="HOST:PORT")
    parser.add_argument("--dir", type=Path, required=True, help="where to write one JSON file per message")
    args = parser.parse_args()
    host, port = args.listen
    sys.exit(asyncio.run(serve(host, port, args.dir.resolve())))


if __name__ == "__main__":
    main()
