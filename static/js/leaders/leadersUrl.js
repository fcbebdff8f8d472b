// The leaders' pages keep their filters in the query string (?from=2026-05-29&to=2026-11-29&grid=...&view=side)
// so a view can be shared and a reload restores it; the map view stays in the hash (#zoom/lat/lng). Also the
// calendar arithmetic on plain dates (YYYY-MM-DD) those filters need, in the project's time zone.

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const CODES = /^[A-Za-z0-9_.-]{1,40}(?:,[A-Za-z0-9_.-]{1,40}){0,199}$/;

/** Whether ``text`` is a real calendar date written YYYY-MM-DD. */
export function isDate(text) {
  if (typeof text !== "string" || !DATE.test(text)) {
    return false;
  }
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** Today's date (YYYY-MM-DD) in ``timeZone`` (the project's, from /api/config). */
export function todayIn(timeZone, now = new Date()) {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

/** The date of an instant (ISO 8601 text or milliseconds) in ``timeZone``. */
export function dateOf(instant, timeZone) {
  return todayIn(timeZone, new Date(instant));
}

/** ``date`` plus ``days`` (may be negative). */
export function addDays(date, days) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** ``date`` plus ``months``, kept within the target month (Aug 31 - 6 months = Feb 28/29). */
export function addMonths(date, months) {
  const [y, m, day] = date.split("-").map(Number);
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(day, last));
  return first.toISOString().slice(0, 10);
}

/**
 * Read the page's filters from ``search`` (location.search). ``schema`` maps a parameter to
 * {kind: "date"|"codes"|"choice"|"int", options?, default}; a missing or malformed value takes its default.
 */
export function readFilters(schema, search = globalThis.location.search) {
  const params = new URLSearchParams(search);
  const out = {};
  for (const [name, spec] of Object.entries(schema)) {
    const raw = params.get(name);
    out[name] = valid(spec, raw) ? (spec.kind === "int" ? Number(raw) : raw) : spec.default;
  }
  return out;
}

function valid(spec, raw) {
  if (raw === null || raw === "") {
    return false;
  }
  switch (spec.kind) {
    case "date":
      return isDate(raw);
    case "codes":
      return CODES.test(raw);
    case "choice":
      return spec.options.includes(raw);
    case "int":
      return /^\d{1,6}$/.test(raw);
    default:
      return false;
  }
}

/** Write ``filters`` into the address bar (replacing this history entry); values equal to their default are left out. */
export function writeFilters(schema, filters, win = globalThis) {
  const params = new URLSearchParams();
  for (const [name, spec] of Object.entries(schema)) {
    const value = filters[name];
    if (value !== null && value !== undefined && value !== "" && value !== spec.default) {
      params.set(name, String(value));
    }
  }
  const query = params.toString();
  const url = `${win.location.pathname}${query ? `?${query}` : ""}${win.location.hash}`;
  win.history.replaceState(win.history.state, "", url);
  return url;
}

/** The API's filter parameters (grid, category) of a page's filters, only those that are set. */
export function apiFilters(filters) {
  const out = {};
  for (const name of ["grid", "category"]) {
    if (filters[name]) {
      out[name] = filters[name];
    }
  }
  return out;
}

/** A query string (without "?") from an object, leaving out null and empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") {
      search.set(name, String(value));
    }
  }
  return search.toString();
}
