"""Participant reports as data: Zoom, Teams and plain layouts; overlapping joins
merged, several rows summed, emails compared lower-case, BOMs and UTF-16 read."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.live.participants import ReportError, parse_report

DATA = Path(__file__).parent / "data"


def minutes_of(name: str) -> tuple[str, dict[str, int]]:
    report = parse_report((DATA / name).read_bytes())
    return report.layout, {a.key: a.minutes for a in report.attendees}


@pytest.mark.parametrize("name, layout", [("zoom_participants.csv", "zoom"),
                                           ("teams_attendance.csv", "teams"),
                                           ("teams_full_name.csv", "teams")])
def test_rejoins_are_summed_and_overlapping_devices_count_once(name: str, layout: str) -> None:
    found_layout, minutes = minutes_of(name)
    assert found_layout == layout
    # Alice: 10:00:05–10:20 and 10:18–10:50 overlap (49:55), then 10:52:30–11:00:30 (8:00).
    assert minutes["alice.archivist@example.org"] == 57
    # Bob's laptop and phone overlap: 10:00–10:35 is 35 minutes, not 60.
    assert minutes["bob@example.org"] == 35
    assert minutes["carol@example.org"] == 49
    assert minutes["dana@elsewhere.example"] == 60


def test_a_guest_without_an_email_is_listed_by_name() -> None:
    _, minutes = minutes_of("zoom_participants.csv")
    assert minutes["Call-in User_1"] == 56


def test_a_plain_email_minutes_file() -> None:
    layout, minutes = minutes_of("plain_minutes.csv")
    assert layout == "plain"
    assert minutes == {"alice.archivist@example.org": 58, "bob@example.org": 35,
                       "carol@example.org": 49, "dana@elsewhere.example": 60}


def test_the_older_teams_layout_with_durations_only() -> None:
    text = ("Full Name\tUser Action\tDuration\tEmail\tRole\r\n"
            "Ana Ruiz\tJoined\t1h 5m 3s\tana@example.org\tAttendee\r\n"
            "Ana Ruiz\tJoined\t10m\tANA@example.org\tAttendee\r\n")
    report = parse_report(b"\xff\xfe" + text.encode("utf-16-le"))
    assert {a.key: a.minutes for a in report.attendees} == {"ana@example.org": 75}


@pytest.mark.parametrize("data, message", [
    (b"", "no participant table"),
    (b"name,colour\nAna,blue\n", "no participant table"),
    (b"email,minutes\nana@example.org,lots\n", "cannot read the duration"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8", "not utf-8"),
    (b"User Email,Join Time,Leave Time\na@example.org,yesterday,today\n", "cannot read the time"),
])
def test_files_that_are_not_reports_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(ReportError) as raised:
        parse_report(data)
    assert message in str(raised.value).lower()
