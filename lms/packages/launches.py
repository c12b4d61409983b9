"""Launch tokens: what authorises a player's frame on the package content origin.

The content origin receives no cookie of the main site, so the player page puts a
token in the frame's path (``/pkg/<token>/``): signed with the secret key (its own
salt), naming the member, the item and the unpacked package it played when signed,
and good for ``MAX_AGE`` seconds. A token is only who and what: every request under
it checks again, in the service layer, that the member may open the package (and
record progress) now. A token for another member cannot be made without the key.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lms.accounts.models import User
from lms.catalog.models import Item
from lms.errors import Forbidden, NotFound
from lms.extensions import db
from lms.packages import scorm
from lms.packages.models import PackageContent

SALT = "lms.packages.launch"
#: A player page left open a working day still plays and saves.
MAX_AGE = 8 * 3600


@dataclass(frozen=True)
class Launch:
    user: User
    item: Item
    content: PackageContent


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def sign(user_id: int, item_id: int, content_id: int) -> str:
    return _serializer().dumps([user_id, item_id, content_id])


def read(token: str) -> Launch:
    """The member, item and package a token names, still existing and matching.

    Raises NotFound (forged, altered, or naming what is gone) and Forbidden (expired).
    """
    try:
        user_id, item_id, content_id = _serializer().loads(token, max_age=MAX_AGE)
    except SignatureExpired:
        raise Forbidden("This player has been open too long: reload the course page.") from None
    except (BadSignature, TypeError, ValueError):
        raise NotFound("There is nothing here.") from None
    user = db.session.get(User, user_id)
    item = db.session.get(Item, item_id)
    content = scorm.content_of_item(item) if item is not None else None
    if user is None or not user.is_active or content is None or content.id != content_id:
        raise NotFound("There is nothing here.")
    return Launch(user=user, item=item, content=content)


def package_for(token: str) -> PackageContent:
    """The token's package, when its member may open it now (``scorm.get_for_learner``)."""
    launch = read(token)
    return scorm.get_for_learner(launch.user, launch.content.id)
