"""A real OpenID Connect provider (node-oidc-provider) shared by the single sign-on tests."""

from __future__ import annotations

import pytest

from tests.accounts.oidc import provider as oidc

#: The provider's members: its login name → the claims it vouches for.
ACCOUNTS = {
    "ada": {"email": "ada@example.org", "email_verified": True, "name": "Ada Lovelace"},
    "grace": {"email": "Grace@Example.org", "email_verified": True, "name": "Grace Hopper"},
    "mallory": {"email": "mallory@example.org", "email_verified": False, "name": "Mallory"},
}
CALLBACK = "http://127.0.0.1:5000/login/sso/callback"  # TestConfig's BASE_URL


@pytest.fixture(scope="session")
def oidc_provider(live_server):
    """Sends members back to the test client's site or to the live server (browser tests)."""
    if not oidc.npm_available():
        pytest.skip("Node.js and npm are needed for the OIDC provider (apt-get install npm)")
    callbacks = [CALLBACK, f"{live_server.url}/login/sso/callback"]
    with oidc.running(callbacks, ACCOUNTS) as provider:
        yield provider


@pytest.fixture(scope="session")
def other_issuer_provider():
    """Advertises its own address as issuer, but its tokens name ``<address>/elsewhere``."""
    if not oidc.npm_available():
        pytest.skip("Node.js and npm are needed for the OIDC provider (apt-get install npm)")
    with oidc.running([CALLBACK], ACCOUNTS, issuer_path="/elsewhere",
                      advertise_address=True) as provider:
        yield provider


def use_provider(app, monkeypatch, provider: oidc.Provider, **settings) -> None:
    for key, value in {"OIDC_ISSUER": provider.url, "OIDC_CLIENT_ID": provider.client_id,
                       "OIDC_CLIENT_SECRET": provider.client_secret,
                       "OIDC_NAME": "Example Library Association", **settings}.items():
        monkeypatch.setitem(app.config, key, value)


@pytest.fixture
def sso(app, monkeypatch, oidc_provider):
    """The app set up to sign members in through the shared provider."""
    use_provider(app, monkeypatch, oidc_provider)
    return oidc_provider
