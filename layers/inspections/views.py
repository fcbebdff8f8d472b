"""What the inspection API answers: checklists with their versions, rounds (an open spot-check hides its places
and its seed from the community), answers; instants as ISO 8601 with offset."""

from __future__ import annotations

from layers.inspections.answers import answer_view
from layers.inspections.rounds import sees_places
from layers.store import Store, format_instant


def checklist_view(checklist: dict, tz) -> dict:
    return checklist | {"valid_from": format_instant(checklist["valid_from"], tz),
                        "valid_to": format_instant(checklist.get("valid_to"), tz)}  # fmt: skip


def item_view(item: dict) -> dict:
    """A drawn place as the API names it: ``id`` for its number in the round."""
    return {"id": item["item"], "kind": item["kind"], "geometry": item["geometry"], "stratum": item["stratum"],
            "cell": item["cell"], "weight": item["weight"], "ref": item["ref"], "inspector": item["inspector"],
            "seq": item["seq"]}  # fmt: skip


def round_summary(round_: dict, tz) -> dict:
    return {
        "id": round_["id"], "area": round_["area"], "checklist": round_["checklist"],
        "checklist_version": round_["checklist_version"], "mode": round_["mode"], "status": round_["status"],
        "created_by": round_["created_by"], "created_at": format_instant(round_["created_at"], tz),
        "closed_at": format_instant(round_["closed_at"], tz),
    }  # fmt: skip


def round_view(store: Store, round_: dict, user: dict | None, tz) -> dict:
    """A round with its design, its places and which of them are answered; an open spot-check shows its
    author, inspectors and administrators everything, and others only how many places it drew."""
    out = round_summary(round_, tz)
    answered = sorted(a["item"] for a in store.round_answers(round_["id"]))
    design = round_["design"]
    if not sees_places(round_, user):
        return out | {"places_hidden": True, "drawn": len(round_["items"]), "answered_count": len(answered)}
    return out | {
        "seed": round_["seed"], "places_hidden": False, "design": design, "drawn": len(round_["items"]),
        "answered": answered, "answered_count": len(answered), "items": [item_view(i) for i in round_["items"]],
    }  # fmt: skip


def answers_view(store: Store, round_: dict, tz) -> list[dict]:
    return [answer_view(a, tz) for a in store.round_answers(round_["id"])]
