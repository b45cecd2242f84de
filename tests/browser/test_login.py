"""Signing in through the real page, in chromium."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.browser.conftest import VIEWPORT
from vigie.api import ConsoleContext


def test_wrong_password_shows_the_reason_and_right_one_signs_in(
        browser: Any, console: tuple[ConsoleContext, str],
        screenshot: Callable[[Any, str], object]) -> None:
    _, url = console
    context = browser.new_context(viewport=VIEWPORT, base_url=url)
    page = context.new_page()
    page.goto("/alerts")
    assert "/login" in page.url  # not signed in: sent to the sign-in page
    page.fill("#login", "operator")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    error = page.locator("#login-error")
    error.wait_for(state="visible")
    assert error.inner_text() == "wrong login or password"
    screenshot(page, "login")
    page.fill("#password", "test-password-operator")
    page.click("button[type=submit]")
    page.wait_for_url("**/alerts")
    assert page.locator(".who").inner_text() == "operator · operator"
    assert page.locator("#live-dot.on").count() == 1 or page.wait_for_selector("#live-dot.on")
    context.close()
