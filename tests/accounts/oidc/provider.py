"""A real OpenID Connect provider for the tests: node-oidc-provider run by Debian's Node.js.

``install()`` puts the npm package (pinned in package.json beside this file) into a
cache folder once; ``.ci/run`` calls it before pytest (``python tests/accounts/oidc/provider.py``).
``running(...)`` starts ``provider.mjs`` on a free loopback port and stops it afterwards.
``sign_in(...)`` plays the member at the provider's own login and consent forms.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import requests

HERE = Path(__file__).resolve().parent
PACKAGE = HERE / "package.json"
SCRIPT = HERE / "provider.mjs"


def cache_dir() -> Path:
    """A folder per version of package.json, outside the checkout (shared by worktrees)."""
    root = os.environ.get("LMS_TEST_NPM_CACHE") or Path.home() / ".cache" / "core-learning"
    digest = hashlib.sha256(PACKAGE.read_bytes()).hexdigest()[:12]
    return Path(root) / f"oidc-provider-{digest}"


def npm_available() -> bool:
    return bool(shutil.which("node") and shutil.which("npm"))


def install() -> Path:
    """``npm install`` into the cache folder unless done already; returns the folder."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test processes may both start here
        if not (folder / "node_modules" / "oidc-provider" / "package.json").exists():
            shutil.copy(PACKAGE, folder / "package.json")
            subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
                           cwd=folder, check=True, timeout=300)
        shutil.copy(SCRIPT, folder / "provider.mjs")
    return folder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    url: str
    client_id: str
    client_secret: str


@contextlib.contextmanager
def running(redirect_uris: list[str], accounts: dict[str, dict], *, issuer_path: str = "",
            advertise_address: bool = False) -> Iterator[Provider]:
    """A provider at ``http://127.0.0.1:<port>`` whose tokens name ``<url><issuer_path>``.

    ``advertise_address``: its discovery document names its address as issuer even so
    (a provider whose tokens come from another issuer than the one it advertises).
    """
    folder = install()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    provider = Provider(url=url, client_id="core-learning", client_secret="s" * 40)
    settings = {
        "port": port, "issuer": url + issuer_path, "accounts": accounts,
        "advertised_issuer": url if advertise_address else None,
        "client": {"client_id": provider.client_id, "client_secret": provider.client_secret,
                   "redirect_uris": redirect_uris},
    }
    env = {**os.environ, "OIDC_TEST_SETTINGS": json.dumps(settings), "NODE_ENV": "test"}
    process = subprocess.Popen(["node", "provider.mjs"], cwd=folder, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_until_up(process, url)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()


def _wait_until_up(process: subprocess.Popen, url: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the OIDC provider stopped: {process.stderr.read().decode()}")
        with contextlib.suppress(requests.ConnectionError):
            requests.get(f"{url}/.well-known/openid-configuration", timeout=1)
            return
        time.sleep(0.1)
    raise RuntimeError("the OIDC provider did not start in time")


FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def sign_in(authorize_url: str, login: str, provider: Provider) -> str:
    """Log in as ``login`` at the provider and consent; returns the URL it sends the
    browser back to (the site's callback), without following it."""
    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=False, timeout=10)
    for _ in range(10):
        if response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            if not target.startswith(provider.url + "/"):
                return target
            response = browser.get(target, allow_redirects=False, timeout=10)
            continue
        response = _submit_form(browser, response, login)
    raise AssertionError("the provider never sent the browser back")


def _submit_form(browser: requests.Session, page: requests.Response, login: str):
    match = FORM.search(page.text)
    assert match, f"no form on the provider's page ({page.status_code}): {page.text[:500]}"
    action, body = match.groups()
    data = {name: unescape(value) for name, value in HIDDEN.findall(body)}
    if 'name="login"' in body:
        data.update(login=login, password="any password")
    return browser.post(urljoin(page.url, unescape(action)), data=data, allow_redirects=False,
                        timeout=10)


if __name__ == "__main__":
    print(install())
