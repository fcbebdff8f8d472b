"""The field view's moves on a phone (375 × 667, WeChat's browser), as the demo's field worker wangge1: only the
moves this user may make are offered (the fixer is never offered 核查结案), and a refusal by a rule of the
workflow is a plain message, not a conflict card with a retry that can never succeed. Screenshots go to
tests/artifacts/field-moves-*.png."""

from __future__ import annotations

import re
import time
from datetime import datetime

import pytest

from .browser_support import DEMO_ACCOUNTS, logged_in_state
from .conftest import PHONE
from .field_support import WORKER, FieldPage, Person, cases_for, jpeg

# Puts one transition into the outbox's IndexedDB as a page that queued it earlier would have left it (the
# open page is closed first, so the next load reads it and sends it).
QUEUE_TRANSITION = """async ([caseId, to, etag, user]) => {
    const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open('chuangwei-field', 1);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
    });
    await new Promise((resolve, reject) => {
        const tx = db.transaction('items', 'readwrite');
        tx.objectStore('items').add({ kind: 'transition', caseId, path: `/api/cases/${caseId}/transitions`,
            json: { to }, etag, baseEtag: etag, user, key: crypto.randomUUID(), state: 'queued', attempts: 0,
            createdAt: new Date().toISOString() });
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
    });
    db.close();
}"""


@pytest.fixture(scope="session")
def worker_state(browser, demo_server) -> dict:
    return logged_in_state(browser, demo_server.url, WORKER, DEMO_ACCOUNTS[WORKER][0])


@pytest.fixture
def field_phone(browser, demo_server, worker_state):
    contexts = []

    def make(lon: float, lat: float) -> FieldPage:
        context = browser.new_context(
            **PHONE,
            storage_state=worker_state,
            geolocation={"longitude": lon, "latitude": lat},
            permissions=["geolocation"],
        )
        contexts.append(context)
        return FieldPage(context, context.new_page(), demo_server.url)

    yield make
    for context in contexts:
        context.close()


def test_the_fixer_is_offered_no_verification_and_a_rule_refusal_is_a_plain_message(
    demo_server, field_phone, artifacts
):
    worker = Person(demo_server.url, WORKER)
    [case] = cases_for(worker, "in_progress", 1, skip=2)
    worker.photo(case["id"], "after", jpeg((60, 140, 80), seed=717))
    status, fixed = worker.post(f"/cases/{case['id']}/transitions", {"to": "fixed", "note": "已清理"})
    assert status == 200 and fixed["fixed_by"] == WORKER, fixed
    try:
        field = field_phone(case["lon"], case["lat"])
        page = field.page
        field.open()
        field.open_case(case["id"])
        page.wait_for_selector('#view-detail[data-status="fixed"]', state="attached")
        offered = page.eval_on_selector_all("#view-detail [data-to]", "bs => bs.map(b => b.dataset.to)")
        assert "closed" not in offered
        assert offered == [t["to"] for t in worker.case(case["id"])["allowed_transitions"]]
        assert "核查结案" not in page.locator("#view-detail .fv-transitions").inner_text()
        page.locator("#view-detail .fv-transitions").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "field-moves-fixer.png"))

        # A 核查结案 the phone queued before it knew better (an older page, an offline list): the server's
        # same-person rule refuses it; the phone says so in plain words, drops the write and keeps no
        # conflict card, no unsent badge.
        page.evaluate(QUEUE_TRANSITION, [case["id"], "closed", fixed["etag"], WORKER])
        field.reload()
        notice = page.locator("#field-refused")
        notice.wait_for(state="visible", timeout=30_000)
        text = notice.inner_text()
        assert f"问题 #{case['id']}：未能提交“核查结案”" in text and "处理人不能核查结案本人处理的问题" in text
        field.wait_badge(0)
        assert page.locator(".fv-conflict").count() == 0
        assert worker.case(case["id"])["status"] == "fixed"
        page.screenshot(path=str(artifacts / "field-moves-refused.png"))
        field.assert_only_refusals(409)
    finally:
        # Back to work in progress (as a failed check would leave it), so the demo's counts stay as they were.
        admin = Person(demo_server.url, "admin")
        assert admin.post(f"/cases/{case['id']}/transitions", {"to": "reopened"})[0] == 200
        assert worker.post(f"/cases/{case['id']}/transitions", {"to": "in_progress"})[0] == 200


def test_deadlines_are_countdowns_and_the_demo_is_not_a_wall_of_overdue(demo_server, field_phone, artifacts):
    worker = Person(demo_server.url, WORKER)
    on_clock = [
        c
        for c in worker.worklist("mine=true&status=open&limit=500")
        if c["status"] in ("dispatched", "in_progress", "reopened")
    ]
    first = on_clock[0]
    field = field_phone(first["lon"], first["lat"])
    page = field.page
    field.open()
    badges = page.eval_on_selector_all(
        "#case-list .fv-case[data-case-id]",
        """rows => rows.map(r => [
        Number(r.dataset.caseId), r.querySelector('[data-part=countdown]')?.textContent ?? null,
        r.querySelector('[data-part=countdown]')?.className ?? ''])""",
    )
    shown = {cid: (text, cls) for cid, text, cls in badges}
    overdue = [c for c in on_clock if c["overdue"]]
    assert on_clock and len(overdue) < len(on_clock) / 3  # the demo's deadlines lie around today
    for case in on_clock:
        text, cls = shown[case["id"]]
        if case["overdue"]:
            assert re.fullmatch(r"超期 \d+ (天|小时|分钟)", text) and "fv-badge-overdue" in cls, text
        else:
            assert re.fullmatch(r"剩余 \d+ (天|小时|分钟)", text) and "fv-badge-overdue" not in cls, text
    # A countdown in days counts whole days, rounded down, from the server's deadline.
    sample = next(c for c in on_clock if shown[c["id"]][0].endswith("天"))
    due = datetime.fromisoformat(sample["deadline"]).timestamp()
    days = int(abs(due - time.time()) // 86_400)
    word = "超期" if sample["overdue"] else "剩余"
    assert shown[sample["id"]][0] in [f"{word} {d} 天" for d in (days - 1, days, days + 1)]
    page.locator("#map-toggle").tap()
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "field-moves-countdowns.png"))
    # The detail shows the deadline's date with the same countdown.
    field.open_case(sample["id"])
    assert shown[sample["id"]][0] in page.locator("#view-detail .fv-facts").inner_text()
    field.assert_no_errors()


def test_names_not_codes_one_date_format_and_the_place_as_an_address(demo_server, field_phone, artifacts):
    worker = Person(demo_server.url, WORKER)
    [case] = cases_for(worker, "in_progress", 1, skip=3)
    grid = {
        f["properties"]["code"]: f["properties"]["name"]
        for f in worker.get("/layers/grid/features?limit=1000")["features"]
    }
    field = field_phone(case["lon"], case["lat"])
    page = field.page
    field.open()
    field.open_case(case["id"])
    facts = page.locator("#view-detail .fv-facts").inner_text()
    assert grid[case["grid_code"]] in facts and case["grid_code"] not in facts
    # The timeline: display names and the detail's one date format (年月日 时:分).
    detail = worker.case(case["id"])
    meta = page.eval_on_selector_all(
        "#view-detail .fv-event:not(.is-pending) .fv-event-meta", "m => m.map(x => x.innerText)"
    )
    assert len(meta) == len(detail["transitions"]) + len(detail["notes"])
    names = {t["by_name"] for t in detail["transitions"] + detail["notes"]}
    assert all(any(text.endswith(f" · {name}") for name in names) for text in meta)
    date = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}")
    assert all(date.match(text) for text in meta), meta
    assert date.search(facts.split("处理时限")[1].strip())
    page.locator("#view-detail .fv-timeline").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "field-moves-names.png"))
    # The round planner offers the worker's cells by name.
    field.go("#round")
    page.wait_for_selector("#view-round:not([hidden])")
    options = page.eval_on_selector_all("#view-round [data-part=grid] option", "os => os.map(o => [o.value, o.text])")
    assert options and all(text == grid[code] for code, text in options)
    # The report form tells the chosen place by its address.
    field.go("#report")
    page.wait_for_selector("#view-report:not([hidden])")
    page.locator('#view-report [data-part="use-gps"]').tap()
    place = worker.get(f"/places?lon={case['lon']:.7f}&lat={case['lat']:.7f}")
    text = page.locator("#view-report [data-part=place]")
    page.wait_for_function(
        "t => document.querySelector('#view-report [data-part=place]').innerText.startsWith(t)", arg=place["address"]
    )
    assert text.inner_text() == f"{place['address']}（手机定位）"
    page.screenshot(path=str(artifacts / "field-moves-place.png"))
    field.assert_no_errors()


@pytest.mark.parametrize("wechat", [True, False])
def test_wechat_is_told_how_to_open_the_map_apps(demo_server, browser, worker_state, artifacts, wechat):
    worker = Person(demo_server.url, WORKER)
    [case] = cases_for(worker, "in_progress", 1, skip=3)
    agent = PHONE["user_agent"] if wechat else PHONE["user_agent"].replace(" MicroMessenger/8.0.47", "")
    context = browser.new_context(**{**PHONE, "user_agent": agent}, storage_state=worker_state)
    try:
        field = FieldPage(context, context.new_page(), demo_server.url)
        page = field.page
        field.open()
        field.open_case(case["id"])
        page.locator("#view-detail .fv-nav-summary").tap()
        hint = page.locator("#view-detail [data-part=wechat-hint]")
        assert hint.count() == (1 if wechat else 0)
        if wechat:
            assert "在浏览器中打开" in hint.inner_text() and hint.is_visible()
            hint.scroll_into_view_if_needed()
            page.screenshot(path=str(artifacts / "field-moves-wechat.png"))
        assert page.locator("#view-detail .fv-nav-link").count() == 5
    finally:
        context.close()
