// The small map of an /ogc HTML page (a collection, a page of items, one feature): the features of the page's
// GeoJSON twin (#ogc-map's data-src) drawn with the vendored Leaflet over no tiles, so it works offline.

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";

const STYLE = { color: "#1f5e3b", weight: 2, fillColor: "#43a047", fillOpacity: 0.35 };

async function draw() {
  const element = document.getElementById("ogc-map");
  if (!element) {
    return;
  }
  const map = L.map(element, { attributionControl: false, zoomSnap: 0.25 });
  try {
    const response = await fetch(element.dataset.src, { headers: { Accept: "application/geo+json" },
      credentials: "same-origin" });
    const data = await response.json();
    const layer = L.geoJSON(data, {
      style: () => STYLE,
      pointToLayer: (_, latlng) => L.circleMarker(latlng, { ...STYLE, radius: 4, fillOpacity: 0.8 }),
    }).addTo(map);
    const bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [12, 12], maxZoom: 18 });
    } else {
      map.setView([0, 0], 1);
    }
    element.dataset.drawn = String(layer.getLayers().length);
  } catch (error) {
    element.dataset.drawn = "error";
    console.warn("ogc map not drawn:", error);
  }
}

draw();
