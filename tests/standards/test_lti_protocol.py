"""The pure parts of LTI (lms/standards/lti.py): data in, data out."""

from __future__ import annotations

import pytest

from lms.standards import lti


@pytest.mark.parametrize(("lineitem", "scores"), [
    ("https://lms.example.edu/api/lti/courses/1/line_items/7",
     "https://lms.example.edu/api/lti/courses/1/line_items/7/scores"),
    ("https://lms.example.edu/mod/lti/services.php/2/lineitems/5/lineitem?type_id=1",
     "https://lms.example.edu/mod/lti/services.php/2/lineitems/5/lineitem/scores?type_id=1"),
    ("https://lms.example.edu/lineitems/9/", "https://lms.example.edu/lineitems/9/scores"),
])
def test_scores_go_under_the_line_item_keeping_its_query(lineitem: str, scores: str) -> None:
    assert lti.scores_url(lineitem) == scores


@pytest.mark.parametrize(("roles", "may"), [
    (["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"], True),
    (["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"], True),
    (["http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper"], True),
    (["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"], False),
    (["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"], False),
    ([], False), ("Instructor", False), ([42], False),
])
def test_only_instructors_may_choose_content(roles, may: bool) -> None:
    assert lti.may_choose_content({lti.LTI + "roles": roles}) is may


def test_resource_link_details_ignore_claims_of_the_wrong_shape() -> None:
    assert lti.resource_link_details({}) == ("", None, "")
    assert lti.resource_link_details({
        lti.LTI + "resource_link": "not an object",
        lti.AGS_ENDPOINT: {"lineitem": 7, "scope": "not a list"}}) == ("", None, "")
    assert lti.resource_link_details({
        lti.LTI + "resource_link": {"id": 12},
        lti.AGS_ENDPOINT: {"lineitem": "https://x.example/li/1",
                           "scope": [lti.SCORE_SCOPE, 5, "other"]}}) == (
        "12", "https://x.example/li/1", f"{lti.SCORE_SCOPE} other")
