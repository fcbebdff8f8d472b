// The time slider of the before/after page: the weeks between the two dates (compare's `weeks`), played one
// after another or stepped through, with the open cases of each week as a counter and as a row of bars.
// Moving it calls onChange(index), which resolves once the map shows that week; playing waits for it, so a
// slow week is never skipped, and asks for the weeks ahead so they are ready when their turn comes.

import { el } from "../common/dom.js";

const FRAME_MS = 800;

export class TimeSlider {
  /**
   * @param {object} options
   * @param {HTMLElement} options.container
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {string} options.timeZone
   * @param {function(number): Promise} options.onChange show week ``index``
   * @param {function(number): void} [options.prefetch] get week ``index`` ready
   */
  constructor({ container, i18n, timeZone, onChange, prefetch = () => {} }) {
    this.container = container;
    this.i18n = i18n;
    this.timeZone = timeZone;
    this.onChange = onChange;
    this.prefetch = prefetch;
    this.weeks = [];
    this.index = 0;
    this.playing = false;
    this.token = 0;
  }

  start() {
    this.i18n.onChange(() => this.render());
    return this;
  }

  /** Show ``weeks`` ([{at, open, fixed, closed, cases}]) with week ``index`` selected. */
  setWeeks(weeks, index = 0) {
    this.pause();
    this.weeks = weeks || [];
    this.index = Math.max(0, Math.min(index, this.weeks.length - 1));
    this.render();
    return this.go(this.index);
  }

  button(part, key, onClick) {
    const button = el("button", { className: "button lv-slider-button", text: this.i18n.t(key),
      dataset: { part }, attrs: { type: "button" } });
    button.addEventListener("click", onClick);
    return button;
  }

  render() {
    const last = Math.max(0, this.weeks.length - 1);
    this.range = el("input", { className: "lv-slider-range", attrs: { type: "range", min: "0", max: String(last),
      step: "1", value: String(this.index), "aria-label": this.i18n.t("leaders.slider.label") } });
    this.range.addEventListener("input", () => {
      this.pause();
      this.go(Number(this.range.value));
    });
    this.playButton = this.button("play", this.playing ? "leaders.slider.pause" : "leaders.slider.play", () => this.toggle());
    this.dateText = el("span", { className: "lv-slider-date", attrs: { "aria-live": "polite" } });
    this.counter = el("span", { className: "lv-slider-count", dataset: { part: "count" } });
    const peak = Math.max(1, ...this.weeks.map((w) => w.open));
    this.bars = this.weeks.map((week, i) => {
      const bar = el("button", { className: "lv-bar", dataset: { index: i },
        attrs: { type: "button", tabindex: "-1", title: this.i18n.t("leaders.slider.bar_title",
          { date: this.dateLabel(week.at), count: week.open }) } }, [el("span", { className: "lv-bar-fill" })]);
      bar.firstChild.style.height = `${Math.max(2, (100 * week.open) / peak)}%`;
      bar.addEventListener("click", () => {
        this.pause();
        this.go(i);
      });
      return bar;
    });
    this.container.replaceChildren(
      el("div", { className: "lv-slider-controls" }, [
        this.button("back", "leaders.slider.back", () => { this.pause(); this.go(this.index - 1); }),
        this.playButton,
        this.button("forward", "leaders.slider.forward", () => { this.pause(); this.go(this.index + 1); }),
        this.range, this.dateText, this.counter,
      ]),
      el("div", { className: "lv-bars", attrs: { "aria-hidden": "true" } }, this.bars),
    );
    this.show();
  }

  dateLabel(at) {
    return this.i18n.formatDateTime(at, this.timeZone, { dateStyle: "medium" });
  }

  show() {
    const week = this.weeks[this.index];
    if (!week || !this.range) {
      return;
    }
    this.range.value = String(this.index);
    this.dateText.textContent = this.i18n.t("leaders.slider.week", { date: this.dateLabel(week.at),
      number: this.index + 1, total: this.weeks.length });
    this.counter.textContent = this.i18n.t("leaders.slider.open", { count: this.i18n.formatNumber(week.open) });
    this.counter.dataset.open = String(week.open);
    this.counter.dataset.at = week.at;
    this.bars.forEach((bar, i) => bar.classList.toggle("is-current", i === this.index));
  }

  /** Show week ``index``; resolves when the map has drawn it (a later move supersedes an earlier one). */
  async go(index) {
    if (!this.weeks.length) {
      return;
    }
    this.index = Math.max(0, Math.min(index, this.weeks.length - 1));
    this.show();
    for (let ahead = 1; ahead <= 3; ahead += 1) {
      if (this.index + ahead < this.weeks.length) {
        this.prefetch(this.index + ahead);
      }
    }
    await this.onChange(this.index);
  }

  toggle() {
    if (this.playing) {
      this.pause();
    } else {
      this.play();
    }
  }

  async play() {
    if (this.weeks.length < 2) {
      return;
    }
    this.playing = true;
    const token = ++this.token;
    this.playButton.textContent = this.i18n.t("leaders.slider.pause");
    this.container.dataset.playing = "1";
    if (this.index >= this.weeks.length - 1) {
      await this.go(0);
    }
    while (this.playing && token === this.token && this.index < this.weeks.length - 1) {
      await new Promise((resolve) => setTimeout(resolve, FRAME_MS));
      if (!this.playing || token !== this.token) {
        break;
      }
      await this.go(this.index + 1);
    }
    if (token === this.token) {
      this.pause();
    }
  }

  pause() {
    this.playing = false;
    this.token += 1;
    if (this.playButton) {
      this.playButton.textContent = this.i18n.t("leaders.slider.play");
    }
    delete this.container.dataset.playing;
  }
}
