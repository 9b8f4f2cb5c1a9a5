"""The sales channel an application came through (销售渠道): its allowed values, defined here once.

The application body (the API and `fengkong apply`) takes it as `channel.source`, the officers'
lists filter by it (`channel=…`), and the applications table keeps it (`applications.channel`).
A request that names none came through the API itself: `api`. A partner's referral
(`partner`, 合作方导流) may also name the partner by its code (`channel.partner`), and only
then. Applications stored before channels were kept (migration 0027) have none: their channel
is unknown (null), not guessed.

The channel is not read by the policy or the model: it tells where business comes from, not
who the applicant is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from fengkong.core.errors import FieldError
from fengkong.core.filters import choices


class SalesChannel(StrEnum):
    """Where an application came from. Listed in alphabetical order, as messages list them."""

    API = "api"  # 开放接口: the lender's own API, called directly (the default)
    APP = "app"  # 手机应用
    BRANCH = "branch"  # 线下网点
    MINI_PROGRAM = "mini_program"  # 小程序
    PARTNER = "partner"  # 合作方导流: a partner's referral, optionally naming the partner
    WEB = "web"  # 网页


SALES_CHANNELS: tuple[str, ...] = tuple(c.value for c in SalesChannel)
DEFAULT_SALES_CHANNEL = SalesChannel.API
PARTNER_CODE_MAX_LENGTH = 40
# A partner's code as the lender's contracts name it: letters, digits and `-_.`, starting with a
# letter or digit; short enough for its column and safe in a CSV cell or a log line.
_PARTNER_CODE = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{PARTNER_CODE_MAX_LENGTH - 1}}}")


def unknown_channel_message(value: object) -> str:
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "…"
    return f"{shown} is not allowed; must be one of " + ", ".join(map(repr, SALES_CHANNELS))


def check_source(value: object, loc: tuple[str | int, ...]) -> FieldError | None:
    """The error for a sales channel outside the allowed set (naming them), or None."""
    if isinstance(value, str) and value in SALES_CHANNELS:
        return None
    return FieldError(loc, unknown_channel_message(value), "enum", SALES_CHANNELS)


def check_partner(
    partner: str, source: SalesChannel | None, loc: tuple[str | int, ...]
) -> FieldError | None:
    """The error for a partner code that is malformed, or given with a source other than
    `partner` (None when the source was itself refused: that error is reported already)."""
    if source is not None and source != SalesChannel.PARTNER:
        return FieldError(
            loc, f"a partner code goes only with source 'partner', not {source.value!r}"
        )
    if _PARTNER_CODE.fullmatch(partner) is None:
        return FieldError(
            loc,
            f"not a partner code: 1 to {PARTNER_CODE_MAX_LENGTH} letters, digits or '-_.', "
            "starting with a letter or digit",
        )
    return None


def sales_channels(
    values: Iterable[str] | str | None, errors: list[FieldError]
) -> tuple[SalesChannel, ...]:
    """The `channel` filter of the officers' lists: sales channels, comma-separated or
    repeated."""
    return choices(values, SalesChannel, "channel", errors)
