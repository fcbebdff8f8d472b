// Decoder for the CWP1 point payload (format documented in geo/pointpack.py):
// "CWP1", uint32 header length H, JSON header (space-padded to 4), uint32 id deltas, quantised x then y
// (uint16 or uint32, each padded to 4 bytes), optional uint8 class indices. All little-endian.

const MAGIC = "CWP1";
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function readArray(buffer, offset, count, bytes) {
  if (offset + count * bytes > buffer.byteLength) {
    throw new RangeError(`CWP1 payload truncated at byte ${offset}`);
  }
  if (LITTLE_ENDIAN) {
    if (bytes === 1) return new Uint8Array(buffer, offset, count);
    if (bytes === 2) return new Uint16Array(buffer, offset, count);
    return new Uint32Array(buffer, offset, count);
  }
  const view = new DataView(buffer, offset, count * bytes);
  const out = bytes === 1 ? new Uint8Array(count) : bytes === 2 ? new Uint16Array(count) : new Uint32Array(count);
  for (let i = 0; i < count; i += 1) {
    out[i] = bytes === 1 ? view.getUint8(i) : bytes === 2 ? view.getUint16(i * 2, true) : view.getUint32(i * 4, true);
  }
  return out;
}

const pad4 = (n) => n + ((4 - (n % 4)) % 4);

/**
 * Decode a CWP1 ArrayBuffer.
 * @returns {{count:number, bbox:number[], bits:number, classes:Array|null, ids:Uint32Array,
 *            lng:Float64Array, lat:Float64Array, classIndex:Uint8Array|null}}
 */
export function decodePointPack(buffer) {
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < 8) {
    throw new TypeError("CWP1 payload must be an ArrayBuffer of at least 8 bytes");
  }
  const magic = String.fromCharCode(...new Uint8Array(buffer, 0, 4));
  if (magic !== MAGIC) {
    throw new TypeError(`not a CWP1 payload (magic ${JSON.stringify(magic)})`);
  }
  const headerLength = new DataView(buffer).getUint32(4, true);
  if (8 + headerLength > buffer.byteLength) {
    throw new RangeError("CWP1 header runs past the payload");
  }
  const header = JSON.parse(new TextDecoder("utf-8").decode(new Uint8Array(buffer, 8, headerLength)));
  const { count, bbox, bits } = header;
  const classes = Array.isArray(header.classes) ? header.classes : null;
  if (!Number.isInteger(count) || count < 0 || (bits !== 16 && bits !== 32)) {
    throw new RangeError(`bad CWP1 header: count ${count}, bits ${bits}`);
  }
  let offset = 8 + headerLength;
  const deltas = readArray(buffer, offset, count, 4);
  offset += 4 * count;
  const size = bits / 8;
  const qx = readArray(buffer, offset, count, size);
  offset += pad4(size * count);
  const qy = readArray(buffer, offset, count, size);
  offset += pad4(size * count);
  const classIndex = classes ? readArray(buffer, offset, count, 1) : null;

  const ids = new Uint32Array(count);
  const lng = new Float64Array(count);
  const lat = new Float64Array(count);
  const [minx, miny, maxx, maxy] = bbox;
  const scale = 2 ** bits - 1;
  const sx = (maxx - minx) / scale;
  const sy = (maxy - miny) / scale;
  let id = 0;
  for (let i = 0; i < count; i += 1) {
    id += deltas[i];
    ids[i] = id;
    lng[i] = minx + qx[i] * sx;
    lat[i] = miny + qy[i] * sy;
  }
  return { count, bbox, bits, classes, ids, lng, lat, classIndex };
}
