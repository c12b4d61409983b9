"""Reminders 24 hours and 1 hour before, queued by a command cron runs every few minutes."""

from __future__ import annotations

from datetime import timedelta

from lms.extensions import db
from tests.factories import api_headers, make_user


def _subjects(mail_server, email: str) -> list[str]:
    return [m["Subject"] for m in mail_server.to(email)]


def test_each_reminder_goes_out_once_however_often_the_command_runs(client, make_session,
                                                                     mail_server):
    from lms.live.notify import queue_reminders

    session = make_session(starts_in=timedelta(hours=30))
    member = make_user(email="remind@example.org")
    client.post(f"/api/v1/sessions/{session.id}/registration", headers=api_headers(member))
    start = session.starts_at

    assert queue_reminders(start - timedelta(hours=30)) == 0  # not due yet
    for minutes in (0, 5, 10):  # cron every five minutes from 24 hours before
        queue_reminders(start - timedelta(hours=24) + timedelta(minutes=minutes))
        db.session.commit()
    assert _subjects(mail_server, "remind@example.org")[1:] == ["Tomorrow: Linked data basics"]
    for minutes in (0, 5, 10):
        queue_reminders(start - timedelta(hours=1) + timedelta(minutes=minutes))
        db.session.commit()
    assert _subjects(mail_server, "remind@example.org")[1:] == [
        "Tomorrow: Linked data basics", "Starting in an hour: Linked data basics"]


def test_a_session_scheduled_at_short_notice_gets_only_the_hour_reminder(
        client, make_session, mail_server, runner):
    session = make_session(starts_in=timedelta(minutes=45))
    make_session(starts_in=timedelta(minutes=50))  # nobody registered: nobody mailed
    member = make_user(email="late@example.org")
    client.post(f"/api/v1/sessions/{session.id}/registration", headers=api_headers(member))
    result = runner.invoke(args=["lms", "live", "send-reminders"])
    assert result.exit_code == 0, result.output
    assert "2 sessions" in result.output
    assert runner.invoke(args=["lms", "live", "send-reminders"]).output.startswith(
        "queued reminders for 0 sessions")
    assert _subjects(mail_server, "late@example.org")[1:] == [
        "Starting in an hour: Linked data basics"]


def test_cancelled_sessions_get_no_reminders(client, make_session, instructor, mail_server):
    from lms.live.notify import queue_reminders
    from lms.live.service import cancel_session

    session = make_session(starts_in=timedelta(hours=20))
    member = make_user(email="gone@example.org")
    client.post(f"/api/v1/sessions/{session.id}/registration", headers=api_headers(member))
    cancel_session(instructor, session.id)
    db.session.commit()
    queue_reminders()
    db.session.commit()
    assert [s for s in _subjects(mail_server, "gone@example.org") if "Tomorrow" in s] == []
