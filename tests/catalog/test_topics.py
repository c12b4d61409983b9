"""Topics: staff edit them on /admin/topics; ``flask lms topics`` seeds the defaults."""

import pytest

from lms.catalog.models import Topic
from lms.catalog.topics import DEFAULT_TOPICS, topic_slug
from lms.extensions import db
from tests.factories import make_course, make_user


def topic_names() -> list[str]:
    db.session.expire_all()
    return sorted(db.session.execute(db.select(Topic.name)).scalars())


def test_seed_command_creates_the_defaults_once(runner, app_ctx):
    result = runner.invoke(args=["lms", "topics"])
    assert result.exit_code == 0, result.output
    assert f"Created {len(DEFAULT_TOPICS)} topic(s)." in result.output
    assert "cataloging-metadata\tCataloging & metadata" in result.output
    assert "Created 0 topic(s)." in runner.invoke(args=["lms", "topics"]).output
    assert len(topic_names()) == len(DEFAULT_TOPICS)


def test_slugs_are_readable():
    assert topic_slug("Cataloging & metadata") == "cataloging-metadata"
    assert topic_slug("DEI") == "dei"


def test_staff_add_rename_and_delete_topics(client, auth, app_ctx):
    make_user(role="admin", email="staff@example.org")
    auth.login("staff@example.org")
    assert auth.post("/admin/topics", {"name": "Digital  preservation"}).status_code == 302
    assert topic_names() == ["Digital preservation"]
    duplicate = auth.post("/admin/topics", {"name": "digital preservation"})
    assert duplicate.status_code == 409
    assert "That topic exists already." in duplicate.get_data(as_text=True)
    topic = db.session.execute(db.select(Topic)).scalar_one()
    course = make_course(topics=[topic])
    assert auth.post(f"/admin/topics/{topic.id}", {"name": "Preservation"}).status_code == 302
    assert topic_names() == ["Preservation"]
    html = client.get("/admin/topics").get_data(as_text=True)
    assert "Preservation" in html and 'name="csrf_token"' in html
    assert auth.post(f"/admin/topics/{topic.id}/delete").status_code == 302
    assert topic_names() == []
    db.session.refresh(course)
    assert course.topics == []


@pytest.mark.parametrize("role, expected", [(None, 302), ("member", 403), ("instructor", 403)])
def test_topics_page_is_for_staff_only(client, auth, app_ctx, role, expected):
    topic = Topic(slug="archives", name="Archives")
    db.session.add(topic)
    db.session.commit()
    if role:
        auth.login(make_user(role=role).email)
    assert client.get("/admin/topics").status_code == expected
    assert auth.post("/admin/topics", {"name": "Sneaky"}).status_code == expected
    assert auth.post(f"/admin/topics/{topic.id}", {"name": "Renamed"}).status_code == expected
    assert auth.post(f"/admin/topics/{topic.id}/delete").status_code == expected
    assert topic_names() == ["Archives"]


def test_catalog_filter_offers_every_topic(client, app_ctx):
    db.session.add_all([Topic(slug="outreach", name="Outreach"),
                        Topic(slug="reference", name="Reference")])
    db.session.commit()
    html = client.get("/courses").get_data(as_text=True)
    assert '<option value="outreach">Outreach</option>' in html
    assert '<option value="reference">Reference</option>' in html
