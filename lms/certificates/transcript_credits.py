"""The CE transcript's second part: credits other than the certificates listed above it
(self-reported, live sessions, the other credit types a course awards), grouped by
credit type, each marked with its source, with each type's total over every source.

The rows come from the CE ledger, which sits above certificates: it answers the
``transcript_requested`` signal (``lms/signals.py``). Data in, flowables or CSV rows
out; no database here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.platypus import Flowable, Spacer, Table

from lms.certificates.pdf import (
    _HEAD,
    _HEAD_NUMBER,
    _NUMBER,
    _TABLE_STYLE,
    _cell,
    format_date,
)
from lms.units import plain_number

SOURCE_LABELS = {"certificate": "Certificate", "live": "Live session",
                 "external": "Other provider"}


@dataclass(frozen=True)
class CreditLine:
    earned_on: date
    title: str
    provider: str
    source: str
    amount: Decimal


@dataclass(frozen=True)
class CreditGroup:
    """One credit type: its lines and its approved total over every source."""

    name: str
    unit: str
    lines: tuple[CreditLine, ...]
    total: Decimal


def flowables(groups: Sequence[CreditGroup], width: float) -> list[Flowable]:
    """A heading, then a table per credit type; nothing when no group has lines."""
    shown = [group for group in groups if group.lines]
    if not shown:
        return []
    story: list[Flowable] = [Spacer(1, 14), _cell("Other credits, by credit type", _HEAD)]
    for group in shown:
        story += [Spacer(1, 8), _group_table(group, width)]
    return story


def _group_table(group: CreditGroup, width: float) -> Table:
    head = [_cell(label, _HEAD) for label in ("Date", "Activity", "Source")]
    body = [[_cell(format_date(line.earned_on)),
             _cell(f"{line.title} ({line.provider})" if line.provider else line.title),
             _cell(SOURCE_LABELS.get(line.source, line.source)),
             _cell(plain_number(line.amount), _NUMBER)] for line in group.lines]
    foot = [_cell(f"Total {group.name}, all sources: {plain_number(group.total)} {group.unit}",
                  _HEAD), "", "", ""]
    table = Table([[*head, _cell(group.name, _HEAD_NUMBER)], *body, foot],
                  colWidths=[86, width - 86 - 96 - 64, 96, 64], repeatRows=1)
    table.setStyle(_TABLE_STYLE)
    return table


CSV_HEADER = ["credit_type", "earned_on", "title", "provider", "source", "amount"]


def csv_rows(groups: Sequence[CreditGroup]) -> list[list[str]]:
    """The same as CSV rows (after a blank line), a total line per type; [] when none."""
    shown = [group for group in groups if group.lines]
    if not shown:
        return []
    rows: list[list[str]] = [[], CSV_HEADER]
    for group in shown:
        rows += [[group.name, line.earned_on.isoformat(), line.title, line.provider,
                  line.source, plain_number(line.amount)] for line in group.lines]
        rows.append([group.name, "", "Total, all sources", "", "", plain_number(group.total)])
    return rows
