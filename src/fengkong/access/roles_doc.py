"""`docs/roles.md`'s generated tables, rendered from `access.permissions`: which role holds
which permission, which permission each route of the API and the console needs, and each
command of the CLI."""

from __future__ import annotations

from fengkong.access.console_routes import CONSOLE_PUBLIC, CONSOLE_ROUTES
from fengkong.access.permissions import (
    COMMAND_PERMISSIONS,
    GRANTS,
    LOCAL_COMMANDS,
    PUBLIC,
    ROUTE_PERMISSIONS,
    Permission,
)
from fengkong.core.actor import Role


def grants_markdown() -> str:
    """Permissions × roles, a check where the role is granted the permission."""
    roles = list(Role)
    lines = [
        "| permission | " + " | ".join(r.value for r in roles) + " |",
        "| --- | " + " | ".join(":-:" for _ in roles) + " |",
    ]
    for permission in Permission:
        marks = ("✓" if role in GRANTS[permission] else "" for role in roles)
        lines.append(f"| `{permission.value}` | " + " | ".join(marks) + " |")
    return "\n".join(lines) + "\n"


def routes_markdown() -> str:
    """Every declared route of the API and of the console (`/console/…`), by path then method,
    with the permission it needs."""
    declared = {**ROUTE_PERMISSIONS, **CONSOLE_ROUTES}
    rows = [(path, method, f"`{p.value}`") for (method, path), p in declared.items()]
    rows += [
        (path, method, "public") for method, path in PUBLIC | CONSOLE_PUBLIC if method != "HEAD"
    ]
    lines = ["| method | route | needs |", "| --- | --- | --- |"]
    lines += [f"| {method} | `{path}` | {needs} |" for path, method, needs in sorted(rows)]
    return "\n".join(lines) + "\n"


def commands_markdown() -> str:
    """Every declared command of `fengkong`, alphabetically, with the permission it needs and the
    roles granted it; the commands needing no login say so."""
    rows = [
        (command, f"`{p.value}`", ", ".join(r.value for r in Role if r in GRANTS[p]))
        for command, p in COMMAND_PERMISSIONS.items()
    ]
    rows += [(command, "no login", "") for command in LOCAL_COMMANDS]
    lines = ["| command | needs | roles |", "| --- | --- | --- |"]
    lines += [f"| `fengkong {c}` | {needs} | {roles} |" for c, needs, roles in sorted(rows)]
    return "\n".join(lines) + "\n"
