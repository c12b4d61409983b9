"""Course packages: plain data ⇄ a folder of plain files, the writing half.

:mod:`lms.packages.format` reads a package; this module writes the text files
of one (``course.toml``, ``module.toml``, item files, transcripts). Pure: no
Flask, no database. File names come from titles through the catalog's slugs.
"""

from __future__ import annotations

from lms.catalog.authoring_fields import slugify
from lms.packages import tomlwrite
from lms.packages.format import FRONT_MATTER, PACKAGE_VERSION, CoursePackage, ItemSpec, ModuleSpec
from lms.quizzes.gift_export import export_gift


def _name(title: str) -> str:
    """The slug part of a module folder or item file name (at most 60 characters)."""
    return slugify(title, 60, "item")


def render_package(package: CoursePackage) -> dict[str, str]:
    """The text files of a package by relative path (media bytes are the caller's)."""
    course = dict(package.course)
    description = course.pop("description", "")
    files = {"course.toml": tomlwrite.dumps({"package_version": PACKAGE_VERSION, **course})}
    if description:
        files["description.md"] = description + "\n"
    for number, module in enumerate(package.modules, start=1):
        folder = f"{number:02d}-{_name(module.title)}/"
        files.update({folder + name: text for name, text in render_module(module).items()})
    return files


def render_module(module: ModuleSpec) -> dict[str, str]:
    """module.toml and the item files of one module (transcripts go under ``media/``)."""
    files = {"module.toml": tomlwrite.dumps({"title": module.title,
                                             "prerequisite": module.prerequisite})}
    for number, item in enumerate(module.items, start=1):
        files.update(_render_item(f"{number:02d}-{_name(item.title)}", item))
    return files


def _render_item(stem: str, item: ItemSpec) -> dict[str, str]:
    head = {"title": item.title, "required": item.required}
    if item.kind == "reading":
        return {f"{stem}.md": f"{FRONT_MATTER}{tomlwrite.dumps(head)}+++\n\n{item.body}\n"}
    if item.kind == "quiz":
        settings = {"intro": item.body or None, **item.quiz}
        return {f"{stem}.quiz.toml": tomlwrite.dumps({**head, **settings}),
                f"{stem}.quiz.gift": export_gift(item.questions).rstrip("\n") + "\n"}
    if item.kind == "evaluation":
        return {f"{stem}.evaluation.toml": tomlwrite.dumps(
            {**head, "intro": item.body or None}, {"questions": item.evaluation})}
    if item.kind == "session":
        return {f"{stem}.session.toml": tomlwrite.dumps({**head, "intro": item.body or None})}
    if item.kind in ("file", "package"):
        return {f"{stem}.{item.kind}.toml": tomlwrite.dumps({**head, "media": item.media,
                                                              "intro": item.body or None})}
    values = {**head, "min_watch_percent": item.min_watch_percent, "media": item.media,
              "slides": item.slides, "transcript": item.transcript, "intro": item.body or None,
              "recording": item.recording or None}
    captions = [{"language": c.language, "label": c.label, "file": c.file} for c in item.captions]
    return {f"{stem}.video.toml": tomlwrite.dumps(values, {"captions": captions})}


def transcript_files(package: CoursePackage) -> dict[str, str]:
    """The transcripts of the package's videos, as files under ``media/``."""
    return {f"media/{item.transcript}": item.transcript_text + "\n"
            for module in package.modules for item in module.items
            if item.transcript and item.transcript_text}
