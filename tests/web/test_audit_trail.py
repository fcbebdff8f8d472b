"""The audit log records case edits (report, transition, note, plain edit, deletion), exports and photo
reads, each with actor, target and address, and every entry is sealed in the history chain."""

from __future__ import annotations

import io

from tests.web.case_world import jpeg, move, report, seed, users


def actions(store, n=50) -> list[tuple[str, str, str]]:
    return [(e["action"], e["actor"], e["target"]) for e in store.audit_log(n)]


def test_case_edits_exports_and_photo_reads_are_audited(app, client, store):
    seed(client)
    world = users(app)
    fid = report(world["west"]).get_json()["id"]
    assert ("case.report", "wang_w", str(fid)) in actions(store)
    assert move(world["planner"], fid, "filed").status_code == 200
    entry = next(e for e in store.audit_log() if e["action"] == "case.transition")
    assert entry["actor"] == "planner1" and (entry["detail"]["from"], entry["detail"]["to"]) == ("reported", "filed")
    assert world["west"].post(f"/api/cases/{fid}/notes", json={"note": "已到现场"}).status_code == 201
    assert ("case.note", "wang_w", str(fid)) in actions(store)
    version = client.get(f"/api/layers/blackspots/features/{fid}").get_json()["version"]
    edited = client.patch(f"/api/layers/blackspots/features/{fid}", headers={"If-Match": f'"{fid}.{version}"'},
                          json={"properties": {"description": "路边堆放垃圾（补充）"}})  # fmt: skip
    assert edited.status_code == 200 and ("case.edit", "tester", str(fid)) in actions(store)
    form = {"kind": "before", "file": (io.BytesIO(jpeg()), "a.jpg")}
    photo = world["west"].post(f"/api/cases/{fid}/photos", data=form, content_type="multipart/form-data").get_json()
    before = len(store.audit_log(1000))
    assert world["leader"].get(f"/api/photos/{photo['id']}").status_code == 200
    assert world["leader"].get(f"/api/photos/{photo['id']}/meta").status_code == 200
    assert world["leader"].get(f"/api/photos/{photo['id']}/thumb").status_code == 200  # lists: not audited
    pid = str(photo["id"])
    assert actions(store, 2) == [("photo.meta_read", "boss", pid), ("photo.read", "boss", pid)]
    assert len(store.audit_log(1000)) == before + 2
    assert client.get("/api/layers/blackspots/export?format=csv").status_code == 200
    assert actions(store, 1)[0][0] == "data.export"
    version = client.get(f"/api/layers/blackspots/features/{fid}").get_json()["version"]
    gone = client.delete(f"/api/layers/blackspots/features/{fid}", headers={"If-Match": f'"{fid}.{version}"'})
    assert gone.status_code == 204
    assert actions(store, 1)[0] == ("case.delete", "tester", str(fid))
    assert store.verify_chain()["ok"]


def test_a_refused_edit_leaves_no_audit_entry(app, client, store):
    seed(client)
    world = users(app)
    fid = report(world["west"]).get_json()["id"]
    count = len(store.audit_log(1000))
    refused = move(world["east"], fid, "fixed")  # not their cell, and not a move the lifecycle allows
    assert refused.status_code in (403, 409, 422)
    assert len(store.audit_log(1000)) == count
