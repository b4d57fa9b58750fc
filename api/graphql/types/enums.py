"""The domain's vocabularies exposed as GraphQL enums."""

from __future__ import annotations

import strawberry

from domain import enums
from domain.rules.permissions import Action as _Action
from domain.rules.workflow import Transition as _Transition

WorkspaceRole = strawberry.enum(enums.WorkspaceRole)
Role = strawberry.enum(enums.Role, description="A user's role on one brand.")
Platform = strawberry.enum(enums.Platform)
PostStatus = strawberry.enum(enums.PostStatus)
PostFormat = strawberry.enum(enums.PostFormat)
ContentPillar = strawberry.enum(enums.ContentPillar)
MediaType = strawberry.enum(enums.MediaType)
CampaignObjective = strawberry.enum(enums.CampaignObjective)
CampaignStatus = strawberry.enum(enums.CampaignStatus)
SourceKind = strawberry.enum(enums.SourceKind)
Action = strawberry.enum(_Action, description="Something a viewer may do on a brand.")
Transition = strawberry.enum(_Transition, name="PostTransitionKind")
