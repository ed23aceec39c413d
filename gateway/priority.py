"""How soon a case needs a senior: the order of the seniors' views and of ``cases.priority``.

A known customer's emergency comes first. An emergency nobody can tie to a customer (an
anonymous chat, a number not on file) comes next: it may be just as real, but anybody can send
them by the hundred, and they must not bury the first kind. Then hostile contacts, then the rest.
Routing follows the same order (``NewContact.verified``, routing/README.md).
"""

from __future__ import annotations

from enum import IntEnum


class Priority(IntEnum):
    """Stored in ``cases.priority``; higher goes first. The names are what the console shows."""

    ROUTINE = 0
    HOSTILE = 1
    URGENT_UNVERIFIED = 2
    URGENT = 3

    @property
    def label(self) -> str:
        return self.name.lower()


def priority_of(*, urgent: bool, hostile: bool, verified: bool) -> Priority:
    if urgent:
        return Priority.URGENT if verified else Priority.URGENT_UNVERIFIED
    return Priority.HOSTILE if hostile else Priority.ROUTINE
