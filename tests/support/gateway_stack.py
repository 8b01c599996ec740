"""Real servers for the gateway tests: the IdP (werkzeug), a tiny upstream app, real nginx.

nginx runs in the foreground from a generated configuration in a temporary folder (pid, logs
and temp paths inside it) that includes the snippets shipped in ``deploy/nginx/snippets``,
so the tests exercise exactly what operators deploy.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from werkzeug.serving import make_server

from tests.support.mailcatcher import free_port

NGINX = "/usr/sbin/nginx"
SNIPPETS = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "snippets"


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class ServedApp:
    """A WSGI app served by werkzeug in a thread."""

    def __init__(self, app, port: int | None = None):
        self.port = port or free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


class _EchoHandler(BaseHTTPRequestHandler):
    """The protected application: echoes what reached it (method, path, headers) as JSON."""

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        payload = json.dumps(
            {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _answer  # noqa: N815

    def log_message(self, *args):
        pass


class EchoUpstream:
    def __init__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class Nginx:
    """nginx in front of ``upstream_port`` (protected by auth_request) with the IdP's paths
    (``/login``, ``/forward-auth*``, ...) proxied to ``idp_port``, on one host and port."""

    def __init__(self, workdir: Path, port: int, idp_port: int, upstream_port: int):
        self.workdir = workdir
        self.port = port
        self.conf = workdir / "nginx.conf"
        self.conf.write_text(self.config(idp_port, upstream_port))
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (workdir / sub).mkdir(exist_ok=True)
        self.process: subprocess.Popen | None = None

    def preamble(self) -> str:
        """The top of every test configuration: run in the foreground, everything in the
        work folder, and the start of the ``http`` block (the caller closes it)."""
        w = self.workdir
        return f"""
daemon off;
worker_processes 1;
pid {w}/nginx.pid;
error_log {w}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {w}/access.log;
    client_body_temp_path {w}/body;
    proxy_temp_path {w}/proxy;
    fastcgi_temp_path {w}/fastcgi;
    uwsgi_temp_path {w}/uwsgi;
    scgi_temp_path {w}/scgi;"""

    def config(self, idp_port: int, upstream_port: int) -> str:
        return f"""{self.preamble()}
    upstream idp_backend {{ server 127.0.0.1:{idp_port}; }}
    upstream protected_app {{ server 127.0.0.1:{upstream_port}; }}
    # As deploy/nginx/idp-gateway.example.conf: a Host no server names gets nothing.
    server {{
        listen 127.0.0.1:{self.port} default_server;
        return 421;
    }}
    server {{
        listen 127.0.0.1:{self.port};
        server_name 127.0.0.1;
        include {SNIPPETS}/idp-gateway.conf;
        include {SNIPPETS}/idp-paths.conf;
        location / {{
            include {SNIPPETS}/idp-protect.conf;
            proxy_pass http://protected_app;
        }}
    }}
}}
"""

    def __enter__(self):
        test = subprocess.run(
            [
                NGINX,
                "-t",
                "-p",
                str(self.workdir),
                "-c",
                str(self.conf),
                "-e",
                str(self.workdir / "error.log"),
            ],
            capture_output=True,
            text=True,
        )
        if test.returncode != 0:
            raise RuntimeError(f"nginx rejected the configuration:\n{test.stderr}")
        self.process = subprocess.Popen(
            [
                NGINX,
                "-p",
                str(self.workdir),
                "-c",
                str(self.conf),
                "-e",
                str(self.workdir / "error.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_for_port(self.port)
        except RuntimeError:
            self.process.kill()
            raise RuntimeError(f"nginx did not start: {self.error_log()}") from None
        return self

    def error_log(self) -> str:
        path = self.workdir / "error.log"
        return path.read_text() if path.exists() else ""

    def __exit__(self, *exc):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def nginx_available() -> bool:
    return Path(NGINX).exists()


class _LogoutHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server hook
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        self.server.tokens.extend(form.get("logout_token", []))
        self.send_response(200)
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def log_message(self, *args):
        pass


class BackChannelReceiver:
    """A relying party's back-channel logout endpoint: keeps every logout_token it gets."""

    def __init__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _LogoutHandler)
        self.server.tokens = []
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/backchannel-logout"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def tokens(self) -> list[str]:
        return self.server.tokens

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
