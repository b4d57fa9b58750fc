"""The community inbox as Facebook and Instagram answer it: comments, mentions, DMs, replies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from api.emulator import meta
from api.emulator.core import Call, Refused, body_params, parse_instant
from api.emulator.data import (
    Comment,
    Post,
    answer_of,
    comments_of,
    find_comment,
    find_post,
)
from api.emulator.inbox_data import (
    DirectMessage,
    Mention,
    day_start,
    mentions_of,
    threads_of,
)
from api.emulator.state import Reply

LISTED_DAYS = 30  # how far back conversations and mentions are listed without `since`

_MENTIONS: dict[tuple[str, str], tuple[str, Mention]] = {}
_THREADS: dict[tuple[str, str], tuple[str, tuple[DirectMessage, ...]]] = {}


@dataclass(frozen=True, slots=True)
class Said:
    """One comment, reply or message as a listing shows it."""

    id: str
    author: str
    author_id: str
    text: str
    created_at: datetime
    parent: str = ""


def _from_reply(reply: Reply, name: str) -> Said:
    return Said(reply.id, name, reply.account, reply.text, reply.created_at, reply.parent)


def account_name(platform: str, account: str) -> str:
    return f"Page {account}" if platform == "facebook" else f"account{account[-4:]}"


# -- comments -------------------------------------------------------------------------------


def thread_of(call: Call, platform: str, comment: Comment) -> list[Said]:
    """A top-level comment with the replies under it, oldest first."""
    post = find_post(platform, comment.post_id)
    assert post is not None, "a served comment's post was served first"
    name = account_name(platform, post.account)
    top = Said(comment.id, comment.author, _author_id(comment.author), comment.text,
               comment.created_at)
    answer = answer_of(call.config, comment)
    own = [Said(answer.id, name, post.account, answer.text, answer.created_at, comment.id)
           ] if answer is not None else []
    return [top, *own, *(_from_reply(r, name) for r in call.state.replies_to(comment.id))]


def _author_id(author: str) -> str:
    return str(10 ** 15 + sum(map(ord, author)) * 7919)


def post_comments(call: Call, platform: str, post: Post, *, nested: bool) -> list[Said]:
    """A post's comments not deleted, oldest first: every reply too (flat, with its
    parent) unless `nested` (then only top-level ones)."""
    found: list[Said] = []
    for comment in comments_of(call.config, post):
        if comment.id in call.state.deleted:
            continue
        thread = thread_of(call, platform, comment)
        found += thread[:1] if nested else thread
    return sorted(found, key=lambda s: (s.created_at, s.id))


def own_comment(call: Call, platform: str, comment_id: str) -> tuple[Comment, Post]:
    """A comment on one of the token's account's posts, or Graph's error."""
    comment = find_comment(comment_id)
    post = find_post(platform, comment.post_id) if comment else None
    if comment is None or post is None or comment_id in call.state.deleted:
        raise Refused(400, "not_found", f"Unsupported get request. Object with ID "
                                        f"'{comment_id}' does not exist.")
    call.own(platform, post.account)
    return comment, post


async def reply_to(call: Call, platform: str, parent: str, account: str) -> Reply:
    params = await body_params(call.request)
    text = str(params.get("message") or "")
    if not text.strip():
        raise Refused(400, "invalid", "(#100) The parameter message is required")
    return call.state.reply(platform, account, parent, text)


async def moderate(call: Call, platform: str, comment_id: str, field: str) -> dict[str, Any]:
    """POST /{comment} with is_hidden (Facebook) or hide (Instagram)."""
    own_comment(call, platform, comment_id)
    params = await body_params(call.request)
    value = str(params.get(field, "")).lower()
    if value not in ("true", "false"):
        raise Refused(400, "invalid", f"(#100) {field} must be true or false")
    if value == "true":
        call.state.hidden.add(comment_id)
    else:
        call.state.hidden.discard(comment_id)
    return {"success": True}


def delete_comment(call: Call, platform: str, comment_id: str) -> dict[str, Any]:
    if comment_id.startswith("r"):  # one of the account's own replies
        reply = next((r for r in call.state.replies if r.id == comment_id), None)
        if reply is None or comment_id in call.state.deleted:
            raise Refused(400, "not_found", f"Object with ID '{comment_id}' does not exist.")
        call.own(platform, reply.account)
    else:
        own_comment(call, platform, comment_id)
    call.state.deleted.add(comment_id)
    return {"success": True}


# -- mentions -------------------------------------------------------------------------------


def _window(call: Call) -> tuple[datetime, datetime]:
    now = call.config.now()
    since = parse_instant(call.param("since"), "since") or day_start(call.config, LISTED_DAYS)
    until = parse_instant(call.param("until"), "until") or now + timedelta(seconds=1)
    return since, until


def mentions(call: Call, platform: str, account: str) -> list[Mention]:
    """Mentions of the account in the call's since..until, newest first."""
    call.own(platform, account)
    since, until = _window(call)
    found = mentions_of(call.config, platform, account, since, until)
    for mention in found:
        _MENTIONS[(platform, mention.id)] = (account, mention)
    return sorted(found, key=lambda m: (m.created_at, m.id), reverse=True)


def own_mention(call: Call, platform: str, mention_id: str) -> tuple[str, Mention]:
    found = _MENTIONS.get((platform, mention_id))
    if found is None:
        raise Refused(400, "not_found", f"Unsupported get request. Object with ID "
                                        f"'{mention_id}' does not exist.")
    call.own(platform, found[0])
    return found


def is_mention(platform: str, object_id: str) -> bool:
    return (platform, object_id) in _MENTIONS


def mention_replies(call: Call, platform: str, mention_id: str) -> list[Said]:
    account, _ = own_mention(call, platform, mention_id)
    name = account_name(platform, account)
    return [_from_reply(r, name) for r in call.state.replies_to(mention_id)]


# -- direct messages ------------------------------------------------------------------------


def _thread_messages(call: Call, platform: str, account: str,
                     thread: tuple[DirectMessage, ...]) -> list[Said]:
    name = account_name(platform, account)
    said = [Said(m.id, m.author, m.author_id, m.text, m.created_at) for m in thread]
    said += [_from_reply(r, name) for r in call.state.replies_to(thread[0].thread_id)]
    return sorted(said, key=lambda s: (s.created_at, s.id), reverse=True)


def conversations(call: Call, platform: str, account: str) -> list[dict[str, Any]]:
    """The account's DM threads, most recently updated first."""
    call.own(platform, account)
    if call.param("platform") not in (None, "messenger" if platform == "facebook"
                                      else "instagram"):
        raise Refused(400, "invalid", "(#100) platform must be messenger or instagram")
    since, until = day_start(call.config, LISTED_DAYS), call.config.now()
    rows = []
    for thread in threads_of(call.config, platform, account, since, until):
        thread_id = thread[0].thread_id
        _THREADS[(platform, thread_id)] = (account, thread)
        latest = _thread_messages(call, platform, account, thread)[0]
        rows.append({"id": thread_id, "updated_time": meta.stamp(latest.created_at),
                     "_at": latest.created_at})
    rows.sort(key=lambda r: (r["_at"], r["id"]), reverse=True)
    return [{k: v for k, v in r.items() if k != "_at"} for r in rows]


def is_thread(platform: str, object_id: str) -> bool:
    return (platform, object_id) in _THREADS


def thread_messages(call: Call, platform: str, thread_id: str,
                    row: Callable[[Said], dict[str, Any]]) -> list[dict[str, Any]]:
    account, thread = _THREADS[(platform, thread_id)]
    call.own(platform, account)
    return [row(s) for s in _thread_messages(call, platform, account, thread)]


async def send_message(call: Call, platform: str, account: str) -> dict[str, Any]:
    """The Send API: a RESPONSE to someone who wrote in one of the account's threads."""
    call.own(platform, account)
    params = await body_params(call.request)
    try:
        recipient = str(_json(params.get("recipient"))["id"])
        text = str(_json(params.get("message"))["text"])
    except (KeyError, TypeError, ValueError):
        raise Refused(400, "invalid", "(#100) recipient {id} and message {text} are "
                                      "required") from None
    thread = next((t for (p, _), (a, t) in _THREADS.items()
                   if p == platform and a == account and t[0].author_id == recipient), None)
    if thread is None:
        raise Refused(400, "invalid", "(#100) No matching user found")
    if not text.strip():
        raise Refused(400, "invalid", "(#100) message text is empty")
    reply = call.state.reply(platform, account, thread[0].thread_id, text)
    return {"recipient_id": recipient, "message_id": reply.id}


def _json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value
