"""`vigie users ...` (accounts) and `vigie console` (the console without analysis)."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from vigie.store.users import Role, UserError, UserRepository

__all__ = ["open_site_database", "users_app"]

users_app = typer.Typer(help="Console accounts: add, list, change role or password, disable.",
                        no_args_is_help=True)

ConfigPath = Annotated[Path, typer.Argument(help="Site configuration YAML file.",
                                            show_default=False)]
LoginArg = Annotated[str, typer.Argument(help="Account login.", show_default=False)]
CameraOption = Annotated[list[str] | None, typer.Option(
    "--camera", help="Limit the account to this camera (repeat for several); default every "
                     "camera.")]


def _console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def open_site_database(path: Path):  # type: ignore[no-untyped-def]
    """The site's database, migrated (created on first use)."""
    from vigie.config import load_config
    from vigie.store import migrate, open_database

    site = load_config(path)
    Path(site.storage.data_dir).mkdir(parents=True, exist_ok=True)
    url = site.storage.resolved_url()
    migrate(url)
    return site, open_database(url)


def _password(password_stdin: bool, generate: bool) -> tuple[str, bool]:
    if generate:
        return secrets.token_urlsafe(12), True
    if password_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True), False


def _fail(exc: Exception) -> typer.Exit:
    _console().print(f"[red]error:[/red] {exc}")
    return typer.Exit(2)


@users_app.command("add")
def add(
    path: ConfigPath,
    login: LoginArg,
    role: Annotated[Role, typer.Option(help="What the account may do.")],
    name: Annotated[str, typer.Option(help="Name shown in the console.")] = "",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password "
                                                 "from standard input.")] = False,
    generate: Annotated[bool, typer.Option("--generate", help="Generate a password and print "
                                           "it once.")] = False,
    camera: CameraOption = None,
) -> None:
    """Create an account (the first one too: run this before opening the console)."""
    site, db = open_site_database(path)
    try:
        _known_cameras(site, camera)
        password, generated = _password(password_stdin, generate)
        UserRepository(db).add(login, role, password, actor="cli", display_name=name,
                               cameras=camera or None)
    except UserError as exc:
        raise _fail(exc) from None
    finally:
        db.close()
    _console().print(f"account [bold]{login}[/] ({role}) created")
    if generated:
        typer.echo(password)


@users_app.command("list")
def list_users(path: ConfigPath) -> None:
    """List the accounts (never their passwords)."""
    site, db = open_site_database(path)
    try:
        users = UserRepository(db).list()
    finally:
        db.close()
    table = Table(title=f"{len(users)} account(s)", title_justify="left")
    for col in ("login", "role", "name", "cameras", "state", "last sign-in (UTC)"):
        table.add_column(col)
    for u in users:
        state = "disabled" if u.disabled else ("locked" if u.locked_until else "active")
        last = f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "-"
        cameras = "all" if u.cameras is None else ", ".join(u.cameras)
        table.add_row(u.login, u.role, u.display_name, cameras, state, last)
    Console(highlight=False).print(table)


@users_app.command("set-role")
def set_role(path: ConfigPath, login: LoginArg,
             role: Annotated[Role, typer.Option(help="The new role.")]) -> None:
    """Change an account's role (audited)."""
    _change(path, lambda users: users.set_role(login, role, actor="cli"),
            f"{login} is now {role}")


@users_app.command("set-cameras")
def set_cameras(
    path: ConfigPath, login: LoginArg, camera: CameraOption = None,
    every: Annotated[bool, typer.Option("--all", help="Every camera of the site.")] = False,
) -> None:
    """Limit an account to some cameras (its sector), or give it every camera (audited)."""
    if every == bool(camera):
        raise _fail(UserError("give --camera ID (repeatable) or --all"))
    site, _ = _site_only(path)
    try:
        _known_cameras(site, camera)
    except UserError as exc:
        raise _fail(exc) from None
    _change(path, lambda users: users.set_cameras(login, None if every else camera,
                                                  actor="cli"),
            f"{login} now sees {'every camera' if every else ', '.join(camera or [])}")


def _site_only(path: Path):  # type: ignore[no-untyped-def]
    from vigie.config import load_config

    return load_config(path), None


def _known_cameras(site, cameras: list[str] | None) -> None:  # type: ignore[no-untyped-def]
    unknown = sorted(set(cameras or []) - {c.id for c in site.cameras})
    if unknown:
        raise UserError(f"no camera {', '.join(unknown)} on this site; cameras: "
                        f"{', '.join(c.id for c in site.cameras)}")


@users_app.command("set-password")
def set_password(
    path: ConfigPath, login: LoginArg,
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
    generate: Annotated[bool, typer.Option("--generate")] = False,
) -> None:
    """Replace a password; unlocks the account and signs out its browsers (audited)."""
    password, generated = _password(password_stdin, generate)
    _change(path, lambda users: users.set_password(login, password, actor="cli"),
            f"password of {login} changed")
    if generated:
        typer.echo(password)


@users_app.command("disable")
def disable(path: ConfigPath, login: LoginArg,
            enable: Annotated[bool, typer.Option("--enable", help="Enable instead.")] = False
            ) -> None:
    """Disable an account (signs out its browsers), or enable it again (audited)."""
    _change(path, lambda users: users.set_disabled(login, not enable, actor="cli"),
            f"{login} {'enabled' if enable else 'disabled'}")


def _change(path: Path, action, done: str) -> None:  # type: ignore[no-untyped-def]
    site, db = open_site_database(path)
    try:
        action(UserRepository(db))
    except UserError as exc:
        raise _fail(exc) from None
    finally:
        db.close()
    _console().print(done)


def serve_console(path: Path, host: str | None, port: int | None, console: Console) -> None:
    """Serve the console of a site, without analysis, until Ctrl-C."""
    import threading

    from vigie.api import ConsoleContext, ConsoleServer

    site, db = open_site_database(path)
    ctx = ConsoleContext(site=site, db=db, site_path=path.resolve(),
                         secure_cookies=site.console.secure_cookies)
    server = ConsoleServer(ctx, host or site.console.host, port or site.console.port)
    try:
        server.start()
        console.print(f"operator console (no analysis running): [bold]{server.url}[/]; "
                      "Ctrl-C to stop")
        if ctx.users.count() == 0:
            console.print("[yellow]no console account yet[/]: vigie users add "
                          f"{path} LOGIN --role supervisor")
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        db.close()
