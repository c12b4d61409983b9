"""Liveness never touches the database; readiness names the part that is down."""

from sqlalchemy import event

from lms.extensions import db
from tests.ports import free_port


def test_healthz_answers_ok_without_sql(app, client):
    statements = []

    def count(*args):
        statements.append(args[2])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get("/healthz")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"
    assert statements == []


def test_readyz_is_ok_when_database_and_storage_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_readyz_names_storage_when_s3_is_unreachable(make_app, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    app = make_app("test", STORAGE="s3", S3_BUCKET="media",
                   S3_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "storage" in body and "database" not in body


def test_readyz_names_database_when_it_is_unreachable(make_app):
    url = f"postgresql+psycopg://lms@127.0.0.1:{free_port()}/lms?connect_timeout=2"
    app = make_app("test", SQLALCHEMY_DATABASE_URI=url)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "database" in body and "storage" not in body
    assert app.test_client().get("/healthz").status_code == 200


def test_readyz_names_the_signing_key_when_there_is_none(make_app, tmp_path):
    """Production never makes a key silently: a server without one is not ready."""
    missing = tmp_path / "no-such-keys.json"
    app = make_app("test", CREDENTIAL_KEY_FILE=str(missing), CREDENTIAL_KEY_CREATE=False)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "signing key" in body and "database" not in body and "storage" not in body
    assert not missing.exists()
