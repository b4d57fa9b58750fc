"""The viewer's Access: one answer for brand and workspace scope, NOT_FOUND before FORBIDDEN."""

from __future__ import annotations

import pytest

from api.graphql.access import ANONYMOUS, Access, Refusal
from api.graphql.context import NOT_SIGNED_IN, Context, NotSignedIn
from domain.enums import Role, WorkspaceRole
from domain.rules.permissions import Action, WorkspaceAction

AGENCY, RIVAL, CLIENT_CO = 1, 2, 3
ACME, ACME_TWO, RIVAL_BRAND, CLIENT_BRAND = 10, 11, 20, 30

# The agency's admin, who also manages one brand of another company's workspace.
ADMIN = Access(
    user_id=7,
    roles={CLIENT_BRAND: frozenset({Role.MANAGER})},
    admin_brands=frozenset({ACME, ACME_TWO}),
    workspace_roles={AGENCY: WorkspaceRole.ADMIN},
    member_workspaces=frozenset({CLIENT_CO}),
)


def test_workspaces_seen_are_those_administered_and_those_of_brand_roles():
    assert ADMIN.workspace_ids == {AGENCY, CLIENT_CO}
    assert ADMIN.admin_workspaces == {AGENCY}


@pytest.mark.parametrize(("workspace", "action", "refusal"), [
    (AGENCY, WorkspaceAction.CREATE_BRAND, None),
    (AGENCY, WorkspaceAction.EDIT_WORKSPACE, None),
    (AGENCY, WorkspaceAction.MANAGE_ADMINS, Refusal.FORBIDDEN),  # an admin, not an owner
    # A brand role shows the workspace but gives no right over it.
    (CLIENT_CO, WorkspaceAction.CREATE_BRAND, Refusal.FORBIDDEN),
    (CLIENT_CO, WorkspaceAction.EDIT_WORKSPACE, Refusal.FORBIDDEN),
    # Another tenant's workspace reads as a missing one.
    (RIVAL, WorkspaceAction.EDIT_WORKSPACE, Refusal.NOT_FOUND),
    (None, WorkspaceAction.EDIT_WORKSPACE, Refusal.NOT_FOUND),
])
def test_workspace_refusal(workspace, action, refusal):
    assert ADMIN.workspace_refusal(workspace, action) is refusal
    assert ADMIN.can_in_workspace(workspace, action) is (refusal is None)


def test_an_owner_may_manage_the_admins():
    owner = Access(user_id=1, workspace_roles={AGENCY: WorkspaceRole.OWNER})
    assert owner.workspace_refusal(AGENCY, WorkspaceAction.MANAGE_ADMINS) is None


@pytest.mark.parametrize(("brand", "action", "refusal"), [
    (ACME, Action.EDIT_BRAND, None),  # workspace admins do everything in its brands
    (CLIENT_BRAND, Action.EDIT_POST, None),
    (CLIENT_BRAND, Action.EDIT_BRAND, Refusal.FORBIDDEN),
    (RIVAL_BRAND, Action.READ, Refusal.NOT_FOUND),
    (None, Action.READ, Refusal.NOT_FOUND),
])
def test_brand_refusal(brand, action, refusal):
    assert ADMIN.refusal(brand, action) is refusal
    assert ADMIN.can(brand, action) is (refusal is None)


@pytest.mark.parametrize("action", list(WorkspaceAction))
def test_anonymous_sees_no_workspace(action):
    assert ANONYMOUS.workspace_refusal(AGENCY, action) is Refusal.NOT_FOUND
    assert ANONYMOUS.refusal(ACME, Action.READ) is Refusal.NOT_FOUND


def test_a_field_without_is_authenticated_still_answers_anonymous_plainly():
    context = Context(user=None, access=ANONYMOUS)
    with pytest.raises(NotSignedIn, match="authentication required"):
        _ = context.user_id
    assert str(NotSignedIn()) == NOT_SIGNED_IN


def test_the_viewer_is_the_signed_in_user():
    context = Context(user={"id": 7, "email": "a@b.example"}, access=ADMIN)
    assert (context.user_id, context.viewer["email"]) == (7, "a@b.example")
