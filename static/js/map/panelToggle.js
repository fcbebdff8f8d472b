// Opening and closing the layer panel. On a phone (narrow screen) the panel is an overlay, closed at
// first and opened by the "Layers" button; on a wide screen it sits beside the map, open at first,
// and the same button collapses it.

const NARROW = "(max-width: 640px)";

export class PanelToggle {
  /**
   * @param {object} options
   * @param {HTMLElement} options.body gets the panel-open / panel-collapsed classes
   * @param {HTMLButtonElement} options.button the toggle in the app bar
   * @param {HTMLButtonElement} [options.closeButton] the close button inside the panel
   * @param {function(): void} [options.onLayoutChange] called after the map area changed size
   */
  constructor({ body, button, closeButton, onLayoutChange = () => {} }) {
    this.body = body;
    this.button = button;
    this.closeButton = closeButton;
    this.onLayoutChange = onLayoutChange;
    this.query = globalThis.matchMedia(NARROW);
  }

  get narrow() {
    return this.query.matches;
  }

  isOpen() {
    return this.narrow ? this.body.classList.contains("panel-open") : !this.body.classList.contains("panel-collapsed");
  }

  setOpen(open) {
    if (this.narrow) {
      this.body.classList.toggle("panel-open", open);
    } else {
      this.body.classList.toggle("panel-collapsed", !open);
      this.onLayoutChange();
    }
    this.button.setAttribute("aria-expanded", String(open));
  }

  start() {
    this.button.setAttribute("aria-expanded", String(this.isOpen()));
    this.button.addEventListener("click", () => this.setOpen(!this.isOpen()));
    this.closeButton?.addEventListener("click", () => {
      this.setOpen(false);
      this.button.focus();
    });
    this.body.ownerDocument.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.narrow && this.isOpen()) {
        this.setOpen(false);
      }
    });
    this.query.addEventListener("change", () => {
      this.button.setAttribute("aria-expanded", String(this.isOpen()));
      this.onLayoutChange();
    });
    return this;
  }
}
