// Layer roles, read from each layer definition's "roles" (see layers/catalogue/roles.py and docs/layers.md):
// which layers are facilities (and which analyses and leaders' figures they feed), the cases, the grid
// cells, the street network, the coverage targets. Pages ask for a role instead of naming layer ids.

/** True when ``definition`` plays ``role``. */
export function hasRole(definition, role) {
  const roles = definition?.roles;
  return Boolean(roles && typeof roles === "object" && Object.prototype.hasOwnProperty.call(roles, role));
}

/** The facility options of a layer ({rank, analyses, gap_preset, leaders}), or null. */
export function facilityOf(definition) {
  return hasRole(definition, "facility") ? definition.roles.facility || {} : null;
}

const rankOf = (definition) => {
  const rank = facilityOf(definition)?.rank;
  return Number.isFinite(rank) ? rank : Infinity;
};

/**
 * The definitions playing ``role``, in their order; facilities by rank, and with ``feeds`` only those
 * feeding that analysis kind.
 */
export function withRole(definitions, role, { feeds = null } = {}) {
  let found = definitions.filter((d) => hasRole(d, role));
  if (role !== "facility") {
    return found;
  }
  if (feeds) {
    found = found.filter((d) => (facilityOf(d).analyses || []).includes(feeds));
  }
  return found.map((d, i) => [d, i]).sort((a, b) => rankOf(a[0]) - rankOf(b[0]) || a[1] - b[1]).map(([d]) => d);
}

/** The first definition playing ``role`` (see withRole), or null. */
export function roleLayer(definitions, role, options) {
  return withRole(definitions, role, options)[0] ?? null;
}

/** The facilities the leaders' pages show, by rank: [{definition, leaders: {figure, color, label, ...}}]. */
export function leadersFacilities(definitions, figure = null) {
  return withRole(definitions, "facility")
    .filter((d) => facilityOf(d).leaders && (!figure || facilityOf(d).leaders.figure === figure))
    .map((definition) => ({ definition, leaders: facilityOf(definition).leaders }));
}

/** ``text`` with its {name} placeholders filled from ``params`` (for texts that come with a layer). */
export function fillText(text, params = {}) {
  return String(text ?? "").replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}
