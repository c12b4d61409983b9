"""The CE transcript (PDF read back with pdftotext, CSV parsed) lists approved external and
live credits with their source, grouped by credit type with totals."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from lms.extensions import db
from lms.ledger.models import Credit
from tests.factories import api_headers, make_course, make_user


@pytest.fixture
def member(app_ctx, issue, ce_hours, state_hours):
    member = make_user()
    issue(member=member, course=make_course(title="Cataloguing basics", ce_hours=Decimal("1.5")),
          completed_at=datetime(2026, 2, 1, 12, tzinfo=UTC))
    rows = [("external", "Texas Library Association annual conference", "TLA", ce_hours, "3",
             "approved"),
            ("live", "Live: Serving new readers", "Core Learning", ce_hours, "1", "approved"),
            ("external", "State workshop on records", "State Library", state_hours, "2",
             "approved"),
            ("external", "Still pending", "Somewhere", ce_hours, "9", "pending"),
            ("external", "Was rejected", "Somewhere", ce_hours, "7", "rejected")]
    for source, title, provider, kind, amount, status in rows:
        db.session.add(Credit(user_id=member.id, source=source, title=title, provider=provider,
                              credit_type=kind, amount=Decimal(amount),
                              earned_on=date(2026, 3, 1), status=status, review_note=""))
    db.session.commit()
    return member


def test_the_pdf_lists_other_credits_with_source_and_per_type_totals(client, member) -> None:
    response = client.get("/api/v1/me/transcript.pdf", headers=api_headers(member))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=response.data,
                          capture_output=True, check=True).stdout.decode()
    flat = " ".join(text.split())
    assert "Cataloguing basics" in flat
    assert "Other credits, by credit type" in flat
    assert "Texas Library Association annual conference (TLA)" in flat
    assert "Other provider" in flat and "Live session" in flat
    assert "Total CE hours, all sources: 5.5 hours" in flat  # 1.5 certificate + 3 + 1
    assert "Total State hours, all sources: 2 hours" in flat
    assert "Still pending" not in flat and "Was rejected" not in flat


def test_the_csv_lists_them_too(client, member) -> None:
    text = client.get("/api/v1/me/transcript.csv", headers=api_headers(member)).get_data(
        as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["completed_on", "course_title", "code", "ce_hours", "edition"]
    assert rows[2] == ["", "Total", "", "1.5", ""]
    start = rows.index(["credit_type", "earned_on", "title", "provider", "source", "amount"])
    other = rows[start + 1:]
    assert ["CE hours", "2026-03-01", "Texas Library Association annual conference", "TLA",
            "external", "3"] in other
    assert ["CE hours", "2026-03-01", "Live: Serving new readers", "Core Learning", "live",
            "1"] in other
    assert ["CE hours", "", "Total, all sources", "", "", "5.5"] in other
    assert ["State hours", "", "Total, all sources", "", "", "2"] in other
    assert not any("pending" in cell.lower() or "rejected" in cell.lower()
                   for row in other for cell in row)


def test_the_period_applies_to_other_credits(client, member) -> None:
    text = client.get("/api/v1/me/transcript.csv?from=2026-01-01&to=2026-02-28",
                      headers=api_headers(member)).get_data(as_text=True)
    assert "credit_type" not in text and "Cataloguing basics" in text


def test_a_transcript_of_certificates_only_is_unchanged(client, app_ctx, issue, ce_hours) -> None:
    member = make_user()
    issue(member=member)
    rows = list(csv.reader(io.StringIO(client.get(
        "/api/v1/me/transcript.csv", headers=api_headers(member)).get_data(as_text=True))))
    assert len(rows) == 3 and rows[-1][1] == "Total"
