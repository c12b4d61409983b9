"""Progress: what each member really did, course completion and the learning record.

Package items (SCORM and cmi5, unpacked by ``lms.packages``) become progress here
from what the package itself reports, never from the browser's word alone:
``packages`` derives status from the SCORM ``cmi`` data the runtime commits, and
``cmi5`` from the statements an AU sends with its launch's token. Both complete the
item through ``completion``, like every other kind. The runtime runs in ``launcher``'s
page on the package content origin (``lms/origins.py``), which reaches these rules
through ``service`` with a launch token, as the session API does with the session.
"""
