"""The directory: opt-in only, never an email address, relayed and rate-limited messages."""

from __future__ import annotations

from tests.factories import api_headers, make_course, make_user


def opt_in(client, headers, **fields):
    body = {"directory_visible": True, "expertise": ["Cataloging", "Linked data"]} | fields
    response = client.patch("/api/v1/me", json=body, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_only_opted_in_members_appear_and_never_with_emails(client, app_ctx):
    shown = make_user(name="Vera Visible", career_stage="mid_career", org_type="academic")
    hidden = make_user(name="Hugo Hidden", career_stage="mid_career")
    teacher = make_user(name="Tina Teacher", role="instructor")
    make_course(instructors=[teacher], title="Linked data for all")
    make_course(instructors=[teacher], title="Secret draft", status="draft")
    quiet_teacher = make_user(name="Quinn Quiet", role="instructor")
    make_course(instructors=[quiet_teacher], title="Quiet course")
    me = opt_in(client, api_headers(shown))
    assert me["directory_visible"] is True and me["expertise"] == ["Cataloging", "Linked data"]
    opt_in(client, api_headers(hidden), directory_visible=False)
    opt_in(client, api_headers(teacher), expertise=["Linked data"])
    viewer = api_headers(make_user())
    listing = client.get("/api/v1/directory", headers=viewer)
    assert listing.status_code == 200
    body = listing.get_data(as_text=True)
    names = [m["name"] for m in listing.get_json()["items"]]
    assert names == ["Tina Teacher", "Vera Visible"]
    assert "@" not in body and "Hugo" not in body and "Quinn" not in body
    tina = listing.get_json()["items"][0]
    assert tina["teaches"] == ["Linked data for all"]
    for query in ("q=Hugo", "q=quiet", "expertise=cataloging", "career_stage=mid_career",
                  "q=linked"):
        found = client.get(f"/api/v1/directory?{query}", headers=viewer).get_json()["items"]
        assert all(m["name"] in ("Vera Visible", "Tina Teacher") for m in found), query
    assert [m["name"] for m in client.get("/api/v1/directory?expertise=Cataloging&org_type="
                                          "academic", headers=viewer).get_json()["items"]] == [
        "Vera Visible"]
    assert client.get("/api/v1/directory?career_stage=nope", headers=viewer).status_code == 422
    assert client.get("/api/v1/directory").status_code == 401
    page = client.get("/api/v1/me", headers=api_headers(hidden)).get_json()
    assert page["directory_visible"] is False


def test_directory_fields_are_validated(client, app_ctx):
    headers = api_headers(make_user())
    bad = client.patch("/api/v1/me", json={"directory_visible": "yes"}, headers=headers)
    assert bad.status_code == 422 and "directory_visible" in bad.get_json()["errors"]
    bad = client.patch("/api/v1/me", json={"expertise": "Cataloging"}, headers=headers)
    assert bad.status_code == 422 and "expertise" in bad.get_json()["errors"]


def test_messages_are_relayed_without_addresses_rate_limited_and_blockable(
        app, client, auth, mail_server, app_ctx, monkeypatch):
    listed = make_user(name="Lena Listed", email="lena@library.example")
    sender = make_user(name="Sam Sender", email="sam@library.example")
    opt_in(client, api_headers(listed))
    headers = api_headers(sender)
    url = f"/api/v1/directory/{listed.id}/messages"
    monkeypatch.setitem(app.config, "DIRECTORY_MESSAGE_LIMIT", "2/hour")
    sent = client.post(url, json={"body": "Could we talk about BIBFRAME?"}, headers=headers)
    assert sent.status_code == 201
    message = mail_server.to("lena@library.example")[0]
    text = message.get_content()
    assert "BIBFRAME" in text and "sam@library.example" not in text
    assert "sam@" not in str(message.get("Reply-To", ""))
    assert client.post(url, json={"body": "Again"}, headers=headers).status_code == 201
    limited = client.post(url, json={"body": "Third"}, headers=headers)
    assert limited.status_code == 429 and limited.headers["Retry-After"]
    unlisted = make_user()
    assert client.post(f"/api/v1/directory/{unlisted.id}/messages", json={"body": "Hi"},
                       headers=headers).status_code == 404
    # Lena reports the message: Sam is blocked for her.
    auth.login(listed.email)
    message_id = sent.get_json()["id"]
    assert "Could we talk" in client.get(f"/directory/messages/{message_id}").get_data(True)
    auth.post(f"/directory/messages/{message_id}", {"reason": "Unwanted"})
    blocked = client.post(url, json={"body": "Please"}, headers=api_headers(sender))
    assert blocked.status_code in (409, 429)
    auth.logout()
    auth.login(sender.email)
    assert client.get(f"/directory/messages/{message_id}").status_code == 404


def test_directory_page_lists_and_saves_the_members_entry(client, auth, app_ctx):
    member = make_user(name="Page Person")
    auth.login(member.email)
    page = client.get("/directory")
    assert page.status_code == 200 and "My directory entry" in page.get_data(True)
    auth.post("/directory/profile", {"visible": "y", "other": "Oral history, Zines"})
    assert "Page Person" in client.get("/directory?q=zines").get_data(True)
