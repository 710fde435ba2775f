"""Findings 5-7, 10 and part of 12, through the API: sign-up floods, password guessing,
forged client addresses, lookalike handles and invisible characters, and whose message
groups can be seen."""

import secrets
import uuid

from net import DEMO_PASSWORD, api, fresh_address, new_account, sign_in, sign_up
from runner import check, expect, expect_status


@check(5, "A")
def sign_up_flood_is_throttled(ctx):
    server = ctx.server("A")
    source = fresh_address()
    replies = [sign_up(server, source=source)[0] for _ in range(30)]
    statuses = [reply.status for reply in replies]
    refused = [reply for reply in replies if reply.status == 429]
    expect(set(statuses) <= {201, 429}, f"unexpected statuses in the flood: {sorted(set(statuses))}")
    expect(statuses.count(201) <= 10, f"{statuses.count(201)} of 30 sign-ups from one address accepted (at most 10 expected)")
    expect(refused, "30 sign-ups from one address and never a 429")
    expect(all(reply.header("retry-after") for reply in refused), "a 429 without a Retry-After header")
    fresh, _ = sign_up(server, source=fresh_address())
    expect_status(fresh, 201, "a sign-up from a fresh address after the flood")


def guess_then_sign_in(server, handle, email, password):
    """10 wrong passwords for the account from 5 addresses, alternating handle and email as
    the login; then the right one from a fresh address, whose reply is returned."""
    attackers = [fresh_address() for _ in range(5)]
    logins = [handle, email]
    for n in range(10):
        wrong = sign_in(server, logins[n % 2], f"not-the-password-{n}", source=attackers[n % 5])
        expect(wrong.status in (401, 429), f"wrong password #{n + 1} answered {wrong.status} {wrong.brief()}")
    return sign_in(server, handle, password, source=fresh_address())


@check(6, "A")
def guessing_does_not_lock_the_owner_out(ctx):
    server = ctx.server("A")
    owner = new_account(server)
    right = guess_then_sign_in(server, owner.handle, owner.email, owner.password)
    expect_status(right, 200, "the owner's right password from a fresh address after 10 wrong ones")


@check(6, "B")
def guessing_does_not_lock_bayko_out(ctx):
    server = ctx.server("B")
    right = guess_then_sign_in(server, "bayko", "bayko@example.com", DEMO_PASSWORD)
    expect_status(right, 200, "bayko's right password from a fresh address after 10 wrong ones")


@check(6, "A")
def one_client_is_locked_out_of_one_account(ctx):
    server = ctx.server("A")
    victim = new_account(server)
    source = fresh_address()
    statuses = [sign_in(server, victim.handle, f"wrong-{n}", source=source).status for n in range(5)]
    expect(statuses == [401] * 5, f"the first 5 wrong passwords answered {statuses}, expected 401 each")
    again = sign_in(server, victim.handle, "wrong-again", source=source)
    expect_status(again, 429, "a 6th wrong password from the same client")
    expect(again.header("retry-after"), "the 429 has no Retry-After header")
    right = sign_in(server, victim.handle, victim.password, source=source)
    expect_status(right, 429, "the right password from the locked-out client")


@check(7, "A")
def forwarded_for_from_an_untrusted_peer_is_ignored(ctx):
    server = ctx.server("A")
    # Where the all-in-one's own frontend connects from: the peer an earlier default trusted.
    source = "127.0.0.1"
    ghost = f"ghost{secrets.token_hex(4)}"
    statuses = []
    for n in range(40):
        forged = {"X-Forwarded-For": f"198.51.100.{n + 1}"}
        statuses.append(sign_in(server, f"{ghost}_{n}", "no-such-account", source=source, headers=forged).status)
        if statuses[-1] == 429:
            break
    expect(200 not in statuses, "a sign-in of a nonexistent login succeeded")
    expect(429 in statuses, f"40 sign-ins from {source} naming 40 X-Forwarded-For clients: never a 429 ({sorted(set(statuses))})")


def lookalike_of(handle):
    """`handle` with its first lower-case l written as a capital I."""
    return handle.replace("l", "I", 1)


@check(10, "A")
def lookalike_handles_are_taken(ctx):
    server = ctx.server("A")
    handle = "altbrown2x" + "".join(secrets.choice("2345678") for _ in range(6))
    original, _ = sign_up(server, handle=handle)
    expect_status(original, 201, f"signing up @{handle}")
    lookalike, _ = sign_up(server, handle=lookalike_of(handle))
    expect_status(lookalike, 422, f"signing up @{lookalike_of(handle)} after @{handle}")
    expect("handle_taken" in lookalike.error_codes(), f"@{lookalike_of(handle)}: codes {lookalike.error_codes()}, no handle_taken")
    seeded, _ = sign_up(server, handle=lookalike_of("altbrown"))
    expect_status(seeded, 422, "signing up @aItbrown next to the seeded @altbrown")
    expect("handle_taken" in seeded.error_codes(), f"@aItbrown: codes {seeded.error_codes()}, no handle_taken")


@check(10, "A")
def invisible_characters_are_refused(ctx):
    server = ctx.server("A")
    for name, character in (("Mallory\u202egnp.exe", "U+202E"), ("Zero\u200bWidth", "U+200B")):
        reply, _ = sign_up(server, display_name=name)
        expect_status(reply, 422, f"a display name holding {character}")
        expect("display_name_invalid" in reply.error_codes(), f"{character}: codes {reply.error_codes()}")
    account = new_account(server)
    bio = api(server, "PATCH", "/api/me", {"bio": "plain \u202eesrever"}, token=account.token)
    expect_status(bio, 422, "a bio holding U+202E")
    expect("bio_invalid" in bio.error_codes(), f"bio with U+202E: codes {bio.error_codes()}")


def items(reply):
    """The items of a list response: a JSON array, or an object holding one."""
    body = reply.json()
    if isinstance(body, dict):
        body = next((value for value in body.values() if isinstance(value, list)), [])
    return body


@check(12, "A")
def message_groups_of_others_look_absent(ctx):
    server = ctx.server("A")
    sender, receiver, outsider = new_account(server), new_account(server), new_account(server)
    message = {"message": "just between us", "user_receiver_handle": receiver.handle}
    sent = api(server, "POST", "/api/messages", message, token=sender.token)
    expect_status(sent, 200, "set-up: sending a direct message")
    groups = api(server, "GET", "/api/message_groups", token=sender.token)
    expect_status(groups, 200, "set-up: the sender's message groups")
    group = next((g.get("uuid") for g in items(groups) if g.get("handle") == receiver.handle), None)
    expect(group, "set-up: the sender's message groups do not list the new conversation")
    unknown = api(server, "GET", f"/api/message_groups/{uuid.uuid4()}", token=outsider.token)
    expect_status(unknown, 404, "a random message group uuid")
    theirs = api(server, "GET", f"/api/message_groups/{group}", token=outsider.token)
    expect_status(theirs, 404, "the message group of two other users")


@check(11, "A")
def demo_password_is_off_without_demo_mode(ctx):
    server = ctx.server("A")
    reply = sign_in(server, "andrewbrown", DEMO_PASSWORD, source=fresh_address())
    expect_status(reply, 401, "signing in as andrewbrown with the demo password, demo mode off")
