"""Account roles, weakest first, with their names (no database: the CLI's parser names them too)."""

ROLES = ("viewer", "analyst", "admin")
ROLE_NAMES = {
    "viewer": ("查看者", "viewer"),
    "analyst": ("统计员", "analyst"),
    "admin": ("管理员", "administrator"),
}
