// The deadline badge of a case on the clock (dispatched, in progress, reopened): the time left or overdue
// ("剩余 5 小时", "超期 2 天"), red once overdue, amber within a day; none for a case off the clock.

import { countdown } from "../common/countdown.js";
import { el } from "../common/dom.js";

/** The one way the field view writes an instant: "2026年12月7日 21:58" / "Dec 7, 2026, 9:58 PM". */
export const DATE_TIME = { dateStyle: "medium", timeStyle: "short" };

/** The badge of ``view`` (a CaseBook view), or null. */
export function deadlineBadge(i18n, book, view, nowMs = Date.now()) {
  if (!book.clockStates.has(view.status)) {
    return null;
  }
  const left = countdown(i18n, view.deadline, nowMs);
  if (!left) {
    return null;
  }
  const kind = left.overdue ? "overdue" : left.soon ? "soon" : "due";
  const title = i18n.t(left.overdue ? "field.overdue" : "field.deadline");
  return el("span", { className: `fv-badge fv-badge-${kind}`, dataset: { part: "countdown" }, text: left.text,
    attrs: { title } });
}
