"""The officer console in a real browser (Debian's Chromium, driven by Playwright) on a served
simulated book: logging in with a TOTP code, the dashboard's charts drawn from real data, an
alert acknowledged in place by htmx (and an empty note refused beside the field), the language
switched in the header. Every page visited raises no console error and no CSP violation, passes
axe's checks of labels, forms and contrast, and leaves a screenshot (`served.visit`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from web.browser.served import Console

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

# Every chart the dashboard draws, and the first series' points of each (ECharts' own view).
CHART_DATA = """() => Array.from(document.querySelectorAll('[data-chart]')).map(el => {
  const chart = window.echarts && window.echarts.getInstanceByDom(el);
  const series = chart ? chart.getOption().series : [];
  return {id: el.id, points: series.length ? series[0].data.length : 0};
})"""


def test_an_approver_logs_in_with_a_totp_code_and_sees_the_book_drawn(served: Console) -> None:
    page = served.new_page()
    page.goto(f"{served.url}/console/")
    assert "/console/login" in page.url  # no session: the login page
    served.visit(page, "login")

    served.watch(page).allowed.add(401)
    served.log_in(page, "alan", at=served.book.now - timedelta(hours=1))  # a stale code
    assert page.get_by_role("alert").inner_text().startswith("登录名不存在、密码错误或验证码错误")
    assert page.locator("#f-username").input_value() == "alan"  # kept, the password not
    assert page.locator("#f-password").input_value() == ""
    served.visit(page, "login-refused")
    served.watch(page).allowed.discard(401)

    served.log_in(page, "alan")
    assert page.url.endswith("/console/dashboard")
    assert page.get_by_test_id("user").inner_text() == "alan"
    served.visit(page, "dashboard")

    charts = page.evaluate(CHART_DATA)
    assert {c["id"] for c in charts} >= {
        "chart-trend",
        "chart-segments",
        "chart-classes",
        "chart-vintage",
    }
    assert all(c["points"] > 0 for c in charts), charts
    for figure in ("active_loans", "outstanding", "m1_plus_rate"):
        shown = page.locator(f"[data-figure={figure}]").inner_text()
        assert any(d in "123456789" for d in shown), f"{figure} shows {shown!r}"
    assert page.locator("table.alerts tr[data-status=open]").count() > 0

    served.watch(page).allowed.add(404)
    page.goto(f"{served.url}/console/no-such-page")
    assert page.locator("h1").count() == 1
    served.visit(page, "not-found")


def test_a_risk_manager_acknowledges_an_alert_with_a_note(served: Console) -> None:
    page = served.logged_in("rita")
    page.goto(f"{served.url}/console/dashboard")
    row = page.locator("table.alerts tr[data-status=open]").first
    alert_id = row.get_attribute("data-alert")
    swapped = page.locator(f"#alert-{alert_id}")
    served.watch(page).allowed.add(422)  # the empty note's answer

    with page.expect_response(lambda r: r.url.endswith(f"/{alert_id}/acknowledge")) as empty:
        swapped.locator("button[type=submit]").click()
    assert empty.value.status == 422
    error = swapped.locator(".field-error")
    expect(error).to_have_text("请填写处理情况或决定的说明。")  # beside the field, in Chinese
    note = swapped.locator("input[name=note]")
    assert note.get_attribute("aria-invalid") == "true"
    assert note.get_attribute("aria-describedby") == error.get_attribute("id")
    served.visit(page, "alert-note-missing")

    note.fill("已电话联系渠道方，下调该产品授信额度")
    with page.expect_response(lambda r: r.url.endswith(f"/{alert_id}/acknowledge")) as done:
        swapped.locator("button[type=submit]").click()
    assert done.value.status == 200
    expect(swapped).to_have_attribute("data-status", "acknowledged")  # once htmx swapped it
    expect(swapped.locator(".done")).to_have_text("已由 rita 确认")
    assert page.url.endswith("/console/dashboard")  # swapped in place, no page load
    served.visit(page, "alert-acknowledged")

    page.goto(f"{served.url}/console/alerts?status=acknowledged")
    assert page.locator(f"#alert-{alert_id} .done").count() == 1
    served.visit(page, "alerts-acknowledged")


def _language_to(page: Any, tag: str) -> None:
    with page.expect_navigation():
        page.select_option("#lang-choice", tag)


def test_the_header_switches_the_language(served: Console) -> None:
    page = served.logged_in("rita")
    page.goto(f"{served.url}/console/alerts")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("#lang-choice").input_value() == "zh-CN"

    _language_to(page, "en")
    assert page.url.endswith("/console/alerts")  # back where the person was
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("nav").get_by_role("link", name="Dashboard").count() == 1
    served.visit(page, "alerts-en")
    page.goto(f"{served.url}/console/dashboard")
    assert page.locator("h1").inner_text() == "Portfolio dashboard"
    served.visit(page, "dashboard-en")

    _language_to(page, "zh-CN")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "资产组合仪表盘"


def test_without_javascript_the_plain_forms_do_the_same(served: Console) -> None:
    """The fallback of the htmx form and of the language choice: plain posts and redirects."""
    page = served.logged_in("rita", javascript=False)
    served.watch(page).allowed.add(422)  # the empty note's page
    page.goto(f"{served.url}/console/alerts")
    alert_id = page.locator("table.alerts tr[data-status=open]").first.get_attribute("data-alert")
    row = page.locator(f"#alert-{alert_id}")

    with page.expect_navigation() as empty:
        row.locator("button[type=submit]").click()
    assert empty.value.status == 422
    assert row.locator(".field-error").inner_text() == "请填写处理情况或决定的说明。"
    assert row.locator("input[name=note]").get_attribute("aria-invalid") == "true"
    served.visit(page, "alerts-note-missing-plain")

    row.locator("input[name=note]").fill("逾期率回落，继续观察")
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert page.url.endswith("/console/alerts?status=open")
    assert row.count() == 0  # no longer open
    page.goto(f"{served.url}/console/alerts?status=acknowledged")
    assert row.locator(".done").inner_text() == "已由 rita 确认"

    page.select_option("#lang-choice", "en")
    with page.expect_navigation():
        page.locator("form.language button[type=submit]").click()
    assert page.locator("h1").inner_text() == "Early-warning alerts"
    served.visit(page, "alerts-acknowledged-plain-en")


def test_the_watch_sees_a_csp_violation_and_a_failed_answer(served: Console) -> None:
    """The checks of every page are not blind: content from another origin is refused by the
    CSP and reported, and so is an answer of 404."""
    page = served.new_page()
    page.goto(f"{served.url}/console/login")
    # The violation event fires after the image is added, and its report reaches Python later
    # still: wait for both before leaving the page, or the report is lost with it.
    page.evaluate(
        "() => new Promise(done => {"
        " document.addEventListener('securitypolicyviolation', () => done(), {once: true});"
        " const i = document.createElement('img');"
        " i.src = 'https://example.com/x.png'; document.body.append(i); })"
    )
    watch = served.watch(page)
    for _ in range(50):
        if watch.violations:
            break
        page.wait_for_timeout(100)
    page.goto(f"{served.url}/console/no-such-page")
    assert any(v.startswith("img-src https://example.com") for v in watch.violations), watch
    assert any(e.startswith("404 ") for e in watch.errors), watch


def test_an_officer_works_a_referral_through_to_an_offer(served: Console) -> None:
    page = served.logged_in("olivia")
    assert page.url.endswith("/console/review")  # an officer's console opens on the queue
    served.visit(page, "review-queue")
    page.locator("a[href^='/console/review/rev_']").first.click()
    item = page.locator("section#review-item")
    expect(item).to_have_attribute("data-status", "open")
    masked = page.get_by_test_id("masked-id").inner_text()
    assert "*" in masked  # the ID number is shown masked
    served.visit(page, "review-item")

    item.locator("form[action$='/claim'] button[type=submit]").click()
    expect(item).to_have_attribute("data-status", "claimed")
    served.watch(page).allowed.add(422)  # the limit out of bounds, refused beside the field
    page.fill("#f-limit", "5000")
    page.fill("#f-comment", "income checked against the bank statement")
    item.locator("form.approve button[type=submit]").click()
    expect(page.locator("#e-limit")).to_be_visible()
    assert page.locator("#f-limit").input_value() == "5000"  # what was typed is kept
    served.visit(page, "review-refused")

    page.fill("#f-limit", "2500")
    page.locator("form.approve button[type=submit]").click()
    expect(item).to_have_attribute("data-status", "approved")
    expect(page.get_by_test_id("approved-limit")).to_contain_text("2,500.00")
    expect(page.get_by_test_id("offer")).to_be_visible()
    served.visit(page, "review-approved")


def test_an_officer_freezes_a_line_with_a_reason(served: Console) -> None:
    page = served.logged_in("olivia")
    page.goto(f"{served.url}/console/search?kind=lines&status=active")
    served.visit(page, "search-lines")
    page.locator("a[href^='/console/lines/line_']").first.click()
    line = page.locator("#line-file")
    expect(line).to_have_attribute("data-status", "active")
    served.visit(page, "line")

    freeze = page.locator("form[data-action='freeze']")
    served.watch(page).allowed.add(422)  # no reason, refused beside the field
    freeze.locator("button[type=submit]").click()
    expect(page.locator("#freeze-reason-error")).to_be_visible()
    assert page.locator("#freeze-reason").get_attribute("aria-invalid") == "true"
    page.fill("#freeze-reason", "the borrower reported the phone stolen")
    page.locator("form[data-action='freeze'] button[type=submit]").click()
    expect(line).to_have_attribute("data-status", "frozen")
    expect(page.locator("#line-file")).to_contain_text("the borrower reported the phone stolen")
    served.visit(page, "line-frozen")


TABLET = {"width": 820, "height": 1180}  # a tablet held upright
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("path", ["/console/dashboard", "/console/review", "/console/search"])
def test_pages_fit_a_tablet(served: Console, path: str) -> None:
    page = served.logged_in("rita" if path == "/console/dashboard" else "olivia")
    page.set_viewport_size(TABLET)
    page.goto(f"{served.url}{path}")
    page.wait_for_load_state("load")
    assert page.evaluate(OVERFLOW) <= 0, f"{path} is wider than a tablet"
    served.visit(page, "tablet" + path.replace("/", "-"))
