// The message line of a form: the server's error in the current language (with its field problems
// spelled out), or a success note. Text only, through textContent.

// Field problems the server reports (field + code) in words people read; others show the server's reason.
const DETAIL_KEYS = {
  "name:invalid_value": "error.name_invalid",
  "name:duplicate": "error.name_duplicate",
  "password:invalid_value": "error.password_invalid",
  "display_name:invalid_value": "error.display_name_invalid",
  "grid_codes:invalid_value": "error.grid_invalid",
  "role:invalid_value": "error.role_invalid",
  "label:invalid_value": "error.label_invalid",
};

export class FormMessage {
  /**
   * @param {HTMLElement} element the message line (role="alert" or aria-live)
   * @param {import("./i18n.js").I18n} i18n
   */
  constructor(element, i18n) {
    this.element = element;
    this.i18n = i18n;
  }

  clear() {
    this.element.textContent = "";
    this.element.hidden = true;
    delete this.element.dataset.kind;
    delete this.element.dataset.code;
  }

  /** Show ``error`` (an ApiError, a network failure or any Error). */
  error(error) {
    const lines = [this.i18n.errorMessage(error)];
    for (const detail of error?.details || []) {
      const key = DETAIL_KEYS[`${detail.field}:${detail.code}`];
      const line = key ? this.i18n.t(key) : "";
      if (line && !lines.includes(line)) {
        lines.push(line);
      }
    }
    if (error?.retryAfter) {
      lines.push(this.i18n.t("error.retry_after", { minutes: Math.max(1, Math.ceil(error.retryAfter / 60)) }));
    }
    this.show(lines.join(" "), "error");
    this.element.dataset.code = error?.code || "error";
  }

  /** Show a message of ours (already translated). */
  show(text, kind = "info") {
    this.element.textContent = text;
    this.element.dataset.kind = kind;
    this.element.hidden = false;
  }
}
