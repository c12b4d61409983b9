"""Importing and exporting the sample course packages through the command line and the service."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms import ROOT
from lms.catalog.models import Course, Item
from lms.catalog.topics import seed_default_topics
from lms.errors import Forbidden, ValidationError
from lms.extensions import db
from lms.media.models import MediaAsset
from lms.packages import service
from lms.quizzes.models import Question, Quiz
from tests.factories import make_user

SAMPLES = sorted(path for path in (ROOT / "courses").iterdir() if path.is_dir())
SAMPLE_IDS = [path.name for path in SAMPLES]


def package_files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def row_counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in db.metadata.sorted_tables}


def stored_objects(app) -> set[str]:
    media = Path(app.config["MEDIA_DIR"])
    return {path.relative_to(media).as_posix() for path in media.rglob("*")
            if path.is_file() and not path.relative_to(media).as_posix().startswith(".")}


def outline_ids(course: Course) -> list:
    return [(module.id, [(item.id, item.media_id, item.slides_media_id,
                          [(c.id, c.media_id) for c in item.captions]) for item in module.items])
            for module in course.modules]


@pytest.fixture
def admin(app_ctx):
    seed_default_topics()
    return make_user(role="admin", email="staff@example.org")


@pytest.mark.parametrize("folder", SAMPLES, ids=SAMPLE_IDS)
def test_cli_import_then_export_reproduces_the_package(folder, admin, runner, tmp_path):
    result = runner.invoke(args=["lms", "import-course", str(folder)])
    assert result.exit_code == 0, result.output
    course = db.session.execute(select(Course).where(Course.slug == folder.name)).scalar_one()
    assert course.status == "published"

    out = tmp_path / "export"
    result = runner.invoke(args=["lms", "export-course", folder.name, str(out)])
    assert result.exit_code == 0, result.output

    shipped, exported = package_files(folder), package_files(out)
    assert sorted(exported) == sorted(shipped)
    for name, data in shipped.items():
        if name.startswith("media/") and not name.endswith((".vtt", ".txt")):
            assert sha256(exported[name]) == sha256(data), name
        else:
            assert exported[name].decode() == data.decode(), name


@pytest.mark.parametrize("folder", SAMPLES, ids=SAMPLE_IDS)
def test_reimport_changes_nothing(folder, admin, app, runner):
    first = service.import_course_folder(admin, folder)
    db.session.commit()
    course_id, ids, version = first.id, outline_ids(first), first.version
    updated_at = first.updated_at
    counts, objects = row_counts(), stored_objects(app)

    result = runner.invoke(args=["lms", "import-course", str(folder)])
    assert result.exit_code == 0, result.output
    assert "already up to date" in result.output

    db.session.expire_all()
    again = db.session.get(Course, course_id)
    assert row_counts() == counts
    assert stored_objects(app) == objects
    assert outline_ids(again) == ids
    assert (again.version, again.updated_at) == (version, updated_at)


def test_import_uploads_media_to_storage_with_checksums(admin, app):
    folder = ROOT / "courses" / "weeding-without-worry"
    course = service.import_course_folder(admin, folder)
    db.session.commit()
    video = course.modules[0].items[0]
    assert video.kind == "video" and video.media.status == "ready"
    assert video.media.duration_seconds and video.media.duration_seconds > 10
    assert video.slides.content_type == "application/pdf"
    assert [c.language for c in video.captions] == ["en"]
    assert video.transcript.startswith("Welcome to Weeding Without Worry")
    shipped = {sha256(path.read_bytes()) for path in (folder / "media").iterdir()
               if path.suffix != ".txt"}
    assets = db.session.execute(select(MediaAsset)).scalars().all()
    assert {asset.checksum for asset in assets} == shipped
    assert all(asset.storage_key in stored_objects(app) for asset in assets)


def test_quiz_questions_and_settings_are_imported(admin):
    course = service.import_course_folder(admin, ROOT / "courses" /
                                          "plain-language-reference-interviews")
    db.session.commit()
    quiz_item = course.modules[1].items[1]
    quiz = db.session.execute(select(Quiz).where(Quiz.item_id == quiz_item.id)).scalar_one()
    kinds = [q.kind for q in quiz.questions]
    assert kinds == ["single", "multiple", "true_false", "short_text", "numeric", "matching"]
    assert quiz.pass_percent == 80
    assert course.modules[1].prerequisite_id == course.modules[0].id
    assert db.session.execute(select(func.count(Question.id))).scalar_one() == 6


def test_a_changed_package_updates_in_place(admin, tmp_path):
    source = ROOT / "courses" / "plain-language-reference-interviews"
    course = service.import_course_folder(admin, source)
    db.session.commit()
    reading, version = course.modules[0].items[0], course.version
    copy = tmp_path / "copy"
    for name, data in package_files(source).items():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_bytes(data)
    page = copy / "01-foundations" / "01-the-question-behind-the-question.md"
    page.write_text(page.read_text().replace("Try it", "Try it today"))

    result = service.import_package(admin, service.read_folder(copy))
    db.session.commit()
    assert any("change body" in line for line in result.changes)
    assert not result.uploads
    db.session.expire_all()
    assert "Try it today" in db.session.get(Item, reading.id).body
    assert "Publish the course again (its version goes up)." in result.changes
    assert db.session.get(Course, course.id).version == version + 1


def test_someone_elses_course_is_not_overwritten(admin):
    folder = ROOT / "courses" / "weeding-without-worry"
    service.import_course_folder(admin, folder)
    db.session.commit()
    other = make_user(role="instructor")
    with pytest.raises(Forbidden):
        service.import_course_folder(other, folder)
    db.session.rollback()


def test_cli_reports_a_broken_package_clearly(admin, runner, tmp_path):
    (tmp_path / "course.toml").write_text('slug = "x"\ntitle = "X"\nce_hours = 1.5\n')
    result = runner.invoke(args=["lms", "import-course", str(tmp_path)])
    assert result.exit_code != 0
    assert 'ce_hours as a string, e.g. ce_hours = "1.5"' in result.output
    assert db.session.execute(select(func.count(Course.id))).scalar_one() == 0


def test_a_failed_import_leaves_no_rows_and_no_uploaded_files(admin, app, tmp_path):
    source = ROOT / "courses" / "plain-language-reference-interviews"
    copy = tmp_path / "copy"
    for name, data in package_files(source).items():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_bytes(data)
    settings = copy / "02-practice" / "02-check-your-understanding.quiz.toml"
    settings.write_text(settings.read_text().replace("pass_percent = 80", "pass_percent = 500"))
    counts, objects = row_counts(), stored_objects(app)

    with pytest.raises(ValidationError) as error:
        service.import_package(admin, service.read_folder(copy))
    db.session.rollback()
    assert "pass_percent" in error.value.errors
    assert row_counts() == counts
    assert stored_objects(app) == objects


EVALUATION_TOML = '''title = "Course evaluation"
required = true
intro = "Tell us how it went."

[[questions]]
kind = "likert"
prompt = "The course met its stated outcomes."
required = true

[[questions]]
kind = "text"
prompt = "What would you change?"
required = false
'''


def test_an_evaluation_item_round_trips_and_reimports_unchanged(admin, runner, tmp_path):
    from lms.quizzes.models import EvaluationQuestion

    source = ROOT / "courses" / "plain-language-reference-interviews"
    copy = tmp_path / "copy"
    for name, data in package_files(source).items():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_bytes(data)
    module = sorted(path for path in copy.iterdir() if path.is_dir() and path.name != "media")[-1]
    (module / "03-course-evaluation.evaluation.toml").write_text(EVALUATION_TOML)
    course_toml = copy / "course.toml"
    course_toml.write_text(course_toml.read_text().replace(
        "in_order", "renewal_window_days = 30\nin_order", 1))

    course = service.import_course_folder(admin, copy)
    db.session.commit()
    item = db.session.execute(select(Item).where(Item.kind == "evaluation")).scalar_one()
    assert item.module.course_id == course.id and item.body == "Tell us how it went."
    assert course.renewal_window_days == 30
    prompts = db.session.execute(select(EvaluationQuestion.kind, EvaluationQuestion.prompt,
                                        EvaluationQuestion.is_required)
                                 .order_by(EvaluationQuestion.position)).all()
    assert [tuple(row) for row in prompts] == [
        ("likert", "The course met its stated outcomes.", True),
        ("text", "What would you change?", False)]

    out = tmp_path / "export"
    result = runner.invoke(args=["lms", "export-course", course.slug, str(out)])
    assert result.exit_code == 0, result.output
    exported = package_files(out)
    name = f"{module.name}/03-course-evaluation.evaluation.toml"
    assert exported[name].decode() == EVALUATION_TOML
    assert exported["course.toml"] == course_toml.read_bytes()
    counts = row_counts()
    again = service.import_package(admin, service.read_folder(copy))
    db.session.commit()
    assert not [line for line in again.changes if "evaluation" in line.lower()]
    assert row_counts() == counts


SESSION_TOML = 'title = "Live session"\nrequired = true\nintro = "Join us live."\n'


def test_a_session_item_and_its_recording_round_trip(admin, runner, tmp_path):
    source = ROOT / "courses" / "plain-language-reference-interviews"
    copy = tmp_path / "copy"
    for name, data in package_files(source).items():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_bytes(data)
    (copy / "02-practice" / "03-live-session.session.toml").write_text(SESSION_TOML)
    video_toml = copy / "01-foundations" / "02-the-five-steps-in-18-seconds.video.toml"
    video_toml.write_text(video_toml.read_text().replace(
        "\n\n[[captions]]", "\nrecording = true\n\n[[captions]]", 1))

    course = service.import_course_folder(admin, copy)
    db.session.commit()
    session = db.session.execute(select(Item).where(Item.kind == "session")).scalar_one()
    video = db.session.execute(select(Item).where(Item.kind == "video")).scalar_one()
    assert (session.title, session.body, video.recording_completes) == (
        "Live session", "Join us live.", True)

    out = tmp_path / "export"
    result = runner.invoke(args=["lms", "export-course", course.slug, str(out)])
    assert result.exit_code == 0, result.output
    exported = package_files(out)
    assert exported["02-practice/03-live-session.session.toml"].decode() == SESSION_TOML
    assert exported[str(video_toml.relative_to(copy))] == video_toml.read_bytes()
