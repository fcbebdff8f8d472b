// What each write of the field view puts in the outbox (outbox.js): a transition or a note on a case
// (with the ETag of the version on screen), a before/after photo of a case, a photo that starts a report,
// and a new report; and how a queued write is described to the user.

import { shrinkPhoto } from "./photoShrink.js";

/** Queue ``to`` (with an optional note) on case ``id``. */
export function queueTransition(outbox, book, id, to, note) {
  return outbox.add({
    kind: "transition", caseId: id, path: `/api/cases/${encodeURIComponent(id)}/transitions`,
    json: note ? { to, note } : { to }, etag: book.etagOf(id),
  });
}

export function queueNote(outbox, book, id, note) {
  return outbox.add({
    kind: "note", caseId: id, path: `/api/cases/${encodeURIComponent(id)}/notes`, json: { note },
    etag: book.etagOf(id),
  });
}

/**
 * A "before" or "after" photo of case ``id`` (``file``: a File or Blob), made smaller on the phone with its
 * EXIF kept (photoShrink.js), then kept in IndexedDB until sent.
 */
export async function queueCasePhoto(outbox, id, kind, file) {
  const photo = await shrinkPhoto(file);
  return outbox.add({
    kind: "case_photo", caseId: id, path: `/api/cases/${encodeURIComponent(id)}/photos`, form: { kind },
    blob: photo, fileName: file.name || "photo.jpg",
  });
}

/** A photo taken first, before the report it starts (its answer gives its position and id). */
export async function queueLoosePhoto(outbox, file) {
  const photo = await shrinkPhoto(file);
  return outbox.add({ kind: "loose_photo", path: "/api/photos", blob: photo, fileName: file.name || "photo.jpg" });
}

/** A new report; ``photoItems`` are the queued loose photos whose ids it sends as photo_ids. */
export function queueReport(outbox, report, photoItems = []) {
  return outbox.add({ kind: "report", path: "/api/cases", json: report, photoRefs: photoItems.map((item) => item.id) });
}

/** One line saying what a queued write does ("开始处理 · 备注：…", "处理后照片"). */
export function describeWrite(item, i18n, workflow) {
  if (item.kind === "transition") {
    const label = i18n.pick(workflow.states[item.json.to]?.label, item.json.to);
    const text = i18n.t("field.write_transition", { status: label });
    return item.json.note ? `${text} · ${i18n.t("field.write_note", { note: item.json.note })}` : text;
  }
  if (item.kind === "note") {
    return i18n.t("field.write_note", { note: item.json.note });
  }
  if (item.kind === "case_photo") {
    return item.form.kind === "after" ? i18n.t("field.write_photo_after") : i18n.t("field.write_photo_before");
  }
  if (item.kind === "loose_photo") {
    return i18n.t("field.write_photo_loose");
  }
  return i18n.t("field.write_report");
}
