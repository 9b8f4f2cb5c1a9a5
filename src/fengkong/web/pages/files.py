"""The search, customer, loan and line pages (查询、客户、贷款、额度), one router for the app to
include: finding things, and the files of a customer, a loan and a credit line."""

from __future__ import annotations

from fastapi import APIRouter

from fengkong.web.pages import customers, lines, loans, search

router = APIRouter()
for part in (search, customers, loans, lines):
    router.include_router(part.router)
