// Grid cell names are long and alike ("新港社区（虚构示例）第一网格（西围片）"): tables and chart axes show them
// without the part they all share.

const BOUNDARY = /[）)\]】\s·—\-_/|:：，,]/;

/**
 * Names without the part they all share at the start, cut after a bracket, space or dash so no word is split:
 * "新港社区（示例）第一网格", "新港社区（示例）第二网格" → "第一网格", "第二网格".
 */
export function shortNames(names) {
  if (names.length < 2) {
    return names;
  }
  let common = names[0];
  for (const name of names) {
    while (common && !name.startsWith(common)) {
      common = common.slice(0, -1);
    }
  }
  let cut = common.length;
  while (cut > 0 && !BOUNDARY.test(common[cut - 1])) {
    cut -= 1;
  }
  return names.map((name) => (name.length > cut ? name.slice(cut) : name));
}

/** ``rows`` (by_grid-like, with {name}) with ``short_name``: their names in ``lang`` without the shared start. */
export function withShortNames(rows, i18n) {
  const names = shortNames(rows.map((r) => i18n.pick(r.name, r.grid_code || "—")));
  return rows.map((row, i) => ({ ...row, short_name: names[i] }));
}
