"""Demo accounts, one per role, with published passwords: only for the fictional demo community."""

from __future__ import annotations

from layers.accounts import hash_password
from layers.demo.frame import COMMUNITY, DIVISION, STREET
from layers.store import AccountStore


def _cells(*numbers: int) -> tuple[str, ...]:
    return tuple(f"{DIVISION}{STREET}{COMMUNITY}{n:03d}" for n in numbers)


# name, role, password, display name, grid cells (field workers only)
DEMO_USERS = (
    ("admin", "admin", "demo-admin-2026", "系统管理员（示例）", ()),
    ("planner", "planner", "demo-planner-2026", "规划科 李工（示例）", ()),
    ("leader", "leader", "demo-leader-2026", "街道办 王主任（示例）", ()),
    ("wangge1", "field_worker", "demo-worker-2026", "网格员 张敏（示例）", _cells(1, 2, 3, 4)),
    ("wangge2", "field_worker", "demo-worker-2026", "网格员 陈刚（示例）", _cells(5, 6, 7, 8)),
)


def seed_demo_users(store: AccountStore) -> list[tuple[str, str, str]]:
    """Create the demo accounts that do not exist yet; return (name, role, password) of every demo account."""
    for name, role, password, display_name, cells in DEMO_USERS:
        if store.user(name) is None:
            store.create_user(
                name, role, hash_password(password), display_name=display_name, grid_codes=cells, actor="demo-seed"
            )
    return [(name, role, password) for name, role, password, _, _ in DEMO_USERS]
