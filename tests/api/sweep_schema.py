"""The isolation sweep's operations, generated from the schema, with the few values it cannot guess.

Every root query field, every `Node` type and every mutation becomes operations here. A
field's arguments are generated from their types (an ID named `brand` is the tenant's brand,
a Date is a recent day, an input object gets its required fields); what a name does not
tell is in the tables below. Something the generator meets and cannot build raises
`Unknown` naming it, so a new field, type or mutation fails the sweep until it is covered.

To cover a new mutation, add it to MUTATIONS with the rule of the role matrix it follows
and any argument the generator cannot guess (`Ref("Post:approved")` is the tenant's
approved post, `Known("member_email")` a value of the tenant a caller may know). A new
table or Node type needs its victim rows in tests/api/sweep_seed.py (`_tenant`): the sweep
fails naming its text columns without a marker, or the Node type without a victim row.
The invitation mutations below are an example: `_tenant` inserts a pending Invitation
(`put("Invitation", …)`) addressed to the tenant's `client`, whose SELF rule names them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
)

from api.graphql.ids import global_id
from domain.rules.permissions import Action, WorkspaceAction
from domain.rules.workflow import RULES, Transition
from tests.api.sweep_seed import Seed


class Unknown(Exception):
    """The sweep meets something it does not know how to build: add it to a table here."""


@dataclass(frozen=True)
class Ref:
    """The global id of one of the tenant's objects: `Type` or `Type:variant` (seed key)."""

    key: str


@dataclass(frozen=True)
class Known:
    """A value of the tenant's a caller may know without being shown it (slug, handle, e-mail)."""

    key: str


# -- values ---------------------------------------------------------------------------------

# ID arguments and input fields by name → the type of object they name.
ID_FIELDS = {"brand": "Brand", "channel": "Channel", "channels": "Channel",
             "campaign": "Campaign", "post": "Post", "workspace": "Workspace", "user": "User"}
# Types with global ids besides the Node types.
OTHER_ID_TYPES = ("User", "ApiToken", "Invitation", "ChannelConnection")
RECENT = date.today() - timedelta(days=10)  # a whole day every platform still keeps


def scalar_value(type_name: str, name: str) -> Any:
    """A valid value of a scalar for an argument or input field called `name`."""
    if type_name == "String":
        if "email" in name.lower():
            # A member of the tenant's: from an outsider, whoever the address is must stay
            # unknown to them (no name, no id, no "already a member").
            return Known("member_email")
        return {"slug": "sweep-new", "handle": "@sweep_new", "kpi": "reach",
                "accessToken": "sweep-token-2", "refreshToken": "sweep-token-3",
                "metric": "reach", "url": "https://cdn.example/sweep.png"}.get(name, "Sweep text")
    values = {"Date": RECENT.isoformat(),
              "DateTime": (datetime.now(UTC) + timedelta(days=20)).isoformat(),
              "Int": 1, "Float": 1.0, "Decimal": "5", "Boolean": False}
    if type_name not in values:
        raise Unknown(f"no value for the scalar {type_name} (argument {name})")
    return values[type_name]


# Required arguments of non-root fields, by (name, type): the period every seeded row is in.
NESTED_ARGS: dict[tuple[str, str], str] = {
    ("from", "Date!"): '"2026-10-01"', ("to", "Date!"): '"2026-10-31"',
    ("kpi", "String!"): '"engagement"', ("metric", "String!"): '"engagement"',
    ("metrics", "[String!]!"): '["engagement"]', ("granularity", "Granularity!"): "WEEK",
    ("by", "AnalyticsDimension!"): "POST"}


# -- root query fields ----------------------------------------------------------------------

# Root query fields but those returning a Node (they get every Node type's ids by themselves).
QUERY_ARGS: dict[str, list[dict[str, Any]]] = {
    "viewer": [{}],
    "brands": [{}],
    "brand": [{"slug": Known("brand_slug")},
              {"slug": Known("brand_slug"), "workspace": Known("workspace_slug")}],
}


# -- mutations ------------------------------------------------------------------------------

NO_TARGET = "no target"  # acts on nothing of a tenant's: anyone signed in may
SELF = "self"  # acts on one user's own rows (M.who's): everyone else gets NOT_FOUND
Rule = Action | WorkspaceAction | str


@dataclass(frozen=True)
class M:
    """How the sweep calls a mutation and which rule of the matrix decides who may."""

    rule: Rule
    args: dict[str, Any] = field(default_factory=dict)
    """Arguments merged over the generated ones (input objects field by field)."""
    who: str = "owner"
    """For SELF: the victim viewer whose row the arguments name (the seed's ApiToken is the
    owner's); every other viewer must get NOT_FOUND."""
    open: bool = False
    """Callable without a token (by a link's token): an anonymous caller gets userErrors."""


def _move(transition: Transition, post: str, **args: Any) -> M:
    return M(RULES[transition].action, {"id": Ref(f"Post:{post}"), **args})


MUTATIONS: dict[str, M] = {
    "createWorkspace": M(NO_TARGET),
    "updateWorkspace": M(WorkspaceAction.EDIT_WORKSPACE, {"name": "Renamed"}),
    "createBrand": M(WorkspaceAction.CREATE_BRAND),
    "updateBrand": M(Action.EDIT_BRAND, {"input": {"name": "Renamed"}}),
    "deleteBrand": M(Action.EDIT_BRAND),
    "createChannel": M(Action.CONNECT_CHANNEL),
    "updateChannel": M(Action.CONNECT_CHANNEL, {"input": {"name": "Renamed"}}),
    "deleteChannel": M(Action.CONNECT_CHANNEL),
    "connectChannel": M(Action.CONNECT_CHANNEL, {"input": {"externalId": "178400"}}),
    "updateChannelToken": M(Action.CONNECT_CHANNEL),
    "disconnectChannel": M(Action.CONNECT_CHANNEL),
    "startChannelConnection": M(Action.CONNECT_CHANNEL),
    # The seeded connection is the manager's (who started it): anyone else, owners
    # included, gets NOT_FOUND, like any viewer for a connection that does not exist.
    "completeChannelConnection": M(SELF, {"connection": Ref("ChannelConnection"),
                                          "accounts": ["sweep-account"]}, who="manager"),
    "createStrategy": M(Action.EDIT_STRATEGY),
    "updateStrategy": M(Action.EDIT_STRATEGY, {"input": {"name": "Renamed"}}),
    "deleteStrategy": M(Action.EDIT_STRATEGY),
    "deleteWorkspace": M(WorkspaceAction.DELETE_WORKSPACE),
    "setMemberRoles": M(Action.MANAGE_MEMBERS),
    "removeMember": M(Action.MANAGE_MEMBERS),
    "setWorkspaceAdminRole": M(WorkspaceAction.MANAGE_ADMINS, {"user": Ref("User:admin")}),
    "removeWorkspaceAdmin": M(WorkspaceAction.MANAGE_ADMINS, {"user": Ref("User:admin")}),
    # Their e-mail is a victim member's (generated): an outsider inviting it learns nothing.
    "inviteMember": M(Action.MANAGE_MEMBERS),
    "inviteWorkspaceAdmin": M(WorkspaceAction.MANAGE_ADMINS),
    "revokeInvitation": M(Action.MANAGE_MEMBERS, {"id": Ref("Invitation")}),
    # The seeded invitation is the client's; by the link's token is not swept (its clear
    # text exists only in the e-mail).
    "acceptInvitation": M(SELF, {"id": Ref("Invitation")}, who="client", open=True),
    "declineInvitation": M(SELF, {"id": Ref("Invitation")}, who="client", open=True),
    "createApiToken": M(NO_TARGET),
    "revokeApiToken": M(SELF),
    "recordMetrics": M(Action.RECORD_METRICS, {"input": [
        {"channel": Ref("Channel"), "metric": "reach", "day": RECENT.isoformat(), "value": "5"},
        {"post": Ref("Post:published"), "metric": "reactions", "day": RECENT.isoformat(),
         "value": "5"}]}),
    "createPost": M(Action.EDIT_POST, {"input": {"campaign": Ref("Campaign"),
                                                 "text": "Sweep text"}}),
    "updatePost": M(Action.EDIT_POST, {"input": {"channel": Ref("Channel"),
                                                 "campaign": Ref("Campaign"),
                                                 "text": "Sweep text"}}),
    "submitPost": _move(Transition.SUBMIT, "draft"),
    "approvePost": _move(Transition.APPROVE, "in_review"),
    "rejectPost": _move(Transition.REJECT, "in_review"),
    "schedulePost": _move(Transition.SCHEDULE, "approved"),
    "unschedulePost": _move(Transition.UNSCHEDULE, "scheduled"),
    "archivePost": _move(Transition.ARCHIVE, "draft"),
    "reopenPost": _move(Transition.REOPEN, "rejected"),
    "publishNow": _move(Transition.PUBLISH, "approved"),
    "createCampaign": M(Action.EDIT_CAMPAIGN, {"input": {"channels": [Ref("Channel")]}}),
    "updateCampaign": M(Action.EDIT_CAMPAIGN, {"input": {"name": "Renamed"}}),
    "deleteCampaign": M(Action.EDIT_CAMPAIGN, {"id": Ref("Campaign:empty")}),
    "setCampaignChannels": M(Action.EDIT_CAMPAIGN),
    "importPosts": M(Action.EDIT_POST, {"items": [
        {"ref": "sweep-1", "channel": Known("channel_handle"), "text": "Sweep text"}]}),
    "importCampaigns": M(Action.EDIT_CAMPAIGN, {"items": [
        {"ref": "sweep-1", "name": "Sweep", "objective": "ENGAGEMENT",
         "startsOn": RECENT.isoformat(), "endsOn": RECENT.isoformat()}]}),
    "importMetrics": M(Action.RECORD_METRICS, {"items": [
        {"channel": Known("channel_handle"), "day": RECENT.isoformat(), "metric": "reach",
         "value": "5"}]}),
    "requestReport": M(Action.REQUEST_REPORT),
    "createReportSchedule": M(Action.REQUEST_REPORT,
                              {"input": {"recipients": [Known("member_email")]}}),
    "updateReportSchedule": M(Action.REQUEST_REPORT, {"input": {"dayOfMonth": 2}}),
    "deleteReportSchedule": M(Action.REQUEST_REPORT),
    "deleteReport": M(Action.REQUEST_REPORT),
    "requestSync": M(Action.REQUEST_SYNC),
    # A public address literal: valid without a DNS lookup.
    "createWebhook": M(WorkspaceAction.MANAGE_WEBHOOKS, {"url": "https://1.1.1.1/sweep"}),
    "updateWebhook": M(WorkspaceAction.MANAGE_WEBHOOKS, {"description": "Renamed"}),
    "rotateWebhookSecret": M(WorkspaceAction.MANAGE_WEBHOOKS),
    "deleteWebhook": M(WorkspaceAction.MANAGE_WEBHOOKS),
    "assignConversation": M(Action.INBOX_WRITE, {"assignee": Ref("User:community_manager")}),
    "escalateConversation": M(Action.INBOX_WRITE),
    "resolveConversation": M(Action.INBOX_WRITE),
    "reopenConversation": M(Action.INBOX_WRITE, {"id": Ref("Conversation:resolved")}),
    "setConversationSentiment": M(Action.INBOX_WRITE, {"sentiment": "NEGATIVE"}),
    "addInternalNote": M(Action.INBOX_WRITE, {"conversation": Ref("Conversation")}),
    "replyToConversation": M(Action.INBOX_WRITE, {"text": "Sweep reply"}),
    # The victim's channel is Instagram (hiding a comment is allowed); the platform call
    # fails against no emulator, after the permission check the sweep is about.
    "hideMessage": M(Action.INBOX_WRITE),
    "deleteMessage": M(Action.INBOX_WRITE),
    "createSavedReply": M(Action.INBOX_WRITE),
    "updateSavedReply": M(Action.INBOX_WRITE, {"text": "Sweep text"}),
    "deleteSavedReply": M(Action.INBOX_WRITE),
    "setBusinessHours": M(Action.EDIT_BRAND, {"hours": [
        {"weekday": 0, "opens": "09:00", "closes": "17:00"}]}),
}


# -- generation -----------------------------------------------------------------------------


@dataclass
class Operation:
    """One document to send, its variables still holding Ref and Known slots."""

    name: str  # what a failure names: `Mutation.createPost`, `Query.node(Post)`
    document: str
    variables: dict[str, Any]


def node_types(schema: GraphQLSchema) -> list[str]:
    node = schema.get_type("Node")
    assert isinstance(node, GraphQLInterfaceType)
    return sorted(t.name for t in schema.get_possible_types(node))


def _unwrap(type_: Any) -> Any:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _required(arg: Any) -> bool:
    # A schema built from SDL (graphql-core 3.3) keeps a default only as its literal.
    has_default = arg.default_value is not Undefined or (
        arg.ast_node is not None and arg.ast_node.default_value is not None)
    return isinstance(arg.type, GraphQLNonNull) and not has_default


def _id_type(name: str, context: str, schema: GraphQLSchema) -> str:
    """The type of object an ID argument or input field names."""
    if name in ID_FIELDS:
        return ID_FIELDS[name]
    if name == "id":
        # UpdatePostInput.id, deleteReportSchedule(id): the longest type named in the context.
        candidates = [t for t in (*node_types(schema), *OTHER_ID_TYPES) if t in context
                      or t[0].lower() + t[1:] in context]
        if candidates:
            return max(candidates, key=len)
    raise Unknown(f"cannot tell which object the ID {context}.{name} names: add it to "
                  f"ID_FIELDS or give it in MUTATIONS")


def generate(type_: Any, name: str, context: str, schema: GraphQLSchema) -> Any:
    """A minimal valid value of an input type: required input fields only."""
    if isinstance(type_, GraphQLNonNull):
        return generate(type_.of_type, name, context, schema)
    if isinstance(type_, GraphQLList):
        return [generate(type_.of_type, name, context, schema)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {fname: generate(f.type, fname, type_.name, schema)
                for fname, f in type_.fields.items() if _required(f)}
    if isinstance(type_, GraphQLScalarType):
        if type_.name == "ID":
            return Ref(_id_type(name, context, schema))
        return scalar_value(type_.name, name)
    raise Unknown(f"cannot build a value of {type_} for {context}.{name}")


def _merge(generated: Any, override: Any) -> Any:
    if isinstance(generated, dict) and isinstance(override, dict):
        return {**generated, **{k: _merge(generated.get(k), v) for k, v in override.items()}}
    return override


def selection(schema: GraphQLSchema, type_: Any, depth: int, path: tuple[str, ...] = (),
              skip: frozenset[str] = frozenset()) -> str:
    """Every field of an output type (but those named in `skip`), objects `depth` levels
    down, no type twice on a path."""
    type_ = _unwrap(type_)
    if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
        return ""
    if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
        parts = ["__typename"]
        if isinstance(type_, GraphQLInterfaceType):
            parts += [f for f, d in type_.fields.items()
                      if isinstance(_unwrap(d.type), GraphQLScalarType | GraphQLEnumType)]
        for possible in schema.get_possible_types(type_):
            inner = selection(schema, possible, depth, path, skip)
            if inner:
                parts.append(f"... on {possible.name} {inner}")
        return "{ " + " ".join(parts) + " }"
    assert isinstance(type_, GraphQLObjectType)
    path = (*path, type_.name)
    parts = ["__typename"]
    for fname, fdef in type_.fields.items():
        if fname in skip:
            continue
        args = []
        for aname, arg in fdef.args.items():
            if not _required(arg):
                continue
            key = (aname, str(arg.type))
            if key not in NESTED_ARGS:
                raise Unknown(f"no value for the required argument {type_.name}.{fname}"
                              f"({aname}: {arg.type}): add it to NESTED_ARGS")
            args.append(f"{aname}: {NESTED_ARGS[key]}")
        call = fname + (f"({', '.join(args)})" if args else "")
        inner_type = _unwrap(fdef.type)
        if isinstance(inner_type, GraphQLScalarType | GraphQLEnumType):
            parts.append(call)
            continue
        if depth <= 0 or inner_type.name in path:
            continue
        inner = selection(schema, inner_type, depth - 1, path, skip)
        if inner:
            parts.append(f"{call} {inner}")
    return "{ " + " ".join(parts) + " }"


def _document(schema: GraphQLSchema, kind: str, fname: str, fdef: Any,
              args: dict[str, Any], depth: int, sel: str | None = None,
              skip: frozenset[str] = frozenset()) -> str:
    declared = ", ".join(f"${a}: {fdef.args[a].type}" for a in args)
    passed = ", ".join(f"{a}: ${a}" for a in args)
    sel = sel if sel is not None else selection(schema, fdef.type, depth, skip=skip)
    head = f"{kind} Sweep({declared})" if declared else kind
    return f"{head} {{ {fname}{f'({passed})' if passed else ''} {sel} }}"


def query_operations(schema: GraphQLSchema, depth: int = 3,
                     skip: frozenset[str] = frozenset()) -> list[Operation]:
    """One read per root query field and argument set; node-returning fields once per Node
    type, each with an inline fragment of that type only. Fields named in `skip` are left
    out wherever they are."""
    ops = []
    query = schema.query_type
    assert query is not None
    for fname, fdef in query.fields.items():
        returned = _unwrap(fdef.type)
        if returned.name == "Node":
            for type_name in node_types(schema):
                args: dict[str, Any] = {}
                for aname, arg in fdef.args.items():
                    is_list = isinstance(_unwrap_non_null(arg.type), GraphQLList)
                    if _unwrap(arg.type).name != "ID":
                        raise Unknown(f"Query.{fname}({aname}) is not an id: add it to the sweep")
                    args[aname] = [Ref(type_name)] if is_list else Ref(type_name)
                inner = selection(schema, schema.get_type(type_name), depth, skip=skip)
                sel = f"{{ __typename id ... on {type_name} {inner} }}"
                ops.append(Operation(f"Query.{fname}({type_name})",
                                     _document(schema, "query", fname, fdef, args, depth, sel),
                                     args))
            continue
        if fname not in QUERY_ARGS:
            raise Unknown(f"no arguments for the root field Query.{fname}: add it to QUERY_ARGS")
        for args in QUERY_ARGS[fname]:
            ops.append(Operation(f"Query.{fname}({', '.join(args)})",
                                 _document(schema, "query", fname, fdef, args, depth,
                                           skip=skip), args))
    return ops


def _unwrap_non_null(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def mutation_operation(schema: GraphQLSchema, fname: str, depth: int = 2) -> Operation:
    mutation = schema.mutation_type
    assert mutation is not None
    if fname not in MUTATIONS:
        raise Unknown(f"Mutation.{fname} is not in the sweep's MUTATIONS: add its rule "
                      f"(and any argument the generator cannot guess)")
    fdef = mutation.fields[fname]
    spec = MUTATIONS[fname]
    unknown = set(spec.args) - set(fdef.args)
    if unknown:
        raise Unknown(f"MUTATIONS gives Mutation.{fname} arguments it does not take: {unknown}")
    args: dict[str, Any] = {}
    for aname, arg in fdef.args.items():
        if aname in spec.args and not isinstance(_unwrap(arg.type), GraphQLInputObjectType):
            args[aname] = spec.args[aname]
        elif _required(arg) or aname in spec.args:
            generated = generate(arg.type, aname, fname, schema) if _required(arg) else {}
            args[aname] = (_merge(generated, spec.args[aname]) if aname in spec.args
                           else generated)
    return Operation(f"Mutation.{fname}", _document(schema, "mutation", fname, fdef, args,
                                                    depth), args)


# -- filling slots --------------------------------------------------------------------------


def slots(value: Any) -> list[Ref | Known]:
    """The Ref and Known leaves of a template, in order."""
    if isinstance(value, Ref | Known):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in slots(v)]
    if isinstance(value, list):
        return [s for v in value for s in slots(v)]
    return []


def fill(value: Any, seed: Seed, tenants: list[str]) -> Any:
    """The template with its n-th slot filled from tenant `tenants[n]`."""
    counter = iter(tenants)

    def walk(v: Any) -> Any:
        if isinstance(v, Ref):
            tenant = next(counter)
            type_name = v.key.split(":")[0]
            if (tenant, v.key) not in seed.ids:
                raise Unknown(f"the seed has no {v.key} for the sweep to use")
            return str(global_id(type_name, seed.ids[(tenant, v.key)]))
        if isinstance(v, Known):
            tenant = next(counter)
            if (tenant, v.key) not in seed.values:
                raise Unknown(f"the seed knows no {v.key}")
            return seed.values[(tenant, v.key)]
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    return walk(value)


def variants(template: Any, own: str | None) -> list[tuple[list[str], bool]]:
    """Ways to fill a template's slots for a viewer whose own tenant is `own` (None: they
    have none): every slot the victim's, then (with an own tenant) each slot alone the
    victim's and the others theirs. Each with whether a victim object is named (a Ref)."""
    found = slots(template)
    out = [(["victim"] * len(found), any(isinstance(s, Ref) for s in found))]
    if own is not None and len(found) > 1:
        for i, slot in enumerate(found):
            tenants = [own] * len(found)
            tenants[i] = "victim"
            out.append((tenants, isinstance(slot, Ref)))
    return out


def dumps(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False).lower()
