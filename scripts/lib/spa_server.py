#!/usr/bin/env python3
"""Serves a built single-page app (the theme gallery) on loopback: files as they are, and
index.html for any other path, so that a screen's address can be opened directly.

Usage: python3 scripts/lib/spa_server.py PORT DIRECTORY
"""

import functools
import http.server
import os
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    def send_head(self):
        path = self.translate_path(self.path)
        if not os.path.exists(path):
            self.path = "/index.html"
        return super().send_head()

    def log_message(self, *args):
        pass


def main() -> None:
    port, directory = int(sys.argv[1]), sys.argv[2]
    handler = functools.partial(Handler, directory=directory)
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
