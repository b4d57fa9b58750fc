"""What the demo brands post: whole sentences per content pillar, in each brand's language.

Each sentence is written out in full (no topic glued into a template), so Italian
articulated prepositions and agreement come out right. The number of sentences per
pillar fixes which pillar each slot of the plan gets: change it and the figures move.
"""

from __future__ import annotations

from domain.enums import ContentPillar

_SAVE = "Salvate il post per la prossima pausa caffè!"
_SAY = "Voi che ne pensate? Ditecelo nei commenti."

IT_POSTS: dict[ContentPillar, tuple[str, ...]] = {
    ContentPillar.INFORMATIVE: (
        "Lo sapevate? Dietro la miscela Aurora Oro ci sono mesi di prove e di assaggi: "
        "ve li raccontiamo in torrefazione.",
        "Dalla pianta alla tazzina: oggi parliamo della miscela Aurora Oro.",
        f"Tre cose che (forse) non sapete sulla miscela Aurora Oro. {_SAVE}",
        "Mani in pasta: ecco come nasce la miscela Aurora Oro, passo dopo passo.",
        "Il nostro mastro tostatore vi presenta la miscela Aurora Oro in un minuto.",

        "Lo sapevate? Il cold brew della casa resta sedici ore in infusione a freddo.",
        "Dalla pianta alla tazzina: oggi parliamo del cold brew della casa.",
        f"Tre cose che (forse) non sapete sul cold brew della casa. {_SAVE}",
        "Mani in pasta: ecco come nasce il cold brew della casa, passo dopo passo.",
        "Il nostro mastro tostatore vi spiega in un minuto il cold brew della casa.",

        "Lo sapevate? Per il decaffeinato ad acqua non usiamo solventi: solo acqua, tempo "
        "e pazienza.",
        "Dalla pianta alla tazzina: oggi parliamo del decaffeinato ad acqua.",
        f"Tre cose che (forse) non sapete sul decaffeinato ad acqua. {_SAVE}",
        "Mani in pasta: ecco come si toglie la caffeina con la sola acqua, passo dopo passo.",
        "Il nostro mastro tostatore vi spiega in un minuto il decaffeinato ad acqua.",

        "Lo sapevate? Una tostatura chiara lascia parlare l'origine del chicco.",
        "Dalla pianta alla tazzina: oggi parliamo della tostatura chiara.",
        f"Tre cose che (forse) non sapete sulla tostatura chiara. {_SAVE}",
        "Mani in pasta: ecco come si arriva a una tostatura chiara, passo dopo passo.",
        "Il nostro mastro tostatore vi spiega in un minuto la tostatura chiara.",

        "Lo sapevate? Per l'espresso perfetto bastano sette grammi di caffè e venticinque "
        "secondi: il resto è esperienza.",
        "Dalla pianta alla tazzina: oggi parliamo dell'espresso perfetto.",
        f"Tre cose che (forse) non sapete sull'espresso perfetto. {_SAVE}",
        "Mani in pasta: ecco come nasce l'espresso perfetto, passo dopo passo.",
        "Il nostro mastro tostatore vi svela in un minuto il segreto dell'espresso perfetto.",

        "Lo sapevate? La moka della nonna si lava solo con acqua calda, mai con il sapone.",
        "Dalla pianta alla tazzina: oggi parliamo della moka della nonna.",
        f"Tre cose che (forse) non sapete sulla moka della nonna. {_SAVE}",
        "Mani in pasta: ecco come si prepara il caffè con la moka della nonna, passo dopo "
        "passo.",
        "Il nostro mastro tostatore vi spiega in un minuto come usare al meglio la moka "
        "della nonna.",

        "Lo sapevate? Il caffè di Sidamo cresce in Etiopia, tra i 1.500 e i 2.200 metri "
        "di quota.",
        "Dalla pianta alla tazzina: oggi parliamo del caffè di Sidamo.",
        f"Tre cose che (forse) non sapete sul caffè di Sidamo. {_SAVE}",
        "Mani in pasta: ecco come tostiamo il caffè di Sidamo, passo dopo passo.",
        "Il nostro mastro tostatore vi presenta il caffè di Sidamo in un minuto.",

        "Lo sapevate? Il blend per il cappuccino è pensato per stare bene con il latte "
        "senza perdere carattere.",
        "Dalla pianta alla tazzina: oggi parliamo del blend per il cappuccino.",
        f"Tre cose che (forse) non sapete sul blend per il cappuccino. {_SAVE}",
        "Mani in pasta: ecco come nasce il blend per il cappuccino, passo dopo passo.",
        "Il nostro mastro tostatore vi spiega in un minuto il blend per il cappuccino.",

        "Lo sapevate? Un quarto d'ora dopo la macinatura il caffè ha già perso buona parte "
        "dei suoi aromi.",
        "Dalla pianta alla tazzina: oggi parliamo della macinatura fresca.",
        f"Tre cose che (forse) non sapete sulla macinatura fresca. {_SAVE}",
        "Mani in pasta: ecco come scegliere la macinatura per moka, espresso e filtro, "
        "passo dopo passo.",
        "Il nostro mastro tostatore vi spiega in un minuto perché la macinatura fresca fa "
        "la differenza.",

        "Lo sapevate? Una crema nocciola e compatta dice molto su come è stato estratto "
        "l'espresso.",
        "Dalla pianta alla tazzina: oggi parliamo della crema dell'espresso.",
        f"Tre cose che (forse) non sapete sulla crema dell'espresso. {_SAVE}",
        "Mani in pasta: ecco come si forma la crema dell'espresso, passo dopo passo.",
        "Il nostro mastro tostatore vi insegna in un minuto a leggere la crema "
        "dell'espresso.",

        "Lo sapevate? Il nostro Brasile Cerrado arriva dagli altipiani del Minas Gerais.",
        "Dalla pianta alla tazzina: oggi parliamo del nostro Brasile Cerrado.",
        f"Tre cose che (forse) non sapete sul nostro Brasile Cerrado. {_SAVE}",
        "Mani in pasta: ecco come tostiamo il Brasile Cerrado, passo dopo passo.",
        "Il nostro mastro tostatore vi presenta il Brasile Cerrado in un minuto.",

        "Lo sapevate? Un espresso è fatto per oltre il 90% di acqua: sceglierla bene "
        "cambia tutto.",
        "Dalla pianta alla tazzina: oggi parliamo dell'acqua giusta per il caffè.",
        f"Tre cose che (forse) non sapete sull'acqua giusta per il caffè. {_SAVE}",
        "Mani in pasta: ecco come scegliere l'acqua giusta per il caffè, passo dopo passo.",
        "Il nostro mastro tostatore vi spiega in un minuto perché l'acqua conta quanto "
        "il chicco.",
    ),
    ContentPillar.OPINION: (
        f"Diciamolo: un caffè amaro non è per forza un buon caffè. {_SAY}",
        "Opinione impopolare dalla torrefazione: amaro non vuol dire forte, spesso vuol "
        "dire bruciato.",
        "Più amaro, più buono? Secondo noi no: l'amaro copre l'origine del chicco.",

        f"Diciamolo: lo zucchero copre i difetti, non esalta il gusto. {_SAY}",
        "Opinione impopolare dalla torrefazione: un buon espresso si beve senza zucchero.",
        "Zucchero sì o zucchero no? Secondo noi un buon caffè non ne ha bisogno.",

        f"Diciamolo: la capsula non sostituirà mai la moka. {_SAY}",
        "Opinione impopolare dalla torrefazione: la capsula è comoda, ma la moka è un'altra "
        "cosa.",
        "Capsula o moka? Secondo noi la moka vince ancora, e di parecchio.",

        f"Diciamolo: il prezzo giusto deve ripagare anche chi coltiva il caffè. {_SAY}",
        "Opinione impopolare dalla torrefazione: se un caffè costa troppo poco, lo sta "
        "pagando qualcun altro.",
        "Il caffè a 1,20 € al bar è sostenibile? Secondo noi no, se deve ripagare anche "
        "chi lo coltiva.",

        f"Diciamolo: spesso la tostatura scura nasconde chicchi mediocri. {_SAY}",
        "Opinione impopolare dalla torrefazione: più scuro non vuol dire più buono.",
        "Tostatura scura uguale caffè forte? Secondo noi spesso vuol dire solo chicchi "
        "mediocri ben nascosti.",

        f"Diciamolo: il decaffeinato merita più rispetto. {_SAY}",
        "Opinione impopolare dalla torrefazione: un buon decaffeinato non ha niente da "
        "invidiare a un espresso.",
        "Il decaffeinato è un caffè di serie B? Secondo noi no, se è fatto bene.",

        f"Diciamolo: il latte d'avena funziona solo con certe miscele. {_SAY}",
        "Opinione impopolare dalla torrefazione: per un cappuccino d'avena non va bene una "
        "miscela qualsiasi.",
        "Latte d'avena nel cappuccino: sì o no? Secondo noi sì, ma con la miscela giusta.",

        "Diciamolo: servire un bicchiere d'acqua con l'espresso è cortesia, non "
        f"snobismo. {_SAY}",
        "Opinione impopolare dalla torrefazione: l'acqua si beve prima del caffè, non dopo.",
        "Il bicchiere d'acqua con l'espresso è snobismo? Secondo noi è una cortesia che "
        "ogni bar dovrebbe fare.",

        f"Diciamolo: il caffè filtro sta tornando anche in Italia. {_SAY}",
        "Opinione impopolare dalla torrefazione: il caffè filtro non è acqua sporca.",
        "Il caffè filtro è solo una moda americana? Secondo noi è il modo migliore per "
        "conoscere un'origine.",

        f"Diciamolo: un buon barista vale quanto una buona miscela. {_SAY}",
        "Opinione impopolare dalla torrefazione: la miscela migliore, nelle mani sbagliate, "
        "fa un pessimo caffè.",
        "Conta di più la miscela o il barista? Secondo noi l'una senza l'altro non basta.",
    ),
    ContentPillar.PROMOTIONAL: (
        "Solo per chi ci segue: -15% sulla miscela Aurora Oro fino a domenica, in bottega "
        "e online.",
        "Novità in bottega: è arrivata la miscela Aurora Oro, e per il lancio costa il 15% "
        "in meno! Link in bio.",
        "Regalate un caffè speciale: la miscela Aurora Oro, scontata del 15% fino a "
        "domenica.",

        "Solo per chi ci segue: sabato la degustazione è gratuita. Vi aspettiamo in bottega!",
        "Novità in bottega: ogni sabato una degustazione gratuita! Prenotate dal link in bio.",
        "Regalate un caffè speciale: portate un amico alla degustazione gratuita del sabato.",

        "Solo per chi ci segue: spedizione gratuita sopra i 29 €, fino a domenica.",
        "Novità sull'e-shop: spedizione gratuita per gli ordini sopra i 29 €! Link in bio.",
        "Regalate un caffè speciale: sopra i 29 € ve lo spediamo gratis.",

        "Solo per chi ci segue: il kit moka con 250 g di caffè a 24,90 €, fino a domenica, "
        "in bottega e online.",
        "Novità in bottega: il kit moka con 250 g di caffè a 24,90 €! Link in bio.",
        "Regalate un caffè speciale: il kit moka con 250 g della nostra miscela, a 24,90 €.",

        "Solo per chi ci segue: con l'abbonamento mensile il primo mese è in regalo. Fino a "
        "domenica, in bottega e online.",
        "Novità sull'e-shop: l'abbonamento mensile, con il primo mese in regalo! Link in bio.",
        "Regalate un caffè speciale: un abbonamento mensile, con il primo mese offerto "
        "da noi.",

        "Solo per chi ci segue: la nuova latta da collezione in anteprima, fino a domenica, "
        "in bottega e online.",
        "Novità in bottega: è arrivata la nuova latta da collezione! Link in bio.",
        "Regalate un caffè speciale: la nostra miscela nella nuova latta da collezione.",

        "Solo per chi ci segue: iscrizioni in anteprima al corso di latte art, fino a "
        "domenica.",
        "Novità in bottega: il corso di latte art! Iscrizioni dal link in bio.",
        "Regalate un caffè speciale: un posto al nostro corso di latte art.",

        "Solo per chi ci segue: due pacchi di decaffeinato al prezzo di uno, fino a "
        "domenica, in bottega e online.",
        "In bottega e online: due pacchi di decaffeinato al prezzo di uno! Link in bio.",
        "Regalate un caffè speciale: il nostro decaffeinato, due pacchi al prezzo di uno.",

        "Solo per chi ci segue: la tazzina firmata Aurora in anteprima, fino a domenica, "
        "in bottega e online.",
        "Novità in bottega: la tazzina firmata Aurora! Link in bio.",
        "Regalate un caffè speciale, con la tazzina firmata Aurora per gustarlo.",

        "Solo per chi ci segue: il cold brew in bottiglia in anteprima, fino a domenica, "
        "in bottega e online.",
        "Novità in bottega: il cold brew in bottiglia per l'estate! Link in bio.",
        "Regalate un caffè speciale: il nostro cold brew in bottiglia, per l'estate.",
    ),
}

_BOOK = "Book a call with our fleet team."

EN_POSTS: dict[ContentPillar, tuple[str, ...]] = {
    ContentPillar.INFORMATIVE: (
        "Workshop notes: how we build the Brightside Commuter frame.",
        "Five minutes with our mechanics on the Brightside Commuter frame.",
        "Commuter tip of the week: check your frame around the welds once a month.",
        "Behind the frame: the Brightside Commuter, from first sketch to first ride.",
        "Ask the workshop: everything you wanted to know about the Brightside Commuter frame.",

        "Workshop notes: what actually makes a city tyre puncture-proof.",
        "Five minutes with our mechanics on puncture-proof city tyres.",
        "Commuter tip of the week: puncture-proof tyres save more mornings than any gadget.",
        "Behind the tread: why every city bike we sell has puncture-proof tyres.",
        "Ask the workshop: everything you wanted to know about puncture-proof city tyres.",

        "Workshop notes: how hub gears work, and why they cope with London's weather.",
        "Five minutes with our mechanics on hub gears.",
        "Commuter tip of the week: with hub gears you can change gear standing at the lights.",
        "Behind the frame: the hub gear, a century-old idea that still works.",
        "Ask the workshop: everything you wanted to know about hub gears.",

        "Workshop notes: how we test winter lights before they go on the shelf.",
        "Five minutes with our mechanics on winter lights that actually work.",
        "Commuter tip of the week: charge your lights on Sunday night, not Monday morning.",
        "Behind the frame: why we only sell lights we ride with ourselves.",
        "Ask the workshop: everything you wanted to know about winter lights.",

        "Workshop notes: how we look after our e-bike batteries.",
        "Five minutes with our mechanics on e-bike batteries.",
        "Commuter tip of the week: keep your e-bike battery indoors when it's freezing.",
        "Behind the frame: our e-bike batteries, from cell to charger.",
        "Ask the workshop: everything you wanted to know about e-bike batteries.",

        "Workshop notes: our five-minute chain check, step by step.",
        "Five minutes with our mechanics: the chain check that saves you a new drivetrain.",
        "Commuter tip of the week: a five-minute chain check every Sunday.",
        "Behind the frame: why a clean chain makes every ride feel faster.",
        "Ask the workshop: everything you wanted to know about looking after your chain.",

        "Workshop notes: how we fit a child seat safely.",
        "Five minutes with our mechanics on fitting a child seat safely.",
        "Commuter tip of the week: check the child seat's bolts before the school run.",
        "Behind the frame: what makes a bike safe for a child seat.",
        "Ask the workshop: everything you wanted to know about child seats.",

        "Workshop notes: how we choose reflective kit for dark evenings.",
        "Five minutes with our mechanics on reflective kit for dark evenings.",
        "Commuter tip of the week: wear reflective bands on your ankles, where drivers see "
        "movement.",
        "Behind the frame: our reflective kit, tested on real winter commutes.",
        "Ask the workshop: everything you wanted to know about being seen on dark evenings.",

        "Workshop notes: how the cycle-to-work scheme works, from quote to collection.",
        "Five minutes with our fleet team on the cycle-to-work scheme.",
        "Commuter tip of the week: ask HR about the cycle-to-work scheme before you buy.",
        "Behind the scheme: how cycle-to-work saves you money on a new bike.",
        "Ask the workshop: everything you wanted to know about the cycle-to-work scheme.",

        "Workshop notes: how we measure you for the right frame size.",
        "Five minutes with our mechanics on choosing the right frame size.",
        "Commuter tip of the week: the right frame size matters more than the right brand.",
        "Behind the frame: why one size never fits all.",
        "Ask the workshop: everything you wanted to know about choosing a frame size.",

        "Workshop notes: what our repair-for-life promise covers.",
        "Five minutes with our mechanics on our repair-for-life promise.",
        "Commuter tip of the week: book your free repair-for-life check every spring.",
        "Behind the frame: why we promise to repair your bike for life.",
        "Ask the workshop: everything you wanted to know about our repair-for-life promise.",

        "Workshop notes: what we learnt riding London's new cycle superhighways.",
        "Five minutes with our mechanics on London's new cycle superhighways.",
        "Commuter tip of the week: plan your route around London's new cycle superhighways.",
        "Behind the route: London's cycle superhighways, told by the people who ride them.",
        "Ask the workshop: everything you wanted to know about London's cycle superhighways.",
    ),
    ContentPillar.OPINION: (
        "Hot take from the workshop: the best bike is the one you actually ride. Agree?",
        "We think the best bike is the one you actually ride. Tell us why we're wrong.",
        "Unpopular opinion: the best bike is the one you actually ride.",

        "Hot take from the workshop: cycle lanes are good for shops. Agree?",
        "We think cycle lanes are good for shops. Tell us why we're wrong.",
        "Unpopular opinion: cycle lanes are good for shops.",

        "Hot take from the workshop: e-bikes are not cheating. Agree?",
        "We think e-bikes are not cheating. Tell us why we're wrong.",
        "Unpopular opinion: e-bikes are not cheating.",

        "Hot take from the workshop: every office needs secure bike parking. Agree?",
        "We think every office needs secure bike parking. Tell us why we're wrong.",
        "Unpopular opinion: every office needs secure bike parking.",

        "Hot take from the workshop: helmet debates miss the point, safer streets matter "
        "more. Agree?",
        "We think helmet debates miss the point: safer streets matter more. Tell us why "
        "we're wrong.",
        "Unpopular opinion: helmet debates miss the point, safer streets matter more.",

        "Hot take from the workshop: a fleet of bikes beats a fleet of pool cars. Agree?",
        "We think a fleet of bikes beats a fleet of pool cars. Tell us why we're wrong.",
        "Unpopular opinion: a fleet of bikes beats a fleet of pool cars.",

        "Hot take from the workshop: mudguards are underrated. Agree?",
        "We think mudguards are underrated. Tell us why we're wrong.",
        "Unpopular opinion: mudguards are underrated.",

        "Hot take from the workshop: cycling to work is the cheapest wellbeing scheme. Agree?",
        "We think cycling to work is the cheapest wellbeing scheme. Tell us why we're wrong.",
        "Unpopular opinion: cycling to work is the cheapest wellbeing scheme.",

        "Hot take from the workshop: repairing beats replacing. Agree?",
        "We think repairing beats replacing. Tell us why we're wrong.",
        "Unpopular opinion: repairing beats replacing.",

        "Hot take from the workshop: cargo bikes will change deliveries. Agree?",
        "We think cargo bikes will change deliveries. Tell us why we're wrong.",
        "Unpopular opinion: cargo bikes will change deliveries.",
    ),
    ContentPillar.PROMOTIONAL: (
        "This week only: a free first service with every Commuter.",
        "New in store: every Commuter now comes with a free first service. Link in bio.",
        f"For teams: a free first service with every Commuter in your fleet. {_BOOK}",

        "This week only: 20% off winter light sets.",
        "New in store: this winter's light sets, now 20% off. Link in bio.",
        f"For teams: 20% off winter light sets for the whole office. {_BOOK}",

        "This week only: test-ride the Brightside Cargo on Saturday.",
        "New in store: the Brightside Cargo, with test rides on Saturday. Link in bio.",
        f"For teams: the Brightside Cargo for your deliveries. {_BOOK}",

        "This week only: fleet bikes from £19 a week.",
        "New for businesses: fleet bikes from £19 a week. Link in bio.",
        f"For teams: fleet bikes from £19 a week. {_BOOK}",

        "This week only: trade in your old bike for £150 off a new one.",
        "New in store: trade in your old bike and get £150 off. Link in bio.",
        f"For teams: trade in your old pool bikes for £150 each. {_BOOK}",

        "This week only: the new Commuter in sage green, in store before it goes online.",
        "New in store: the Commuter in sage green. Link in bio.",
        f"For teams: the new Commuter in sage green, with your logo on the frame. {_BOOK}",

        "This week only: free fitting on every cycle-to-work order.",
        "New in store: free fitting for cycle-to-work orders. Link in bio.",
        f"For teams: free fitting for every cycle-to-work order from your staff. {_BOOK}",

        "This week only: join the repair-for-life membership and get the first month free.",
        "New in store: the repair-for-life membership. Link in bio.",
        f"For teams: the repair-for-life membership for your whole fleet. {_BOOK}",

        "This week only: a free lock with every e-bike.",
        "New in store: every e-bike now comes with a free lock. Link in bio.",
        f"For teams: a free lock with every e-bike in your fleet. {_BOOK}",

        "This week only: book a free team test-ride day at your office.",
        "New for businesses: team test-ride days at your office. Link in bio.",
        f"For teams: test-ride days at your office. {_BOOK}",
    ),
}
