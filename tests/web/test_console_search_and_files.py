"""The console's search, customer and loan pages on a book seeded through the real services
(`search.book`): each filter finds what it names; a person is searched by a posted form, never
in a URL; pages go on with keyset cursors; the customer page shows masks only; the loan page
shows its schedule, positions, ledger balances and audit trail; roles without the permission
are refused, unknown ids are 404 pages, bad filters show their errors beside the fields."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from fengkong.bootstrap import Context
from fengkong.onboarding.party import customer_id
from fengkong.web.i18n import COOKIE, negotiated
from fengkong.web.pages import search as search_page
from search.book import PEOPLE, SECOND_PHONES, Book, seed_book
from web.conftest import as_staff, csrf_of

ROW = re.compile(r'<tr data-id="([^"]+)"')


@pytest.fixture
def book(context: Context, console: TestClient) -> Book:
    console.cookies.set(COOKIE, "en")  # the English texts are asserted
    return seed_book(context)


def cid(context: Context, who: str) -> str:
    return customer_id(context.vault.blind_index("id_number", PEOPLE[who][1]))


def found(console: TestClient, path: str, **params: str) -> set[str]:
    page = console.get(path, params=params)
    assert page.status_code == 200, page.text
    return set(ROW.findall(page.text))


def test_each_filter_finds_what_it_names(console: TestClient, context: Context, book: Book) -> None:
    as_staff(console, "fks_officer")
    apps, loans, lines = book.applications, book.loans, book.lines
    search = "/console/search"
    assert found(console, search, kind="applications") == set(apps.values())
    assert found(console, search, kind="applications", outcome="decline") == {apps["wang"]}
    assert found(console, search, kind="applications", channel="web") == {apps["wang"]}
    assert found(console, search, kind="applications", received_to="2026-03-02") == {
        apps["zhang"],
        apps["wang"],
        apps["li"],
    }
    assert found(console, search, kind="applications", customer_id=cid(context, "zhang")) == {
        apps["zhang"],
        apps["zhang_again"],
    }
    assert found(console, search, kind="applications", product="mortgage") == set()

    decisions = console.get(search, params={"kind": "decisions", "outcome": "refer"}).text
    assert len(ROW.findall(decisions)) == 1
    assert len(ROW.findall(console.get(search, params={"kind": "decisions"}).text)) == len(apps)
    assert found(console, search, kind="decisions", score_min="9999") == set()

    assert found(console, search) == set(loans.values())  # loans by default
    assert found(console, search, kind="loans", status="active") == set(loans.values())
    assert found(console, search, kind="loans", status="settled") == set()
    assert found(console, search, kind="loans", product="credit_line") == {loans["draw"]}
    assert found(console, search, kind="loans", booked_from="2026-03-03") == {
        loans["zhao"],
        loans["draw"],
    }
    assert found(console, search, kind="loans", dpd_min="1") == {loans["zhang"]}
    assert found(console, search, kind="loans", loan_class="special_mention") <= {loans["zhang"]}
    assert found(console, search, kind="loans", line_id=lines["zhao"]) == {loans["draw"]}
    assert found(console, search, kind="loans", customer_id=cid(context, "zhao")) == {
        loans["zhao"],
        loans["draw"],
    }

    assert found(console, search, kind="lines") == set(lines.values())
    assert found(console, search, kind="lines", status="frozen") == set()
    assert found(console, search, kind="lines", customer_id=cid(context, "zhao")) == {lines["zhao"]}

    assert found(console, "/console/customers") == {cid(context, w) for w in PEOPLE}
    assert found(console, "/console/customers", applied_from="2026-03-03") == {
        cid(context, "zhao"),
        cid(context, "zhang"),
    }

    # rows link to their pages
    page = console.get(search, params={"kind": "loans"}).text
    assert f'href="/console/loans/{loans["draw"]}"' in page
    assert f'href="/console/lines/{lines["zhao"]}"' in page
    assert f'href="/console/customers/{cid(context, "zhao")}"' in page


def test_a_person_is_searched_by_a_posted_form_never_in_a_url(
    console: TestClient, context: Context, book: Book
) -> None:
    page = as_staff(console, "fks_officer").get("/console/customers")
    assert 'method="post" action="/console/customers/search"' in page.text
    token = csrf_of(page.text)
    name, number, phone = PEOPLE["zhao"]
    by_id = console.post("/console/customers/search", data={"id_number": number, "csrf": token})
    assert by_id.status_code == 200
    assert set(ROW.findall(by_id.text)) == {cid(context, "zhao")}
    by_phone = console.post(
        "/console/customers/search", data={"phone": SECOND_PHONES["zhao"], "csrf": token}
    )
    assert set(ROW.findall(by_phone.text)) == {cid(context, "zhao")}
    for html in (by_id.text, by_phone.text):
        links = re.findall(r'(?:href|action|hx-get|hx-post)="([^"]*)"', html)
        for link in links:
            assert number not in link and phone not in link and SECOND_PHONES["zhao"] not in link
        assert name not in html  # the name shows masked
    assert "?id_number" not in by_id.text and "id_number=" not in by_id.text
    # the GET search takes no personal data: the field is not even read
    ignored = console.get("/console/customers", params={"id_number": number})
    assert set(ROW.findall(ignored.text)) == {cid(context, w) for w in PEOPLE}

    nothing = console.post("/console/customers/search", data={"csrf": token})
    assert nothing.status_code == 422 and 'id="s-id_number-error"' in nothing.text
    bad = console.post("/console/customers/search", data={"id_number": "12345", "csrf": token})
    assert bad.status_code == 422 and 'id="s-id_number-error"' in bad.text
    assert 'value="12345"' in bad.text  # what was typed is kept


def test_bad_filters_show_their_errors_beside_the_fields(console: TestClient, book: Book) -> None:
    as_staff(console, "fks_risk")
    bad = console.get("/console/search", params={"kind": "loans", "dpd_min": "abc"})
    assert bad.status_code == 422
    assert 'id="s-dpd_min-error"' in bad.text and 'value="abc"' in bad.text
    day = console.get("/console/search", params={"kind": "lines", "opened_from": "2026-13-01"})
    assert day.status_code == 422 and 'id="s-opened_from-error"' in day.text
    swapped = console.get(
        "/console/search",
        params={"kind": "applications", "outcome": "maybe"},
        headers={"HX-Request": "true"},
    )
    assert swapped.status_code == 422
    assert swapped.text.lstrip().startswith('<div id="search-body"')
    assert 'id="s-outcome-error"' in swapped.text
    stale = console.get("/console/search", params={"kind": "loans", "cursor": "nonsense"})
    assert stale.status_code == 422 and "search again" in stale.text


def test_pages_go_on_with_a_cursor(
    console: TestClient, book: Book, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_page, "PAGE_SIZE", 2)
    as_staff(console, "fks_auditor")
    seen: list[str] = []
    path = "/console/search?kind=applications&outcome=approve"
    while path:
        page = console.get(path)
        assert page.status_code == 200
        seen += ROW.findall(page.text)
        more = re.search(r'<a class="next" rel="next" href="([^"]+)"', page.text)
        path = more.group(1).replace("&amp;", "&") if more else ""
        assert not more or "outcome=approve" in path
    approved = {a for k, a in book.applications.items() if book.outcomes[k] == "approve"}
    assert sorted(seen) == sorted(approved) and len(seen) == len(set(seen))


@pytest.mark.parametrize(
    ("secret", "search", "customers"),
    [
        ("fks_officer", 200, 200),
        ("fks_risk", 200, 403),
        ("fks_approver", 200, 403),
        ("fks_auditor", 200, 200),
        ("fks_admin", 403, 403),
    ],
)
def test_each_role_searches_as_it_may(
    console: TestClient, context: Context, book: Book, secret: str, search: int, customers: int
) -> None:
    as_staff(console, secret)
    shown = console.get("/console/search")
    assert shown.status_code == search
    assert ('href="/console/search"' in shown.text) is (search == 200)  # the menu entry
    assert ('href="/console/customers"' in shown.text) is (customers == 200)
    assert console.get("/console/customers").status_code == customers
    assert console.get(f"/console/customers/{cid(context, 'zhao')}").status_code == customers
    token = csrf_of(shown.text)
    posted = console.post(
        "/console/customers/search", data={"id_number": PEOPLE["zhao"][1], "csrf": token}
    )
    assert posted.status_code == customers


def test_the_customer_page_shows_masks_only(
    console: TestClient, context: Context, book: Book
) -> None:
    as_staff(console, "fks_officer")
    page = console.get(f"/console/customers/{cid(context, 'zhao')}")
    assert page.status_code == 200
    html = page.text
    name, number, phone = PEOPLE["zhao"]
    for clear in (name, number, phone, SECOND_PHONES["zhao"]):
        assert clear not in html
    assert 'data-field="id_number">' + number[:3] in html and "*" in html
    assert book.applications["zhao"] in html and book.applications["zhao_line"] in html
    assert f'href="/console/loans/{book.loans["zhao"]}"' in html
    assert f'href="/console/loans/{book.loans["draw"]}"' in html
    assert f'href="/console/lines/{book.lines["zhao"]}"' in html
    assert "Consents" in html and "Credit bureau enquiry" in html
    assert "On no list." in html

    from fengkong.fraud.keys import KeyType
    from fengkong.fraud.list_admin import ListAdmin, add_entry
    from fengkong.fraud.lists import ListKind, NewListEntry

    admin = ListAdmin(uow=context.uow, hasher=context.vault.blind_index, clock=context.clock)
    entry = NewListEntry(ListKind.BLACK, KeyType.RESIDENT_ID, number, "court judgment", "court")
    add_entry(entry, "user:olivia", admin)
    listed = console.get(f"/console/customers/{cid(context, 'zhao')}").text
    assert '<tr data-list="black">' in listed and "court judgment" in listed
    assert number not in listed

    unknown = console.get("/console/customers/cus_" + "0" * 64)
    assert unknown.status_code == 404 and 'data-status="404"' in unknown.text
    assert console.get("/console/customers/not-an-id").status_code == 422


def test_pages_admit_no_inline_script_or_style(
    console: TestClient, context: Context, book: Book
) -> None:
    as_staff(console, "fks_officer")
    paths = [
        "/console/search",
        "/console/search?kind=decisions",
        "/console/search?kind=applications",
        "/console/search?kind=lines",
        "/console/customers",
        f"/console/customers/{cid(context, 'zhao')}",
        f"/console/lines/{book.lines['zhao']}",
        f"/console/loans/{book.loans['zhang']}",
    ]
    pages = [console.get(p) for p in paths]
    console.cookies.set(COOKIE, "zh-CN")  # and in Chinese
    chinese = [console.get(p) for p in paths]
    assert all('lang="zh-CN"' in p.text for p in chinese)
    assert "还款计划" in chinese[-1].text and "冻结额度" in chinese[-2].text
    pages += chinese
    for page in pages:
        assert page.status_code == 200
        for tag in re.findall(r"<script[^>]*>", page.text):
            assert "src=" in tag or 'type="application/json"' in tag, tag
        assert not re.search(r"<[^>]*\s(style|on[a-z]+)=", page.text)
        assert page.headers["cache-control"] == "no-store"


def test_the_loan_page_shows_real_figures(
    console: TestClient, context: Context, book: Book
) -> None:
    from fengkong.ledger.accounts import PRINCIPAL_RECEIVABLE
    from fengkong.lending.origination import get_loan

    loan_id = book.loans["zhang"]
    view = get_loan(loan_id, context.lending)
    page = as_staff(console, "fks_officer").get(f"/console/loans/{loan_id}")
    assert page.status_code == 200
    html = page.text
    rows = re.findall(r'<tr data-instalment="(\d+)"', html)
    assert [int(n) for n in rows] == [i.number for i in view.schedule]
    assert 'data-figure="dpd">14<' in html  # 45 days on, the first instalment is 14 days late
    outstanding = view.record.state.principal_outstanding
    money = negotiated("en", None).money(outstanding)
    assert f'data-figure="principal_outstanding">{money}<' in html
    # the principal receivable sub-account holds what the positions say is outstanding
    balance = re.search(
        rf'<tr data-account="{PRINCIPAL_RECEIVABLE.code}">.*?<td class="num">([^<]+)</td>', html
    )
    assert balance and balance.group(1) == money
    with context.uow() as uow:
        actions = [r.action for r in uow.audit.for_subject("loan", loan_id)]
        posted = [
            e.entry_id
            for e in uow.journal.entries()
            if any(p.loan_id == loan_id for p in e.postings)
        ]
    # every journal entry on the loan, newest first
    assert posted and re.findall(r'<tr data-entry="([^"]+)"', html) == posted[::-1]
    assert actions and all(f'<tr data-action="{a}">' in html for a in actions)
    moves = [a for a in actions if a == "loan.reclassified"]
    assert moves  # 14 days late: no longer normal
    assert html.count("<tr data-move=") == len(moves)
    assert "Collections" in html and "Reminders" in html and "Guarantees" in html

    draw = console.get(f"/console/loans/{book.loans['draw']}").text
    assert f'href="/console/lines/{book.lines["zhao"]}"' in draw


@pytest.mark.parametrize(
    ("secret", "status", "collections"),
    [
        ("fks_officer", 200, True),
        ("fks_risk", 200, True),
        ("fks_approver", 200, False),
        ("fks_auditor", 200, True),
        ("fks_admin", 403, False),
    ],
)
def test_each_role_sees_a_loan_as_it_may(
    console: TestClient, book: Book, secret: str, status: int, collections: bool
) -> None:
    page = as_staff(console, secret).get(f"/console/loans/{book.loans['zhang']}")
    assert page.status_code == status and "Traceback" not in page.text
    assert ('id="collections-heading"' in page.text) is collections


def test_an_unknown_loan_is_a_404_page(console: TestClient, book: Book) -> None:
    missing = as_staff(console, "fks_officer").get("/console/loans/loan_nope")
    assert missing.status_code == 404 and 'data-status="404"' in missing.text


def test_an_id_opens_its_page(console: TestClient, context: Context, book: Book) -> None:
    as_staff(console, "fks_risk")
    for target, path in (
        (book.loans["zhang"], "loans"),
        (book.lines["zhao"], "lines"),
        (cid(context, "zhao"), "customers"),
    ):
        opened = console.get("/console/open", params={"id": f" {target} "})
        assert opened.status_code == 303
        assert opened.headers["location"] == f"/console/{path}/{target}"
    wrong = console.get("/console/open", params={"id": "whatever"})
    assert wrong.status_code == 422
    assert 'id="s-id-error"' in wrong.text and 'value="whatever"' in wrong.text
    assert as_staff(console, "fks_admin").get("/console/open?id=x").status_code == 403


def test_the_loan_page_shows_servicing_records(
    console: TestClient, context: Context, book: Book
) -> None:
    from datetime import timedelta
    from decimal import Decimal

    from fengkong.lending import collateral_service, collections, guarantee, reminders
    from fengkong.lending.guarantee_rules import GuarantorIdentity, GuarantorKind
    from search.book import resident_id

    loan_id, svc = book.loans["zhang"], context.servicing
    today = context.clock.business_date()
    collections.collections_step(today, svc)
    reminders.reminder_step(today, svc)
    collections.record_action(loan_id, "call", "promised to pay on Friday", "user:olivia", svc)
    collections.record_promise(loan_id, 12_345, today + timedelta(days=3), "user:olivia", svc)
    collateral_service.add_collateral(
        loan_id, "vehicle", 300_000, svc, description="a used car", actor="user:olivia"
    )
    guarantor_id = resident_id("11010519800101123")
    who = GuarantorIdentity(GuarantorKind.INDIVIDUAL, "钱七", guarantor_id, "13900001111")
    g = guarantee.register_guarantor(who, svc, actor="user:olivia")
    guarantee.add_guarantee(loan_id, g.guarantor_id, Decimal("0.5"), svc, actor="user:olivia")

    for lang, words in (
        ("en", ("Phone call", "Vehicle", "Awaiting payment")),
        ("zh-CN", ("电话催收", "车辆", "待履约")),
    ):
        console.cookies.set(COOKIE, lang)
        page = as_staff(console, "fks_officer").get(f"/console/loans/{loan_id}")
        assert page.status_code == 200, page.text
        html = page.text
        assert "promised to pay on Friday" in html and "a used car" in html
        assert g.guarantor_id in html and "钱七" not in html and guarantor_id not in html
        assert all(w in html for w in words), lang
        assert 'class="empty">No collections case' not in html
        assert "No reminder sent." not in html and "暂无提醒" not in html
