"""A small LTI 1.3 platform for tests, a real HTTP server in its own process.

It has its own RSA key (made by :class:`TestPlatform`, which the tests also use to
sign ID tokens as the platform would) and serves:

- ``GET /jwks``: the platform's public keys;
- ``GET /auth``: the OIDC authorization endpoint: it answers the tool's login
  redirect with an auto-posting form of ``id_token`` and ``state`` to the
  ``redirect_uri``; the token carries the claims queued by ``POST /control/launch``
  and the nonce the tool sent;
- ``POST /token``: the OAuth 2 token endpoint of Assignment and Grade Services:
  it checks the client assertion's RS256 signature against the tool's JWKS
  (fetched over HTTP from the URL given to ``POST /control/tool``) and its claims;
- ``POST /lineitems/<id>/scores``: records each score sent with a token it issued;
- ``POST /deep-link-return``: records the deep-linking response JWT a browser posts;
- ``GET /control/scores``, ``GET /control/deep-links``, ``POST /control/keys`` (serve one
  more public key, as after a rotation), ``POST /control/fail-scores`` (the next score
  posts answer these statuses), ``POST /control/reset``: for the tests.

Run as ``python -m tests.standards.lti_platform PORT KEY_FILE CLIENT_ID``.
"""

from __future__ import annotations

import html
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey
from joserfc.jwt import JWTClaimsRegistry

from tests.ports import free_port

CLIENT_ID = "core-learning-tool"
DEPLOYMENT_ID = "deployment-1"
KID = "platform-key-1"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class TestPlatform:
    """The platform process, seen from the tests."""

    __test__ = False

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="lti-platform-"))
        self.key = RSAKey.generate_key(2048, private=True, parameters={"kid": KID})
        (self.folder / "key.json").write_text(json.dumps(self.key.as_dict(private=True)))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def registration(self) -> dict[str, str]:
        """The body of POST /api/v1/lti/platforms for this platform."""
        return {"issuer": self.url, "client_id": CLIENT_ID, "deployment_id": DEPLOYMENT_ID,
                "auth_login_url": f"{self.url}/auth", "auth_token_url": f"{self.url}/token",
                "key_set_url": f"{self.url}/jwks"}

    def sign(self, claims: dict, key: RSAKey | None = None, kid: str = KID) -> str:
        """An ID token with ``claims``, signed by the platform's key (or ``key``)."""
        return jwt.encode({"alg": "RS256", "kid": kid}, claims, key or self.key)

    def start(self, timeout: float = 15) -> None:
        log = open(self.folder / "platform.log", "ab")  # noqa: SIM115  (the process writes it)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.standards.lti_platform", str(self.port),
             str(self.folder / "key.json"), CLIENT_ID],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            cwd=Path(__file__).resolve().parents[2])
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.control("GET", "/jwks")
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the test platform did not start:\n"
                           + (self.folder / "platform.log").read_text()[-2000:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(10)
        self.process = None

    def control(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def reset(self) -> None:
        self.control("POST", "/control/reset", {})

    def use_tool(self, jwks_url: str) -> None:
        self.control("POST", "/control/tool", {"jwks_url": jwks_url})

    def queue_launch(self, claims: dict) -> None:
        """The claims of the next ID token ``/auth`` signs (it adds the nonce)."""
        self.control("POST", "/control/launch", claims)

    def add_key(self, key: RSAKey, kid: str) -> None:
        """Serve ``key``'s public half too, as a platform does after rotating its keys."""
        self.control("POST", "/control/keys", key.as_dict(private=False) | {"kid": kid})

    def scores(self) -> list[dict]:
        return self.control("GET", "/control/scores")


# --- the server process -------------------------------------------------------------

class State:
    def __init__(self, key: RSAKey, client_id: str, url: str) -> None:
        self.key, self.client_id, self.url = key, client_id, url
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.tool_jwks_url: str | None = None
        self.launch: dict | None = None
        self.tokens: set[str] = set()
        self.scores: list[dict] = []
        self.refusals: list[str] = []
        self.deep_links: list[str] = []
        self.extra_keys: list[dict] = []
        #: The next score posts answer this status instead (a platform down or busy).
        self.score_failures: list[int] = []


class Handler(BaseHTTPRequestHandler):
    state: State

    def log_message(self, format, *args) -> None:
        sys.stderr.write("platform: " + (format % args) + "\n")

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/jwks":
            public = self.state.key.as_dict(private=False) | {"kid": KID, "alg": "RS256"}
            self._json(200, {"keys": [public, *self.state.extra_keys]})
        elif path == "/auth":
            self._authorize(parse_qs(urlsplit(self.path).query))
        elif path == "/control/scores":
            self._json(200, self.state.scores)
        elif path == "/control/deep-links":
            self._json(200, self.state.deep_links)
        elif path == "/control/refusals":
            self._json(200, self.state.refusals)
        else:
            self._json(404, {"error": "not found"})

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if path == "/control/reset":
            self.state.reset()
            self._json(200, {})
        elif path == "/control/tool":
            self.state.tool_jwks_url = json.loads(body)["jwks_url"]
            self._json(200, {})
        elif path == "/control/fail-scores":
            self.state.score_failures.extend(json.loads(body))
            self._json(200, {})
        elif path == "/control/keys":
            self.state.extra_keys.append(json.loads(body))
            self._json(200, {})
        elif path == "/control/launch":
            self.state.launch = json.loads(body)
            self._json(200, {})
        elif path == "/deep-link-return":
            self.state.deep_links.append(parse_qs(body.decode())["JWT"][0])
            self._send(200, "text/html", b'<!doctype html><html lang="en"><title>Added</title>'
                                         b'<p>Link added.</p></html>')
        elif path == "/token":
            self._token(parse_qs(body.decode()))
        elif path.startswith("/lineitems/") and path.endswith("/scores"):
            self._score(path, body)
        else:
            self._json(404, {"error": "not found"})

    def _authorize(self, query: dict[str, list[str]]) -> None:
        one = {name: values[0] for name, values in query.items()}
        expected = {"scope": "openid", "response_type": "id_token",
                    "response_mode": "form_post", "prompt": "none",
                    "client_id": self.state.client_id}
        if any(one.get(name) != value for name, value in expected.items()) \
                or self.state.launch is None:
            self._json(400, {"error": "invalid_request", "got": one})
            return
        now = int(time.time())
        claims = self.state.launch | {"nonce": one["nonce"], "iat": now, "exp": now + 300}
        token = jwt.encode({"alg": "RS256", "kid": KID}, claims, self.state.key)
        page = (f'<!doctype html><html lang="en"><title>Launching</title><body>'
                f'<form method="post" action="{html.escape(one["redirect_uri"])}">'
                f'<input type="hidden" name="id_token" value="{html.escape(token)}">'
                f'<input type="hidden" name="state" value="{html.escape(one["state"])}">'
                f'<button>Continue</button></form>'
                f'<script>document.forms[0].submit()</script></body></html>')
        self._send(200, "text/html", page.encode())

    def _token(self, form: dict[str, list[str]]) -> None:
        one = {name: values[0] for name, values in form.items()}
        problem = self._assertion_problem(one)
        if problem:
            self.state.refusals.append(problem)
            self._json(401, {"error": "invalid_client", "error_description": problem})
            return
        token = secrets.token_urlsafe(24)
        with self.state.lock:
            self.state.tokens.add(token)
        self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600,
                         "scope": one.get("scope", "")})

    def _assertion_problem(self, form: dict[str, str]) -> str | None:
        if form.get("grant_type") != "client_credentials" \
                or form.get("client_assertion_type") != ASSERTION_TYPE:
            return "wrong grant or assertion type"
        if self.state.tool_jwks_url is None:
            return "no tool JWKS URL configured"
        try:
            with urllib.request.urlopen(self.state.tool_jwks_url, timeout=10) as response:
                keys = KeySet.import_key_set(json.loads(response.read()))
            token = jwt.decode(form.get("client_assertion", ""), keys, algorithms=["RS256"])
            JWTClaimsRegistry(
                iss={"essential": True, "value": self.state.client_id},
                sub={"essential": True, "value": self.state.client_id},
                aud={"essential": True, "value": self.state.url + "/token"},
                exp={"essential": True}, jti={"essential": True}).validate(token.claims)
        except (OSError, urllib.error.URLError, JoseError, ValueError) as exc:
            return f"client assertion refused: {exc!r}"
        return None

    def _score(self, path: str, body: bytes) -> None:
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self.state.tokens:
            self._json(401, {"error": "invalid_token"})
            return
        if self.headers.get("Content-Type") != SCORE_TYPE:
            self._json(415, {"error": "wrong content type"})
            return
        lineitem = path.removesuffix("/scores")
        with self.state.lock:
            failure = self.state.score_failures.pop(0) if self.state.score_failures else None
        if failure is not None:
            self._json(failure, {"error": "try again later"})
            return
        with self.state.lock:
            self.state.scores.append({"lineitem": self.state.url + lineitem,
                                      "score": json.loads(body)})
        self._send(204, "text/plain", b"")

    def _json(self, status: int, body) -> None:
        self._send(status, "application/json", json.dumps(body).encode())

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main(port: int, key_file: str, client_id: str) -> None:
    key = RSAKey.import_key(json.loads(Path(key_file).read_text()))
    Handler.state = State(key, client_id, f"http://127.0.0.1:{port}")
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3])
