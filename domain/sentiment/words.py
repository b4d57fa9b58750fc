"""Word lists the default model adds to VADER: Italian words, slang and emoji, written for Coso.

No package installable by pip ships an Italian sentiment lexicon usable here (README,
"Sentiment"), so this list is Coso's own: common Italian words of praise and complaint in VADER's
scale (-4 very negative .. +4 very positive, VADER's own word scores as the yardstick), Italian
negations and intensifiers, a few English slang words VADER lacks, and emoji whose VADER reading
is wrong for social media (🔥 is praise, not danger). It was written from general knowledge of the
language and checked against the development set (tests/data/sentiment/dev_*.csv) only.
"""

from __future__ import annotations

from functools import cache

# word valence [flag]: flag "o" = adjective in -o/-a/-i/-e, "e" = adjective in -e/-i; both also
# get their -issimo superlatives (a little stronger). Anything else is taken as written.
_ITALIAN = """
buono 1.9 o
bello 2.2 o
ottimo 3.0 o
perfetto 2.7 o
eccellente 3.1 e
fantastico 3.0 o
meraviglioso 3.0 o
stupendo 3.0 o
splendido 2.9 o
magnifico 2.9 o
favoloso 2.9 o
straordinario 2.8 o
incredibile 2.0 e
eccezionale 2.9 e
spettacolare 2.9 e
strepitoso 3.0 o
pazzesco 1.8 o
fenomenale 2.8 e
squisito 2.6 o
delizioso 2.7 o
gustoso 2.0 o
saporito 1.6 o
profumato 1.5 o
cremoso 1.0 o
morbido 1.2 o
comodo 1.6 o
elegante 1.8 e
raffinato 1.8 o
curato 1.6 o
pulito 1.5 o
accogliente 2.0 e
gentile 2.0 e
cortese 1.9 e
cordiale 1.9 e
disponibile 1.5 e
simpatico 1.8 o
carino 1.8 o
bravo 2.2 o
preparato 1.4 o
competente 1.8 e
professionale 1.8 e
efficiente 1.8 e
puntuale 1.5 e
veloce 1.3 e
rapido 1.3 o
affidabile 1.8 e
conveniente 1.6 e
economico 0.8 o
vantaggioso 1.6 o
utile 1.5 e
facile 1.2 e
semplice 1.0 e
chiaro 0.8 o
stabile 1.0 e
felice 2.8 e
contento 2.2 o
soddisfatto 2.3 o
entusiasta 2.6 e
grato 2.2 o
sereno 1.6 o
consigliato 1.8 o
consigliatissimo 3.0
top 2.2
wow 2.0
super 1.8
mitico 2.5 o
figo 2.3 o
figata 2.8
spacca 2.0
spaccano 2.0
gasa 1.6
gasato 1.8 o
bomba 1.5
spettacolo 2.6
meraviglia 2.8
capolavoro 3.0
piacere 1.8
gioia 2.8
soddisfazione 2.4
grazie 1.5
complimenti 2.6
evviva 2.6
adoro 3.0
adoriamo 3.0
adorato 3.0
adorata 3.0
amo 3.0
amiamo 3.0
amato 2.5
amata 2.5
piace 2.0
piacciono 2.0
piaciuto 2.0
piaciuta 2.0
piaciuti 2.0
piaciute 2.0
consiglio 1.2
consigliamo 1.5
raccomando 1.5
funziona 1.0
funzionano 1.0
risolto 1.6
risolta 1.6
risolti 1.6
migliore 2.4
migliori 2.4
meglio 1.6
benissimo 3.0
bene 1.6
volentieri 1.4
finalmente 0.8
cattivo -2.0 o
brutto -2.2 o
pessimo -3.1 o
orribile -3.1 e
terribile -3.0 e
orrendo -3.0 o
schifoso -3.2 o
disgustoso -3.1 o
squallido -2.5 o
vergognoso -3.0 o
indecente -2.8 e
inaccettabile -2.9 e
inammissibile -2.6 e
assurdo -2.0 o
ridicolo -2.2 o
scandaloso -3.0 o
penoso -2.6 o
pietoso -2.5 o
scadente -2.5 e
mediocre -1.6 e
deludente -2.4 e
deluso -2.3 o
scontento -2.0 o
insoddisfatto -2.3 o
arrabbiato -2.5 o
furioso -2.9 o
furibondo -2.9 o
stufo -2.0 o
triste -2.0 e
amareggiato -2.2 o
infastidito -1.8 o
sporco -2.2 o
puzzolente -2.3 e
lurido -2.8 o
rotto -1.8 o
difettoso -2.0 o
danneggiato -2.0 o
rovinato -2.1 o
scolorito -1.5 o
strappato -1.6 o
bucato -1.5 o
guasto -1.8 o
lento -1.5 o
lentissimo -2.4 o
caro -0.6 o
carissimo -1.5 o
costoso -1.0 o
freddo -0.6 o
bruciato -1.8 o
acido -1.2 o
amaro -0.8 o
stantio -2.0 o
insapore -1.8 e
annacquato -1.8 o
scortese -2.5 e
maleducato -2.6 o
antipatico -2.0 o
arrogante -2.4 e
incompetente -2.7 e
inutile -2.2 e
inutilizzabile -2.5 e
inaffidabile -2.4 e
ingannevole -2.5 e
sbagliato -1.8 o
sballato -1.8 o
affollato -1.2 o
sovraffollato -1.8 o
caotico -1.6 o
disorganizzato -2.0 o
umiliante -2.8 e
irraggiungibile -2.2 e
schifo -3.0
vergogna -2.8
truffa -3.2
truffatori -3.3
ladri -3.0
disastro -3.0
delusione -2.6
incubo -2.8
problema -1.2
problemi -1.3
disservizio -2.3
disservizi -2.3
ritardo -1.3
ritardi -1.4
errore -1.4
errori -1.4
pena -1.8
peccato -1.3
cesso -2.8
schifezza -3.0
fregatura -3.0
fregano -2.5
fregato -2.5
fregati -2.5
sola -0.3
rabbia -2.5
odio -3.2
odiamo -3.2
detesto -3.0
evitate -2.2
evitare -1.5
sconsiglio -2.6
sconsigliato -2.6
sconsigliata -2.6
peggio -2.1
male -1.6
malissimo -2.8
scarso -1.8 o
peggiore -2.8
peggiori -2.8
peggiorato -2.0
peggiorata -2.0
peggiorare -1.8
lamentela -1.6
reclamo -1.6
attesa -0.6
purtroppo -1.2
basta -1.0
uffa -1.5
mah -0.6
boh -0.4
cavolo -1.0
cazzo -2.0
cialtrone -2.5
cialtroni -2.5
buffoni -2.2
pagliacci -2.2
dimenticato -1.2 o
urla -1.5
urlano -1.5
rimborso -0.3
""merda -3.0
"""

# Words that turn the meaning of the words after them around (VADER looks three words back).
# Not "niente" and "nulla": after a verb they complete "non" ("non funziona niente, sono stufo")
# rather than negate what follows.
NEGATIONS = ("non", "nn", "mai", "nessuno", "nessuna", "né", "neanche", "nemmeno", "neppure",
             "senza")

# Intensifiers (+) and softeners (-), in VADER's step (0.293).
BOOSTERS = {
    "molto": 0.293, "troppo": 0.293, "davvero": 0.293, "veramente": 0.293, "proprio": 0.2,
    "tanto": 0.293, "tantissimo": 0.4, "assolutamente": 0.293, "estremamente": 0.35,
    "incredibilmente": 0.35, "super": 0.293, "stra": 0.293, "parecchio": 0.2,
    "decisamente": 0.293, "totalmente": 0.293, "completamente": 0.293, "sempre": 0.1,
    "poco": -0.293, "abbastanza": -0.15, "quasi": -0.2, "leggermente": -0.2,
}

# Italian for "but": what follows weighs more than what comes before (VADER's "but" rule).
CONTRAST = ("ma", "però", "pero", "tuttavia", "comunque")

# Elided articles and prepositions glued to the next word ("l'ottimo", "un'esperienza").
ELISIONS = ("l", "un", "dell", "all", "dall", "nell", "sull", "quell", "quest", "c", "d", "m",
            "t", "s", "v", "n")

# Set phrases, scored as one word (VADER's multiword entries): "mai più" is not "più" negated.
PHRASES = {"mai più": -2.2, "fa schifo": -3.2, "fanno schifo": -3.2, "never again": -2.2,
           "waste of money": -2.6, "waste of time": -2.4, "limited edition": 0.0, "fed up": -2.0}

# English slang and shorthand VADER's 2014 lexicon lacks or reads the other way.
ENGLISH = {
    "slaps": 2.5, "goated": 2.8, "banger": 2.5, "elite": 2.0, "fire": 2.0, "lit": 2.0,
    "dope": 2.0, "sick": 0.5, "legit": 1.5, "fab": 2.4, "faves": 1.5, "fave": 1.5,
    "obsessed": 1.5, "vibe": 1.0, "vibes": 1.0, "gem": 2.2, "mid": -1.5, "trash": -2.5,
    "garbage": -2.5, "rip-off": -2.8, "ripoff": -2.8, "overpriced": -2.0, "scammed": -2.8,
    "scammers": -3.0, "cheap": -0.5, "filthy": -2.6, "unusable": -2.5, "faulty": -2.0,
    "broken": -1.8, "stale": -1.8, "burnt": -1.6, "rude": -2.4, "unacceptable": -2.8,
    "disgraceful": -3.0, "shambles": -2.8, "meh": -0.8, "ugh": -1.5, "yikes": -1.5,
    "fed": -0.6, "avoid": -1.6, "cancelled": -1.0, "refund": -0.3,
    "clown": -1.8, "clowns": -2.0, "forgot": -1.2,
    "forgotten": -1.2, "yells": -1.6, "yelled": -1.6, "scorched": -1.5, "sour": -1.2,
    "expensive": -0.8,
    # Customer-service words VADER scores as in everyday talk: "support", "care" and "number"
    # name things here ("customer support", "order number"); "honestly" is an interjection.
    "support": 0.3, "care": 0.5, "number": 0.0, "honestly": 0.0,
    # VADER scores a lone "l" +2.0 (an emoticon's remains); here it is a size or "l'".
    "l": 0.0,
}

# Emoji as they read in comments, where VADER's reading is missing or wrong (🔥, 👎, 🤮, ...).
EMOJI = {
    "🔥": 2.5, "💯": 2.5, "👍": 2.0, "👏": 2.2, "🙌": 2.2, "💪": 1.8, "❤": 3.0, "💖": 3.0,
    "💕": 2.8, "💗": 2.8, "💙": 2.6, "💚": 2.6, "💛": 2.6, "🧡": 2.6, "💜": 2.6, "🖤": 2.0,
    "😍": 3.0, "🥰": 3.0, "🤩": 3.0, "😘": 2.6, "😋": 2.4, "😊": 2.4, "😃": 2.4, "😄": 2.4,
    "😁": 2.2, "🙂": 1.2, "😎": 2.0, "🥳": 2.8, "🎉": 2.2, "✨": 1.5, "🌟": 2.0, "⭐": 1.8,
    "🔝": 2.2, "👌": 2.2, "🤤": 2.0, "🙏": 1.2, "😂": 1.0, "🤣": 1.0, "🆒": 1.8,
    "👎": -2.6, "😡": -3.0, "🤬": -3.4, "😠": -2.8, "😤": -2.4, "🤮": -3.2, "🤢": -2.8,
    "💩": -2.8, "🙄": -2.0, "😒": -2.0, "😑": -1.2, "😞": -2.2, "😔": -2.0, "😢": -2.2,
    "😭": -1.8, "😩": -2.2, "😫": -2.2, "🙃": -0.8, "😖": -2.2, "😣": -1.8, "😕": -1.5,
    "🤦": -2.0, "💔": -2.6, "😱": -1.5, "😰": -1.8, "🤡": -2.4, "🚫": -1.2,
}


def _superlatives(stem: str, valence: float) -> dict[str, float]:
    if stem.endswith(("c", "g")):  # sporco -> sporchissimo, largo -> larghissimo
        stem += "h"
    strong = max(-4.0, min(4.0, valence * 1.25))
    return {stem + "issim" + end: strong for end in "oaie"}


@cache
def italian() -> dict[str, float]:
    """Italian word -> valence, every listed form spelled out (lower case)."""
    listed: dict[str, float] = {}
    generated: dict[str, float] = {}
    for line in _ITALIAN.split("\n"):
        parts = line.split()
        if not parts:
            continue
        word, valence, flag = parts[0], float(parts[1]), parts[2:]
        listed[word] = valence
        if flag == ["o"]:
            generated.update({word[:-1] + end: valence for end in "aie"})
        elif flag == ["e"]:
            generated[word[:-1] + "i"] = valence
        if flag:
            generated.update(_superlatives(word[:-1], valence))
    return generated | listed  # a form listed on its own wins over a generated one
