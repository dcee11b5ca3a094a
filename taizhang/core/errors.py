"""Errors raised by actions. Their messages are shown to users as they are, so they are in Chinese."""

from __future__ import annotations


class TaizhangError(Exception):
    """Base class: an expected failure with a message for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotPermitted(TaizhangError):
    """The acting user may not do this (rendered as 403)."""


class NotFoundInScope(TaizhangError):
    """The object is outside the acting user's scope (rendered as 404)."""


class StaleObjectError(TaizhangError):
    """Optimistic locking: the object changed since the user loaded it."""


class InvalidTransition(TaizhangError):
    """A state change that is not allowed from the object's current state."""


class InvalidInput(TaizhangError):
    """Input that fails validation; `errors` maps field names to messages."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}
