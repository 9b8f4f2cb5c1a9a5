"""`decision.service.ApplicationRepository`: an application is stored once and read back whole."""

from __future__ import annotations

import pytest

from contracts.conftest import REFUSED, Backend
from contracts.rows import application
from fengkong.onboarding.channel import SalesChannel


def test_an_application_reads_back_as_stored(backend: Backend) -> None:
    stored = application(
        "app_1",
        bank_card_enc="c",
        bank_card_bidx="9" * 64,
        channel=SalesChannel.PARTNER,
        channel_partner="shop-7",
    )
    with backend.uow() as uow:
        uow.applications.add(stored)
        uow.applications.add(application("app_2"))
        uow.commit()
    with backend.uow() as uow:
        assert uow.applications.get("app_1") == stored
        assert uow.applications.get("app_2") == application("app_2")
        assert uow.applications.get("app_3") is None


def test_an_application_id_is_stored_once(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.applications.add(application("app_1"))
        uow.commit()
    with pytest.raises(REFUSED), backend.uow() as uow:
        uow.applications.add(application("app_1", purpose="other"))
        uow.commit()
    with backend.uow() as uow:
        assert uow.applications.get("app_1") == application("app_1")
