"""Course packages: a folder of plain files → plain data (writing them back is
:mod:`lms.packages.render`). Pure: no Flask, no database.

The layout (documented for authors in ``courses/README.md``)::

    course.toml                 course metadata
    description.md              the course description (Markdown)
    NN-module-slug/module.toml  title, prerequisite (another module's title)
    NN-module-slug/NN-item.md            reading: +++ TOML front matter +++, then Markdown
    NN-module-slug/NN-item.video.toml    video: media, captions, transcript, slides
    NN-module-slug/NN-item.file.toml     downloadable file
    NN-module-slug/NN-item.quiz.toml     quiz settings, with NN-item.quiz.gift (questions)
    media/                               recordings, captions, slides, transcripts

A module package is one module folder's contents (``module.toml`` at the top)
with its own ``media/``. Text is written with ``\\n`` line endings and one
trailing newline, so reading a package and rendering it again gives the same bytes.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from lms.packages.files import FileRef, Files, PackageError, read_text, strip_top_folder
from lms.quizzes.gift import GiftError, parse_gift
from lms.quizzes.questions import QuestionSpec

PACKAGE_VERSION = 1
COURSE_KEYS = ("package_version", "slug", "title", "summary", "format", "status", "ce_hours",
               "access", "topics", "audience", "outcomes", "presenters", "recorded_on",
               "certificate_enabled", "certificate_valid_months", "renewal_window_days",
               "in_order", "enrol_window_days", "allow_downloads")
QUIZ_SETTINGS = ("pass_percent", "max_attempts", "time_limit_seconds", "cooldown_seconds",
                 "shuffle_questions", "shuffle_choices", "pool_size", "feedback_policy",
                 "scoring")
ITEM_KEYS = {
    "reading": ("title", "required"),
    "video": ("title", "required", "min_watch_percent", "media", "slides", "transcript",
              "intro", "captions", "recording"),
    "file": ("title", "required", "media", "intro"),
    "quiz": ("title", "required", "intro", *QUIZ_SETTINGS),
    "evaluation": ("title", "required", "intro", "questions"),
    "session": ("title", "required", "intro"),
    "package": ("title", "required", "media", "intro"),
}
SUFFIXES = {".md": "reading", ".video.toml": "video", ".file.toml": "file",
            ".quiz.toml": "quiz", ".quiz.gift": "quiz", ".evaluation.toml": "evaluation",
            ".session.toml": "session", ".package.toml": "package"}
#: Course evaluation questions: ``[[questions]]`` tables of an ``.evaluation.toml``.
EVALUATION_KINDS = ("likert", "text")
_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
MODULE_FOLDER = re.compile(rf"(\d{{2,3}})-({_SLUG})")
ITEM_FILE = re.compile(rf"(\d{{2,3}})-({_SLUG})(\.md|\.video\.toml|\.file\.toml|\.quiz\.toml"
                       rf"|\.quiz\.gift|\.evaluation\.toml|\.session\.toml|\.package\.toml)")
MEDIA_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}")
FRONT_MATTER = "+++\n"


@dataclass
class CaptionSpec:
    language: str
    label: str
    file: str


@dataclass
class ItemSpec:
    kind: str
    title: str
    required: bool = True
    #: Reading text, or the introduction shown above a video, file or quiz (Markdown).
    body: str = ""
    #: Video recording or downloadable file: a name under ``media/``.
    media: str | None = None
    slides: str | None = None
    captions: list[CaptionSpec] = field(default_factory=list)
    #: The transcript's file name under ``media/`` and its text.
    transcript: str | None = None
    transcript_text: str = ""
    min_watch_percent: int = 90
    #: A video that is the live session's recording (watching it completes the session).
    recording: bool = False
    questions: list[QuestionSpec] = field(default_factory=list)
    quiz: dict[str, Any] = field(default_factory=dict)
    #: Evaluation questions: ``{"kind": "likert"|"text", "prompt", "required"}``.
    evaluation: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ModuleSpec:
    title: str
    items: list[ItemSpec] = field(default_factory=list)
    #: The title of the module that must be completed first.
    prerequisite: str | None = None


@dataclass
class CoursePackage:
    #: course.toml's values (without ``package_version``) and ``description``.
    course: dict[str, Any]
    modules: list[ModuleSpec]
    media: dict[str, FileRef] = field(default_factory=dict)

    @property
    def is_module(self) -> bool:
        """A module package: one module, no course metadata."""
        return not self.course


# --- reading ---------------------------------------------------------------------------


def read_package(files: Files) -> CoursePackage:
    """A course package, or a module package (``course`` empty). Raises PackageError."""
    files = strip_top_folder(files, ("course.toml", "module.toml"))
    media = {name.removeprefix("media/"): ref for name, ref in files.items()
             if name.startswith("media/")}
    if "course.toml" in files:
        course = _course(files)
        modules = _modules(files, media)
    elif "module.toml" in files:
        course, modules = {}, [_module(files, "", media)]
    else:
        raise PackageError("This is not a course package: course.toml (or module.toml for a "
                           "single module) is missing at the top.")
    _check_prerequisites(modules)
    return CoursePackage(course, modules, media)


def load_toml(files: Files, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(read_text(files, name))
    except tomllib.TOMLDecodeError as exc:
        raise PackageError(f"{name}: {exc}") from None


def _known(values: dict[str, Any], keys: tuple[str, ...], name: str) -> dict[str, Any]:
    unknown = sorted(set(values) - set(keys))
    if unknown:
        raise PackageError(f"{name}: unknown setting {', '.join(unknown)} "
                           f"(known: {', '.join(keys)}).")
    return values


def _course(files: Files) -> dict[str, Any]:
    course = _known(load_toml(files, "course.toml"), COURSE_KEYS, "course.toml")
    version = course.pop("package_version", PACKAGE_VERSION)
    if version != PACKAGE_VERSION:
        raise PackageError(f"course.toml: package_version {version} is not supported "
                           f"(this site reads version {PACKAGE_VERSION}).")
    if not isinstance(course.get("ce_hours", "1"), str):
        raise PackageError('course.toml: write ce_hours as a string, e.g. ce_hours = "1.5", '
                           "so the number stays exact.")
    for key in ("slug", "title"):
        if not isinstance(course.get(key), str) or not course[key].strip():
            raise PackageError(f"course.toml: {key} is required.")
    if "description.md" in files:
        course["description"] = read_text(files, "description.md").strip()
    return course


def _modules(files: Files, media: dict[str, FileRef]) -> list[ModuleSpec]:
    folders = sorted({name.split("/", 1)[0] for name in files if "/" in name} - {"media"})
    modules = []
    for folder in folders:
        if not MODULE_FOLDER.fullmatch(folder):
            raise PackageError(f"{folder}/: module folders are named like 01-getting-started.")
        modules.append(_module(files, f"{folder}/", media))
    return modules


def _module(files: Files, prefix: str, media: dict[str, FileRef]) -> ModuleSpec:
    meta = _known(load_toml(files, f"{prefix}module.toml"), ("title", "prerequisite"),
                  f"{prefix}module.toml")
    if not isinstance(meta.get("title"), str) or not meta["title"].strip():
        raise PackageError(f"{prefix}module.toml: title is required.")
    names = sorted(name[len(prefix):] for name in files if name.startswith(prefix)
                   and "/" not in name[len(prefix):] and name[len(prefix):] != "module.toml")
    stems: dict[str, str] = {}
    for name in names:
        match = ITEM_FILE.fullmatch(name)
        if match is None:
            raise PackageError(f"{prefix}{name}: item files are named like 01-welcome.md, "
                               "02-demo.video.toml, 03-check.quiz.gift (with .quiz.toml).")
        stem = f"{match.group(1)}-{match.group(2)}"
        kind = SUFFIXES[match.group(3)]
        if stems.setdefault(stem, kind) != kind:
            raise PackageError(f"{prefix}{name}: another item is also named {stem}.")
    items = [_item(files, f"{prefix}{stem}", kind, media) for stem, kind in sorted(stems.items())]
    return ModuleSpec(meta["title"].strip(), items, meta.get("prerequisite"))


def _item(files: Files, stem: str, kind: str, media: dict[str, FileRef]) -> ItemSpec:
    if kind == "reading":
        return _reading(files, f"{stem}.md")
    name = f"{stem}.{kind}.toml"
    values = _known(load_toml(files, name), ITEM_KEYS[kind], name)
    if not isinstance(values.get("title"), str) or not values["title"].strip():
        raise PackageError(f"{name}: title is required.")
    item = ItemSpec(kind=kind, title=values["title"].strip(),
                    required=_bool(values.get("required", True), name, "required"),
                    body=_str(values.get("intro", ""), name, "intro").strip())
    if kind in ("video", "file", "package"):
        item.media = _media_name(values.get("media"), media, name, "media", required=True)
    if kind == "video":
        _video(item, values, files, media, name)
    if kind == "quiz":
        item.quiz = {key: values[key] for key in QUIZ_SETTINGS if key in values}
        item.questions = _questions(files, f"{stem}.quiz.gift")
    if kind == "evaluation":
        item.evaluation = _evaluation(values.get("questions", []), name)
    return item


def _evaluation(entries: Any, name: str) -> list[dict[str, Any]]:
    """The ``[[questions]]`` of an evaluation, checked as plain data."""
    if not isinstance(entries, list):
        raise PackageError(f"{name}: questions are [[questions]] tables.")
    questions = []
    for entry in entries:
        entry = _known(entry, ("kind", "prompt", "required"), f"{name} [[questions]]")
        if entry.get("kind") not in EVALUATION_KINDS:
            raise PackageError(f"{name}: a question's kind is likert or text.")
        prompt = _str(entry.get("prompt", ""), name, "prompt").strip()
        if not prompt:
            raise PackageError(f"{name}: every question needs a prompt.")
        questions.append({"kind": entry["kind"], "prompt": prompt,
                          "required": _bool(entry.get("required", True), name, "required")})
    return questions


def _reading(files: Files, name: str) -> ItemSpec:
    text = read_text(files, name)
    if not text.startswith(FRONT_MATTER) or "\n+++\n" not in text[3:]:
        raise PackageError(f"{name}: start with TOML front matter between +++ lines "
                           '(+++, title = "…", +++).')
    front, body = text[len(FRONT_MATTER):].split("\n+++\n", 1)
    try:
        values = _known(tomllib.loads(front), ITEM_KEYS["reading"], name)
    except tomllib.TOMLDecodeError as exc:
        raise PackageError(f"{name}: front matter: {exc}") from None
    if not isinstance(values.get("title"), str) or not values["title"].strip():
        raise PackageError(f"{name}: title is required in the front matter.")
    return ItemSpec(kind="reading", title=values["title"].strip(), body=body.strip("\n").rstrip(),
                    required=_bool(values.get("required", True), name, "required"))


def _video(item: ItemSpec, values: dict[str, Any], files: Files, media: dict[str, FileRef],
           name: str) -> None:
    item.slides = _media_name(values.get("slides"), media, name, "slides")
    item.transcript = _media_name(values.get("transcript"), media, name, "transcript")
    if item.transcript:
        item.transcript_text = read_text(files, f"media/{item.transcript}").strip("\n")
    percent = values.get("min_watch_percent", 90)
    if isinstance(percent, bool) or not isinstance(percent, int) or not 1 <= percent <= 100:
        raise PackageError(f"{name}: min_watch_percent is a whole number from 1 to 100.")
    item.min_watch_percent = percent
    item.recording = _bool(values.get("recording", False), name, "recording")
    captions = values.get("captions", [])
    if not isinstance(captions, list):
        raise PackageError(f"{name}: captions are [[captions]] tables.")
    for entry in captions:
        entry = _known(entry, ("language", "label", "file"), f"{name} [[captions]]")
        language = _str(entry.get("language", "en"), name, "language") or "en"
        item.captions.append(CaptionSpec(
            language, _str(entry.get("label", "English"), name, "label"),
            _media_name(entry.get("file"), media, name, "captions file", required=True) or ""))


def _questions(files: Files, name: str) -> list[QuestionSpec]:
    try:
        return parse_gift(read_text(files, name))
    except GiftError as exc:
        raise PackageError(f"{name}: {exc}") from None


def _media_name(value: Any, media: dict[str, FileRef], name: str, key: str,
                required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not MEDIA_NAME.fullmatch(value):
        raise PackageError(f"{name}: {key} is the name of a file in media/, e.g. talk.mp4.")
    if value not in media:
        raise PackageError(f"{name}: media/{value} is missing.")
    return value


def _bool(value: Any, name: str, key: str) -> bool:
    if not isinstance(value, bool):
        raise PackageError(f"{name}: {key} is true or false.")
    return value


def _str(value: Any, name: str, key: str) -> str:
    if not isinstance(value, str):
        raise PackageError(f"{name}: {key} must be text.")
    return value


def _check_prerequisites(modules: list[ModuleSpec]) -> None:
    titles = [module.title for module in modules]
    for module in modules:
        if module.prerequisite is not None and module.prerequisite not in titles:
            raise PackageError(f"Module “{module.title}”: its prerequisite "
                               f"“{module.prerequisite}” is not a module of this package.")


# --- writing ---------------------------------------------------------------------------
