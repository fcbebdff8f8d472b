// The analysis panel's messages: the status line (a run in progress, how long the last one took) and the
// server's refusal in the current language, each refused parameter named as the kind's form names it.

import { paramOf } from "./analysisKinds.js";
import { el } from "../common/dom.js";

const PROBLEM_KEYS = {
  invalid_value: "analysis.problem.invalid_value",
  wrong_type: "analysis.problem.wrong_type",
  unknown_layer: "analysis.problem.unknown_layer",
  wrong_geometry: "analysis.problem.wrong_geometry",
};

/**
 * The status line's content: {running: kind declaration} (a spinner), {seconds} (how long the run took).
 * @returns {Array<HTMLElement>}
 */
export function statusContent(status, i18n) {
  if (status.running) {
    return [
      el("span", { className: "analysis-spinner", attrs: { "aria-hidden": "true" } }),
      el("span", { text: i18n.t("analysis.running", { kind: i18n.t(status.running.title) }) }),
    ];
  }
  return [el("span", { text: i18n.t("analysis.done_in", {
    seconds: i18n.formatNumber(status.seconds, { maximumFractionDigits: 1, minimumFractionDigits: 1 }) }) })];
}

/** The server's refusal of a run of ``kind`` (its declaration) as one text, each detail on its field. */
export function errorText(error, kind, i18n) {
  const t = (key, params) => i18n.t(key, params);
  const lines = [i18n.errorMessage(error)];
  for (const detail of error?.details || []) {
    const label = paramOf(kind, detail.field)?.label;
    const field = label ? t(label) : String(detail.field || "");
    let problem = PROBLEM_KEYS[detail.code] ? t(PROBLEM_KEYS[detail.code]) : "";
    // The server's reason (its limits, e.g. "must be above 0 and at most 20000") is in English only.
    if (detail.reason && (!problem || i18n.lang === "en")) {
      problem = problem ? `${problem} (${detail.reason})` : detail.reason;
    }
    lines.push(t("analysis.error_detail", { field, problem }));
  }
  return lines.join(" ");
}
