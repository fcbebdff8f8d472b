// Who is logged in, and where the login page sends people back to. ``safeNext`` only ever returns a
// path on this site (never another host: the login page must not be an open redirect).

export const LOGIN_PATH = "/login";
const CONTROL_OR_BACKSLASH = /[\u0000-\u001f\u007f\\]/;

// /api/session names the role but not its title; the titles of roles.json, kept in the translation tables.
const ROLE_KEYS = {
  admin: "role.admin",
  planner: "role.planner",
  leader: "role.leader",
  field_worker: "role.field_worker",
};

/** The login page's address, coming back to ``next`` (a path on this site) afterwards. */
export function loginUrl(next, reason) {
  const params = new URLSearchParams();
  const target = safeNext(next);
  if (target !== "/") {
    params.set("next", target);
  }
  if (reason) {
    params.set("reason", reason);
  }
  const query = params.toString();
  return query ? `${LOGIN_PATH}?${query}` : LOGIN_PATH;
}

/**
 * ``raw`` if it is a same-site path ("/", "/admin", "/#18/23.1/113.3"), else "/". Absolute URLs,
 * protocol-relative "//host", backslashes (browsers read "\" as "/") and the login page itself are refused.
 */
export function safeNext(raw, origin = globalThis.location?.origin) {
  if (typeof raw !== "string" || !raw.startsWith("/") || raw.startsWith("//") || CONTROL_OR_BACKSLASH.test(raw)) {
    return "/";
  }
  let url;
  try {
    url = new URL(raw, origin);
  } catch {
    return "/";
  }
  if (url.origin !== origin || url.pathname === LOGIN_PATH) {
    return "/";
  }
  return url.pathname + url.search + url.hash;
}

export function hasPermission(user, permission) {
  return Boolean(user && Array.isArray(user.permissions) && user.permissions.includes(permission));
}

/** The title of ``role`` in the current language (the role's id when it is not a known one). */
export function roleTitle(i18n, role, title) {
  if (title) {
    return i18n.pick(title, String(role ?? "")); // the server's own title (layers/roles.json)
  }
  const key = ROLE_KEYS[role];
  return key ? i18n.t(key) : String(role ?? "");
}
