"""Synthetic association-sized data as plain rows: a pure plan, no database.

Everything is drawn from one ``random.Random(seed)`` in a fixed order and every
timestamp is an offset from a fixed epoch, so a seed always yields the same rows.
Row ids are assigned here, which lets later tables refer to earlier ones without
reading anything back. :mod:`lms.scaledata.seed` writes the rows.
"""

from __future__ import annotations

import hashlib
import random
from bisect import bisect
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import accumulate

from lms.accounts.models import CAREER_STAGES
from lms.catalog.authoring_fields import slugify
from lms.catalog.topics import DEFAULT_TOPICS

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
#: Nothing is seeded after this moment (it is in the past of any benchmark run).
HORIZON = datetime(2026, 9, 30, tzinfo=UTC)
PASSWORD = "perf-library-2026"
#: ``generate_password_hash(PASSWORD)``, computed once: hashing 100k times would take hours.
PASSWORD_HASH = (
    "scrypt:32768:8:1$qLf9n05supuqG5Kt$096c45ad1da196d8b0bad33e8c85e62e8a0d6babd5846b452b7e6fd"
    "93b9224a47400d26bfe396d0e9fdd136a3a1e22623bb3eb041eceeda52cc2e4d3245f6254"
)
STAFF_EMAIL = "staff@example.org"
ITEM_KINDS = ("video", "reading", "video", "file", "reading", "quiz")
QUESTIONS_PER_QUIZ = 4
CHOICES_PER_QUESTION = 4

#: Career stages and organisation types weighted roughly like a library association.
STAGE_WEIGHTS = {"student": 8, "early_career": 22, "mid_career": 38, "senior": 24, "retired": 8}
ORG_WEIGHTS = {"public": 40, "academic": 27, "school": 12, "special": 7, "government": 5,
               "archives_museum": 5, "vendor": 2, "other": 2}
FIRST = ("Ana", "Kwame", "Mei", "Olga", "Rahul", "Sofia", "Tomasz", "Amara", "Diego", "Hana",
         "Jonas", "Leila", "Marcus", "Nadia", "Priya", "Sean", "Yuki", "Zoë", "Ibrahim", "Ruth")
LAST = ("García", "Mensah", "Chen", "Ivanova", "Sharma", "Rossi", "Nowak", "Okafor", "López",
        "Sato", "Berg", "Haddad", "Johnson", "Petrova", "Iyer", "O'Brien", "Tanaka", "Müller",
        "Nguyễn", "Cohen")
#: Certificate names written in the member's own script, for some members.
NATIVE = ("Ольга Иванова", "陈美", "佐藤花", "ليلى حداد", "प्रिया शर्मा", "Ζωή Παπαδοπούλου",
          "רות כהן", "김하나")
SUBJECTS = ("Cataloging with RDA", "Library Advocacy", "Digital Preservation",
            "Reference Interviews", "Makerspaces", "Grant Writing", "Collection Development",
            "Information Literacy", "Research Data Management", "Accessible Services",
            "Storytime Programming", "Archival Description", "Linked Data", "Copyright Basics",
            "Community Engagement", "Open Access Publishing", "Weeding and Deselection",
            "Trauma-Informed Service", "Genealogy Reference", "Library Budgeting")
PATTERNS = ("Introduction to {}", "{} for Small Libraries", "Advanced {}", "{} in Practice",
            "{}: A Practical Workshop", "Rethinking {}", "{} Essentials")


@dataclass(frozen=True)
class Size:
    """How much to seed; the named sizes are in :data:`SIZES`."""

    members: int
    instructors: int
    courses: int
    modules: int
    items: int
    enrolments: int
    #: Members of course 1, the course of the instructor-report benchmark.
    big_course_members: int
    attempts: int
    certificates: int
    #: Members 1..N get a known API token (see :func:`bench_token`) for load tests.
    bench_members: int


SIZES: dict[str, Size] = {
    "tiny": Size(60, 6, 6, 2, 6, 150, 30, 60, 40, 8),
    "small": Size(1_000, 40, 50, 5, 6, 3_000, 800, 2_000, 1_500, 64),
    "large": Size(100_000, 1_500, 1_000, 5, 6, 300_000, 5_000, 200_000, 150_000, 256),
}


def bench_token(seed: int, user_id: int) -> str:
    """The API token seeded for benchmark member ``user_id`` (staff: the staff id)."""
    return f"lms_perf-{seed}-{user_id}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class CourseInfo:
    id: int
    title: str
    format: str
    ce_hours: Decimal
    status: str
    published_at: datetime | None
    certificate_enabled: bool
    instructor_ids: list[int]
    #: ``(item id, kind, duration or None, quiz id or None)`` in course order.
    items: list[tuple[int, str, float | None, int | None]] = field(default_factory=list)


@dataclass(frozen=True)
class EnrolmentInfo:
    id: int
    user_id: int
    course_id: int
    enrolled_at: datetime
    completed_at: datetime | None
    #: Items done, in course order; the next one is in progress.
    done: int


class Plan:
    """The seeded world, built table by table from one random stream."""

    def __init__(self, size: Size, seed: int) -> None:
        self.size = size
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
        self.staff_id = size.members + 1
        self.instructor_ids = list(range(size.members - size.instructors + 1, size.members + 1))
        self.cert_names: list[str] = [""]
        self.names: list[str] = [""]
        self.courses: list[CourseInfo] = []
        #: Issued certificates as ``learning.certificate_rows`` yields them, for the ledger:
        #: (id, user id, course title, CE hours, completed on, issued at, revoked at).
        self.issued: list[tuple] = []

    def at(self, low: datetime, high: datetime) -> datetime:
        """A whole second between ``low`` and ``high``."""
        span = max(0, int((high - low).total_seconds()))
        return low + timedelta(seconds=self.rng.randint(0, span))

    def user_rows(self):
        """``user`` rows: members 1..N (the last ones teach), then one staff account."""
        stages, stage_w = zip(*STAGE_WEIGHTS.items(), strict=True)
        orgs, org_w = zip(*ORG_WEIGHTS.items(), strict=True)
        teachers = set(self.instructor_ids)
        for user_id in range(1, self.size.members + 2):
            name = f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"
            native = self.rng.random() < 0.06
            cert_name = self.rng.choice(NATIVE) if native else name
            staff = user_id == self.staff_id
            self.names.append(name)
            self.cert_names.append(cert_name)
            created = self.at(EPOCH, EPOCH + timedelta(days=180))
            email = STAFF_EMAIL if staff else f"member{user_id}@example.org"
            yield (user_id, email, name, cert_name, PASSWORD_HASH, user_id in teachers, staff,
                   True, self.rng.choices(stages, stage_w)[0], self.rng.choices(orgs, org_w)[0],
                   1, 0, created, None)

    def token_rows(self):
        users = [*range(1, self.size.bench_members + 1), self.staff_id]
        for token_id, user_id in enumerate(users, start=1):
            yield (token_id, user_id, "benchmark", token_hash(bench_token(self.seed, user_id)),
                   EPOCH, datetime(2100, 1, 1, tzinfo=UTC), None, None)

    def topic_rows(self):
        for topic_id, name in enumerate(DEFAULT_TOPICS, start=1):
            yield (topic_id, slugify(name), name)

    def build_courses(self) -> None:
        """Decide every course and its outline; rows come from the ``*_rows`` methods."""
        item_id = quiz_id = 0
        for course_id in range(1, self.size.courses + 1):
            course = self._course(course_id)
            for _module in range(self.size.modules):
                for position in range(self.size.items):
                    item_id += 1
                    kind = ITEM_KINDS[position % len(ITEM_KINDS)]
                    duration = float(self.rng.randint(300, 3600)) if kind == "video" else None
                    quiz_id += kind == "quiz"
                    course.items.append((item_id, kind, duration,
                                         quiz_id if kind == "quiz" else None))
            self.courses.append(course)

    def _course(self, course_id: int) -> CourseInfo:
        rng = self.rng
        title = rng.choice(PATTERNS).format(rng.choice(SUBJECTS))
        status = "published" if course_id == 1 else rng.choices(
            ("published", "draft", "archived"), (92, 5, 3))[0]
        published = self.at(EPOCH, EPOCH + timedelta(days=500)) if status != "draft" else None
        teachers = rng.sample(self.instructor_ids, k=min(len(self.instructor_ids),
                                                         rng.choice((1, 1, 1, 2))))
        return CourseInfo(
            id=course_id, title=title, format=rng.choices(("course", "webinar"), (60, 40))[0],
            ce_hours=Decimal(rng.choice((1, 1, 1.5, 2, 3, 4, 6))).quantize(Decimal("0.01")),
            status=status, published_at=published,
            certificate_enabled=course_id == 1 or rng.random() < 0.95,
            instructor_ids=teachers)

    def course_rows(self):
        for course in self.courses:
            created = (course.published_at or HORIZON) - timedelta(days=14)
            subject = course.title.lower()
            presenters = "\n".join(self.names[i] for i in course.instructor_ids)
            recorded = course.published_at.date() if course.format == "webinar" and \
                course.published_at else None
            yield (course.id, f"{slugify(course.title)}-{course.id}", course.title,
                   f"A self-paced look at {subject} for library workers.",
                   f"## About\n\nThis {course.format} covers {subject}: practice, pitfalls "
                   "and examples from public, academic and school libraries.\n",
                   course.format, course.ce_hours, "Apply what you learned\nShare it with "
                   "colleagues", presenters if course.format == "webinar" else "", recorded,
                   "open", course.status, course.certificate_enabled, None, False, None, 1,
                   created, course.published_at or created, course.published_at)

    def course_link_rows(self):
        """``course_topic``, ``course_audience`` and ``course_instructor`` rows."""
        topics, audience, teachers = [], [], []
        stages = list(CAREER_STAGES)
        for course in self.courses:
            for topic in self.rng.sample(range(1, len(DEFAULT_TOPICS) + 1),
                                         k=self.rng.randint(1, 3)):
                topics.append((course.id, topic))
            for stage in self.rng.sample(stages, k=self.rng.randint(1, 2)):
                audience.append((course.id, stage))
            added = (course.published_at or HORIZON) - timedelta(days=30)
            teachers.extend((course.id, user_id, added) for user_id in course.instructor_ids)
        return topics, audience, teachers

    def module_rows(self):
        module_id = 0
        for course in self.courses:
            for position in range(self.size.modules):
                module_id += 1
                yield (module_id, course.id, f"Part {position + 1}", position, None)

    def item_rows(self):
        """``item`` rows; a video or file item's media asset shares its item's id."""
        for course in self.courses:
            for index, (item_id, kind, _duration, _quiz) in enumerate(course.items):
                module_id = (course.id - 1) * self.size.modules + index // self.size.items + 1
                media_id = item_id if kind in ("video", "file") else None
                body = "Read this section, then try the questions.\n" if kind == "reading" else ""
                yield (item_id, module_id, kind, f"{kind.title()} {index + 1}",
                       index % self.size.items, True, body, media_id, None, "", 90)

    def media_rows(self):
        for course in self.courses:
            uploaded = (course.published_at or HORIZON) - timedelta(days=20)
            for item_id, kind, duration, _quiz in course.items:
                if kind not in ("video", "file"):
                    continue
                video = kind == "video"
                yield (item_id, "local", f"media/perf-seed/{item_id}",
                       f"recording-{item_id}.mp4" if video else f"handout-{item_id}.pdf",
                       "video/mp4" if video else "application/pdf", "video" if video else "pdf",
                       int(duration * 250_000) if video else 480_000, None, "ready", None,
                       duration, "seed" if video else None, None, None, None,
                       course.instructor_ids[0], uploaded, uploaded)


def zipf_picker(rng: random.Random, count: int):
    """A function drawing an index in ``0..count-1`` with popularity falling off like 1/rank."""
    cumulative = list(accumulate(1 / (rank + 1) ** 0.8 for rank in range(count)))
    total = cumulative[-1]
    return lambda: min(count - 1, bisect(cumulative, rng.random() * total))
