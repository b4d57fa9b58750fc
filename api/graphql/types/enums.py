"""The domain's vocabularies exposed as GraphQL enums."""

from __future__ import annotations

import strawberry

from domain import enums
from domain.events import EventKind as _EventKind
from domain.rules.permissions import Action as _Action
from domain.rules.workflow import Transition as _Transition

# A plain alias (a type to mypy), then registered: strawberry.enum() marks the class
# itself and returns it, so the alias is the GraphQL enum.
WorkspaceRole = enums.WorkspaceRole
strawberry.enum(WorkspaceRole)
Role = enums.Role
strawberry.enum(Role, description="A user's role on one brand.")
Platform = enums.Platform
strawberry.enum(Platform)
PostStatus = enums.PostStatus
strawberry.enum(PostStatus)
PostFormat = enums.PostFormat
strawberry.enum(PostFormat)
ContentPillar = enums.ContentPillar
strawberry.enum(ContentPillar)
MediaType = enums.MediaType
strawberry.enum(MediaType)
CampaignObjective = enums.CampaignObjective
strawberry.enum(CampaignObjective)
CampaignStatus = enums.CampaignStatus
strawberry.enum(CampaignStatus)
SourceKind = enums.SourceKind
strawberry.enum(SourceKind)
Action = _Action
strawberry.enum(Action, description="Something a viewer may do on a brand.")
Transition = _Transition
strawberry.enum(Transition, name="PostTransitionKind")
InvitationStatus = enums.InvitationStatus
strawberry.enum(InvitationStatus)
EventKind = _EventKind
strawberry.enum(EventKind, description="What happened; README \"Live events\" lists each "
                                       "kind's payload and who receives it.")

ConnectionStatus = enums.ConnectionStatus
strawberry.enum(ConnectionStatus, description="An OAuth connection: STARTED (the user is on "
                "the platform's consent page), AUTHORIZED (accounts to pick), COMPLETED, "
                "DENIED (consent refused) or FAILED.")
