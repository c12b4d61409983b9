"""Progress: what each member really did, course completion and the learning record.

Package items (SCORM and cmi5, unpacked by ``lms.packages``) become progress here
from what the package itself reports, never from the browser's word alone:
``packages`` derives status from the SCORM ``cmi`` data the runtime commits, and
``cmi5`` from the statements an AU sends with its launch's token. Both complete the
item through ``completion``, like every other kind.
"""
