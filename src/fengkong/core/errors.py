"""Typed domain errors. A few kinds, each mapped once: to problem+json in `api/errors.py` and to a
message with a non-zero exit in `cli/common.py`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One thing wrong with one input field; `loc` is the path to it, as in Pydantic. `allowed`
    lists the values the field takes, when it has a fixed set and the value was outside it."""

    loc: tuple[str | int, ...]
    msg: str
    type: str = "value_error"
    allowed: tuple[str, ...] | None = None

    def as_dict(self) -> dict[str, object]:
        doc: dict[str, object] = {"loc": list(self.loc), "msg": self.msg, "type": self.type}
        if self.allowed is not None:
            doc["allowed"] = list(self.allowed)
        return doc


class FengkongError(Exception):
    """Base of every error the domain raises on purpose."""

    title = "Error"
    type_slug = "error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Invalid(FengkongError):
    """The input breaks a rule: wrong shape, out of range, unknown product…"""

    title = "Invalid input"
    type_slug = "invalid-input"

    def __init__(self, errors: tuple[FieldError, ...], detail: str | None = None) -> None:
        self.errors = errors
        summary = "; ".join(f"{'.'.join(map(str, e.loc)) or '(root)'}: {e.msg}" for e in errors)
        super().__init__(detail or summary or "invalid input")


class NotFound(FengkongError):
    title = "Not found"
    type_slug = "not-found"


class Conflict(FengkongError):
    """The request clashes with the stored state (duplicate key, wrong status…)."""

    title = "Conflict"
    type_slug = "conflict"


class Unauthenticated(FengkongError):
    """No credentials, or credentials that do not hold: unknown, expired, revoked, locked out."""

    title = "Authentication required"
    type_slug = "unauthenticated"


class Forbidden(FengkongError):
    """The actor is known but its roles do not allow this, or maker-checker refuses it (the
    checker is the maker, or lacks the approver role)."""

    title = "Forbidden"
    type_slug = "forbidden"


class Unavailable(FengkongError):
    """Something the request needs is not there yet (no champion model, database down…)."""

    title = "Service unavailable"
    type_slug = "unavailable"


class IntegrityBroken(FengkongError):
    """Stored data failed a check that must never fail: a hash mismatch, an unbalanced entry."""

    title = "Integrity check failed"
    type_slug = "integrity"
