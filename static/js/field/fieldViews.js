// The field view's screens below the map, one at a time, named in the address's hash so the phone's back
// button goes back: "" the worklist, "#case/<id>" a case, "#report" a new report, "#round" a round.

const ROUTE = /^#(?:(case)\/(\d+)|(report)|(round))$/;

/** {name: "list"|"detail"|"report"|"round", id?} for a location hash. */
export function parseRoute(hash) {
  const match = ROUTE.exec(hash || "");
  if (!match) {
    return { name: "list" };
  }
  if (match[1]) {
    return { name: "detail", id: Number(match[2]) };
  }
  return { name: match[3] ? "report" : "round" };
}

export class FieldViews {
  /**
   * @param {object} options
   * @param {Object<string, HTMLElement>} options.views list, detail, report, round
   * @param {Object<string, {enter?: function(object), leave?: function()}>} options.handlers per view
   * @param {function(string): void} [options.onChange] the view now shown
   */
  constructor({ views, handlers, onChange = () => {} }) {
    this.views = views;
    this.handlers = handlers;
    this.onChange = onChange;
    this.current = null;
  }

  start() {
    globalThis.addEventListener("hashchange", () => this.apply());
    this.apply();
    return this;
  }

  /** Go to ``hash`` (adds a history entry, so "back" returns). */
  go(hash) {
    if (globalThis.location.hash === hash || (!hash && !globalThis.location.hash)) {
      this.apply();
      return;
    }
    globalThis.location.hash = hash;
  }

  home() {
    this.go("");
  }

  apply() {
    const route = parseRoute(globalThis.location.hash);
    if (this.current && this.current !== route.name) {
      this.handlers[this.current]?.leave?.();
    }
    for (const [name, element] of Object.entries(this.views)) {
      element.hidden = name !== route.name;
    }
    this.current = route.name;
    document.body.dataset.view = route.name;
    this.handlers[route.name]?.enter?.(route);
    this.onChange(route.name);
  }
}
