"""The HTML pages of ``/ogc`` (OGC API – Features' HTML encoding): plain server-rendered documents, every
value escaped, Chinese first with English, and no script, inline style or outside asset (the
Content-Security-Policy forbids them). Each page shows the data of its JSON twin and every link as ``<a>``.
"""

from __future__ import annotations

import json
from html import escape

from layers import i18n
from layers.interop.ogc import text_of

GEOMETRY_CHARS = 4000  # a building's outline is shown whole; a long road is cut (the JSON has it all)
L = {
    "home": i18n.bilingual("ogc.html.home"),
    "conformance": i18n.bilingual("ogc.html.conformance"),
    "collections": i18n.bilingual("ogc.html.collections"),
    "features": i18n.bilingual("ogc.html.features"),
    "feature": i18n.bilingual("ogc.html.feature"),
    "api": i18n.bilingual("ogc.html.api"),
    "links": i18n.bilingual("ogc.html.links"),
    "id": i18n.bilingual("ogc.html.id"),
    "title": i18n.bilingual("ogc.html.title"),
    "description": i18n.bilingual("ogc.html.description"),
    "extent": i18n.bilingual("ogc.html.extent"),
    "geometry": i18n.bilingual("ogc.html.geometry"),
    "property": i18n.bilingual("ogc.html.property"),
    "value": i18n.bilingual("ogc.html.value"),
    "matched": i18n.bilingual("ogc.html.matched"),
    "returned": i18n.bilingual("ogc.html.returned"),
    "time": i18n.bilingual("ogc.html.time"),
    "valid": i18n.bilingual("ogc.html.valid"),
    "path": i18n.bilingual("ogc.html.path"),
    "parameters": i18n.bilingual("ogc.html.parameters"),
    "responses": i18n.bilingual("ogc.html.responses"),
    "map": i18n.bilingual("ogc.html.map"),
    "schema": i18n.bilingual("ogc.html.schema"),
    "type": i18n.bilingual("ogc.html.type"),
    "rules": i18n.bilingual("ogc.html.rules"),
    "product": i18n.bilingual("ogc.html.product"),
}
_SHOWN = ("type", "format", "title")
LEAFLET = "/static/vendor/leaflet-1.9.4"
MAP_LIMIT = 1000  # features drawn on a collection's small map (the items pages page through all of them)


def _with_limit(href: str) -> str:
    return f"{href}{'&' if '?' in href else '?'}limit={MAP_LIMIT}"


def _a(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'


def _link_list(links: list[dict]) -> str:
    items = "".join(
        f"<li>{_a(link['href'], link.get('title') or link['href'])} "
        f"<small>rel={escape(link['rel'])} type={escape(link.get('type', ''))}</small></li>"
        for link in links
    )
    return f"<h2>{L['links']}</h2><ul>{items}</ul>"


def _table(head: list[str], rows: list[list[str]]) -> str:
    """``head`` is escaped here; the cells of ``rows`` are HTML already (escape them when building)."""
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def page(title: str, base: str, crumbs: list[tuple[str, str]], body: str, map_src: str | None = None) -> str:
    """A whole HTML 5 document in the product's look (its stylesheet, app bar and icon); ``crumbs`` are
    (href, text) pairs leading to this page; ``map_src`` (a GeoJSON URL) adds a small map of those features,
    drawn by a module of our own with the vendored Leaflet, no tiles (offline)."""
    trail = " › ".join([_a(base, L["home"])] + [_a(href, text) for href, text in crumbs])
    head_map = body_map = ""
    if map_src is not None:
        head_map = (f'<link rel="stylesheet" href="{LEAFLET}/leaflet.css">'
                    f'<script type="module" src="/static/js/ogc/ogcMap.js"></script>')  # fmt: skip
        body_map = f'<div id="ogc-map" class="ogc-map" data-src="{escape(map_src)}"></div>'
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        '<link rel="icon" href="/static/css/icon.svg" type="image/svg+xml">'
        '<link rel="stylesheet" href="/static/css/app.css"><link rel="stylesheet" href="/static/css/ogc.css">'
        f"{head_map}</head><body class=\"page ogc-page\">"
        f'<header class="app-bar"><a class="app-title ogc-home" href="/">{escape(L["product"])}</a></header>'
        f'<nav class="ogc-trail">{trail}</nav><main class="ogc-main"><h1>{escape(title)}</h1>'
        f"{body_map}{body}</main></body></html>"
    )


def landing(doc: dict, base: str) -> str:
    body = f"<p>{escape(doc['description'])}</p>" + _link_list(doc["links"])
    return page(doc["title"], base, [], body)


def conformance(doc: dict, base: str) -> str:
    items = "".join(f"<li>{_a(uri, uri)}</li>" for uri in doc["conformsTo"])
    return page(L["conformance"], base, [], f"<ul>{items}</ul>" + _link_list(doc["links"]))


def _extent(doc: dict) -> str:
    boxes = doc.get("extent", {}).get("spatial", {}).get("bbox") or []
    return escape(", ".join(f"{v:.6f}" for v in boxes[0])) if boxes else "—"


def _items_href(doc: dict, media_type: str) -> str:
    return next(link["href"] for link in doc["links"] if link["rel"] == "items" and link["type"] == media_type)


def collections(doc: dict, base: str) -> str:
    rows = [
        [
            _a(next(link["href"] for link in c["links"] if link["type"] == "text/html"), c["id"]),
            escape(c["title"]),
            escape(c.get("description", "")),
            _extent(c),
            _a(_items_href(c, "text/html"), "HTML") + " · " + _a(_items_href(c, "application/geo+json"), "GeoJSON"),
        ]
        for c in doc["collections"]
    ]
    head = [L["id"], L["title"], L["description"], L["extent"], L["features"]]
    return page(L["collections"], base, [], _table(head, rows) + _link_list(doc["links"]))


def collection(doc: dict, base: str) -> str:
    rows = [
        [escape(L["id"]), escape(doc["id"])],
        [escape(L["title"]), escape(doc["title"])],
        [escape(L["description"]), escape(doc.get("description", ""))],
        [escape(L["extent"]), _extent(doc)],
        ["CRS", "<br>".join(escape(c) for c in doc.get("crs", []))],
    ]
    body = _table([L["property"], L["value"]], rows)
    body += f"<p>{_a(_items_href(doc, 'text/html'), L['features'])}</p>" + _link_list(doc["links"])
    return page(doc["title"], base, [(f"{base}/collections?f=html", L["collections"])], body,
                map_src=_with_limit(_items_href(doc, "application/geo+json")))


def schema(doc: dict, layer: dict, base: str) -> str:
    """The feature schema: one row per property with its type and rules."""
    rows = [
        [
            escape(name),
            escape(spec.get("type", "") + (f" ({spec['format']})" if "format" in spec else "")),
            escape(spec.get("title", "")),
            escape(", ".join(f"{k}={json.dumps(spec[k], ensure_ascii=False)}" for k in spec if k not in _SHOWN)),
        ]
        for name, spec in doc["properties"]["properties"]["properties"].items()
    ]
    body = _table([L["property"], L["type"], L["title"], L["rules"]], rows)
    body += f"<p>{_a(doc['$id'] + '?f=json', 'JSON Schema')}</p>"
    path = f"{base}/collections/{layer['id']}"
    crumbs = [(f"{base}/collections?f=html", L["collections"]), (f"{path}?f=html", text_of(layer.get("title")))]
    return page(i18n.text("ogc.label.title_part", title=doc["title"], part=L["schema"]), base, crumbs, body)


def _value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return escape(value)
    return escape(json.dumps(value, ensure_ascii=False))


def _column_title(name: str, spec: dict) -> str:
    title = text_of(spec.get("title"))
    return f"{title} ({name})" if title else name


def items(doc: dict, layer: dict, features: list[dict], base: str) -> str:
    """An items page: counts, paging links, and a table of the features' properties."""
    path = f"{base}/collections/{layer['id']}"
    names = list(layer.get("properties", {}))
    rows = [
        [_a(f"{path}/items/{f['id']}?f=html", str(f["id"]))]
        + [_value((f.get("properties") or {}).get(name)) for name in names]
        + [escape((f.get("geometry") or {}).get("type", ""))]
        for f in features
    ]
    head = [L["id"]] + [_column_title(n, layer["properties"][n]) for n in names] + [L["geometry"]]
    paging = " · ".join(_a(link["href"], link["title"]) for link in doc["links"] if link["rel"] in ("prev", "next"))
    summary = (
        f"<p>{L['matched']}: {doc['numberMatched']} · {L['returned']}: {doc['numberReturned']} · "
        f"{L['time']}: {escape(doc['timeStamp'])}</p>"
    )
    body = summary + (f"<p>{paging}</p>" if paging else "") + _table(head, rows) + _link_list(doc["links"])
    crumbs = [(f"{base}/collections?f=html", L["collections"]), (f"{path}?f=html", text_of(layer.get("title")))]
    title = i18n.text("ogc.label.title_part", title=text_of(layer.get("title")), part=L["features"])
    geojson = next((link["href"] for link in doc["links"] if link["rel"] == "self"), None)
    geojson = geojson and (geojson.replace("f=html", "f=json") if "f=html" in geojson else None)
    return page(title, base, crumbs, body, map_src=geojson)


def feature(doc: dict, layer: dict, base: str) -> str:
    specs = layer.get("properties", {})
    properties = doc.get("properties") or {}
    rows = [[escape(_column_title(name, specs.get(name, {}))), _value(value)] for name, value in properties.items()]
    valid = f"{doc['valid_from']} – {doc['valid_to'] or '…'}"
    rows += [[escape(L["valid"]), escape(valid)], ["version", escape(str(doc["version"]))]]
    geometry = json.dumps(doc.get("geometry"), ensure_ascii=False)
    if len(geometry) > GEOMETRY_CHARS:
        geometry = geometry[:GEOMETRY_CHARS] + " …"
    body = _table([L["property"], L["value"]], rows) + f"<h2>{L['geometry']}</h2><pre>{escape(geometry)}</pre>"
    body += f"<p>{_a(base.removesuffix('/ogc') + '/', L['map'])}</p>" + _link_list(doc["links"])
    path = f"{base}/collections/{layer['id']}"
    crumbs = [
        (f"{base}/collections?f=html", L["collections"]),
        (f"{path}?f=html", text_of(layer.get("title"))),
        (f"{path}/items?f=html", L["features"]),
    ]
    return page(f"{text_of(layer.get('title'))} #{doc['id']}", base, crumbs, body,
                map_src=f"{path}/items/{doc['id']}?f=json")


def openapi(doc: dict, base: str) -> str:
    """The service documentation: every path with its parameters and responses, from the OpenAPI document."""
    params = doc["components"]["parameters"]
    rows = []
    for path, item in doc["paths"].items():
        operation = item["get"]
        names = [
            params[p["$ref"].rsplit("/", 1)[1]]["name"] if "$ref" in p else p["name"] for p in operation["parameters"]
        ]
        rows.append(
            [
                f"<code>GET {escape(path)}</code>",
                escape(operation["summary"]),
                escape(", ".join(names)),
                escape(", ".join(operation["responses"])),
            ]
        )
    head = [L["path"], L["description"], L["parameters"], L["responses"]]
    body = f"<p>{escape(doc['info']['description'])}</p>"
    body += f"<p>{_a(base + '/openapi?f=json', 'OpenAPI 3.0 JSON')}</p>" + _table(head, rows)
    return page(L["api"], base, [], body)
