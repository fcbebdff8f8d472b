"""Open311 GeoReport v2 as data: discovery, the category table as services, cases as service requests
(open or closed) with their filters, refusals as GeoReport errors, and the XML of every answer. No Flask
here: ``web/open311.py`` parses the request and renders; reports are ``layers/interop/open311/reports.py``."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from layers import i18n
from layers.accounts import CASE_LAYER
from layers.cases import workflow
from layers.cases.categories import GROUPS, SCHEMES
from layers.cases.views import lonlat, props_of
from layers.errors import Detail, InvalidParameter, NotFound
from layers.store import FeatureVersion, Store, UnknownFeature, parse_instant

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ("text/xml", "application/json")
MAX_REQUESTS = 1000  # the spec's default volume: at most 1000 requests per answer
SPAN_US = 90 * 86_400 * 1_000_000  # and at most 90 days of requested_datetime
MAX_LIST = 1_000_000
MAX_IDS = 1000
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
ITEM = {"services": "service", "service_requests": "request", "errors": "error", "endpoints": "endpoint",
        "formats": "format", "attributes": "attribute", "values": "value"}  # fmt: skip
# Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
YEARS = (1900, 2200)  # nothing this tool stores is older or newer
COMMON_PARAMS = {"jurisdiction_id", "api_key", "locale"}  # one jurisdiction: its id is accepted and ignored
FILTER_PARAMS = {"service_request_id", "service_code", "start_date", "end_date", "status", "area"}
# Case fields as an Open311 client names them, so a refusal from the case workflow names the form's field.
OPEN311_FIELDS = {"lon": "long", "category": "service_code", "address": "address_string",
                  "duplicate_of": "attribute[duplicate_of]"}  # fmt: skip



def w3(us: int | None, tz: ZoneInfo) -> str | None:
    """A W3C date-time with the configured offset, to the second (``2026-03-01T09:00:00+08:00``)."""
    return None if us is None else datetime.fromtimestamp(us / 1e6, tz).isoformat(timespec="seconds")


def _w3_text(value: str | None, tz: ZoneInfo) -> str | None:
    try:
        return w3(parse_instant(value, tz), tz) if value else None
    except (TypeError, ValueError, OverflowError):
        return None


# -- discovery and services ------------------------------------------------------------------------------


def changeset(categories: list[dict], tz: ZoneInfo) -> str | None:
    """When the service list last changed: the newest version of the category table."""
    return w3(max((c["valid_from"] for c in categories), default=None), tz)


def discovery(endpoint_url: str, changed: str | None, test: bool, lang: str) -> dict:
    """The discovery document; ``test`` when the data is the fictional demo (nothing reported is acted on)."""
    return {
        "changeset": changed,
        "contact": i18n.text("open311.text.contact", lang),
        "key_service": i18n.text("open311.text.key_service", lang),
        "endpoints": [{"specification": SPEC_URL, "url": endpoint_url, "changeset": changed,
                       "type": "test" if test else "production", "formats": list(FORMATS)}],
    }  # fmt: skip


def deadline_text(category: dict, lang: str) -> str:
    """The category's deadline, counted from dispatch: "处理时限：派遣后 24 小时", "… 30 天"."""
    hours = float(category["deadline_hours"])
    days = hours / 24
    if hours >= 48 and days.is_integer():
        return i18n.text("open311.text.deadline", lang, time=i18n.text("open311.text.days", lang, n=int(days)))
    return i18n.text("open311.text.deadline", lang, time=i18n.text("open311.text.hours", lang, n=f"{hours:g}"))


def service(category: dict, lang: str) -> dict:
    """One category as an Open311 service; keywords are its name and group in the other language."""
    other = "en" if lang == "zh-CN" else "zh-CN"
    scheme = SCHEMES.get(category["scheme"], {}).get(lang, category["scheme"])
    group = GROUPS.get(category["group"], {})
    stop = i18n.text("open311.text.stop", lang)
    return {
        "service_code": category["code"],
        "service_name": category["name"][lang],
        "description": f"{scheme} {category['code']}{stop}{deadline_text(category, lang)}",
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(v for v in (category["name"][other], group.get(other)) if v),
        "group": group.get(lang, category["group"]),
    }


def services(categories: list[dict], lang: str) -> list[dict]:
    """The active categories (those that take new reports), in table order."""
    return [service(c, lang) for c in categories if c.get("active", True)]


def active_category(categories: dict[str, dict], code: str) -> dict:
    category = categories.get(code)
    if category is None or not category.get("active", True):
        raise NotFound(
            key="errors.open311.no_service",
            params={"code": code},
            details=[Detail("service_code", "not_found", f"{code!r} is not an active service code")],
        )
    return category


def service_definition(category: dict, lang: str) -> dict:
    """What a reporter may add besides the core fields: only the report's own optional ``duplicate_of`` (a
    case has no per-category fields, so none is invented here)."""
    return {"service_code": category["code"], "attributes": [{
        "variable": True, "code": "duplicate_of", "datatype": "number", "required": False,
        "datatype_description": i18n.text("open311.text.dup_datatype", lang), "order": 1,
        "description": i18n.text("open311.text.dup_description", lang)}]}  # fmt: skip


# -- service requests ------------------------------------------------------------------------------------


def open311_status(state: str) -> str:
    """``closed`` for the closed group (closed, rejected, duplicate); every other state is ``open``,
    ``fixed`` included: it awaits the on-site check by someone else and may still be reopened."""
    return "closed" if workflow.STATES.get(state, {}).get("group") == "closed" else "open"


def status_notes(props: dict, lang: str) -> str:
    """The state's label (a fixed case: "awaiting the check"), the original of a duplicate, the latest note."""
    state = workflow.STATES.get(props.get("status", "reported"), {})
    label = workflow.GROUPS["fixed"][lang] if state.get("group") == "fixed" else state.get("label", {}).get(lang, "")
    if props.get("duplicate_of"):
        label += i18n.text("open311.text.original", lang, id=props["duplicate_of"])
    return label + (i18n.text("open311.text.note_sep", lang) + props["note"] if props.get("note") else "")


def request_view(version: FeatureVersion, categories: dict[str, dict], tz: ZoneInfo, lang: str,
                 media_url: str | None = None) -> dict:  # fmt: skip
    """A case as a GeoReport service request."""
    props = props_of(version)
    lon, lat = lonlat(version)
    category = categories.get(props.get("category"))
    return {
        "service_request_id": str(version.fid),
        "status": open311_status(props.get("status", "reported")),
        "status_notes": status_notes(props, lang),
        "service_name": category["name"][lang] if category else props.get("category"),
        "service_code": props.get("category"),
        "description": props.get("description"),
        "agency_responsible": props.get("responsible_unit"),
        "service_notice": deadline_text(category, lang) if category else None,
        "requested_datetime": _w3_text(props.get("reported_at"), tz),
        "updated_datetime": w3(version.valid_from, tz),
        "expected_datetime": _w3_text(props.get("deadline"), tz),
        "address": props.get("address"),
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": media_url,
    }


@dataclass
class RequestFilter:
    ids: list[int] | None = None  # overrides every other filter, as the spec says
    codes: set[str] | None = None
    statuses: set[str] | None = None
    start_us: int = 0
    end_us: int = 0
    cells: set[str] | None = None  # the grid cells of the area asked for (or the reader's own), None: all


def _words(args: dict[str, list[str]], name: str) -> list[str] | None:
    """A parameter that may be comma-separated and may be given several times."""
    if name not in args:
        return None
    return [w.strip() for value in args[name] for w in value.split(",") if w.strip()]


def _instant(args: dict[str, list[str]], name: str, tz: ZoneInfo, problems: list[Detail]) -> int | None:
    values = args.get(name)
    if not values:
        return None
    try:
        if len(values) > 1:
            raise ValueError("given more than once")
        us = parse_instant(values[0], tz)
        if not YEARS[0] <= datetime.fromtimestamp(us / 1e6, tz).year < YEARS[1]:
            raise ValueError("out of range")
        return us
    except (ValueError, OverflowError, OSError):
        problems.append(Detail(name, "invalid_value", "a W3C date-time like 2026-03-01T00:00:00+08:00, once"))
        return None


def check_params(args: dict[str, list[str]], allowed: set[str]) -> None:
    unknown = sorted(set(args) - allowed - COMMON_PARAMS)
    if unknown:
        raise InvalidParameter(key="errors.open311.unknown_parameters", params={"names": ", ".join(unknown)}, details=[
            Detail(k, "unknown_parameter", "not a parameter of this Open311 method") for k in unknown])  # fmt: skip


def parse_request_filter(args: dict[str, list[str]], categories: dict[str, dict], tz: ZoneInfo,
                         now_us: int) -> RequestFilter:  # fmt: skip
    """The filters of GET requests; without dates, the last 90 days. Every bad parameter is named at once."""
    check_params(args, FILTER_PARAMS)
    problems: list[Detail] = []
    out = RequestFilter()
    ids = _words(args, "service_request_id")
    if ids is not None:
        if not ids or len(ids) > MAX_IDS or not all(re.fullmatch(r"\d{1,18}", i) for i in ids):
            problems.append(Detail("service_request_id", "invalid_value", f"1 to {MAX_IDS} comma-separated ids"))
        else:
            out.ids = list(dict.fromkeys(int(i) for i in ids))
    codes = _words(args, "service_code")
    if codes is not None:
        unknown = [c for c in codes if c not in categories]
        if not codes or unknown:
            problems.append(Detail("service_code", "invalid_value", f"unknown service code {(unknown or [''])[0]!r}"))
        out.codes = set(codes)
    statuses = _words(args, "status")
    if statuses is not None:
        if not statuses or set(statuses) - {"open", "closed"}:
            problems.append(Detail("status", "invalid_value", "open, closed or both (comma-separated)"))
        out.statuses = set(statuses)
    start, end = _instant(args, "start_date", tz, problems), _instant(args, "end_date", tz, problems)
    if start is None and end is None:
        end = now_us
    out.start_us = end - SPAN_US if start is None else start
    out.end_us = start + SPAN_US if end is None else end
    if not problems and out.start_us > out.end_us:
        problems.append(Detail("end_date", "out_of_range", "end_date is before start_date"))
    elif not problems and out.end_us - out.start_us > SPAN_US:
        problems.append(Detail("end_date", "out_of_range", "a search may not span more than 90 days"))
    if problems:
        raise InvalidParameter(details=problems)
    return out


def _reported_us(version: FeatureVersion, tz: ZoneInfo) -> int | None:
    try:
        return parse_instant(props_of(version)["reported_at"], tz)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None


def find_requests(store: Store, f: RequestFilter, tz: ZoneInfo) -> list[FeatureVersion]:
    """Matching cases, newest report first, at most :data:`MAX_REQUESTS`."""
    if f.ids is not None:
        found = []
        for fid in f.ids:
            try:
                found.append(store.get(CASE_LAYER, fid))
            except UnknownFeature:
                continue
        if f.cells is not None:
            found = [v for v in found if props_of(v).get("grid_code") in f.cells]
    else:
        filters: dict = {}
        if f.codes is not None:
            filters["category"] = sorted(f.codes)
        if f.statuses is not None:
            filters["status"] = sorted(s for s in workflow.STATES if open311_status(s) in f.statuses)
        if f.cells is not None:
            filters["grid_code"] = sorted(f.cells)
        page = store.query(CASE_LAYER, filters=filters, limit=MAX_LIST)
        found = [v for v in page.features if f.start_us <= (_reported_us(v, tz) or -math.inf) <= f.end_us]
    found.sort(key=lambda v: (_reported_us(v, tz) or 0, v.fid), reverse=True)
    return found[:MAX_REQUESTS]


def find_request(store: Store, rid: str) -> FeatureVersion:
    try:
        if not re.fullmatch(r"\d{1,18}", rid):
            raise UnknownFeature(rid)
        return store.get(CASE_LAYER, int(rid))
    except UnknownFeature:
        raise NotFound(
            key="errors.open311.no_request",
            params={"rid": rid[:40]},
            details=[Detail("service_request_id", "not_found", f"no request {rid[:40]!r}")],
        ) from None


def media_urls(store: Store, fids: list[int], photo_url: str) -> dict[int, str]:
    """The first "before" photo of each case that has one, as an absolute URL (``photo_url`` + photo id)."""
    with_photos = [fid for fid, n in store.photo_counts(fids).items() if n.get("before")]
    out = {}
    for fid in with_photos:
        before = [p["id"] for p in store.case_photos(fid) if p["kind"] == "before"]
        if before:
            out[fid] = f"{photo_url}{min(before)}"
    return out


# -- errors ----------------------------------------------------------------------------------------------


def error_status(status: int) -> int:
    """GeoReport's codes: 403 for a missing or bad api_key (and any refusal of who you are), 404 for what
    does not exist, 405/413/429 as they are, 400 for everything else a request can get wrong."""
    if status in (401, 403):
        return 403
    return status if status in (404, 405, 413, 429) else 400


def errors(status: int, message: str, details: list[dict]) -> list[dict]:
    """A refusal as GeoReport errors: one per bad field (named as the client sent it), or one."""
    code = error_status(status)
    if not details:
        return [{"code": code, "description": message}]
    return [{"code": code, "description": f"{message} {OPEN311_FIELDS.get(d['field'], d['field'])}: {d['reason']}"}
            for d in details]  # fmt: skip


# -- XML -------------------------------------------------------------------------------------------------


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, ITEM.get(element.tag, "item")), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("\ufffd", str(value))


def to_xml(root: str, data) -> bytes:
    """GeoReport XML for ``data`` under ``root``, UTF-8 with its declaration; None is an empty element.

    >>> to_xml("errors", [{"code": 404, "description": "a < b"}]).decode().splitlines()[1]
    '<errors><error><code>404</code><description>a &lt; b</description></error></errors>'
    """
    element = ET.Element(root)
    _fill(element, data)
    return DECLARATION + ET.tostring(element, encoding="unicode").encode("utf-8")
