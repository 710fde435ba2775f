"""Findings 8, 9 and 12 through the pages (WEB_PORT): CSRF tokens, where toggles send the
browser back to, and a crud far too long for the composer."""

import secrets

from net import Browser, create_crud, form, new_account
from runner import check, expect, expect_status


def crud_form(token, message="hostile check crud"):
    return form(("csrf_token", token), ("message", message), ("ttl", "1-hour"))


@check(8, "A")
def csrf_tokens_are_bound_to_the_session(ctx):
    server = ctx.server("A")
    browser, elsewhere = Browser(server), Browser(server)
    browser.sign_in(new_account(server))
    elsewhere.sign_in(new_account(server))
    name = browser.csrf_cookie()
    invented = secrets.token_urlsafe(32)
    forged = browser.post_form("/cruds", crud_form(invented), jar=browser.jar_with(name, invented))
    expect_status(forged, 403, "an invented CSRF cookie with the same value in the field")
    planted = elsewhere.jar.get(elsewhere.csrf_cookie())
    tossed = browser.post_form("/cruds", crud_form(elsewhere.csrf), jar=browser.jar_with(name, planted))
    expect_status(tossed, 403, "another browser's CSRF cookie and token with this session")
    mixed = browser.post_form("/cruds", crud_form(elsewhere.csrf), jar=dict(browser.jar))
    expect_status(mixed, 403, "another browser's token with this browser's cookies")
    own = browser.post_form("/cruds", crud_form(browser.csrf))
    expect_status(own, 303, "the page's own token")


# `back` values as sent in the form body, percent-encoding and all.
EVIL_BACKS = ("/%09/evil.example", "//evil.example", "/%2F/evil.example", "/%5Cevil.example")


@check(9, "A")
def toggle_redirects_stay_on_this_site(ctx):
    server = ctx.server("A")
    crud = create_crud(server, new_account(server))
    browser = Browser(server)
    browser.sign_in(new_account(server))
    for back in EVIL_BACKS:
        body = form(("csrf_token", browser.csrf), ("on", "1"), raw=[("back", back)])
        reply = browser.post_form(f"/cruds/{crud}/like", body)
        expect_status(reply, 303, f"a like with back={back}")
        expect(reply.header("location") == "/", f"back={back}: Location {reply.header('location')!r}, expected '/'")


@check(12, "A")
def megabyte_crud_through_the_form_gets_a_page(ctx):
    server = ctx.server("A")
    browser = Browser(server)
    browser.sign_in(new_account(server))
    reply = browser.post_large_form("/cruds", crud_form(browser.csrf, "x" * 1_000_000))
    expect_status(reply, (413, 422), "a 1 MB crud through the home composer")
    expect("text/html" in (reply.header("content-type") or ""), f"answered {reply.header('content-type')}, not a page")
    expect("too long" in reply.text.lower(), "the page does not say the text is too long")
