// Charts with the vendored Apache ECharts (ES module build): one chart per element, drawn on canvas in the
// page's language, resized with its box, re-drawn when the language changes. Tooltips render as rich text
// on the canvas (renderMode "richText"), so no HTML with style attributes is ever inserted (the CSP allows
// none). The element gets data-chart-ready="1" after each render (tests wait for it).

import * as echarts from "../../vendor/echarts-6.1.0/echarts.esm.min.js";

const FONT = 'system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';
export const PALETTE = ["#1f5e3b", "#d32f2f", "#f57c00", "#1565c0", "#8e24aa", "#00838f", "#6d4c41", "#7cb342",
  "#5c6bc0", "#c0ca33"];

export class Chart {
  /**
   * @param {object} options
   * @param {HTMLElement} options.element an empty box with a height
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {function(): object} options.option builds the ECharts option (called again on a language change)
   */
  constructor({ element, i18n, option }) {
    this.element = element;
    this.i18n = i18n;
    this.option = option;
    this.chart = null;
    this.observer = new ResizeObserver(() => this.chart?.resize());
  }

  start() {
    this.render();
    this.observer.observe(this.element);
    this.i18n.onChange(() => this.render());
    return this;
  }

  render() {
    this.chart?.dispose();
    delete this.element.dataset.chartReady;
    this.chart = echarts.init(this.element, null, { renderer: "canvas", locale: this.i18n.lang === "zh-CN" ? "ZH" : "EN" });
    const option = this.option();
    this.chart.setOption({
      color: PALETTE,
      textStyle: { fontFamily: FONT },
      animationDuration: 300,
      ...option,
      tooltip: { ...(option.tooltip || {}), renderMode: "richText", confine: true },
    });
    this.chart.on("finished", () => {
      this.element.dataset.chartReady = "1";
    });
  }

  /** Build the option again (the data changed). */
  update(option) {
    if (option) {
      this.option = option;
    }
    this.render();
  }
}
