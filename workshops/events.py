"""Learning events that workshops announces, for higher apps to record (lms: xAPI).

An extension point workshops owns: it sends the signal and never learns who listens. It
is sent inside the transaction that stores the answer.
"""

from django.dispatch import Signal

# A participant answered a question in a live workshop, for the first time. Arguments:
# answer (LiveAnswer, with participant and item).
live_answer_given = Signal()
