"""The one base of every error Pantry's plugins raise on purpose.

A goal raises a `PantryError` subclass for bad input (an option, a field, a file): its
message is the whole report, saying where, what and how to fix it. A goal returns exit code 1
only to report findings (violations, a stale lock), never for bad input. Catch `PantryError`
to tell Pantry's own failures from bugs.
"""

from __future__ import annotations


class PantryError(Exception):
    """Base of Pantry's named errors; the message is complete and meant for the user."""
