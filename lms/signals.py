"""The few signals that carry news from a lower domain to a higher one.

A lower domain sends; a higher domain connects in its ``register_signals``
hook. Receivers run inside the sender's transaction: they may flush, never commit.
"""

from blinker import Namespace

_signals = Namespace()

#: Sent by quizzes when a member passes a quiz.
#: sender: the Quiz's Item id (int); kwargs: ``user`` (User), ``attempt`` (Attempt),
#: ``score_percent`` (float), ``now`` (datetime).
quiz_passed = _signals.signal("quiz-passed")

#: Sent by quizzes when a member fails an attempt (for the learning record).
#: sender: the Item id; kwargs: ``user``, ``attempt``, ``score_percent``, ``now``.
quiz_failed = _signals.signal("quiz-failed")

#: Sent by quizzes when a member submits a course evaluation (an ``evaluation`` item).
#: sender: the Item id (int); kwargs: ``user`` (User), ``now`` (datetime).
evaluation_submitted = _signals.signal("evaluation-submitted")

#: Sent by catalog when a member enrols. sender: Course id; kwargs: ``user``,
#: ``enrollment``, ``now``.
member_enrolled = _signals.signal("member-enrolled")

#: Sent by progress exactly once per enrolment, when every required item is complete
#: (or staff mark the course complete). sender: Course id; kwargs: ``user`` (User),
#: ``enrollment`` (Enrollment), ``now`` (datetime).
course_completed = _signals.signal("course-completed")

#: Sent by progress when a member completes a video item, before it checks whether the
#: course is complete (live completes a session item whose recording this is).
#: sender: the Item id (int); kwargs: ``user`` (User), ``item`` (Item), ``course``
#: (Course), ``enrollment`` (Enrollment), ``now`` (datetime).
video_completed = _signals.signal("video-completed")

#: Sent by accounts when a new member account is created (live credits colleagues who
#: were invited to claim a session's attendance). sender: the User id; kwargs: ``user``.
member_registered = _signals.signal("member-registered")

#: Sent by catalog when a course's certificate setting is switched on.
#: sender: Course id; kwargs: ``actor`` (User).
certificates_enabled = _signals.signal("certificates-enabled")

#: Sent by catalog after it creates an item, so higher domains can attach their
#: own rows (quizzes creates the Quiz of a quiz item). sender: Item id; kwargs:
#: ``item`` (Item), ``settings`` (dict of the request's extra fields, e.g.
#: pass_percent, max_attempts, time_limit_seconds), ``actor`` (User).
item_created = _signals.signal("item-created")

#: Sent by catalog when an edit gives an existing item other media (a new file or
#: none), in the same transaction: packages unpacks a new SCORM or cmi5 ZIP.
#: sender: Item id; kwargs: ``item`` (Item), ``actor`` (User).
item_media_changed = _signals.signal("item-media-changed")

#: Sent by certificates in the transaction that inserted new certificates (one member's
#: completion, or a back-issue batch). sender: Course id; kwargs: ``issued`` (list of
#: dicts ``{"certificate_id", "user_id", "completed_at"}``), ``now`` (datetime).
#: The ledger adds the credits the course awards from it, in one statement per batch.
certificates_issued = _signals.signal("certificates-issued")

#: Sent by certificates when staff revoke a certificate, in the same transaction.
#: sender: the Certificate id (int); kwargs: ``now`` (datetime).
certificate_revoked = _signals.signal("certificate-revoked")

#: Sent by certificates while it builds a member's CE transcript, so the ledger can add
#: the member's other credits. sender: the member's User id; kwargs: ``period``
#: ((from, to) dates, either None). A receiver returns a list of
#: ``lms.certificates.transcript_credits.CreditGroup``; it only reads.
transcript_requested = _signals.signal("transcript-requested")

#: Sent by progress each time it appends a statement to the learning record, inside the
#: recording transaction (the row may not be flushed yet). sender: the verb (str);
#: kwargs: ``event`` (LearningEvent). Standards forwards the record to an external LRS.
learning_event_recorded = _signals.signal("learning-event-recorded")
