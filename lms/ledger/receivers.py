"""The ledger listens to certificates (issued, revoked) and hangs its section on My learning."""

from __future__ import annotations

from datetime import datetime

from lms import signals


def connect() -> None:
    from lms.ledger.views import my_learning_section
    from lms.progress.views import register_dashboard_section

    signals.certificates_issued.connect(on_certificates_issued)
    signals.certificate_revoked.connect(on_certificate_revoked)
    signals.transcript_requested.connect(on_transcript_requested)
    register_dashboard_section(my_learning_section)


def on_certificates_issued(course_id: int, *, issued: list[dict], now: datetime, **_) -> None:
    """Credits for new certificates, in the issuing transaction (flush only)."""
    from lms.ledger.service import add_certificate_credits

    add_certificate_credits(course_id, issued, now)


def on_certificate_revoked(certificate_id: int, *, now: datetime, **_) -> None:
    """Revoking a certificate revokes its credits (kept as tombstones for sync)."""
    from lms.ledger.service import revoke_certificate_credits

    revoke_certificate_credits(certificate_id, now)


def on_transcript_requested(member_id: int, *, period, **_):
    """The member's other credits by type, for the CE transcript (PDF and CSV)."""
    from lms.ledger.service import transcript_groups

    return transcript_groups(member_id, period)
