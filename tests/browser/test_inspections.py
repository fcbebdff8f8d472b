"""Inspections in the browser: on a phone (WeChat's browser, 375 × 667) an inspector answers drawn places
with no connection, the answers wait in the field view's outbox and go out exactly once when the server
answers again (sent twice, the server replays its first answers and keeps one each); and a leader's score
page shows the round's map, the table with intervals and counts, and the too-few-samples rule."""

from __future__ import annotations

import time

import pytest

from .browser_support import DEMO_ACCOUNTS, READY_TIMEOUT_MS, logged_in_state, wait_until
from .conftest import DESKTOP, PHONE
from .field_support import RESTORE_OUTBOX, STASH_OUTBOX

INSPECTOR = "wangge1"
CELL = "440106003012001"


@pytest.fixture(scope="module")
def inspector_state(browser, demo_server) -> dict:
    return logged_in_state(browser, demo_server.url, INSPECTOR, DEMO_ACCOUNTS[INSPECTOR][0])


def _round(demo_server, **extra) -> dict:
    body = {"area": CELL, "checklist": "street_cleaning", "sample": {"count": 4}, "seed": 11,
            "inspectors": [INSPECTOR]} | extra  # fmt: skip
    return demo_server.send("/inspections", body)


def _answers(demo_server, round_id: int) -> list[dict]:
    return demo_server.api(f"/inspections/{round_id}/answers")["answers"]


def _midpoint(item: dict) -> tuple[float, float]:
    coords = item["geometry"]["coordinates"]
    return (coords[0][0] + coords[-1][0]) / 2, (coords[0][1] + coords[-1][1]) / 2


def _answer_place(page, item_id: int, litter: str) -> None:
    page.locator(f'#place-list [data-item="{item_id}"]').tap()
    form = page.locator("#place-form")
    form.wait_for(state="visible")
    form.locator(f'[data-code="litter"] input[value="{litter}"]').check()
    for code in ("stains", "occupation", "bins_full"):
        form.locator(f'[data-code="{code}"] input[value="false"]').check()
    form.locator('[data-code="posters"] input').fill("1")
    page.locator("#answer-send").tap()
    form.wait_for(state="hidden")


def test_answers_made_offline_are_sent_exactly_once(browser, demo_server, inspector_state, artifacts):
    round_ = _round(demo_server)
    first, second = sorted(round_["items"], key=lambda i: i["seq"])[:2]
    lon, lat = _midpoint(first)
    context = browser.new_context(**PHONE, storage_state=inspector_state,
                                  geolocation={"longitude": lon, "latitude": lat}, permissions=["geolocation"])
    try:
        page = context.new_page()
        page.goto(f"{demo_server.url}/field/inspect?round={round_['id']}")
        page.wait_for_selector("body[data-ready=true]", state="attached", timeout=READY_TIMEOUT_MS)
        assert int(page.get_attribute("#place-list", "data-count")) == len(round_["items"])
        page.wait_for_selector("body[data-offline=ready]", state="attached", timeout=READY_TIMEOUT_MS)
        context.set_offline(True)
        page.reload()  # with no connection, the page, its round and its checklist come from the phone
        page.wait_for_selector("body[data-ready=true]", state="attached", timeout=READY_TIMEOUT_MS)
        assert int(page.get_attribute("#place-list", "data-count")) == len(round_["items"])
        _answer_place(page, first["id"], "D")
        _answer_place(page, second["id"], "B")
        wait_until(page, "document.querySelector('#sync-badge').dataset.count === '2'")
        assert page.locator(f'#place-list [data-item="{first["id"]}"]').get_attribute("data-state") == "queued"
        assert _answers(demo_server, round_["id"]) == []  # nothing has left the phone
        page.screenshot(path=str(artifacts / "inspect-offline.png"))
        queued = page.evaluate(STASH_OUTBOX)
        assert [item["kind"] for item in queued] == ["inspection_answer", "inspection_answer"]

        replayed = []
        page.on("response", lambda r: "/answers" in r.url and replayed.append(r.headers.get("idempotent-replayed")))
        context.set_offline(False)
        wait_until(page, "document.querySelector('#sync-badge').dataset.count === '0'")
        wait_until(page, f"document.querySelector('#place-list [data-item=\"{second['id']}\"]').dataset.state"
                         " === 'answered'")  # fmt: skip
        stored = _answers(demo_server, round_["id"])
        assert [(a["item"], a["values"]["litter"]) for a in stored] == sorted(
            [(first["id"], "D"), (second["id"], "B")])
        assert stored[0]["distance_m"] is not None and replayed == [None, None]
        assert page.locator("#failed-items .ins-case").count() >= 1  # the posters: a case in one tap
        page.screenshot(path=str(artifacts / "inspect-synced.png"))

        # The same two requests again, as if their answers had been lost: replayed, nothing added.
        assert page.evaluate(RESTORE_OUTBOX) == 2
        replayed.clear()
        page.reload()
        page.wait_for_selector("body[data-ready=true]", state="attached", timeout=READY_TIMEOUT_MS)
        deadline = time.monotonic() + 30
        while len(replayed) < 2 and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        wait_until(page, "document.querySelector('#sync-badge').dataset.count === '0'")
        assert replayed == ["true", "true"]
        assert len(_answers(demo_server, round_["id"])) == 2
    finally:
        context.close()


def test_the_leaders_score_page_shows_intervals_counts_and_too_few(browser, demo_server, leader_state, artifacts):
    round_ = _round(demo_server, area=CELL[:12], sample={"count": 40}, seed=5, inspectors=[])
    token_headers = round_["id"]
    grades = "ABACBBADCABBCABAAB"
    for k, item in enumerate(round_["items"]):
        lon, lat = _midpoint(item)
        values = {"litter": grades[k % len(grades)], "stains": k % 5 == 0, "posters": k % 7 == 0,
                  "occupation": False, "bins_full": k % 3 == 0}  # fmt: skip
        values["posters"] = int(values["posters"])
        demo_server.send(f"/inspections/{token_headers}/answers", {"item": item["id"], "answers": values,
                                                                   "lon": lon, "lat": lat})  # fmt: skip
    context = browser.new_context(**DESKTOP, storage_state=leader_state)
    try:
        page = context.new_page()
        page.goto(f"{demo_server.url}/scores?round={round_['id']}")
        page.wait_for_selector("body[data-ready=true]", state="attached", timeout=READY_TIMEOUT_MS)
        rows = page.locator("#score-rows tr")
        assert rows.count() == 9  # the community and its eight cells
        community = page.locator(f'#score-rows tr[data-code="{CELL[:12]}"]')
        assert "–" in community.locator("td").nth(3).inner_text()
        assert int(page.get_attribute("#score-map", "data-cells")) == 8
        unranked = page.locator('#score-rows tr[data-ranked="false"]')
        for i in range(unranked.count()):
            assert "样本不足" in unranked.nth(i).inner_text()
        page.wait_for_timeout(300)
        page.screenshot(path=str(artifacts / "inspection-scores.png"), full_page=True)
    finally:
        context.close()


def test_a_planner_draws_a_round_from_the_page_and_closes_it(browser, demo_server):
    state = logged_in_state(browser, demo_server.url, "planner", DEMO_ACCOUNTS["planner"][0])
    context = browser.new_context(**DESKTOP, storage_state=state)
    try:
        page = context.new_page()
        page.goto(f"{demo_server.url}/scores")
        page.wait_for_selector("body[data-ready=true]", state="attached", timeout=READY_TIMEOUT_MS)
        form = page.locator("#round-form")
        form.locator("summary").click()
        form.locator("[name=area]").select_option(CELL)
        form.locator("[name=checklist]").select_option("building_public_areas")
        form.locator("[name=size]").fill("6")
        form.locator("[name=seed]").fill("3")
        form.locator("[data-part=send]").click()
        wait_until(page, "document.body.dataset.ready === 'true' && document.querySelector('#round-form "
                         "[data-part=message]').textContent.length > 0")  # fmt: skip
        round_id = int(page.locator("#round-select").input_value())
        stored = demo_server.api(f"/inspections/{round_id}")
        assert stored["seed"] == 3 and stored["area"] == CELL and stored["checklist"] == "building_public_areas"
        assert str(round_id) in form.locator("[data-part=message]").inner_text()
        page.locator("#close-round").click()
        wait_until(page, "document.querySelector('#close-round').hidden === true")
        assert demo_server.api(f"/inspections/{round_id}")["status"] == "closed"
    finally:
        context.close()
