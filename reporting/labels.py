"""Display names (gettext msgids) of the KPIs, enums and health checks a report prints."""

from __future__ import annotations

from reporting.narrative import N_

KPI = {
    "reach": N_("Reach"),
    "impressions": N_("Impressions"),
    "video_views": N_("Video views"),
    "engagement": N_("Engagement"),
    "engagement_rate": N_("Engagement rate"),
    "engagement_rate_by_impressions": N_("Engagement rate (impressions)"),
    "engagement_rate_by_followers": N_("Engagement rate (followers)"),
    "followers": N_("Followers"),
    "follower_growth": N_("Follower growth"),
    "follower_growth_rate": N_("Follower growth rate"),
    "follows": N_("New followers"),
    "clicks": N_("Clicks"),
    "ctr": N_("CTR"),
    "conversions": N_("Conversions"),
    "media_spend": N_("Media spend"),
    "spend": N_("Media spend"),
    "production_cost": N_("Production cost"),
    "total_cost": N_("Total cost"),
    "revenue": N_("Revenue"),
    "cpm": N_("CPM"),
    "cpc": N_("CPC"),
    "cpa": N_("CPA"),
    "roas": N_("ROAS"),
    "roi": N_("ROI"),
    "amplification": N_("Amplification"),
    "applause": N_("Applause"),
    "conversation": N_("Conversation"),
    "reactions": N_("Reactions"),
    "comments": N_("Comments"),
    "shares": N_("Shares"),
    "saves": N_("Saves"),
    "mentions": N_("Mentions"),
    "profile_visits": N_("Profile visits"),
    "response_rate": N_("Response rate"),
    "share_of_voice": N_("Share of voice"),
    "first_response_time_median": N_("First response time (median)"),
    "first_response_time_p90": N_("First response time (p90)"),
}

PLATFORM = {"facebook": "Facebook", "instagram": "Instagram", "linkedin": "LinkedIn",
            "x": "X", "tiktok": "TikTok", "youtube": "YouTube", "pinterest": "Pinterest"}

ENUM = {
    "pillar": {"INFORMATIVE": N_("Informative"), "OPINION": N_("Opinion"),
               "PROMOTIONAL": N_("Promotional")},
    "media_type": {"OWNED": N_("Owned"), "PAID": N_("Paid"), "EARNED": N_("Earned")},
    "format": {"TEXT": N_("Text"), "IMAGE": N_("Image"), "GIF": N_("GIF"),
               "VIDEO": N_("Video"), "CAROUSEL": N_("Carousel"), "STORY": N_("Story"),
               "REEL": N_("Reel"), "LINK": N_("Link")},
    "role": {"STRATEGIST": N_("Strategist"), "MANAGER": N_("Social media manager"),
             "COMMUNITY_MANAGER": N_("Community manager"), "CLIENT": N_("Client")},
    "status": {"DRAFT": N_("Draft"), "IN_REVIEW": N_("In review"), "APPROVED": N_("Approved"),
               "SCHEDULED": N_("Scheduled"), "PUBLISHED": N_("Published"),
               "REJECTED": N_("Rejected"), "FAILED": N_("Failed"), "ARCHIVED": N_("Archived")},
    "campaign_status": {"DRAFT": N_("Draft"), "PLANNED": N_("Planned"), "ACTIVE": N_("Active"),
                        "PAUSED": N_("Paused"), "COMPLETED": N_("Completed"),
                        "CANCELLED": N_("Cancelled")},
    "objective": {"BRAND_AWARENESS": N_("Brand awareness"),
                  "PRODUCT_LAUNCH": N_("Product launch"),
                  "STORE_PROMOTION": N_("Store promotion"), "ENGAGEMENT": N_("Engagement"),
                  "LEAD_GENERATION": N_("Lead generation"), "SHOWCASE": N_("Showcase")},
    "verdict": {"FLAGGED": N_("Flagged"), "OK": N_("OK"), "UNKNOWN": N_("Not enough data")},
}

MISTAKE = {  # title, what Coso looked at
    "ADVERTISING_ONLY": (
        N_("Social used only as an advertising channel"),
        N_("Share of promotional and paid posts in the last period, and replies to the "
           "community where Coso has them.")),
    "IMMEDIATE_ROI": (
        N_("Expecting immediate ROI"),
        N_("Campaigns with sales goals judged in less than four weeks, and strategies "
           "whose only targets are financial.")),
    "NO_COMMUNITY_MANAGER": (
        N_("Social left to the traditional marketing department"),
        N_("Whether someone on the team holds the community manager role.")),
    "NO_BUDGET": (
        N_("No budget, \"because social is free\""),
        N_("Budget of the strategy, media spend and production cost recorded.")),
    "SAME_EVERYWHERE": (
        N_("The same presence everywhere"),
        N_("The same text posted unchanged on several platforms.")),
    "NO_PLAN": (
        N_("No editorial plan"),
        N_("Objectives set, and posts planned for the first two weeks of the period.")),
}

EVIDENCE = {
    "posts": N_("Posts published"),
    "promotional_posts": N_("Promotional posts"),
    "promotional_share": N_("Promotional share"),
    "paid_share": N_("Paid share"),
    "response_rate": N_("Response rate"),
    "short_campaigns": N_("Campaigns shorter than four weeks"),
    "financial_targets_only": N_("Only financial targets"),
    "min_days": N_("Minimum campaign length (days)"),
    "roles_held": N_("Roles on the team"),
    "budget": N_("Budget"),
    "spend": N_("Media spend"),
    "production_cost": N_("Production cost"),
    "repeated_texts": N_("Texts repeated across platforms"),
    "examples": N_("Examples"),
    "objectives": N_("Objectives"),
    "planned_posts": N_("Posts planned"),
    "horizon_days": N_("Days looked ahead"),
    "empty_weeks": N_("Weeks with nothing planned"),
}
EVIDENCE_KIND = {"promotional_share": "share", "paid_share": "share",
                 "response_rate": "percent", "budget": "money", "spend": "money",
                 "production_cost": "money"}
