"""CLI for accounts: `python -m etl users add|set-role|set-regions|disable|enable|passwd|list`.

Passwords come from --password-stdin (first line of stdin), the LAWSTATS_USER_PASSWORD
environment variable, or an interactive prompt (asked twice, never echoed); never from an
argument, so they do not end up in the shell history or the process list.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys

PASSWORD_ENV = "LAWSTATS_USER_PASSWORD"
EXIT_REFUSED = 1


def register(sub, with_db) -> None:
    users = sub.add_parser("users", help="local accounts: add, change role, disable, list")
    usub = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    from lawstats.domain.roles import ROLES

    def region_arg(sp: argparse.ArgumentParser, help_text: str) -> None:
        sp.add_argument(
            "--region",
            action="append",
            default=None,
            metavar="REGION",
            help=help_text + " (code or name: 620502, 秦州区, 天水市秦州区; repeatable)",
        )

    def password_args(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--password-stdin",
            action="store_true",
            help=f"read the password from the first line of stdin (else ${PASSWORD_ENV}, else a prompt)",
        )

    sp = with_db(usub.add_parser("add", help="create an account"))
    sp.add_argument("username")
    sp.add_argument("--role", required=True, choices=ROLES)
    region_arg(sp, "region the analyst may write, with everything below it")
    sp.add_argument("--name", help="display name (default: the user name)")
    password_args(sp)
    sp.set_defaults(func=cmd_add)

    sp = with_db(usub.add_parser("set-role", help="change an account's role (and regions)"))
    sp.add_argument("username")
    sp.add_argument("role", choices=ROLES)
    region_arg(sp, "replace the assigned regions")
    sp.set_defaults(func=cmd_set_role)

    sp = with_db(usub.add_parser("set-regions", help="replace an account's assigned regions"))
    sp.add_argument("username")
    region_arg(sp, "assigned region")
    sp.set_defaults(func=cmd_set_regions)

    for action, help_text in (("disable", "disable an account"), ("enable", "enable it again")):
        sp = with_db(usub.add_parser(action, help=help_text))
        sp.add_argument("username")
        sp.set_defaults(func=cmd_active, active=action == "enable")

    sp = with_db(usub.add_parser("passwd", help="set a new password"))
    sp.add_argument("username")
    password_args(sp)
    sp.set_defaults(func=cmd_passwd)

    sp = with_db(usub.add_parser("list", help="list accounts"))
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_list)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):
        return "cli"


def _err(message: str) -> None:
    print(f"错误 error: {message}", file=sys.stderr)


def read_password(args: argparse.Namespace) -> str | None:
    """The new password from stdin, the environment or a prompt; None if none could be had."""
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    env = os.environ.get(PASSWORD_ENV)
    if env:
        return env
    if not sys.stdin.isatty():
        return None
    first = getpass.getpass("密码 password: ")
    second = getpass.getpass("再次输入 again: ")
    if first != second:
        _err("两次输入的密码不一致 / the passwords differ")
        return None
    return first


def _password(args: argparse.Namespace) -> str:
    from etl.cli import UsageError

    password = read_password(args)
    if password is None:
        raise UsageError(
            f"未提供密码：用 --password-stdin、${PASSWORD_ENV} 或在终端输入 / "
            f"no password: use --password-stdin, ${PASSWORD_ENV} or a terminal prompt"
        )
    return password


def _regions(args: argparse.Namespace):
    from lawstats.store.auth import resolve_regions

    return resolve_regions(args.region or [])


def _run(fn) -> int:
    from lawstats.store.auth import AuthError

    try:
        message = fn()
    except AuthError as exc:
        _err(str(exc))
        return EXIT_REFUSED
    print(message)
    return 0


def _describe(user) -> str:
    from lawstats.domain.regions import load_regions

    table = load_regions()
    regions = "、".join(table.full_name(c) for c in user.regions) or "-"
    state = "启用 active" if user.active else "停用 disabled"
    return f"{user.username}  {user.display_name}  {user.role}  {regions}  {state}"


def cmd_add(args: argparse.Namespace) -> int:
    from etl.cli import _engine
    from lawstats.store import auth

    def run() -> str:
        regions = _regions(args)
        if args.role == "analyst" and not regions:
            raise auth.AuthError(
                "统计员至少需要一个 --region", "an analyst needs at least one --region"
            )
        password = _password(args)
        auth.check_password_policy(password)
        user = auth.add_user(
            _engine(args), args.username, password, args.role, regions, args.name, actor=_actor()
        )
        return "已创建 created: " + _describe(user)

    return _run(run)


def cmd_set_role(args: argparse.Namespace) -> int:
    from etl.cli import _engine
    from lawstats.store import auth

    def run() -> str:
        regions = _regions(args) if args.region is not None else None
        user = auth.set_role(_engine(args), args.username, args.role, regions, actor=_actor())
        if user.role == "analyst" and not user.regions:
            print(
                "提示 note: 该统计员尚未分配地区，不能写入任何数据 / "
                "this analyst has no regions yet and may not write anything",
                file=sys.stderr,
            )
        return "已修改 updated: " + _describe(user)

    return _run(run)


def cmd_set_regions(args: argparse.Namespace) -> int:
    from etl.cli import _engine
    from lawstats.store import auth

    def run() -> str:
        user = auth.set_regions(_engine(args), args.username, _regions(args), actor=_actor())
        return "已修改 updated: " + _describe(user)

    return _run(run)


def cmd_active(args: argparse.Namespace) -> int:
    from etl.cli import _engine
    from lawstats.store import auth

    def run() -> str:
        user = auth.set_active(_engine(args), args.username, args.active, actor=_actor())
        return "已修改 updated: " + _describe(user)

    return _run(run)


def cmd_passwd(args: argparse.Namespace) -> int:
    from etl.cli import _engine
    from lawstats.store import auth

    def run() -> str:
        password = _password(args)
        auth.check_password_policy(password)
        user = auth.set_password(_engine(args), args.username, password, actor=_actor())
        return f"已设置新密码 password changed: {user.username}"

    return _run(run)


def cmd_list(args: argparse.Namespace) -> int:
    from etl.cli import _engine
    from lawstats.store import auth

    accounts = auth.list_accounts(_engine(args))
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "username": a.user.username,
                        "display_name": a.user.display_name,
                        "role": a.user.role,
                        "regions": list(a.user.regions),
                        "active": a.user.active,
                        "created_at": a.created_at,
                        "last_login_at": a.last_login_at,
                    }
                    for a in accounts
                ],
                ensure_ascii=False,
                default=str,
            )
        )
        return 0
    if not accounts:
        print("没有账户 no accounts")
    for a in accounts:
        print(_describe(a.user))
    return 0
