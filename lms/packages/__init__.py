"""Course packages (a folder or ZIP of Markdown and TOML that becomes a course) and
SCORM 1.2, SCORM 2004 and cmi5 packages (a ZIP that an item of kind ``package`` plays).

Both kinds of ZIP are checked by ``archive`` before anything in them is read: no
absolute or ``..`` paths, links, too many entries, too many bytes or zip bombs.
SCORM and cmi5 packages are unpacked into the store by ``scorm`` (manifests parsed
by ``manifests``, without DTDs or entities) and served to the course's members and
editors by ``views``, on the package content origin only (``lms/origins.py``), under a
launch token (``launches``) instead of the session; what the package reports while it
runs becomes progress in ``lms/progress/packages.py``, through the launcher page of
``lms/progress/launcher.py``.
"""
