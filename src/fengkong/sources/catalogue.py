"""The kinds Fengkong can read, by their handlers: `handler_for(kind)` is how an imported file or
a fetched answer finds the `KindHandler` that reads it. Each kind's module adds its handler to
`_HANDLERS` below."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fengkong.core.errors import FieldError, Invalid
from fengkong.sources.bureau import BUREAU
from fengkong.sources.business import BUSINESS_REGISTRY
from fengkong.sources.financials import FINANCIALS
from fengkong.sources.handler import KindHandler
from fengkong.sources.kinds import SourceKind
from fengkong.sources.payments import TAX_PAYMENTS, UTILITY_PAYMENTS
from fengkong.sources.statements import STATEMENTS

__all__ = ["HANDLERS", "handler_for", "readable_kinds"]

# The handlers of the kinds that have one, by kind; a kind without one can be neither imported
# nor checked when fetched.
_HANDLERS: dict[SourceKind, KindHandler[Any]] = {
    h.kind: h
    for h in (
        BUREAU,
        BUSINESS_REGISTRY,
        TAX_PAYMENTS,
        UTILITY_PAYMENTS,
        STATEMENTS,
        FINANCIALS,
    )
}
HANDLERS: Mapping[SourceKind, KindHandler[Any]] = _HANDLERS


def readable_kinds() -> tuple[SourceKind, ...]:
    return tuple(k for k in SourceKind if k in HANDLERS)


def handler_for(kind: SourceKind | str) -> KindHandler[Any]:
    """The handler of `kind`; `Invalid` naming the kinds that have one when it is unknown or has
    none yet."""
    readable = tuple(k.value for k in readable_kinds())
    try:
        known = SourceKind(kind)
    except ValueError:
        allowed = tuple(k.value for k in SourceKind)
        raise Invalid(
            (FieldError(("kind",), f"is not a kind of external data: {kind}", "enum", allowed),)
        ) from None
    handler = HANDLERS.get(known)
    if handler is None:
        raise Invalid(
            (
                FieldError(
                    ("kind",),
                    f"no reader of {known.value} files yet (尚不支持导入该类数据)",
                    "enum",
                    readable,
                ),
            )
        )
    return handler
