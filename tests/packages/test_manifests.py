"""Reading SCORM and cmi5 manifests as data: editions, launch files, refusals."""

from __future__ import annotations

import pytest

from lms.packages.manifests import ManifestError, parse_cmi5, parse_scorm, read_manifest
from tests.packages import scorm_samples as samples

SCORM12 = samples.SCORM12_MANIFEST.replace("{mastery}", "")


def test_scorm12_launch_is_the_first_sco_of_the_default_organization():
    launch = parse_scorm(SCORM12.encode(), {"lesson/index.html", "shared/style.css"})
    assert (launch.standard, launch.launch_path, launch.launch_query) == (
        "scorm12", "lesson/index.html", "")


def test_the_edition_comes_from_the_namespace_without_a_schemaversion():
    bare = SCORM12.replace("<schemaversion>1.2</schemaversion>", "")
    assert parse_scorm(bare.encode(), {"lesson/index.html"}).standard == "scorm12"
    bare2004 = samples.SCORM2004_MANIFEST.replace(
        "<schemaversion>2004 4th Edition</schemaversion>", "")
    assert parse_scorm(bare2004.encode(), {"index.html"}).standard == "scorm2004"


def test_xml_base_and_parameters_make_the_launch_url():
    manifest = samples.SCORM2004_MANIFEST.replace(
        'href="index.html">', 'xml:base="content/" href="start.html?lang=en">').replace(
        'identifierref="r1">', 'identifierref="r1" parameters="?page=2">')
    launch = parse_scorm(manifest.encode(), {"content/start.html"})
    assert (launch.launch_path, launch.launch_query) == ("content/start.html", "lang=en&page=2")


@pytest.mark.parametrize(("manifest", "says"), [
    (SCORM12.replace('adlcp:scormtype="sco"', 'adlcp:scormtype="asset"'), "names no SCO"),
    (SCORM12.replace('href="lesson/index.html"', 'href="https://evil.example/x.html"'),
     "another site"),
    (SCORM12.replace('href="lesson/index.html"', 'href="../x.html"'), "not a path inside"),
    (SCORM12.replace("<schemaversion>1.2</schemaversion>",
                     "<schemaversion>1.1</schemaversion>"), "SCORM 1.2 and SCORM 2004"),
    (SCORM12.replace("<organizations", "<orgs").replace("</organizations>", "</orgs>"),
     "no <organization>"),
])
def test_unplayable_scorm_manifests_are_refused(manifest, says):
    with pytest.raises(ManifestError, match=says):
        parse_scorm(manifest.encode(), {"lesson/index.html", "x.html"})


def test_the_launch_file_must_be_in_the_package():
    with pytest.raises(ManifestError, match="missing from the package"):
        parse_scorm(SCORM12.encode(), {"shared/style.css"})


@pytest.mark.parametrize(("change", "says"), [
    (("<url>au/index.html</url>", "<url>https://evil.example/au</url>"), "another site"),
    (('moveOn="Passed"', 'moveOn="Whenever"'), "moveOn"),
    (('masteryScore="0.8"', 'masteryScore="80"'), "from 0 to 1"),
    (('<au id="https://example.org/courses/reference-interview/au1"', "<au"), "needs an id"),
])
def test_unplayable_cmi5_manifests_are_refused(change, says):
    xml = samples.CMI5_XML.replace("{move_on}", "Passed").replace(*change)
    with pytest.raises(ManifestError, match=says):
        parse_cmi5(xml.encode(), {"au/index.html"})


def test_oversized_manifests_are_refused_before_parsing():
    with pytest.raises(ManifestError, match="larger than"):
        read_manifest({"imsmanifest.xml"}, lambda name: b" " * (3 * 1024 * 1024))
