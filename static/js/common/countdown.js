// A deadline as the time left or overdue ("剩余 5 小时", "超期 2 天"), in whole units rounded down: minutes
// under an hour, hours under two days, days beyond. Shown by the field view's list and detail.

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const SOON_MS = DAY_MS; // a deadline within a day is "soon" (styled to catch the eye)
const KEYS = {
  left: { minutes: "countdown.left_minutes", hours: "countdown.left_hours", days: "countdown.left_days" },
  over: { minutes: "countdown.over_minutes", hours: "countdown.over_hours", days: "countdown.over_days" },
};

/**
 * ``deadline`` (ISO 8601) seen at ``nowMs``: {text, overdue, soon}, or null when there is no deadline.
 * @param {import("./i18n.js").I18n} i18n
 */
export function countdown(i18n, deadline, nowMs = Date.now()) {
  const due = deadline ? Date.parse(deadline) : NaN;
  if (!Number.isFinite(due)) {
    return null;
  }
  const left = due - nowMs;
  const span = Math.abs(left);
  const [unit, n] = span < HOUR_MS ? ["minutes", Math.max(1, Math.floor(span / MINUTE_MS))]
    : span < 2 * DAY_MS ? ["hours", Math.floor(span / HOUR_MS)] : ["days", Math.floor(span / DAY_MS)];
  const overdue = left < 0;
  return { text: i18n.t(KEYS[overdue ? "over" : "left"][unit], { n }), overdue,
    soon: !overdue && left < SOON_MS };
}
