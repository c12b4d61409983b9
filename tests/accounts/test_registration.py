import pytest

from lms.accounts.models import User
from lms.extensions import db
from tests.factories import PASSWORD, csrf_from, make_user


def register_form(client, **over):
    data = {"name": "Ada Reader", "email": "ada@example.org", "password": PASSWORD,
            "certificate_name": "", "career_stage": "early_career", "org_type": "public"}
    data.update(over)
    data["csrf_token"] = csrf_from(client.get("/register").get_data(as_text=True))
    return client.post("/register", data=data)


def user_count() -> int:
    return db.session.query(User).count()


def test_register_creates_member_and_logs_in(client, app_ctx):
    response = register_form(client)
    assert response.status_code == 302
    user = db.session.query(User).one()
    assert user.email == "ada@example.org"
    assert (user.career_stage, user.org_type) == ("early_career", "public")
    assert user.certificate_name == "Ada Reader"
    assert "Log out" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("name", ["Nguyễn Thị Minh Khai", "Пётр", "李小龍", "Ἀλέξανδρος"])
def test_names_in_any_script_round_trip(client, app_ctx, name):
    response = client.post("/api/v1/members", json={
        "email": "x@example.org", "password": PASSWORD, "name": name, "certificate_name": name})
    assert response.status_code == 201
    assert response.json["name"] == name
    assert db.session.query(User).one().certificate_name == name


def test_duplicate_email_in_other_case_is_refused_in_api(client, app_ctx):
    make_user(email="ada@example.org")
    response = client.post("/api/v1/members", json={
        "email": "ADA@Example.org", "password": PASSWORD, "name": "Ada"})
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert "email" in response.json["errors"]
    assert user_count() == 1


def test_duplicate_email_in_other_case_gets_form_message(client, app_ctx):
    make_user(email="ada@example.org")
    response = register_form(client, email="Ada@EXAMPLE.org")
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)
    assert user_count() == 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("email", "not-an-email", "valid email"),
    ("password", "short", "at least 10 characters"),
    ("password", "password123", "too easy to guess"),
    ("name", "   ", "Enter your name"),
])
def test_bad_fields_get_field_errors_in_api(client, app_ctx, field, value, message):
    body = {"email": "ok@example.org", "password": PASSWORD, "name": "Ok"}
    body[field] = value
    response = client.post("/api/v1/members", json=body)
    assert response.status_code == 422
    assert message in " ".join(response.json["errors"][field])
    assert user_count() == 0


def test_bad_fields_are_tied_to_inputs_in_html(client, app_ctx):
    response = register_form(client, email="nope", password="short")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'aria-describedby="password-hint password-error"' in html
    assert 'id="email-error"' in html
    assert user_count() == 0


def test_post_without_csrf_token_is_refused_and_changes_nothing(client, app_ctx):
    response = client.post("/register", data={
        "name": "Ada", "email": "ada@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert user_count() == 0


def test_malformed_json_gets_problem(client, app_ctx):
    response = client.post("/api/v1/members", data="{not json",
                           content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert {"type", "title", "status", "detail"} <= set(response.json)


def test_self_registration_can_be_turned_off(app, client, app_ctx):
    app.config["SELF_REGISTRATION"] = False
    try:
        response = client.post("/api/v1/members", json={
            "email": "x@example.org", "password": PASSWORD, "name": "X"})
        assert response.status_code == 404
        assert client.get("/register").status_code == 404
    finally:
        app.config["SELF_REGISTRATION"] = True
