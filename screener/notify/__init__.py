"""Urgent alerts to intake: compose the email, deliver the outbox, the sender thread.

Off unless ``URGENT_NOTIFY_TO`` is set. The email carries no health data and no contact
details (docs/operations.md says why); the outbox (``storage.outbox``) makes sure nothing is lost
while the mail server is down.
"""

from screener.notify.sender import Sender, deliver_due, init_app

__all__ = ["Sender", "deliver_due", "init_app"]
