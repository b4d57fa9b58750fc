"""The BRIEF's role table, action by action and role by role; the workspace roles' table."""

from __future__ import annotations

import pytest

from domain.enums import Role, WorkspaceRole
from domain.rules.permissions import (
    MATRIX,
    WORKSPACE_MATRIX,
    Action,
    WorkspaceAction,
    allowed_workspace_roles,
    can,
    can_in_workspace,
)

S, M, CM, C = Role.STRATEGIST, Role.MANAGER, Role.COMMUNITY_MANAGER, Role.CLIENT

# The BRIEF's table, row by row, written out by hand.
EXPECTED: dict[Action, set[Role]] = {
    # read brand, campaigns, posts, metrics, reports: everyone (the client its own brand)
    Action.READ: {S, M, CM, C},
    # edit strategy (objectives, target, platforms, competitors, KPI targets, budget)
    Action.EDIT_STRATEGY: {S},
    # create/edit campaigns: strategist, manager (not budget)
    Action.EDIT_CAMPAIGN: {S, M},
    Action.EDIT_CAMPAIGN_BUDGET: {S},
    # create/edit posts, editorial calendar
    Action.EDIT_POST: {M},
    # submit / approve / reject / schedule: strategist and client approve and reject only
    Action.SUBMIT_POST: {M},
    Action.REVIEW_POST: {S, M, C},
    Action.SCHEDULE_POST: {M},
    # connect channels, request syncs
    Action.CONNECT_CHANNEL: {M},
    Action.REQUEST_SYNC: {M},
    # community inbox: strategist and manager read, community manager does everything
    Action.INBOX_READ: {S, M, CM},
    Action.INBOX_WRITE: {CM},
    # request and schedule reports: the client only reads them
    Action.REQUEST_REPORT: {S, M},
    # live events of sync runs: the team sees its operations, the client does not
    Action.READ_OPERATIONS: {S, M, CM},
    # Not rows of the BRIEF's table: brand settings and members are the workspace
    # owner's and admin's; archiving posts and recording metrics belong with the
    # editorial calendar and channel work the manager runs.
    Action.EDIT_BRAND: set(),
    Action.MANAGE_MEMBERS: set(),
    Action.ARCHIVE_POST: {M},
    Action.RECORD_METRICS: {M},
}


def test_every_action_has_an_expected_row():
    assert set(EXPECTED) == set(Action)
    assert set(MATRIX) == set(Action)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_matrix(action, role):
    assert can([role], action) is (role in EXPECTED[action])


@pytest.mark.parametrize("action", list(Action))
def test_workspace_admin_can_do_everything(action):
    assert can([], action, workspace_admin=True) is True
    assert can([C], action, workspace_admin=True) is True


@pytest.mark.parametrize("action", list(Action))
def test_no_role_can_do_nothing(action):
    assert can([], action) is False


def test_several_roles_add_up():
    assert can([CM], Action.REVIEW_POST) is False
    assert can([CM, C], Action.REVIEW_POST) is True
    assert can([C, S], Action.EDIT_STRATEGY) is True
    assert can([S, M], Action.INBOX_WRITE) is False


def test_the_social_media_coso_holds_all_three_roles():
    coso = {S, M, CM}
    allowed = {a for a in Action if can(coso, a)}
    assert allowed == set(Action) - {Action.EDIT_BRAND, Action.MANAGE_MEMBERS}


def test_roles_may_be_any_iterable():
    assert can(iter([M]), Action.EDIT_POST) is True
    assert can((r for r in [C]), Action.READ) is True


def test_client_only_reads_and_reviews():
    assert {a for a in Action if can([C], a)} == {Action.READ, Action.REVIEW_POST}


def test_community_manager_is_kept_out_of_strategy_and_posts():
    assert {a for a in Action if can([CM], a)} == {
        Action.READ, Action.INBOX_READ, Action.INBOX_WRITE, Action.READ_OPERATIONS,
    }


# -- workspace scope: what is done to a workspace itself ---------------------------------

OWNER, ADMIN = WorkspaceRole.OWNER, WorkspaceRole.ADMIN

WORKSPACE_EXPECTED: dict[WorkspaceAction, set[WorkspaceRole]] = {
    # rename, white-label, agency logo; new brands: owners and admins
    WorkspaceAction.EDIT_WORKSPACE: {OWNER, ADMIN},
    WorkspaceAction.CREATE_BRAND: {OWNER, ADMIN},
    # who else owns or administers the workspace: owners only
    WorkspaceAction.MANAGE_ADMINS: {OWNER},
    # the workspace itself, with every brand and file in it: owners only
    WorkspaceAction.DELETE_WORKSPACE: {OWNER},
    # webhook endpoints (every brand's events leave Coso): owners and admins
    WorkspaceAction.MANAGE_WEBHOOKS: {OWNER, ADMIN},
}


def test_every_workspace_action_has_an_expected_row():
    assert set(WORKSPACE_EXPECTED) == set(WorkspaceAction) == set(WORKSPACE_MATRIX)


@pytest.mark.parametrize("role", [*WorkspaceRole, None])
@pytest.mark.parametrize("action", list(WorkspaceAction))
def test_workspace_matrix(action, role):
    assert can_in_workspace(role, action) is (role in WORKSPACE_EXPECTED[action])


def test_who_may_is_said_in_words():
    assert allowed_workspace_roles(WorkspaceAction.CREATE_BRAND) == "owners and admins"
    assert allowed_workspace_roles(WorkspaceAction.MANAGE_ADMINS) == "owners"
