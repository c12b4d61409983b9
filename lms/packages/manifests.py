"""Reading a SCORM ``imsmanifest.xml`` or a ``cmi5.xml`` as data. Pure.

Both are parsed with defusedxml on input of bounded size: a DTD (and with it every
entity, the "billion laughs" included) is refused, as are external references.
Namespaces differ between editions and tools, so elements and attributes are
matched by local name. The launch resource is the first SCO (SCORM) or AU (cmi5)
of the default organization, in document order.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # only for types and ParseError; parsing is defusedxml's
from dataclasses import dataclass
from urllib.parse import urlsplit

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from lms.packages.archive import ArchiveError, check_name

#: A manifest larger than this is not a manifest anyone wrote by hand or tool.
MAX_MANIFEST_BYTES = 2 * 1024 * 1024
SCORM_MANIFEST = "imsmanifest.xml"
CMI5_MANIFEST = "cmi5.xml"
MOVE_ON = ("Completed", "Passed", "CompletedAndPassed", "CompletedOrPassed", "NotApplicable")


class ManifestError(ArchiveError):
    """The package's manifest is missing, unsafe or says nothing we can launch."""


@dataclass(frozen=True)
class Launch:
    standard: str
    title: str
    launch_path: str
    launch_query: str = ""
    mastery_score: float | None = None
    move_on: str | None = None
    course_iri: str | None = None
    activity_iri: str | None = None


def read_manifest(names: set[str], read) -> Launch:
    """The launch facts of a package whose file paths are ``names``.

    ``read(path)`` returns at most ``MAX_MANIFEST_BYTES + 1`` bytes of a file.
    Raises ManifestError.
    """
    if CMI5_MANIFEST in names:
        return parse_cmi5(_bounded(read(CMI5_MANIFEST), CMI5_MANIFEST), names)
    if SCORM_MANIFEST in names:
        return parse_scorm(_bounded(read(SCORM_MANIFEST), SCORM_MANIFEST), names)
    raise ManifestError("This ZIP has no imsmanifest.xml (SCORM) or cmi5.xml (cmi5) at its "
                        "top level, so it is not a package we can play.")


def _bounded(data: bytes, name: str) -> bytes:
    if len(data) > MAX_MANIFEST_BYTES:
        raise ManifestError(f"{name} is larger than {MAX_MANIFEST_BYTES:,} bytes.")
    return data


def _parse(data: bytes, name: str) -> ET.Element:
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise ManifestError(f"{name} declares a DTD or entities, which packages may not "
                            "use.") from None
    except ET.ParseError as exc:
        raise ManifestError(f"{name} is not well-formed XML ({exc}).") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(element: ET.Element, name: str) -> str | None:
    """An attribute by local name, ignoring namespace and case."""
    wanted = name.lower()
    return next((value for key, value in element.attrib.items()
                 if _local(key).lower() == wanted), None)


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _child_text(element: ET.Element, name: str) -> str:
    found = _children(element, name)
    return (found[0].text or "").strip() if found else ""


# --- SCORM -----------------------------------------------------------------------


def parse_scorm(data: bytes, names: set[str]) -> Launch:
    root = _parse(data, SCORM_MANIFEST)
    if _local(root.tag) != "manifest":
        raise ManifestError("imsmanifest.xml has no <manifest> root element.")
    standard = _scorm_edition(root)
    resources = {_attr(r, "identifier"): r for r in root.iter() if _local(r.tag) == "resource"}
    organization = _default_organization(root)
    for item in _items(organization):
        resource = resources.get(_attr(item, "identifierref"))
        if resource is None or (_attr(resource, "scormtype") or "").lower() != "sco":
            continue
        path, query = _launch_href(resource, names)
        mastery = _child_text(item, "masteryscore") if standard == "scorm12" else ""
        return Launch(standard=standard, title=_title(organization, root),
                      launch_path=path, launch_query=_join_query(query, _attr(item, "parameters")),
                      mastery_score=_number(mastery, 0, 100, "adlcp:masteryscore"))
    raise ManifestError("imsmanifest.xml names no SCO (a resource with scormType “sco” "
                        "that an item of the organization uses), so nothing can be launched.")


def _scorm_edition(root: ET.Element) -> str:
    version = ""
    for metadata in _children(root, "metadata"):
        version = _child_text(metadata, "schemaversion") or version
    if version == "1.2":
        return "scorm12"
    if version.startswith("2004") or version == "CAM 1.3":
        return "scorm2004"
    if not version:
        # No schemaversion: the adlcp namespace an attribute or element uses tells the edition.
        names = " ".join([element.tag for element in root.iter()]
                         + [key for element in root.iter() for key in element.attrib])
        if "adlcp_rootv1p2" in names:
            return "scorm12"
        if "adlcp_v1p3" in names:
            return "scorm2004"
    raise ManifestError(f"imsmanifest.xml gives schemaversion “{version[:40]}”; we play "
                        "SCORM 1.2 and SCORM 2004 packages.")


def _default_organization(root: ET.Element) -> ET.Element:
    containers = _children(root, "organizations")
    organizations = [o for c in containers for o in _children(c, "organization")]
    if not organizations:
        raise ManifestError("imsmanifest.xml has no <organization>, so nothing can be launched.")
    default = _attr(containers[0], "default")
    return next((o for o in organizations if _attr(o, "identifier") == default),
                organizations[0])


def _items(element: ET.Element):
    """The organization's items, depth first in document order."""
    for item in _children(element, "item"):
        yield item
        yield from _items(item)


def _title(organization: ET.Element, root: ET.Element) -> str:
    return (_child_text(organization, "title") or _attr(root, "identifier") or "")[:200]


def _launch_href(resource: ET.Element, names: set[str]) -> tuple[str, str]:
    href = _attr(resource, "href") or ""
    base = _attr(resource, "base") or ""
    parts = urlsplit(base + href)
    if parts.scheme or parts.netloc:
        raise ManifestError("The SCO's launch file is on another site; packages must "
                            "contain their launch file.")
    return _package_path(parts.path, names, "The SCO's launch file"), parts.query


def _join_query(query: str, parameters: str | None) -> str:
    extra = (parameters or "").lstrip("?&")
    return "&".join(part for part in (query, extra) if part)[:1000]


# --- cmi5 ------------------------------------------------------------------------


def parse_cmi5(data: bytes, names: set[str]) -> Launch:
    root = _parse(data, CMI5_MANIFEST)
    if _local(root.tag) != "courseStructure":
        raise ManifestError("cmi5.xml has no <courseStructure> root element.")
    course = next((e for e in root if _local(e.tag) == "course"), None)
    au = next((e for e in root.iter() if _local(e.tag) == "au"), None)
    if course is None or au is None:
        raise ManifestError("cmi5.xml needs a <course> and at least one <au>.")
    url = _child_text(au, "url")
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        raise ManifestError("The AU's url is on another site; we play AUs contained in "
                            "the package.")
    move_on = _attr(au, "moveOn") or "NotApplicable"
    if move_on not in MOVE_ON:
        raise ManifestError(f"The AU's moveOn “{move_on[:40]}” is not one of "
                            f"{', '.join(MOVE_ON)}.")
    title = next((_child_text(t, "langstring") for t in _children(au, "title")), "")
    return Launch(
        standard="cmi5", title=title[:200],
        launch_path=_package_path(parts.path, names, "The AU's url"),
        launch_query=parts.query[:1000], move_on=move_on,
        mastery_score=_number(_attr(au, "masteryScore") or "", 0, 1, "masteryScore"),
        course_iri=_iri(_attr(course, "id"), "course"), activity_iri=_iri(_attr(au, "id"), "AU"))


def _iri(value: str | None, what: str) -> str:
    if not value or len(value) > 500:
        raise ManifestError(f"The {what} in cmi5.xml needs an id (an IRI of at most "
                            "500 characters).")
    return value


# --- shared ----------------------------------------------------------------------


def _package_path(path: str, names: set[str], what: str) -> str:
    try:
        check_name(path)
    except ArchiveError:
        raise ManifestError(f"{what} “{path[:100]}” is not a path inside the package.") from None
    if path not in names:
        raise ManifestError(f"{what} “{path[:100]}” is missing from the package.")
    return path


def _number(text: str, low: float, high: float, what: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise ManifestError(f"The {what} “{text[:20]}” is not a number from {low:g} to {high:g}.")
    return value
