// Keeps permanent map labels (road and area names) from piling up: after every move, labels are
// placed in priority order (wider roads first, then larger areas) and any label that would overlap
// one already placed is hidden until the view changes.

const GAP_PX = 3;

function overlaps(a, b) {
  return a.left < b.right + GAP_PX && b.left < a.right + GAP_PX && a.top < b.bottom + GAP_PX && b.top < a.bottom + GAP_PX;
}

export class LabelLayout {
  /**
   * @param {object} options
   * @param {L.Map} options.map
   */
  constructor({ map }) {
    this.map = map;
    this.frame = null;
    this.schedule = () => {
      if (this.frame === null) {
        this.frame = requestAnimationFrame(() => {
          this.frame = null;
          this.layout();
        });
      }
    };
  }

  start() {
    this.map.on("moveend zoomend viewreset resize", this.schedule);
    this.schedule();
    return this;
  }

  layout() {
    const container = this.map.getContainer();
    const pane = this.map.getPane("tooltipPane");
    if (!pane) {
      return;
    }
    const showLines = container.classList.contains("show-line-labels");
    const showAreas = container.classList.contains("show-area-labels");
    const view = container.getBoundingClientRect();
    const candidates = [];
    for (const label of pane.querySelectorAll(".map-label")) {
      const shown = label.classList.contains("map-label-line") ? showLines : showAreas;
      if (!shown) {
        continue;
      }
      const rect = label.getBoundingClientRect();
      if (rect.width === 0 || rect.right < view.left || rect.left > view.right
        || rect.bottom < view.top || rect.top > view.bottom) {
        label.classList.add("label-hidden");
        continue;
      }
      const priority = Number(label.firstElementChild?.dataset.priority || 0);
      candidates.push({ label, rect, priority });
    }
    candidates.sort((a, b) => b.priority - a.priority);
    const placed = [];
    for (const { label, rect } of candidates) {
      const clash = placed.some((other) => overlaps(rect, other));
      label.classList.toggle("label-hidden", clash);
      if (!clash) {
        placed.push(rect);
      }
    }
  }
}
