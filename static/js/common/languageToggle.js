// The app bar's language switch: offers the other language and remembers the choice (see i18n.js).

export class LanguageToggle {
  /**
   * @param {object} options
   * @param {HTMLButtonElement} options.button
   * @param {import("./i18n.js").I18n} options.i18n
   */
  constructor({ button, i18n }) {
    this.button = button;
    this.i18n = i18n;
  }

  start() {
    this.button.lang = this.i18n.otherLanguage();
    this.button.addEventListener("click", () => this.i18n.setLanguage(this.i18n.otherLanguage()));
    this.i18n.onChange(() => {
      this.button.lang = this.i18n.otherLanguage();
    });
    return this;
  }
}
