"""Browser tests: Debian's chromium driven by Playwright against a real console server.

Skipped, saying why, where chromium (Debian package ``chromium``, installed by
``make setup-test``) or the ``playwright`` package is missing. Screenshots go to
$VIGIE_SCREENSHOTS when set (``make screenshots`` sets it to docs/screenshots).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.helpers import make_context, password, write_site
from vigie.api import ConsoleContext, ConsoleServer
from vigie.store.users import Role

CHROMIUM = os.environ.get("VIGIE_CHROMIUM", "/usr/bin/chromium")
# The flags the machine notes give for a root, sandboxed-network, headless chromium.
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required"]
VIEWPORT = {"width": 1600, "height": 900}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless chromium for the session."""
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no chromium at {CHROMIUM}: install Debian's chromium (make setup-test)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


@pytest.fixture
def console(tmp_path: Path) -> Iterator[tuple[ConsoleContext, str]]:
    """A console server on a free port over a fresh two-camera site: (context, base url)."""
    ctx = make_context(write_site(tmp_path / "site"))
    server = ConsoleServer(ctx, "127.0.0.1", 0)
    server.start()
    yield ctx, server.url
    server.stop()
    ctx.db.close()


@pytest.fixture
def page_as(browser: Any, console: tuple[ConsoleContext, str]
            ) -> Iterator[Callable[[Role | str], Any]]:
    """``page_as(role)``: a new browser page signed in through the sign-in form."""
    contexts: list[Any] = []
    _, url = console

    def make(role: Role | str) -> Any:
        context = browser.new_context(viewport=VIEWPORT, base_url=url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        sign_in_page(page, role)
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in_page(page: Any, role: Role | str) -> None:
    """Fill the sign-in form as the test account of ``role`` and wait for the landing page."""
    page.goto("/login")
    page.fill("#login", Role(role).value)
    page.fill("#password", password(role))
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture(scope="session")
def screenshot() -> Callable[[Any, str], Path | None]:
    """``screenshot(page, name)``: saves ``name.png`` to $VIGIE_SCREENSHOTS when it is set."""
    folder = os.environ.get("VIGIE_SCREENSHOTS")

    def take(page: Any, name: str) -> Path | None:
        if not folder:
            return None
        Path(folder).mkdir(parents=True, exist_ok=True)
        target = Path(folder) / f"{name}.png"
        page.screenshot(path=str(target), full_page=False)
        return target

    return take


