/**
 * Conversions between WGS 84 (GPS), GCJ-02 (AMap/Gaode, Tencent) and BD-09 (Baidu)
 * for the browser.  Mirrors geo/crs.py (same constants, same iterated inverses);
 * tests/geo/test_chinacoords_js.py checks the two agree to 1e-9 degrees.
 *
 * Every function takes (lng, lat) in degrees and returns a new [lng, lat] array.
 * Non-numbers throw TypeError; NaN, infinities and out-of-range values throw
 * RangeError.  No dependencies, no globals.
 */

// Krasovsky 1940 ellipsoid, as used by the published GCJ-02 formula.
const KRASOVSKY_A_M = 6378245.0;
const KRASOVSKY_EE = 0.00669342162296594323;
const X_PI = (Math.PI * 3000.0) / 180.0;
// The usual rough out-of-China box; Hong Kong, Macau and Taiwan fall inside and
// are shifted, as in every common implementation.
const CHINA_LNG_MIN = 72.004;
const CHINA_LNG_MAX = 137.8347;
const CHINA_LAT_MIN = 0.8293;
const CHINA_LAT_MAX = 55.8271;

function checkLngLat(lng, lat) {
  for (const [name, value, limit] of [["lng", lng, 180], ["lat", lat, 90]]) {
    if (typeof value !== "number") {
      throw new TypeError(`${name} must be a number, got ${typeof value}`);
    }
    if (!Number.isFinite(value) || Math.abs(value) > limit) {
      throw new RangeError(`${name} must be finite and within [-${limit}, ${limit}], got ${value}`);
    }
  }
}

function checkIteration(tolDeg, maxIter) {
  if (typeof tolDeg !== "number" || !(tolDeg > 0) || !Number.isFinite(tolDeg)) {
    throw new RangeError(`tolDeg must be a positive finite number, got ${tolDeg}`);
  }
  if (!Number.isInteger(maxIter) || maxIter < 1) {
    throw new RangeError(`maxIter must be an integer >= 1, got ${maxIter}`);
  }
}

function isOutside(lng, lat) {
  return lng < CHINA_LNG_MIN || lng > CHINA_LNG_MAX || lat < CHINA_LAT_MIN || lat > CHINA_LAT_MAX;
}

/** GCJ-02 minus WGS 84 at a WGS 84 point, ignoring the out-of-China box. */
function gcjOffsetDeg(lng, lat) {
  const x = lng - 105.0;
  const y = lat - 35.0;
  const common = ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  const tLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x))
    + common
    + ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0
    + ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320.0 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  const tLng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x))
    + common
    + ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0
    + ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  const radLat = (lat / 180.0) * Math.PI;
  const magic = 1.0 - KRASOVSKY_EE * Math.sin(radLat) ** 2;
  const sqrtMagic = Math.sqrt(magic);
  const dLat = (tLat * 180.0) / (((KRASOVSKY_A_M * (1.0 - KRASOVSKY_EE)) / (magic * sqrtMagic)) * Math.PI);
  const dLng = (tLng * 180.0) / ((KRASOVSKY_A_M / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return [dLng, dLat];
}

function bdForward(lng, lat) {
  const z = Math.sqrt(lng * lng + lat * lat) + 0.00002 * Math.sin(lat * X_PI);
  const theta = Math.atan2(lat, lng) + 0.000003 * Math.cos(lng * X_PI);
  return [z * Math.cos(theta) + 0.0065, z * Math.sin(theta) + 0.006];
}

/** Fixed-point iteration p -= forward(p) - target; both shifts are strong contractions. */
function solve(forward, targetLng, targetLat, startLng, startLat, tolDeg, maxIter, what) {
  let lng = startLng;
  let lat = startLat;
  let step = Infinity;
  for (let i = 0; i < maxIter; i += 1) {
    const [fLng, fLat] = forward(lng, lat);
    const stepLng = fLng - targetLng;
    const stepLat = fLat - targetLat;
    lng -= stepLng;
    lat -= stepLat;
    step = Math.max(Math.abs(stepLng), Math.abs(stepLat));
    if (step < tolDeg) return [lng, lat];
  }
  throw new Error(`${what} did not converge in ${maxIter} iterations (last step ${step} deg)`);
}

/** True where no GCJ-02 shift applies (outside the rough China box). */
export function outOfChina(lng, lat) {
  checkLngLat(lng, lat);
  return isOutside(lng, lat);
}

/** WGS 84 -> GCJ-02 with the public formula; points outside China are unchanged. */
export function wgs84ToGcj02(lng, lat) {
  checkLngLat(lng, lat);
  if (isOutside(lng, lat)) return [lng, lat];
  const [dLng, dLat] = gcjOffsetDeg(lng, lat);
  return [lng + dLng, lat + dLat];
}

/**
 * GCJ-02 -> WGS 84 by iterating w -= wgs84ToGcj02(w) - g (round trip far below 1 cm).
 * The box test is made on the GCJ-02 input, as in geo/crs.py.
 */
export function gcj02ToWgs84(lng, lat, tolDeg = 1e-10, maxIter = 30) {
  checkIteration(tolDeg, maxIter);
  checkLngLat(lng, lat);
  if (isOutside(lng, lat)) return [lng, lat];
  const forward = (wLng, wLat) => {
    const [dLng, dLat] = gcjOffsetDeg(wLng, wLat);
    return [wLng + dLng, wLat + dLat];
  };
  return solve(forward, lng, lat, lng, lat, tolDeg, maxIter, "gcj02ToWgs84");
}

/** GCJ-02 -> BD-09 (Baidu) with the published x_pi formula, applied everywhere. */
export function gcj02ToBd09(lng, lat) {
  checkLngLat(lng, lat);
  return bdForward(lng, lat);
}

/** BD-09 -> GCJ-02: the x_pi inverse formula (off by up to ~0.2 m) refined by iteration. */
export function bd09ToGcj02(lng, lat, tolDeg = 1e-10, maxIter = 30) {
  checkIteration(tolDeg, maxIter);
  checkLngLat(lng, lat);
  const x = lng - 0.0065;
  const y = lat - 0.006;
  const z = Math.sqrt(x * x + y * y) - 0.00002 * Math.sin(y * X_PI);
  const theta = Math.atan2(y, x) - 0.000003 * Math.cos(x * X_PI);
  return solve(bdForward, lng, lat, z * Math.cos(theta), z * Math.sin(theta), tolDeg, maxIter, "bd09ToGcj02");
}

/** WGS 84 -> BD-09 via GCJ-02. */
export function wgs84ToBd09(lng, lat) {
  const [gLng, gLat] = wgs84ToGcj02(lng, lat);
  return gcj02ToBd09(gLng, gLat);
}

/** BD-09 -> WGS 84 via GCJ-02, with both iterated inverses. */
export function bd09ToWgs84(lng, lat) {
  const [gLng, gLat] = bd09ToGcj02(lng, lat);
  return gcj02ToWgs84(gLng, gLat);
}
