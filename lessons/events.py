"""Learning events that lessons announces, for higher apps to record (lms sends xAPI).

An extension point lessons owns: it sends these signals and never learns who listens.
Each is sent inside the transaction that records the event, so a receiver that writes
to the database writes in the same transaction: its row exists exactly when the event does.
"""

from django.dispatch import Signal

# A signed-in learner completed a lesson. Arguments: progress (LessonProgress, with user
# and lesson).
lesson_completed = Signal()
