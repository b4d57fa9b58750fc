"""The demo's community inbox setup: saved replies and business hours (conversations come
from the emulator through `coso sync --inbox`)."""

from __future__ import annotations

from domain.demo.agency import EN, IT
from domain.demo.store import upsert
from domain.models import Brand, SavedReply

COMMUNITY_MANAGER = "community@coso.example"  # writes the saved replies
SAVED_REPLIES = {
    IT: (("Grazie", "Grazie {author}! Un abbraccio da tutta {brand} ☕"),
         ("Ordine in ritardo", "Ciao {author}, ci dispiace molto. Scrivici in privato il "
                               "numero d'ordine e lo verifichiamo subito. {agent}, {brand}"),
         ("Dove comprare", "Ciao {author}! Trovi le nostre miscele in negozio e sul sito, "
                           "con spedizione in tutta Italia.")),
    EN: (("Thanks", "Thanks {author}! Enjoy the ride 🚲 — {brand}"),
         ("Order problem", "Hi {author}, sorry about this. Please DM us your order number "
                           "and we'll sort it out today. {agent} at {brand}"),
         ("Service booking", "Hi {author}, you can book a service at any of our shops or "
                             "online; we'll get back to you within a day.")),
}
# The roastery's shop hours (a long lunch break, Saturday mornings); Brightside keeps the
# default Monday-Friday 9-18.
BUSINESS_HOURS = {
    IT: [{"weekday": d, "opens": o, "closes": c} for d in range(5)
         for o, c in (("08:30", "13:00"), ("15:00", "19:30"))]
    + [{"weekday": 5, "opens": "09:00", "closes": "13:00"}],
    EN: [],
}


async def seed_inbox(brand_ids: dict[str, int], author_id: int) -> None:
    for slug, replies in SAVED_REPLIES.items():
        for title, text in replies:
            await upsert(SavedReply, SavedReply(brand=brand_ids[slug], title=title, text=text,
                                                created_by=author_id),
                         (SavedReply.brand, SavedReply.title), [SavedReply.text])
        await Brand.update({Brand.business_hours: BUSINESS_HOURS[slug]}).where(
            Brand.id == brand_ids[slug])
