"""Entry point for ``flask --app wsgi`` and ``gunicorn wsgi:app``.

``LMS_ENV=production`` selects the production settings.
"""

import os

from lms import create_app

app = create_app(os.environ.get("LMS_ENV", "default"))
