"""Reporting through Open311: a form-encoded POST requests turned into a case report for
``layers.cases.create_case``, an address placed on the map by the names of the project's own buildings,
roads and grid cells, and the service notice of the answer. No Flask here."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

import geopandas as gpd
import shapely

from layers import i18n
from layers.cases import MAX_TEXT, workflow
from layers.errors import Detail, ValidationFailed
from layers.interop.open311 import COMMON_PARAMS, active_category, deadline_text

PERSONAL_FIELDS = {"email", "device_id", "account_id", "first_name", "last_name", "phone"}  # accepted, not stored
# locale goes in the query string (it also chooses the language of a refusal, read before the form is)
REPORT_FIELDS = (COMMON_PARAMS - {"locale"}) | PERSONAL_FIELDS | {
    "service_code", "lat", "long", "address_string", "address_id", "description", "media_url",
}  # fmt: skip
MAX_MEDIA_URL = 500
ATTRIBUTE_RE = re.compile(r"^attribute\[([^\[\]]*)\](\[\])?$")
URL_RE = re.compile(r"^https?://[^\s<>\"]+$")
KIND_LABELS = {"building": i18n.both("open311.place.building"), "road": i18n.both("open311.place.road"),
               "grid": i18n.both("open311.place.grid")}  # fmt: skip
PLACE_KINDS = ("building", "road", "grid")  # most precise first
MIN_NAME = 2


@dataclass(frozen=True)
class Place:
    """Where an address was placed: a point of the named feature, which feature, and what kind."""

    lon: float
    lat: float
    name: str
    kind: str


def _normal(value: str) -> str:
    """Full-width forms folded (（ → (), spaces dropped: how people type the same name differently."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))


def locate_address(address: str, frames: dict[str, gpd.GeoDataFrame]) -> Place | str:
    """The place an address names, or the reason there is none.

    ``frames`` maps ``building``/``road``/``grid`` to WGS 84 frames with a ``name`` column. A feature
    matches when its whole name appears in the address; the most precise kind with a match wins, then the
    longest name. The point is the feature's representative point (inside a building or cell, on a road):
    a road or a cell places the pin only roughly, which the caller must say. Same-named road pieces are one
    road; two other places with the same name are ambiguous.
    """
    wanted = _normal(address)
    for kind in PLACE_KINDS:
        frame = frames.get(kind)
        if frame is None or frame.empty or "name" not in frame.columns:
            continue
        names = frame["name"].map(lambda v: _normal(v) if isinstance(v, str) else "")
        hits = frame[names.map(lambda n: len(n) >= MIN_NAME and n in wanted).to_numpy()]
        if hits.empty:
            continue
        best = names[hits.index].str.len().max()
        hits = hits[(names[hits.index].str.len() == best).to_numpy()]
        distinct = sorted(set(hits["name"]))
        if len(distinct) > 1 or (kind != "road" and len(hits) > 1):
            return f"the address matches several places ({', '.join(distinct)}): send lat and long"
        point = shapely.union_all(hits.geometry.values).representative_point()
        return Place(round(point.x, 7), round(point.y, 7), distinct[0], kind)
    return "no building, road or grid cell of this map is named in it: send lat and long"


# -- the report ----------------------------------------------------------------------------------------


@dataclass
class Report:
    """A form-encoded report turned into a case report (``body`` for ``create_case``)."""

    body: dict
    place: Place | None = None  # set when the position was estimated from address_string


def _one(form: dict[str, list[str]], name: str, problems: list[Detail]) -> str | None:
    values = form.get(name)
    if not values:
        return None
    if len(values) > 1:
        problems.append(Detail(name, "invalid_value", "given more than once"))
    return values[0].strip() or None


def _attributes(form: dict[str, list[str]], problems: list[Detail]) -> dict:
    out = {}
    for key in sorted(k for k in form if k.startswith("attribute")):
        match = ATTRIBUTE_RE.match(key)
        code = match[1] if match else None
        if code != "duplicate_of":
            problems.append(Detail(key, "unknown_attribute", "the only attribute is attribute[duplicate_of]"))
            continue
        value = _one(form, key, problems)
        if value is None:
            continue
        if match[2] or not re.fullmatch(r"\d{1,18}", value):
            problems.append(Detail(key, "invalid_value", "one service_request_id"))
        else:
            out["duplicate_of"] = int(value)
    return out


def _coordinate(form: dict[str, list[str]], name: str, problems: list[Detail]) -> float | None:
    raw = _one(form, name, problems)
    if raw is None:
        return None
    try:
        value = float(raw)
        if not math.isfinite(value):
            raise ValueError(raw)
        return value
    except ValueError:
        problems.append(Detail(name, "invalid_value", "a number of WGS 84 degrees"))
        return None


def _location(form, address: str | None, problems: list[Detail], locate) -> tuple:
    """(lon, lat, place): lat and long when sent, else the place an address_string names."""
    lat, lon = _coordinate(form, "lat", problems), _coordinate(form, "long", problems)
    if ("lat" in form) != ("long" in form):
        missing = "long" if "lat" in form else "lat"
        problems.append(Detail(missing, "required", "lat and long are sent together"))
    if "lat" in form or "long" in form:
        return lon, lat, None
    if address is not None:
        found = locate(address)
        if isinstance(found, Place):
            return found.lon, found.lat, found
        problems.append(Detail("address_string", "not_found", found))
    elif "address_id" in form:
        problems.append(Detail("address_id", "not_supported", "no address repository here: send lat and long"))
    else:
        problems.append(Detail("lat", "required", "send lat and long, or an address_string naming a place"))
    return None, None, None


def _description(form, place: Place | None, problems: list[Detail]) -> str | None:
    """The reporter's text, then a media_url (kept as text, never fetched) and how the pin was placed."""
    own = _one(form, "description", problems)
    media = _one(form, "media_url", problems)
    if media is not None and (len(media) > MAX_MEDIA_URL or not URL_RE.match(media)):
        problems.append(Detail("media_url", "invalid_value", f"an http(s) URL of at most {MAX_MEDIA_URL} characters"))
        media = None
    extra = [f"{i18n.text('open311.text.media_line', 'zh-CN')} media_url: {media}"] if media else []
    if place:
        extra.append(i18n.text("open311.text.placed", "zh-CN", name=place.name, kind=KIND_LABELS[place.kind]["zh-CN"]))
    budget = MAX_TEXT - sum(len(line) + 1 for line in extra)
    if own is not None and len(own) > budget:
        problems.append(Detail("description", "invalid_value", f"at most {budget} characters here (a case keeps "
                               f"{MAX_TEXT}, the rest hold the media_url and placement note)"))  # fmt: skip
    return "\n".join(([own] if own else []) + extra) or None


def parse_report(form: dict[str, list[str]], categories: dict[str, dict], locate, files: list[str] = ()) -> Report:
    """A case report from a POST requests form. ``locate(address)`` answers a :class:`Place` or the reason
    it cannot place the address. Empty values count as not sent (the spec's "optional arguments"); unknown
    fields are refused, so nothing sent is silently lost; the reporter's personal details are accepted and
    not stored (the case is reported by the api_key's account). An unknown service_code alone is a 404."""
    form = {k: kept for k, values in form.items() if (kept := [v for v in values if v.strip()])}
    problems = [Detail(k, "unknown_field", "not a GeoReport v2 field") for k in sorted(form)
                if k not in REPORT_FIELDS and not k.startswith("attribute")]  # fmt: skip
    problems += [Detail(k, "not_supported", "no file uploads here: add photos with POST /api/cases/{id}/photos")
                 for k in sorted(set(files))]  # fmt: skip
    code = _one(form, "service_code", problems)
    if code is None:
        problems.append(Detail("service_code", "required", "the service_code of a service (GET services)"))
    attributes = _attributes(form, problems)
    address = _one(form, "address_string", problems)
    lon, lat, place = _location(form, address, problems, locate)
    description = _description(form, place, problems)
    category = categories.get(code)
    if code is not None and (category is None or not category.get("active", True)):
        if not problems:
            active_category(categories, code)
        problems.insert(0, Detail("service_code", "not_found", f"{code!r} is not an active service code"))
    if problems:
        raise ValidationFailed(key="errors.open311.report_refused", details=problems)
    body = {"category": code, "lon": lon, "lat": lat, "description": description, "address": address, **attributes}
    return Report({k: v for k, v in body.items() if v is not None}, place)


def service_notice(state: str, category: dict, duplicate_of: int | None, nearby: list[int],
                   place: Place | None, lang: str) -> str:  # fmt: skip
    """What happens next, in the reporter's language."""
    parts = [i18n.text("open311.text.received", lang, label=workflow.STATES[state]["label"][lang]),
             deadline_text(category, lang) + i18n.text("open311.text.stop", lang).strip()]  # fmt: skip
    if duplicate_of:
        parts.append(i18n.text("open311.text.duplicate_of", lang, id=duplicate_of))
    elif nearby:
        parts.append(i18n.text("open311.text.nearby", lang, ids=", ".join(str(i) for i in nearby)))
    if place:
        parts.append(i18n.text("open311.text.placed", lang, name=place.name, kind=KIND_LABELS[place.kind][lang]))
    return ("" if lang == "zh-CN" else " ").join(parts)
