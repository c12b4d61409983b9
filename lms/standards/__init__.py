"""Standards: the learning record forwarded to an external Learning Record Store (xAPI),
and the LTI 1.3 tool that lets learning platforms open courses and get grades back.

Above ``ledger``: it reads what lower domains recorded and hands it to systems
outside the platform; no lower domain imports it (it listens to their signals).

LTI in four modules: ``lti`` (the protocol as data: ID token checks, signed
messages, the platform's HTTP; no Flask, no database), ``lti_keys`` (the tool's
RSA key file), ``lti_platforms`` (staff registration) and ``lti_service`` (login,
launch, deep linking), with ``lti_scores`` sending completions back by Assignment
and Grade Services as jobs, queued from the ``course_completed`` signal.
"""
