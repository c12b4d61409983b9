"""SCORM 1.2, SCORM 2004 and cmi5 sample packages, and malicious ZIPs, built in memory."""

from __future__ import annotations

import io
import zipfile

SCORM12_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="sample12" version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org1">
    <organization identifier="org1">
      <title>Shelving basics</title>
      <item identifier="i1" identifierref="r1">
        <title>Shelving lesson</title>{mastery}
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="r0" type="webcontent" adlcp:scormtype="asset" href="shared/style.css">
      <file href="shared/style.css"/>
    </resource>
    <resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="lesson/index.html">
      <file href="lesson/index.html"/>
    </resource>
  </resources>
</manifest>
"""

SCORM2004_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="sample2004" version="1"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="org1">
    <organization identifier="org1">
      <title>Weeding the collection</title>
      <item identifier="i1" identifierref="r1"><title>Weeding lesson</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="r1" type="webcontent" adlcp:scormType="sco" href="index.html">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>
"""

#: Finds the runtime in a parent window as SCORM 1.2 content does, then reports.
SCORM12_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shelving lesson</title>
<link rel="stylesheet" href="../shared/style.css"></head>
<body><h1>Shelving lesson</h1><p id="state">starting</p>
<button id="finish" type="button">Finish the lesson</button>
<script>
function findAPI(win) {
  for (var tries = 0; win && tries < 10; tries++) {
    if (win.API) { return win.API; }
    if (win.parent === win) { break; }
    win = win.parent;
  }
  return null;
}
var api = findAPI(window.parent);
var state = document.getElementById("state");
state.textContent = api && api.LMSInitialize("") === "true" ? "initialised" : "no API";
state.dataset.status = api ? api.LMSGetValue("cmi.core.lesson_status") : "";
state.dataset.learner = api ? api.LMSGetValue("cmi.core.student_name") : "";
document.getElementById("finish").addEventListener("click", function () {
  api.LMSSetValue("cmi.core.score.raw", "{score}");
  api.LMSSetValue("cmi.core.lesson_status", "{status}");
  api.LMSSetValue("cmi.suspend_data", "page=3");
  api.LMSCommit("");
  api.LMSFinish("");
  state.textContent = "finished";
});
</script></body></html>
"""

SCORM2004_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Weeding lesson</title></head>
<body><h1>Weeding lesson</h1><p id="state">starting</p>
<button id="finish" type="button">Finish the lesson</button>
<script>
function findAPI(win) {
  for (var tries = 0; win && tries < 10; tries++) {
    if (win.API_1484_11) { return win.API_1484_11; }
    if (win.parent === win) { break; }
    win = win.parent;
  }
  return null;
}
var api = findAPI(window.parent);
var state = document.getElementById("state");
state.textContent = api && api.Initialize("") === "true" ? "initialised" : "no API";
document.getElementById("finish").addEventListener("click", function () {
  api.SetValue("cmi.score.scaled", "0.9");
  api.SetValue("cmi.score.raw", "90");
  api.SetValue("cmi.success_status", "{success}");
  api.SetValue("cmi.completion_status", "completed");
  api.Commit("");
  api.Terminate("");
  state.textContent = "finished";
});
</script></body></html>
"""

CMI5_XML = """<?xml version="1.0" encoding="utf-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="https://example.org/courses/reference-interview">
    <title><langstring lang="en-US">The reference interview</langstring></title>
    <description><langstring lang="en-US">Asking good questions.</langstring></description>
  </course>
  <au id="https://example.org/courses/reference-interview/au1" moveOn="{move_on}"
      masteryScore="0.8" launchMethod="AnyWindow">
    <title><langstring lang="en-US">Interview practice</langstring></title>
    <description><langstring lang="en-US">Practice.</langstring></description>
    <url>au/index.html</url>
  </au>
</courseStructure>
"""

#: An AU as cmi5 describes it: reads the launch parameters, fetches its token, reads
#: LMS.LaunchData and sends initialized, completed, passed (0.9) and terminated.
CMI5_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Interview practice</title></head>
<body><h1>Interview practice</h1><p id="state">starting</p>
<script>
var params = new URLSearchParams(location.search);
var endpoint = params.get("endpoint"), actor = JSON.parse(params.get("actor"));
var registration = params.get("registration"), activity = params.get("activityId");
var state = document.getElementById("state");
var verbs = "http://adlnet.gov/expapi/verbs/";
var SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid";
function send(token, verb, result, session) {
  var statement = {actor: actor, verb: {id: verbs + verb}, object: {id: activity},
                   context: {registration: registration,
                             extensions: {}}};
  statement.context.extensions[SESSION] = session;
  if (result) { statement.result = result; }
  return fetch(endpoint + "statements", {method: "POST", body: JSON.stringify(statement),
    headers: {"Authorization": "Basic " + token, "Content-Type": "application/json",
              "X-Experience-API-Version": "1.0.3"}});
}
fetch(params.get("fetch"), {method: "POST"}).then(function (r) { return r.json(); })
.then(function (body) {
  var token = body["auth-token"];
  var query = new URLSearchParams({stateId: "LMS.LaunchData", activityId: activity,
                                   agent: JSON.stringify(actor), registration: registration});
  return fetch(endpoint + "activities/state?" + query, {headers: {"Authorization": "Basic " + token,
      "X-Experience-API-Version": "1.0.3"}}).then(function (r) { return r.json(); })
  .then(function (launchData) {
    var session = launchData.contextTemplate.extensions[SESSION];
    state.dataset.moveOn = launchData.moveOn;
    return send(token, "initialized", null, session)
      .then(function () { return send(token, "completed", {completion: true}, session); })
      .then(function () {
        return send(token, "passed", {success: true, score: {scaled: 0.9}}, session);
      })
      .then(function () { return send(token, "terminated", null, session); });
  });
}).then(function () { state.textContent = "finished"; },
        function (error) { state.textContent = "error: " + error; });
</script></body></html>
"""


def zip_bytes(files: dict[str, bytes | str], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def scorm12_zip(*, status: str = "passed", score: int = 85,
                mastery: int | None = None) -> bytes:
    mastery_xml = f"<adlcp:masteryscore>{mastery}</adlcp:masteryscore>" if mastery else ""
    return zip_bytes({
        "imsmanifest.xml": SCORM12_MANIFEST.replace("{mastery}", mastery_xml),
        "lesson/index.html": SCORM12_PAGE.replace("{status}", status)
        .replace("{score}", str(score)),
        "shared/style.css": "body { font-family: sans-serif; }",
    })


def scorm2004_zip(*, success: str = "passed") -> bytes:
    return zip_bytes({"imsmanifest.xml": SCORM2004_MANIFEST,
                      "index.html": SCORM2004_PAGE.replace("{success}", success)})


def cmi5_zip(*, move_on: str = "CompletedAndPassed") -> bytes:
    return zip_bytes({"cmi5.xml": CMI5_XML.replace("{move_on}", move_on),
                      "au/index.html": CMI5_PAGE})


def traversal_zip() -> bytes:
    return zip_bytes({"imsmanifest.xml": SCORM2004_MANIFEST, "index.html": "x",
                      "../evil.html": "<script>alert(1)</script>"})


def bomb_zip() -> bytes:
    """One entry of 50 MiB of zeros, compressed about 1000:1."""
    return zip_bytes({"imsmanifest.xml": SCORM2004_MANIFEST, "index.html": "x",
                      "zeros.bin": b"\0" * (50 * 1024 * 1024)})


def many_entries_zip(count: int = 10_000) -> bytes:
    files: dict[str, bytes | str] = {"imsmanifest.xml": SCORM2004_MANIFEST, "index.html": "x"}
    files.update({f"f/{n}.txt": "" for n in range(count)})
    return zip_bytes(files, compression=zipfile.ZIP_STORED)


def entity_bomb_zip() -> bytes:
    laughs = ('<?xml version="1.0"?>\n<!DOCTYPE manifest [<!ENTITY a "lol">'
              '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n'
              '<manifest identifier="&c;"/>')
    return zip_bytes({"imsmanifest.xml": laughs, "index.html": "x"})


def no_manifest_zip() -> bytes:
    return zip_bytes({"index.html": "<p>Just a page</p>"})


def broken_manifest_zip() -> bytes:
    return zip_bytes({"imsmanifest.xml": "<manifest><organizations>", "index.html": "x"})


def stored_package(data: bytes, course, title: str = "Package", **item_fields):
    """A package item of ``course`` playing ``data`` (stored and unpacked as on attach)."""
    from lms.extensions import db
    from lms.packages.scorm import unpack
    from lms.storage import get_storage, new_key
    from tests.factories import make_item, make_media, make_module

    key = new_key()
    get_storage().save(key, io.BytesIO(data), "application/zip")
    media = make_media(storage_key=key, content_type="application/zip", kind="package",
                       size=len(data), original_name="package.zip", duration_seconds=None)
    content = unpack(media)
    item = make_item(make_module(course), kind="package", title=title, media=media,
                     **item_fields)
    db.session.commit()
    return item, content
