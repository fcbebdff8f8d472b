// Before logging out of the field view: changes still in the outbox are not lost by logging out (they
// belong to this user, stay on this phone and are sent when the same user logs in here again), but they
// do not reach the server until then. So the guard first tries to send them (for a few seconds, whatever
// navigator.onLine says), and if some are still waiting it says how many and asks: stay and let them go
// out, or log out anyway.

import { el } from "../common/dom.js";

const FLUSH_WAIT_MS = 8_000;

/**
 * A ``beforeLogout`` for the user menu: resolves true to go on with the logout.
 * @param {object} options
 * @param {import("./outbox.js").Outbox} options.outbox
 * @param {import("../common/i18n.js").I18n} options.i18n
 */
export function outboxLogoutGuard({ outbox, i18n }) {
  return async () => {
    if (outbox.queued().length) {
      await Promise.race([outbox.flush(), new Promise((resolve) => setTimeout(resolve, FLUSH_WAIT_MS))]);
    }
    const queued = outbox.queued().length;
    const setAside = outbox.setAside().length;
    if (!queued && !setAside) {
      return true;
    }
    return confirmLogout(i18n, queued, setAside, outbox.persistent);
  };
}

function confirmLogout(i18n, queued, setAside, persistent) {
  const t = (key, values) => i18n.t(key, values);
  const stay = el("button", { className: "button button-primary", text: t("logout_guard.stay"),
    attrs: { type: "button", id: "logout-guard-stay", value: "stay" } });
  const leave = el("button", { className: "button button-danger", text: t("logout_guard.leave"),
    attrs: { type: "button", id: "logout-guard-leave", value: "leave" } });
  const lines = [];
  if (queued) {
    lines.push(t("logout_guard.queued", { count: queued }));
  }
  if (setAside) {
    lines.push(t("logout_guard.set_aside", { count: setAside }));
  }
  lines.push(t(persistent ? "logout_guard.kept" : "logout_guard.lost"));
  const dialog = el("dialog", { className: "dialog logout-guard",
    attrs: { id: "logout-guard", "aria-labelledby": "logout-guard-title" },
    dataset: { queued, setAside } }, [
    el("div", { className: "dialog-form" }, [
      el("h2", { className: "dialog-title", text: t("logout_guard.title", { count: queued + setAside }),
        attrs: { id: "logout-guard-title" } }),
      ...lines.map((line) => el("p", { className: "logout-guard-text", text: line })),
      el("div", { className: "dialog-actions" }, [leave, stay]),
    ]),
  ]);
  return new Promise((resolve) => {
    let choice = "stay"; // Escape, or anything else that closes the dialog, keeps the user here
    stay.addEventListener("click", () => dialog.close());
    leave.addEventListener("click", () => {
      choice = "leave";
      dialog.close();
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(choice === "leave");
    });
    document.body.append(dialog);
    dialog.showModal();
    stay.focus();
  });
}
