// Translations: loads static/i18n/<lang>.json, looks keys up, formats numbers and dates, remembers
// the chosen language and relabels static markup carrying data-i18n* attributes.

export const LANGUAGES = ["zh-CN", "en"];
export const DEFAULT_LANGUAGE = "zh-CN";
const STORAGE_KEY = "chuangwei.language";

/** localStorage, or a no-op stand-in where it is blocked (some in-app browsers, private modes). */
export function safeStorage() {
  try {
    const storage = globalThis.localStorage;
    const probe = "chuangwei.probe";
    storage.setItem(probe, "1");
    storage.removeItem(probe);
    return storage;
  } catch {
    const memory = new Map();
    return {
      getItem: (key) => (memory.has(key) ? memory.get(key) : null),
      setItem: (key, value) => memory.set(key, String(value)),
      removeItem: (key) => memory.delete(key),
    };
  }
}

export class I18n {
  /**
   * @param {object} options
   * @param {string} [options.baseUrl] folder holding <lang>.json
   * @param {Storage} [options.storage] where the chosen language is remembered
   */
  constructor({ baseUrl = "/static/i18n/", storage = safeStorage() } = {}) {
    this.baseUrl = baseUrl;
    this.storage = storage;
    this.tables = new Map();
    this.listeners = new Set();
    const saved = storage.getItem(STORAGE_KEY);
    this.language = LANGUAGES.includes(saved) ? saved : DEFAULT_LANGUAGE;
    this.numberFormats = new Map();
  }

  /** Fetch every translation table (they are small); the default one must load. */
  async load() {
    await Promise.all(LANGUAGES.map(async (lang) => {
      const response = await fetch(`${this.baseUrl}${lang}.json`);
      if (!response.ok) {
        throw new Error(`translations ${lang}: HTTP ${response.status}`);
      }
      this.tables.set(lang, await response.json());
    }));
    return this;
  }

  get lang() {
    return this.language;
  }

  /** The text for ``key`` in the current language with {name} placeholders filled from ``params``. */
  t(key, params = {}) {
    return this.textIn(this.language, key, params);
  }

  /** The text for ``key`` in ``lang`` (falling back to the default language, then the key itself). */
  textIn(lang, key, params = {}) {
    const text = this.tables.get(lang)?.[key] ?? this.tables.get(DEFAULT_LANGUAGE)?.[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
  }

  /**
   * ``key`` in every language as a {"zh-CN": ..., "en": ...} object (the shape the API uses), for texts
   * that are picked later, when the language may have changed (popups re-render on a switch).
   */
  allLanguages(key, params = {}) {
    return Object.fromEntries(LANGUAGES.map((lang) => [lang, this.textIn(lang, key, params)]));
  }

  /** The current language's entry of a {"zh-CN": ..., "en": ...} object from the API. */
  pick(localized, fallback = "") {
    if (localized === null || localized === undefined) {
      return fallback;
    }
    if (typeof localized === "string") {
      return localized;
    }
    return localized[this.language] ?? localized[DEFAULT_LANGUAGE] ?? Object.values(localized)[0] ?? fallback;
  }

  /** The server's error message in the current language (see api.js ApiError). */
  errorMessage(error) {
    if (error && typeof error.localized === "function") {
      return error.localized(this.language);
    }
    if (error instanceof TypeError) {
      return this.t("notice.network");
    }
    return String(error?.message ?? error);
  }

  formatNumber(value, options = {}) {
    const key = JSON.stringify([this.language, options]);
    let format = this.numberFormats.get(key);
    if (!format) {
      format = new Intl.NumberFormat(this.language, options);
      this.numberFormats.set(key, format);
    }
    return format.format(value);
  }

  /** A short count for cluster badges: 1,234 → "1234" / 12,345 → "1.2万" or "12K". */
  formatCompact(value) {
    if (value < 10000) {
      return String(value);
    }
    return this.formatNumber(value, { notation: "compact", maximumFractionDigits: 1 });
  }

  /**
   * An instant (ISO 8601 text or milliseconds since the epoch) shown in ``timeZone`` (the project's
   * zone from /api/config); ``style`` holds Intl's dateStyle / timeStyle.
   */
  formatDateTime(text, timeZone, style = { dateStyle: "medium", timeStyle: "short" }) {
    const date = new Date(text);
    if (Number.isNaN(date.getTime())) {
      return String(text);
    }
    try {
      return new Intl.DateTimeFormat(this.language, { ...style, timeZone: timeZone || undefined }).format(date);
    } catch {
      return date.toLocaleString(this.language);
    }
  }

  /** Join labels with the language's list separator. */
  join(items) {
    return items.join(this.t("list.separator"));
  }

  onChange(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setLanguage(lang) {
    if (!LANGUAGES.includes(lang) || lang === this.language) {
      return;
    }
    this.language = lang;
    this.storage.setItem(STORAGE_KEY, lang);
    this.apply(document);
    for (const listener of this.listeners) {
      listener(lang);
    }
  }

  /** The other language (the switch button offers it). */
  otherLanguage() {
    return LANGUAGES.find((lang) => lang !== this.language) ?? DEFAULT_LANGUAGE;
  }

  /**
   * Relabel markup: data-i18n sets textContent; data-i18n-title, data-i18n-aria-label and
   * data-i18n-placeholder set those attributes. Also <html lang>, and the page title (the app's name
   * unless the <title> element names its own key with data-i18n).
   */
  apply(root) {
    const doc = root.ownerDocument ?? root;
    doc.documentElement.lang = this.language;
    if (!doc.querySelector("title[data-i18n]")) {
      doc.title = this.t("app.title");
    }
    for (const element of root.querySelectorAll("[data-i18n]")) {
      element.textContent = this.t(element.dataset.i18n);
    }
    for (const element of root.querySelectorAll("[data-i18n-title]")) {
      element.title = this.t(element.dataset.i18nTitle);
    }
    for (const element of root.querySelectorAll("[data-i18n-aria-label]")) {
      element.setAttribute("aria-label", this.t(element.dataset.i18nAriaLabel));
    }
    for (const element of root.querySelectorAll("[data-i18n-placeholder]")) {
      element.placeholder = this.t(element.dataset.i18nPlaceholder);
    }
  }
}
