"""What gunicorn serves in benchmarks: the production app, verification unthrottled.

Identical to ``wsgi:app`` under ``LMS_ENV=production`` except for the public
verification limit (60 a minute per address by default): one load generator on
loopback is one client address and would get 429s after the first second.
"""

from lms import create_app

app = create_app("production", CERTIFICATE_VERIFY_LIMIT="1000000/minute")
