"""Learning record (API, CLI), staff overrides, quiz signal, beacon CSRF, pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from lms import signals
from lms.extensions import db
from lms.progress.models import ItemProgress
from tests.factories import api_headers, csrf_from, make_user


def test_statements_api_lists_only_my_own(client, setup):
    client.get(f"/api/v1/items/{setup.video.id}", headers=setup.headers)
    client.post(f"/api/v1/items/{setup.reading.id}/progress", json={"completed": True},
                headers=setup.headers)
    other = api_headers(make_user())
    data = client.get("/api/v1/me/statements?per_page=1", headers=setup.headers).get_json()
    assert data["total"] == 2 and len(data["items"]) == 1
    newest = data["items"][0]
    assert newest["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert newest["actor"]["account"]["name"] == str(setup.member.id)
    assert client.get("/api/v1/me/statements", headers=other).get_json()["total"] == 0


def test_export_statements_writes_json_lines(runner, setup, tmp_path):
    from lms.progress.service import mark_done

    mark_done(setup.member, setup.reading.id)
    db.session.commit()
    target = tmp_path / "statements.jsonl"
    result = runner.invoke(args=["lms", "export-statements", str(target)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [line["verb"]["display"]["en"] for line in lines] == ["completed"]


def test_admin_override_is_recorded_and_shown(client, setup):
    admin = make_user(role="admin")
    url = f"/api/v1/items/{setup.video.id}/completion"
    body = {"member_id": setup.member.id, "reason": "Watched at the live session"}
    assert client.post(url, json=body, headers=setup.headers).status_code == 403
    bad = client.post(url, json={"member_id": setup.member.id, "reason": " "},
                      headers=api_headers(admin))
    assert bad.status_code == 422 and "reason" in bad.get_json()["errors"]
    assert client.post(url, json=body, headers=api_headers(admin)).status_code == 200
    progress = client.get(f"/api/v1/courses/{setup.course.id}/progress",
                          headers=setup.headers).get_json()
    video = next(i for i in progress["items"] if i["id"] == setup.video.id)
    assert video["status"] == "completed" and video["set_by"] == admin.name
    assert video["set_reason"] == "Watched at the live session"


def test_admin_completes_a_course_once(client, setup):
    admin = api_headers(make_user(role="admin"))
    sent = []
    receiver = signals.course_completed.connect(lambda sender, **kw: sent.append(sender),
                                                weak=False)
    url = f"/api/v1/courses/{setup.course.id}/completion"
    body = {"member_id": setup.member.id, "reason": "Transferred credit"}
    try:
        first = client.post(url, json=body, headers=admin)
        second = client.post(url, json=body, headers=admin)
    finally:
        signals.course_completed.disconnect(receiver)
    assert first.status_code == 200 and first.get_json()["completion_reason"] == body["reason"]
    assert second.status_code == 409
    assert sent == [setup.course.id]


def test_staff_form_marks_complete(client, auth, setup):
    admin = make_user(role="admin")
    auth.login(admin.email)
    page = client.get("/staff/completion")
    assert page.status_code == 200
    response = client.post("/staff/completion", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "email": setup.member.email,
        "course_slug": setup.course.slug, "item_id": str(setup.reading.id),
        "reason": "Read it on paper"}, follow_redirects=True)
    assert "is now complete for" in response.get_data(as_text=True)


def test_quiz_passed_signal_completes_the_quiz_item(app_ctx, setup):
    from tests.factories import make_item

    quiz = make_item(setup.video.module, kind="quiz", title="Check your understanding")
    signals.quiz_passed.send(quiz.id, user=setup.member, attempt=None, score_percent=85.0,
                             now=datetime.now(UTC))
    row = db.session.execute(db.select(ItemProgress).filter_by(item_id=quiz.id)).scalar_one()
    assert row.status == "completed"


def test_beacon_form_body_needs_the_csrf_token(client, auth, setup):
    auth.login(setup.member.email)
    page = client.get(f"/learn/{setup.course.slug}/items/{setup.video.id}")
    token = csrf_from(page.get_data(as_text=True))
    url = f"/api/v1/items/{setup.video.id}/progress"
    report = json.dumps({"position": 1, "played": [[0, 1]]})
    assert client.post(url, data={"report": report}).status_code == 400
    response = client.post(url, data={"report": report, "csrf_token": token})
    assert response.status_code == 200 and response.get_json()["position"] == 1


def test_mark_as_done_form_works_without_javascript(client, auth, setup):
    auth.login(setup.member.email)
    url = f"/learn/{setup.course.slug}/items/{setup.reading.id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(f"{url}/done", data={"csrf_token": token}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "You have completed this reading." in html
    dashboard = client.get("/my-learning").get_data(as_text=True)
    assert "Cataloguing basics" in dashboard and "Resume: Welcome recording" in dashboard


def test_editor_preview_records_nothing(client, auth, setup):
    auth.login(setup.course.instructors[0].email)
    html = client.get(f"/learn/{setup.course.slug}/items/{setup.video.id}").get_data(as_text=True)
    assert "Preview:" in html and 'data-record="0"' in html
    assert db.session.execute(db.select(ItemProgress)).first() is None
