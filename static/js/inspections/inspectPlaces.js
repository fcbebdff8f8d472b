// The inspector's list of drawn places in walking order: each says whether it is still to do, waiting on
// the phone to be sent (待同步), or answered on the server.

import { el } from "../common/dom.js";

const STATE_WORDS = { todo: "inspect.state_todo", queued: "inspect.state_queued", answered: "inspect.state_answered" };

export class PlaceList {
  /**
   * @param {object} options
   * @param {HTMLElement} options.list the <ol>
   * @param {object} options.i18n
   * @param {function(object): void} options.onOpen called with the place tapped
   */
  constructor({ list, i18n, onOpen }) {
    this.list = list;
    this.i18n = i18n;
    this.onOpen = onOpen;
  }

  /** Draw ``places`` with their states: ``answered`` and ``queued`` are sets of item ids. */
  render(places, answered, queued) {
    const rows = places.map((place) => {
      const state = answered.has(place.id) ? "answered" : (queued.has(place.id) ? "queued" : "todo");
      const button = el("button", { className: "ins-place", attrs: { type: "button", disabled: state !== "todo" },
        dataset: { item: place.id, state } }, [
        el("span", { className: "ins-seq", text: String(place.seq || place.id) }),
        el("span", { className: "ins-name", text: place.ref.name || place.ref.layer }),
        el("span", { className: "ins-state", text: this.i18n.t(STATE_WORDS[state]) }),
      ]);
      button.addEventListener("click", () => this.onOpen(place));
      return el("li", {}, [button]);
    });
    this.list.replaceChildren(...rows);
    this.list.dataset.count = String(places.length);
    this.list.dataset.todo = String(rows.filter((row) => row.firstChild.dataset.state === "todo").length);
  }
}
