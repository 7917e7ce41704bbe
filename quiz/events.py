"""Learning events that quiz announces, for higher apps to record (lms: xAPI, LTI grades).

An extension point quiz owns: it sends these signals and never learns who listens. Each
is sent inside the transaction that records the event, so a receiver that writes to the
database writes in the same transaction, and is rolled back with it.
"""

from django.dispatch import Signal

# A learner answered a question in an attempt, for the first time. Arguments: answer
# (Answer, with attempt and question).
answer_recorded = Signal()

# An attempt was submitted (by the learner or its deadline) and scored. Arguments:
# attempt (Attempt, with score, and `passed` for an exam).
attempt_submitted = Signal()

# A passed exam earned a certificate. Arguments: certificate (Certificate).
certificate_issued = Signal()
