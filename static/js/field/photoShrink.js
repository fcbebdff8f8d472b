// Photos are made smaller on the phone before they go into the outbox: a 12-megapixel JPEG of 4–8 MB
// becomes at most MAX_EDGE pixels on its long side (what the server keeps anyway) and a few hundred KB, so
// it leaves quickly on a weak signal. The original's EXIF block (GPS position, time taken: the server's
// checks need them) is carried over into the smaller JPEG, with its orientation set to "upright" because
// the pixels are drawn upright. Anything that cannot be shrunk this way (not a JPEG, no decoder with
// orientation support, a result not smaller) is sent as it was.

export const MAX_EDGE = 2048;
const QUALITY = 0.88;
const SMALL_ENOUGH_BYTES = 700_000; // a JPEG this small and within MAX_EDGE is sent as it is
const ORIENTATION_TAG = 0x0112;

/** The APP1 "Exif" segment of a JPEG (marker included), or null. */
export function exifSegment(bytes) {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) {
    return null;
  }
  let offset = 2;
  while (offset + 4 <= bytes.length && bytes[offset] === 0xff) {
    const marker = bytes[offset + 1];
    if (marker === 0xda || marker === 0xd9) {
      return null; // the image data starts: no EXIF before it
    }
    const length = (bytes[offset + 2] << 8) | bytes[offset + 3];
    const isExif = marker === 0xe1 && length >= 8 && bytes[offset + 4] === 0x45 && bytes[offset + 5] === 0x78
      && bytes[offset + 6] === 0x69 && bytes[offset + 7] === 0x66 && bytes[offset + 8] === 0 && bytes[offset + 9] === 0;
    if (isExif) {
      return bytes.slice(offset, offset + 2 + length);
    }
    offset += 2 + length;
  }
  return null;
}

/** A copy of an EXIF segment whose orientation (if any) says "upright" (1). */
export function uprightExif(segment) {
  const copy = segment.slice();
  const tiff = 10; // FF E1, length (2), "Exif\0\0"
  const view = new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
  if (copy.length < tiff + 8) {
    return copy;
  }
  const little = view.getUint16(tiff) === 0x4949;
  const ifd0 = tiff + view.getUint32(tiff + 4, little);
  if (ifd0 + 2 > copy.length) {
    return copy;
  }
  const entries = view.getUint16(ifd0, little);
  for (let i = 0; i < entries; i += 1) {
    const entry = ifd0 + 2 + i * 12;
    if (entry + 12 > copy.length) {
      break;
    }
    if (view.getUint16(entry, little) === ORIENTATION_TAG) {
      view.setUint16(entry + 8, 1, little); // SHORT, count 1: the value sits in the entry itself
    }
  }
  return copy;
}

function canvasBlob(canvas, quality) {
  if (canvas.convertToBlob) {
    return canvas.convertToBlob({ type: "image/jpeg", quality });
  }
  return new Promise((resolve, reject) => canvas.toBlob(
    (blob) => (blob ? resolve(blob) : reject(new Error("toBlob failed"))), "image/jpeg", quality));
}

function makeCanvas(width, height) {
  if (typeof OffscreenCanvas === "function") {
    return new OffscreenCanvas(width, height);
  }
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

/**
 * ``file`` made smaller for sending, keeping its EXIF; or ``file`` itself when that is not possible or
 * not worth it.
 * @param {File|Blob} file
 * @returns {Promise<File|Blob>}
 */
export async function shrinkPhoto(file) {
  if (!file || file.type !== "image/jpeg" || typeof createImageBitmap !== "function") {
    return file;
  }
  let bitmap = null;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const long = Math.max(bitmap.width, bitmap.height);
    if (long <= MAX_EDGE && file.size <= SMALL_ENOUGH_BYTES) {
      return file;
    }
    const scale = Math.min(1, MAX_EDGE / long);
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = makeCanvas(width, height);
    const context = canvas.getContext("2d");
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, width, height);
    const drawn = new Uint8Array(await (await canvasBlob(canvas, QUALITY)).arrayBuffer());
    const exif = exifSegment(bytes);
    const parts = exif ? [drawn.subarray(0, 2), uprightExif(exif), drawn.subarray(2)] : [drawn];
    const smaller = new Blob(parts, { type: "image/jpeg" });
    if (smaller.size >= file.size) {
      return file;
    }
    const name = file.name || "photo.jpg";
    return typeof File === "function" ? new File([smaller], name, { type: "image/jpeg" }) : smaller;
  } catch {
    return file; // a decoder that cannot read it: the server can, send it as it is
  } finally {
    bitmap?.close?.();
  }
}
