// The phone's position for the field view (navigator.geolocation, when the user allows it), distances
// between WGS 84 points in metres, and distances written for people ("85 米", "1.2 公里").

const EARTH_RADIUS_M = 6371008.8;

/** Great-circle distance in metres between two [lon, lat] points (WGS 84 degrees). */
export function distanceM([lon1, lat1], [lon2, lat2]) {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** "85 米" below a kilometre (whole metres), "1.2 公里" above (one decimal). */
export function formatDistance(i18n, metres) {
  if (!Number.isFinite(metres)) {
    return "";
  }
  if (metres < 1000) {
    return i18n.t("field.distance_m", { n: i18n.formatNumber(Math.round(metres)) });
  }
  return i18n.t("field.distance_km", { n: i18n.formatNumber(metres / 1000, { maximumFractionDigits: 1 }) });
}

export class Position {
  /**
   * @param {object} [options]
   * @param {Geolocation} [options.geolocation]
   */
  constructor({ geolocation = globalThis.navigator?.geolocation } = {}) {
    this.geolocation = geolocation;
    this.current = null; // {lon, lat, accuracy_m, at}
    this.state = geolocation ? "waiting" : "unavailable"; // waiting | ok | denied | unavailable
    this.listeners = new Set();
    this.watchId = null;
  }

  onChange(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit() {
    for (const listener of this.listeners) {
      listener(this.current, this.state);
    }
  }

  start() {
    if (!this.geolocation) {
      this.emit();
      return this;
    }
    try {
      this.watchId = this.geolocation.watchPosition(
        (found) => {
          this.current = {
            lon: found.coords.longitude,
            lat: found.coords.latitude,
            accuracy_m: found.coords.accuracy,
            at: found.timestamp,
          };
          this.state = "ok";
          this.emit();
        },
        (error) => {
          this.state = error.code === 1 ? "denied" : (this.current ? "ok" : "unavailable");
          this.emit();
        },
        { enableHighAccuracy: true, maximumAge: 15_000, timeout: 30_000 },
      );
    } catch {
      this.state = "unavailable"; // some in-app browsers throw on plain HTTP
      this.emit();
    }
    return this;
  }

  /** [lon, lat] or null. */
  lonLat() {
    return this.current ? [this.current.lon, this.current.lat] : null;
  }
}
