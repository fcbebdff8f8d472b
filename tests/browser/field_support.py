"""Helpers for the field view's browser tests: a page wrapper for /field, JPEG photos made with Pillow
(optionally with an EXIF GPS position), multipart uploads and API calls as the demo's field worker, the
demo cases each test may change, and the snippets that copy the outbox (IndexedDB) aside and back."""

from __future__ import annotations

import io
import json
import math
import re
import urllib.error
import urllib.request
import uuid

from PIL import Image

from .browser_support import DEMO_ACCOUNTS, READY_TIMEOUT_MS, MapPage, http, http_session, wait_until

WORKER = "wangge1"
# An outbox write (a report, a loose photo, a case's transition, note or photo) that found no connection.
OFFLINE_WRITE = re.compile(r"ERR_INTERNET_DISCONNECTED \(http://[^/]+/api/(cases|photos|cases/\d+/(transitions|notes|photos))\)$"
                           r"|^request failed: http://[^/]+/api/(cases|photos|cases/\d+/(transitions|notes|photos)) "
                           r"\(net::ERR_INTERNET_DISCONNECTED\)$")
WORKER_CELLS = {f"440106003012{n:03d}" for n in range(1, 5)}
M_PER_DEG = 111_320.0


def distance_m(a, b) -> float:
    """Metres between two (lon, lat) points (equirectangular: exact enough at a few hundred metres)."""
    dx = (a[0] - b[0]) * M_PER_DEG * math.cos(math.radians((a[1] + b[1]) / 2))
    dy = (a[1] - b[1]) * M_PER_DEG
    return math.hypot(dx, dy)


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return float(degrees), float(minutes), round(((value - degrees) * 60 - minutes) * 60, 4)


def jpeg(rgb=(120, 150, 90), size=(800, 600), lonlat: tuple[float, float] | None = None, seed: int = 0) -> bytes:
    """A small JPEG (distinct per ``seed``, so the server's reuse check stays quiet), with GPS when given."""
    image = Image.new("RGB", size, rgb)
    for i in range(40):  # a pattern that differs by seed: a different perceptual hash per photo
        x = (seed * 97 + i * 53) % size[0]
        y = (seed * 61 + i * 29) % size[1]
        image.paste((255 - rgb[0], (i * 7 + seed * 31) % 255, 40), (x, y, min(size[0], x + 60), min(size[1], y + 45)))
    buffer = io.BytesIO()
    if lonlat is None:
        image.save(buffer, "JPEG", quality=85)
    else:
        lon, lat = lonlat
        exif = Image.Exif()
        exif[0x8825] = {0: b"\x02\x02\x00\x00", 1: "N" if lat >= 0 else "S", 2: _dms(abs(lat)),
                        3: "E" if lon >= 0 else "W", 4: _dms(abs(lon))}
        image.save(buffer, "JPEG", quality=85, exif=exif.tobytes())
    return buffer.getvalue()


def upload(url: str, data: bytes, fields: dict, headers: dict) -> tuple[int, dict | None]:
    """POST a multipart form with ``fields`` and ``data`` as its 'file' part; (status, parsed body)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
                 f"Content-Type: image/jpeg\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(url, data=b"".join(parts), method="POST", headers={
        **headers, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else None


class Person:
    """API calls as one demo user over a real session (cookie + CSRF token), like the browser does."""

    def __init__(self, base_url: str, name: str) -> None:
        self.base_url = base_url
        self.name = name
        self.headers, _ = http_session(base_url, name, DEMO_ACCOUNTS[name][0])

    def get(self, path: str):
        status, body, headers = http(f"{self.base_url}/api{path}", headers=self.headers)
        assert status == 200, (path, status, body)
        return body

    def post(self, path: str, body: dict, headers: dict | None = None) -> tuple[int, dict | None]:
        status, answer, _ = http(f"{self.base_url}/api{path}", "POST", body, {**self.headers, **(headers or {})})
        return status, answer

    def photo(self, case_id: int, kind: str, data: bytes) -> dict:
        status, body = upload(f"{self.base_url}/api/cases/{case_id}/photos", data, {"kind": kind}, self.headers)
        assert status == 201, (status, body)
        return body

    def case(self, case_id: int) -> dict:
        return self.get(f"/cases/{case_id}")

    def worklist(self, query: str = "mine=true&status=open,fixed&limit=500") -> list[dict]:
        return [f["properties"] for f in self.get(f"/cases?{query}")["features"]]


def admin_delete_case(server, case_id: int) -> None:
    """Remove a case a test created (the demo's case counts stay as they were for other tests)."""
    status, body, headers = http(f"{server.url}/api/layers/blackspots/features/{case_id}",
                                 headers={"Authorization": f"Bearer {server.token}"})
    assert status == 200, (status, body)
    status, body, _ = http(f"{server.url}/api/layers/blackspots/features/{case_id}", "DELETE", headers={
        "Authorization": f"Bearer {server.token}", "If-Match": headers.get("ETag") or headers.get("Etag")})
    assert status == 204, (status, body)


def cases_for(worker: Person, status: str, count: int, *, skip: int = 0, category_radius_min: float = 0) -> list[dict]:
    """``count`` of the worker's cases in ``status``, highest ids first (the newest, which the map's tests
    do not pick), leaving out the first ``skip`` of them so that tests never share a case."""
    radii = {c["code"]: c["duplicate_radius_m"] for c in worker.get("/categories")["categories"]}
    found = [c for c in worker.worklist(f"mine=true&status={status}&limit=500")
             if radii.get(c["category"], 0) >= category_radius_min]
    found.sort(key=lambda c: -c["id"])
    assert len(found) >= skip + count, f"the demo has too few {status} cases for {worker.name}"
    return found[skip:skip + count]


class FieldPage(MapPage):
    """/field in a phone context: waits for body[data-ready], reads the badge, the list and the map."""

    def __init__(self, context, page, base_url: str) -> None:
        super().__init__(page)
        self.context = context
        self.base_url = base_url

    def open(self, hash_: str = "", timeout: float = READY_TIMEOUT_MS) -> None:
        self.page.goto(f"{self.base_url}/field{hash_}")
        self.wait_ready(timeout)

    def reload(self, timeout: float = READY_TIMEOUT_MS) -> None:
        self.page.reload()
        self.wait_ready(timeout)

    def wait_offline_ready(self, timeout: float = 60_000) -> None:
        """The service worker controls the page and has stored what the page read."""
        self.page.wait_for_selector("body[data-offline=ready]", state="attached", timeout=timeout)
        assert self.page.evaluate("Boolean(navigator.serviceWorker.controller)")

    def settle_worker(self) -> None:
        """Wait until the service worker has stored every answer the page has read so far."""
        self.page.evaluate("""() => new Promise((resolve) => {
            const channel = new MessageChannel();
            channel.port1.onmessage = () => resolve(true);
            navigator.serviceWorker.controller.postMessage({ type: 'field-store', urls: [] }, [channel.port2]);
        })""")

    def go(self, hash_: str) -> None:
        self.page.evaluate("hash => { location.hash = hash; }", hash_)

    def open_case(self, case_id: int, loaded: str = "1") -> None:
        self.go(f"#case/{case_id}")
        self.page.wait_for_selector(f'#view-detail[data-case-id="{case_id}"][data-loaded="{loaded}"]',
                                    state="attached", timeout=30_000)

    def badge_count(self) -> int:
        return int(self.page.get_attribute("#sync-badge", "data-count"))

    def wait_badge(self, count: int, timeout: float = 30_000) -> None:
        wait_until(self.page, f"document.getElementById('sync-badge').dataset.count === '{count}'", timeout)

    def rows(self) -> list[dict]:
        # Icons load after the rows are drawn; on a busy machine they may still be on their way. Wait for each
        # to load or fail (decode() settles either way) so iconLoaded tells a broken icon from a slow one.
        self.page.eval_on_selector_all("#case-list .fv-case[data-case-id] img",
                                       "imgs => Promise.all(imgs.map(img => img.decode().catch(() => null)))")
        return self.page.eval_on_selector_all("#case-list .fv-case[data-case-id]", """rows => rows.map(r => ({
            id: Number(r.dataset.caseId), status: r.dataset.status, category: r.dataset.category,
            distance: r.dataset.distance === '' ? null : Number(r.dataset.distance), text: r.innerText,
            icon: r.querySelector('img').getAttribute('src'),
            iconLoaded: r.querySelector('img').complete && r.querySelector('img').naturalWidth > 0}))""")

    def map_data(self) -> dict:
        return self.page.evaluate("({...document.getElementById('field-map').dataset})")

    def assert_only_refusals(self, *statuses: int, offline_writes: bool = False) -> None:
        """No errors but Chromium's console line for an expected refusal (it logs every 4xx answer) and,
        with ``offline_writes``, the outbox's writes that found no connection while the context was offline
        (it tries whatever navigator.onLine says, so those failures are how it learns it is offline)."""
        expected = [f"status of {status} " for status in statuses]
        others = [error for error in self.errors if not (error.startswith("console.error: Failed to load resource")
                                                          and any(text in error for text in expected))]
        if offline_writes:
            others = [error for error in others if not OFFLINE_WRITE.search(error)]
        assert others == [], "\n".join(others)


# IndexedDB snippets run in the page (page.evaluate goes through DevTools, so the page's CSP does not apply).
STASH_OUTBOX = """async () => {
    const open = (name, upgrade) => new Promise((resolve, reject) => {
        const request = indexedDB.open(name, 1);
        if (upgrade) { request.onupgradeneeded = () => upgrade(request.result); }
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
    });
    const all = (db, store) => new Promise((resolve, reject) => {
        const request = db.transaction(store).objectStore(store).getAll();
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
    });
    const outbox = await open('chuangwei-field');
    const items = await all(outbox, 'items');
    outbox.close();
    const stash = await open('field-test-stash', (db) => db.createObjectStore('items', { keyPath: 'id' }));
    await new Promise((resolve, reject) => {
        const tx = stash.transaction('items', 'readwrite');
        for (const item of items) { tx.objectStore('items').put(item); }
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
    });
    stash.close();
    return items.map((item) => ({ id: item.id, kind: item.kind, key: item.key, caseId: item.caseId ?? null }));
}"""

RESTORE_OUTBOX = """async () => {
    const open = (name) => new Promise((resolve, reject) => {
        const request = indexedDB.open(name, 1);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
    });
    const stash = await open('field-test-stash');
    const items = await new Promise((resolve, reject) => {
        const request = stash.transaction('items').objectStore('items').getAll();
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
    });
    stash.close();
    const outbox = await open('chuangwei-field');
    await new Promise((resolve, reject) => {
        const tx = outbox.transaction('items', 'readwrite');
        for (const item of items) { tx.objectStore('items').put(item); }
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
    });
    outbox.close();
    return items.length;
}"""
