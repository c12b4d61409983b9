"""Text from people: refused when it cannot be stored, normalised when it can, everywhere.

JSON fields are covered for every operation by ``tests/test_openapi_inputs.py``;
here: what the cleaning does to names and titles (NFC, spaces, scripts,
text-direction controls), HTML forms, and query strings and path values.
"""

from __future__ import annotations

import importlib
import unicodedata

import pytest
from flask_wtf import FlaskForm
from wtforms.fields.core import UnboundField

from lms import DOMAINS
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.extensions import db
from lms.forms import Form
from tests.factories import Auth, api_headers, make_course, make_module, make_user
from tests.security_world import changed_tables, snapshot
from tests.test_route_matrix import calls, fill
from tests.test_route_matrix import world as world

RLO, LRE, FSI, PDF = "\u202e", "\u202a", "\u2068", "\u202c"
LRM = "\u200e"


@pytest.fixture
def member(app_ctx):
    return make_user()


def patch_me(client, member, body):
    return client.patch("/api/v1/me", json=body, headers=api_headers(member))


@pytest.mark.parametrize("name", ["محمد علي", "שרה כהן", "李小龍", "Zoë Ångström",
                                  f"Dana{LRM} Cohen", "O'Brien-Smith"])
def test_names_in_any_script_are_kept(client, member, name):
    response = patch_me(client, member, {"name": name, "certificate_name": name})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["name"] == name
    assert response.get_json()["certificate_name"] == name


def test_names_are_normalised_to_nfc_on_one_line(client, member):
    decomposed = unicodedata.normalize("NFD", "  Zoë\n  Ångström\t")
    response = patch_me(client, member, {"name": decomposed})
    assert response.get_json()["name"] == "Zoë Ångström"
    assert db.session.get(User, member.id).name == "Zoë Ångström"


@pytest.mark.parametrize("control", [RLO, LRE, FSI, "\u2066", "\u2069"])
@pytest.mark.parametrize("field", ["name", "certificate_name"])
def test_text_direction_controls_are_refused_in_names(client, member, field, control):
    """They would make a certificate show a name other than the one typed."""
    response = patch_me(client, member, {field: f"Smith{control}nhoJ{PDF}"})
    assert response.status_code == 422
    assert "U+" in response.get_json()["errors"][field][0]
    assert db.session.get(User, member.id).name == member.name


@pytest.fixture
def authoring(app_ctx):
    teacher = make_user(role="instructor")
    course = make_course(instructors=[teacher], status="draft")
    module = make_module(course)
    return api_headers(teacher), course, module


@pytest.mark.parametrize("path, field", [
    ("/api/v1/courses/{course}", "title"), ("/api/v1/courses/{course}", "presenters"),
    ("/api/v1/courses/{course}", "outcomes"), ("/api/v1/modules/{module}", "title"),
])
def test_titles_and_presenters_refuse_text_direction_controls(client, authoring, path, field):
    headers, course, module = authoring
    url = path.format(course=course.id, module=module.id)
    response = client.patch(url, json={field: f"Intro{RLO}txet"}, headers=headers)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_multi_line_text_keeps_direction_controls_and_line_breaks(client, authoring):
    """Descriptions may quote mixed-direction text; only names and titles are strict."""
    headers, course, _module = authoring
    text = f"Line one\r\nقال {FSI}hello{PDF}\rLine three"
    response = client.patch(f"/api/v1/courses/{course.id}", json={"description": text},
                            headers=headers)
    assert response.status_code == 200
    assert db.session.get(Course, course.id).description == \
        f"Line one\nقال {FSI}hello{PDF}\nLine three"


def test_course_module_item_and_question_text_is_nfc(client, authoring):
    headers, course, module = authoring
    nfd = unicodedata.normalize("NFD", "Métadonnées")
    assert client.patch(f"/api/v1/courses/{course.id}", json={"title": nfd},
                        headers=headers).get_json()["title"] == "Métadonnées"
    item = client.post(f"/api/v1/modules/{module.id}/items", headers=headers,
                       json={"kind": "quiz", "title": nfd}).get_json()
    assert item["title"] == "Métadonnées"
    question = client.post(f"/api/v1/items/{item['id']}/questions", headers=headers, json={
        "kind": "single", "prompt": nfd,
        "choices": [{"text": nfd, "correct": True}, {"text": "Autre"}]}).get_json()
    assert question["prompt"] == "Métadonnées"
    assert question["choices"][0]["text"] == "Métadonnées"


# --- HTML forms --------------------------------------------------------------------


def test_every_form_is_a_lms_form():
    """lms.forms.Form refuses unstorable text; a form built on FlaskForm directly would not."""
    for domain in DOMAINS:
        for kind in ("forms", "studio_forms"):
            try:
                importlib.import_module(f"lms.{domain}.{kind}")
            except ModuleNotFoundError:
                continue
    stray = [cls.__qualname__ for cls in _subclasses(FlaskForm)
             if cls.__module__.startswith("lms.") and not issubclass(cls, Form)]
    assert not stray


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


@pytest.mark.parametrize("bad", ["a\x00b", "a\x08b"], ids=["NUL", "backspace"])
def test_profile_form_shows_a_field_error(client, member, bad):
    auth = Auth(client)
    auth.login(member.email)
    response = auth.post("/profile", {"name": f"New{bad}name", "certificate_name": "Ok"})
    assert response.status_code == 422
    assert "control character" in response.get_data(as_text=True) or \
        "NUL" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, member.id).name == member.name


def test_register_and_login_forms_refuse_nul_without_touching_the_database(client, app_ctx):
    auth = Auth(client)
    before = snapshot()
    form = {"name": "Ann", "email": "ann\x00@example.org", "password": "a long passphrase here",
            "confirm": "a long passphrase here", "csrf_token": auth.csrf("/register")}
    assert client.post("/register", data=form).status_code == 422
    login = {"email": "x\x00@example.org", "password": "x", "csrf_token": auth.csrf()}
    assert client.post("/login", data=login).status_code in (200, 422)
    assert not changed_tables(before, snapshot())


def test_studio_form_refuses_a_reversed_title(client, app_ctx):
    teacher = make_user(role="instructor")
    auth = Auth(client)
    auth.login(teacher.email)
    response = auth.post("/studio/courses/new", {"title": f"Intro{RLO}txet", "summary": "",
                                                 "format": "course", "ce_hours": "1"})
    assert response.status_code == 422
    assert "U+202E" in response.get_data(as_text=True)
    assert db.session.query(Course).count() == 0


@pytest.mark.parametrize("page, field, role", [
    ("/my-certificates/{certificate}/name", "requested_name", "enrolled"),
    ("/admin/certificates/settings", "org_name", "admin"),
    ("/admin/certificates/settings", "signatory_name", "admin"),
])
def test_text_printed_on_certificates_refuses_direction_controls(client, world, page, field,
                                                                 role):
    auth = Auth(client)
    auth.login(world.users[role].email)
    url = page.format(**world.ids)
    form = {"requested_name": "Ann Lee", "org_name": "Library", "signatory_name": "Bo",
            "page_size": "letter"} | {field: f"Ann{RLO}eeL"}
    before = snapshot()
    response = auth.post(url, form)
    assert response.status_code == 422
    assert "U+202E" in response.get_data(as_text=True)
    assert not changed_tables(before, snapshot())


def _form_field_names() -> set[str]:
    names = set()
    for cls in _subclasses(Form):
        names |= {name for klass in cls.__mro__ for name, value in vars(klass).items()
                  if isinstance(value, UnboundField)}
    return names


def test_no_page_form_post_fails_on_unstorable_text(app, client, world):
    """Every field name any form has, holding NUL, posted to every page as staff."""
    Auth(client).login(world.users["admin"].email)
    fields = dict.fromkeys(_form_field_names(), "a\x00b")
    problems = []
    for call in calls(app, {"POST"}):
        if call.is_api or call.endpoint == "accounts.logout":
            continue
        db.session.commit()
        token = Auth(client).any_csrf()
        response = client.post(fill(call, world), data=fields | {"csrf_token": token},
                               **({"base_url": call.base_url} if call.base_url else {}))
        response.close()
        if response.status_code >= 500:
            problems.append(f"{call}: {response.status_code}")
    assert not problems


# --- query strings and path values -------------------------------------------------


@pytest.mark.parametrize("bad", ["%00", "a%00b", "%1B"])
def test_every_get_route_refuses_unstorable_query_values(app, client, world, bad):
    """``?q=%00`` reached PostgreSQL, which refuses NUL: now a 400 before any view."""
    problems = []
    for call in calls(app, {"GET"}):
        url = fill(call, world)
        response = client.get(f"{url}?q={bad}&page={bad}", headers=world.headers["admin"],
                              **({"base_url": call.base_url} if call.base_url else {}))
        response.close()
        api_problem = not call.is_api or response.mimetype == "application/problem+json"
        if response.status_code != 400 or not api_problem:
            problems.append(f"{call}: {response.status_code} {response.mimetype}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", ["/verify/%00", "/api/v1/verify/a%00b", "/courses/%00",
                                  "/certificates/%00.pdf"])
def test_path_values_that_cannot_be_stored_are_refused(client, app_ctx, path):
    assert client.get(path).status_code == 400

