// The map's state mirrored into data attributes of its container (zoom, centre, bounds, CRS) and
// label classes for CSS: road names from zoom 16, area names from zoom 18. Tests read these
// attributes instead of globals.

export const LINE_LABEL_ZOOM = 16;
export const AREA_LABEL_ZOOM = 18;

export class MapStatus {
  /**
   * @param {object} options
   * @param {L.Map} options.map
   * @param {function(): string} options.crsName the basemap CRS in use ("wgs84" or "gcj02")
   */
  constructor({ map, crsName }) {
    this.map = map;
    this.crsName = crsName;
    this.update = () => this.write();
  }

  start() {
    this.map.on("moveend zoomend viewreset resize", this.update);
    this.write();
    return this;
  }

  write() {
    const map = this.map;
    const container = map.getContainer();
    const zoom = map.getZoom();
    const center = map.getCenter();
    const bounds = map.getBounds();
    const size = map.getSize();
    Object.assign(container.dataset, {
      zoom: String(zoom),
      center: `${center.lat.toFixed(7)},${center.lng.toFixed(7)}`,
      bounds: [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map((v) => v.toFixed(7)).join(","),
      size: `${size.x}x${size.y}`,
      crs: this.crsName(),
    });
    container.classList.toggle("show-line-labels", zoom >= LINE_LABEL_ZOOM);
    container.classList.toggle("show-area-labels", zoom >= AREA_LABEL_ZOOM);
  }
}
