"""Generate the demo stream the embedded default replays: ten minutes of posts about six brands.

The demo has to show what sentimon is for, so the stream has a story: a steady background of
posts, a game launch that makes volume burst, and at the middle a network outage at Kestrel
Mobile whose negative posts rise sharply within two minutes (the spike the alerting must catch)
while its competitor Loopa picks up the switchers. About a tenth of the posts are replies, some
of them ("same here", "lol no") meaningless without their parent, a few arriving before it, to
exercise thread deferral.

It also carries drift no shipped student has seen, so the cascade has work to do: a brand new to
every corpus (Voltway, e-scooters) launching the Glide to an audience that talks in slang ("lowkey
slaps", "mid", "we're cooked"), for the whole ten minutes, and two waves of sarcasm across the
brands ("love that for me", "10/10 would get stranded again"). These are written for the student
to be unsure of: what it escalates, the teacher labels and a round re-distils, and the slang keeps
coming afterwards so the dashboard can show whether the new student still escalates it.

Every post's true polarity, emotions and aspects go to ``labels.jsonl`` beside the stream, not
into the posts: the demo oracle teacher answers from that file, and nothing else sees it.

Texts are composed from the seed generator's bank under other brands and another seed, plus
material written only for these scenes; any text or skeleton that appears in the seed corpus is
rejected, so the demo never scores the student on its own training data. A handful of broken
lines go to a separate file so the replay can show the dead-letter queue.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path

from generate_seed_corpus import (
    OUTPUT,
    Composer,
    Noiser,
    Piece,
    Sample,
    handle_of,
    load_domains,
    parse_frags,
    skeleton,
)
from pydantic import ValidationError

from sentimon.records import Post

SEED = 6061
DURATION_S = 600.0
DEMO_DIR = Path(__file__).resolve().parent.parent / "stream" / "demo"

# brand -> (domain in the seed bank, a rival the posts may compare it with)
BRANDS: dict[str, tuple[str, str]] = {
    "Kestrel Mobile": ("telecom", "Loopa"),
    "Loopa": ("telecom", "Kestrel Mobile"),
    "Halcyon Air": ("airline", "Skylark Jet"),
    "Brightcart": ("retail", "Pemberton's"),
    "Orrery Games": ("games", "Nightjar Studios"),
}
OUTAGE_BRAND = "Kestrel Mobile"
LAUNCH_BRAND = "Orrery Games"

OUTAGE_OPENERS = [
    "is {b} down??",
    "{b} down for anyone else?",
    "{b} outage?",
    "anyone else on {b} with no signal?",
    "@{h} what is going on",
    "{b} down in {city} too.",
    "so {b} is just... off?",
    "great, {b} is down.",
    "yep, {b} is down.",
    "{b} what's happening",
    "@{h} hello??",
    "{b} having a nightmare today.",
    "",
]
OUTAGE_FRAGS = parse_frags("""
quality - | no signal at all for the last half hour | annoyance
quality - | mobile data completely dead | annoyance
quality - | calls won't connect, it just beeps | annoyance,confusion
quality - | my texts are stuck on sending | annoyance
quality - | zero bars in the middle of {city} | annoyance,anger
quality - | my phone just says sos only | confusion,nervousness
quality - | couldn't even call my mum back, that's actually scary | fear,anger
quality - | the whole office has no service | annoyance
quality - | restarted my phone 5 times, still nothing | annoyance
quality - | no 4g, no 5g, no nothing | anger
service - | the status page says all systems operational lol | annoyance,disapproval
service - | on hold for 45 minutes to report it and then it hung up | anger
service - | not one update from them in over an hour | anger,disapproval
service - | their help account has gone completely silent | annoyance,disapproval
gen - | lost a client call because of this | anger,sadness
gen - | working from home and my hotspot just died | annoyance
gen - | my taxi can't find me because i have no data | annoyance
gen - | i can't get into my banking app without the sms code | annoyance,nervousness
""")
OUTAGE_CLOSERS = [
    "{b} sort it out",
    "switching to {b2} tomorrow",
    "and i pay for this",
    "unreal.",
    "absolute joke",
    "i want a bill credit for this",
    "second time this month",
    "this is so bad",
    "",
    "",
]
OUTAGE_NEWS = [
    "{b} confirms a network outage affecting customers in {city}",
    "{b} says engineers are working on a fault hitting mobile data in {city}",
    "Outage tracker shows reports about {b} rising across {city}",
    "{b} statement: some customers may be unable to make calls",
]
RECOVERY = parse_frags("""
quality + | signal's back! thank god | relief
quality + | everything working again here in {city} | relief,joy
service + | fair play for fixing it fast | approval,gratitude
service + | they just texted an apology and a free data bundle, nice touch | gratitude,surprise
service - | back up but three hours without a phone deserves a refund | anger,disapproval
service - | working again, still no explanation though | annoyance,disapproval
""")
RECOVERY_NEWS = [
    "{b} says its network fault is fixed and apologises to customers",
    "{b} restores service after a three-hour outage in {city}",
]
RIVAL_GAIN = parse_frags("""
quality + | {b} working perfectly while {b2} is down lol | joy,amusement
quality + | glad i switched to {b} last year, zero problems today | relief,joy
quality + | {b} signal totally fine here in {city} | approval
service + | {b} sent a lovely message to everyone switching today | approval
price + | {b} doing a half price sim deal for people jumping ship, smart | admiration,approval
""")
RIVAL_QUESTIONS = [
    "is {b} affected too or just {b2}?",
    "thinking of moving to {b} after today, how's the coverage in {city}?",
    "does {b} let you keep your number if you switch today?",
]
LAUNCH_FRAGS = parse_frags("""
quality + | Starfall is finally out and it looks gorgeous | joy,admiration
quality + | first hour of Starfall and i'm completely hooked | excitement,joy
quality + | the Starfall soundtrack!!! | admiration,excitement
quality + | Starfall runs perfectly on my five year old pc | surprise,approval
quality + | the Starfall character creator is unreal | admiration
quality + | day one Starfall with the squad, best night in ages | joy,excitement
price + | Starfall at 30 quid with no microtransactions, take my money | approval,excitement
staff + | the devs are in the Starfall discord answering everyone | admiration,gratitude
quality - | Starfall crashed twice during the tutorial | annoyance,disappointment
service - | the Starfall login queue is 40 minutes | annoyance
service - | can't get into Starfall, error 503 every time | annoyance,anger
price - | 70 for the deluxe edition of Starfall is steep | disapproval
""")
LAUNCH_NEWS = [
    "{b} releases Starfall worldwide today",
    "{b}'s Starfall tops the download charts in its first hour",
    "{b} adds servers as Starfall launch draws crowds",
]
LAUNCH_QUESTIONS = [
    "what time does Starfall unlock in {city}?",
    "is Starfall on console too?",
    "how big is the Starfall download?",
    "does Starfall have crossplay with {b2} games?",
]

# The drift: a brand in no corpus, launching a product to an audience that talks in slang.
NEW_BRAND = "Voltway"
NEW_RIVAL = "Zipp Scooters"
SLANG_OPENERS = ["", "", "", "ngl", "ok so", "not gonna lie", "bestie", "y'all", "bro", "PSA:", "update:",
                 "day 2 of the glide:", "@{h}", "{b} glide review:", "real talk"]  # fmt: skip
SLANG_FRAGS = parse_frags("""
quality + | the glide lowkey slaps | joy,admiration
quality + | the new glide is bussin fr | excitement,joy
quality + | this scooter ate and left no crumbs | admiration
quality + | the glide hits different at 7am | joy
quality + | no cap the glide is goated | admiration,excitement
quality + | the acceleration on the glide is unreal, chef's kiss | admiration,excitement
quality + | glide understood the assignment | approval,admiration
quality + | rode the glide across {city} and it's giving main character | joy,excitement
quality + | the glide is so smooth it's actually sending me | amusement,joy
app + | the unlock is instant now, a whole W | approval,joy
price + | 1 euro unlock on the glide? we're so back | excitement,joy
price + | glide pass for a tenner a week, that's a steal ngl | approval
service + | their support replied in 2 mins, they're him | gratitude,admiration
staff + | the street team handing out free glide helmets, iconic | gratitude,joy
quality - | the glide is mid at best | disappointment,disapproval
quality - | battery died 2 km in, we're cooked | annoyance,disappointment
quality - | the glide brakes feel sus | nervousness,disapproval
quality - | handlebar rattles the whole ride, it's giving broken | annoyance
quality - | the glide is lowkey a flop | disappointment
app - | the glide app is giving 2012 flash game | annoyance,disapproval
app - | app said 80 percent battery, scooter said nah | annoyance
price - | the pricing is delulu | disapproval
price - | 40p a minute for the glide? not the flex they think it is | disapproval,annoyance
service - | support left me on read for 3 days | anger,annoyance
service - | {b} took a massive L with this launch | disappointment,disapproval
delivery - | the glide i reserved got yoinked by someone else | annoyance,anger
staff - | the guy fixing the glides was mad rude fr | anger,disapproval
""")
SLANG_CLOSERS = ["", "", "", "fr", "ngl", "no cap", "💀", "🔥", "ong", "periodt", "and that's on that", "just saying",
                 "#VoltwayGlide", "#glide", "it is what it is", "iykyk"]  # fmt: skip
SLANG_QUESTIONS = [
    "is the glide in {city} yet or nah",
    "anyone tried the {b} glide? what's the tea",
    "how much is the glide unlock rn",
    "when does {b} drop the glide in {city}",
    "is the glide faster than a {b2} one or is that cap",
    "do you need the {b} app for the glide or can you tap to ride",
    "glide or {b2} for getting across {city}?",
]
SLANG_NEWS = [
    "{b} launches its Glide e-scooter in {city}",
    "{b} says the Glide fleet will reach ten cities by spring",
    "{b} expands Glide parking zones after launch week",
]
# Sarcasm: praise wrapped round a complaint. Each frame's slot takes a mishap of the brand's domain.
SARCASM_FRAMES = [
    "oh fantastic, {m}. love that for me",
    "wow {b}, {m}. truly outdone yourselves",
    "nothing says premium like {m}",
    "{m}, 10/10 would do it again",
    "so glad i picked {b} today. {m}",
    "thanks {b}, {m}. exactly what i needed this week",
    "{b} never misses. {m}. incredible stuff",
    "my favourite hobby? {m}, courtesy of {b}",
    "can't believe how lucky i am: {m}",
    "living the dream with {b}: {m}",
    "wonderful start to the day, {m}",
    "best customer experience ever, {m}",
]
MISHAPS: dict[str, list[tuple[str, str]]] = {
    "telecom": [("no signal for the third day running", "quality"), ("a surprise 40 quid on my bill", "price"),
                ("on hold for an hour then cut off", "service"), ("the app logging me out every 5 minutes", "app")],
    "airline": [("a 6 hour delay with no food voucher", "service"), ("my bag flying to a different country", "service"),
                ("a cancelled flight at 2am", "service"), ("paying 60 to choose a seat", "price")],
    "retail": [("a parcel marked delivered that never came", "delivery"), ("a refund that takes 6 weeks", "service"),
               ("the checkout crashing three times", "app"), ("a sofa that arrived in pieces", "quality")],
    "games": [("a day one patch bigger than the game", "quality"), ("servers down all weekend", "service"),
              ("paying 20 for a skin", "price"), ("my save file corrupted", "quality")],
    "mobility": [("a scooter with a dead battery", "quality"), ("being charged for a ride i never took", "price"),
                 ("the app freezing mid ride", "app"), ("no scooters anywhere near me", "service")],
}  # fmt: skip
# Genuine praise that sounds like a complaint, so that sarcasm is not simply "praise words = negative".
IRONIC_PRAISE = parse_frags("""
quality + | i hate how good the {b} update is, there goes my weekend | joy,amusement
service + | {b} ruined every other company for me, their support is too good | admiration
quality + | annoyed that i waited this long to try {b} honestly | joy,approval
price + | {b} made me mad i was overpaying elsewhere for years | approval
""")

# Replies that only make sense beside their parent: (text, how the gold relates to the parent).
AGREE = ["same here", "this^", "same", "+1", "came here to say this", "literally same", "facts", "this. so much this",
         "yep", "100%", "exactly this", "me too", "this ^^", "couldn't agree more", "so true", "real", "fr",
         "ditto", "same thing happened to me", "glad it's not just me", "saaame", "^ this"]  # fmt: skip
DISAGREE_WITH_NEGATIVE = ["works fine for me tho", "nah mine's been fine all week", "never had that problem tbh",
                          "weird, mine's perfect", "been great for me honestly"]  # fmt: skip
DISAGREE_WITH_POSITIVE = ["lol no", "hard disagree", "you must be lucky", "absolutely not", "lmao no",
                          "not my experience at all", "in what world"]  # fmt: skip
ASK_CONTEXT = ["wait what happened?", "source?", "where is this?", "which one?", "huh?", "is this new?", "link?"]

FIRST = ["jess", "tom", "kai", "mo", "sam", "lena", "raj", "ollie", "zoe", "finn", "ana", "dev", "maya", "leo",
         "nia", "theo", "ivy", "ben", "cleo", "max", "rosa", "yusuf", "ines", "pete", "hana", "luca"]  # fmt: skip
SECOND = ["", "_x", "_07", "writes", "bakes", "runs", "_uk", "codes", "plays", "_22", "_irl", "lol", "_m", "gg"]
NEWS_AUTHORS = ["BizWireDaily", "TechLedger", "CityNewsDesk", "MarketPulse", "GadgetBeat", "TravelTradeNews"]


@dataclasses.dataclass
class Draft:
    """A post before ids are given: its moment, labels and, for replies, its parent draft."""

    offset: float
    brand: str
    sample: Sample
    scene: str
    source: str = "twitter"
    author: str = ""
    parent: Draft | None = None


class DemoWriter:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.composer = Composer(self.rng)
        self.noiser = Noiser(self.rng)
        bank = load_domains()
        self.domains = {
            brand: dataclasses.replace(bank[domain], brands=(brand, rival)) for brand, (domain, rival) in BRANDS.items()
        }
        # The new brand borrows only surface noise from a bank domain; its posts are all drift material.
        self.domains[NEW_BRAND] = dataclasses.replace(
            bank["cars"], name="mobility", brands=(NEW_BRAND, NEW_RIVAL), emoji=("🛴", "⚡"), tags=("#escooter",)
        )
        self.all_brands = tuple(
            [b for d in bank.values() for b in d.brands]
            + [b for pair in BRANDS.items() for b in (pair[0], pair[1][1])]
            + [NEW_BRAND, NEW_RIVAL]
        )
        seed_texts = [json.loads(line)["text"] for line in OUTPUT.read_text(encoding="utf-8").splitlines()]
        self.seed_texts = set(seed_texts)
        self.seed_keys = {skeleton(text, self.all_brands) for text in seed_texts}
        self.used: set[str] = set()

    def author(self) -> str:
        return f"{self.rng.choice(FIRST)}{self.rng.choice(SECOND)}{self.rng.choice(['', '', str(self.rng.randint(1, 99))])}"

    def fresh(self, make: Callable[[], Sample], brand: str) -> Sample:
        """Draw samples until one is new to both the seed corpus and this stream, then add noise."""
        for _ in range(300):
            sample = make()
            text = self.noiser.apply(sample, brand, self.domains[brand])
            key = skeleton(text, self.all_brands)
            if text in self.seed_texts or key in self.seed_keys or key in self.used:
                continue
            self.used.add(key)
            return dataclasses.replace(sample, text=text)
        raise RuntimeError(f"demo material exhausted for {brand}")

    def scene_post(
        self, brand: str, openers: list[str], frags: list[Piece], closers: list[str], polarity: str
    ) -> Sample:
        """An event post: an opener, one or two clauses of one polarity, maybe a closer."""
        rng = self.rng
        domain = self.domains[brand]
        pool = [p for p in frags if p.polarity == polarity]
        chosen = rng.sample(pool, min(len(pool), rng.choice([1, 1, 2])))
        parts = [part for part in [rng.choice(openers), *(p.text for p in chosen), rng.choice(closers)] if part]
        text = parts[0]
        for part in parts[1:]:
            text += rng.choice([" ", "\n"] if text[-1] in ".?!:" else [". ", "\n", ", ", " - "]) + part
        if brand not in text and "{b}" not in text and "{h}" not in text:
            text = f"{text} #{handle_of(brand)}" if rng.random() < 0.5 else f"@{handle_of(brand)} {text}"
        aspects = {p.aspect: p.polarity for p in chosen if p.aspect}
        emotions = self.composer.pick_emotions([p.emotions for p in chosen], polarity)
        return Sample(self.composer.fill(text, brand, domain), polarity, emotions, aspects, "scene")

    def neutral_line(self, brand: str, templates: list[str], kind: str) -> Sample:
        emotions = ["neutral", "curiosity"] if kind == "question" else ["neutral"]
        text = self.composer.fill(self.rng.choice(templates), brand, self.domains[brand])
        return Sample(text, "neutral", emotions, {}, kind)

    def baseline(self, brand: str) -> Sample:
        polarity = self.rng.choices(["negative", "neutral", "positive"], [0.33, 0.32, 0.35])[0]
        return self.composer.post(self.domains[brand], brand, polarity)

    def outage(self, brand: str) -> Sample:
        roll = self.rng.random()
        if roll < 0.08:
            return self.neutral_line(brand, OUTAGE_NEWS, "news")
        return self.scene_post(brand, OUTAGE_OPENERS, OUTAGE_FRAGS, OUTAGE_CLOSERS, "negative")

    def recovery(self, brand: str) -> Sample:
        if self.rng.random() < 0.15:
            return self.neutral_line(brand, RECOVERY_NEWS, "news")
        polarity = "positive" if self.rng.random() < 0.6 else "negative"
        return self.scene_post(brand, ["", "", "{b}:", "@{h}", "ok"], RECOVERY, ["", "", "finally"], polarity)

    def rival(self, brand: str) -> Sample:
        if self.rng.random() < 0.25:
            return self.neutral_line(brand, RIVAL_QUESTIONS, "question")
        return self.scene_post(brand, ["", "", "ngl", "honestly"], RIVAL_GAIN, ["", "", "", "🙌"], "positive")

    def launch(self, brand: str) -> Sample:
        roll = self.rng.random()
        if roll < 0.1:
            return self.neutral_line(brand, LAUNCH_NEWS, "news")
        if roll < 0.2:
            return self.neutral_line(brand, LAUNCH_QUESTIONS, "question")
        polarity = "positive" if roll < 0.75 else "negative"
        openers = ["", "", "omg", "ok", "{b}", "@{h}", "STARFALL DAY.", "so"]
        return self.scene_post(brand, openers, LAUNCH_FRAGS, ["", "", "#Starfall", "{b} 🔥"], polarity)

    def slang(self, brand: str, polarity: str | None = None) -> Sample:
        """A post about the Glide launch, in the slang no training corpus has."""
        roll = self.rng.random()
        if polarity is None and roll < 0.06:
            return self.neutral_line(brand, SLANG_NEWS, "news")
        if polarity is None and roll < 0.16:
            return self.neutral_line(brand, SLANG_QUESTIONS, "question")
        polarity = polarity or ("positive" if self.rng.random() < 0.55 else "negative")
        return self.scene_post(brand, SLANG_OPENERS, SLANG_FRAGS, SLANG_CLOSERS, polarity)

    def sarcasm(self, brand: str) -> Sample:
        """Praise words around a mishap (negative), now and then a complaint's words around praise (positive)."""
        rng = self.rng
        domain = self.domains[brand]
        if rng.random() < 0.2:
            piece = rng.choice(IRONIC_PRAISE)
            aspects = {piece.aspect: "positive"} if piece.aspect else {}
            return Sample(self.composer.fill(piece.text, brand, domain), "positive", list(piece.emotions), aspects)
        mishap, aspect = rng.choice(MISHAPS[domain.name])
        text = self.composer.fill(rng.choice(SARCASM_FRAMES).replace("{m}", mishap), brand, domain)
        if brand not in text:
            text = f"{text} @{handle_of(brand)}"
        emotions = rng.choice([["annoyance"], ["annoyance", "disapproval"], ["anger", "disappointment"]])
        return Sample(text, "negative", emotions, {aspect: "negative"}, "sarcasm")

    def reply(self, parent: Draft) -> Sample:
        """A context-dependent one-liner or a full post from someone who had the same experience."""
        rng = self.rng
        gold = parent.sample.polarity
        if rng.random() < 0.55:
            if gold == "neutral" or rng.random() < 0.12:
                return Sample(rng.choice(ASK_CONTEXT), "neutral", ["curiosity"], {}, "reply")
            if rng.random() < 0.8:
                emotions = ["annoyance"] if gold == "negative" else ["approval"]
                return Sample(rng.choice(AGREE), gold, emotions, {}, "reply")
            if gold == "negative":
                return Sample(rng.choice(DISAGREE_WITH_NEGATIVE), "positive", ["approval"], {}, "reply")
            return Sample(rng.choice(DISAGREE_WITH_POSITIVE), "negative", ["disapproval"], {}, "reply")
        polarity = gold if gold != "neutral" else rng.choice(["negative", "positive"])
        if parent.brand == NEW_BRAND:
            make = partial(self.slang, parent.brand, polarity)
        else:
            make = partial(self.composer.post, self.domains[parent.brand], parent.brand, polarity)
        sample = self.fresh(make, parent.brand)
        return dataclasses.replace(sample, text=f"@{parent.author} {sample.text}")

    def source(self, sample: Sample) -> str:
        if sample.kind == "news":
            return "news"
        if "app" in sample.aspects and self.rng.random() < 0.5:
            return "appstore"
        return self.rng.choices(["twitter", "reddit", "forum", "appstore"], [0.62, 0.2, 0.12, 0.06])[0]

    def drafts(self) -> list[Draft]:
        rng = self.rng
        plan: list[tuple[float, str, str]] = []
        weights = {"Kestrel Mobile": 0.22, "Loopa": 0.2, "Halcyon Air": 0.2, "Brightcart": 0.2, "Orrery Games": 0.18}
        for _ in range(900):
            plan.append((rng.uniform(0, DURATION_S), rng.choices(list(weights), list(weights.values()))[0], "baseline"))
        plan += [(rng.triangular(120, 215, 132), LAUNCH_BRAND, "launch") for _ in range(170)]
        # The outage: reports climb from nothing at 270 s to a peak near 300 s and fade by 400 s.
        plan += [(rng.triangular(270, 400, 298), OUTAGE_BRAND, "outage") for _ in range(240)]
        plan += [(rng.triangular(395, 470, 405), OUTAGE_BRAND, "recovery") for _ in range(45)]
        plan += [(rng.triangular(280, 420, 320), "Loopa", "rival") for _ in range(35)]
        # The drift: the Glide launch runs from the first minute to the last, busiest early on, so
        # the slang keeps coming after a re-distillation round; sarcasm comes in two waves.
        plan += [
            (
                rng.uniform(45, DURATION_S) if rng.random() < 0.45 else rng.triangular(45, DURATION_S, 120),
                NEW_BRAND,
                "slang",
            )
            for _ in range(340)
        ]
        ironic = [*BRANDS, NEW_BRAND]
        plan += [(rng.triangular(150, 270, 190), rng.choice(ironic), "sarcasm") for _ in range(70)]
        plan += [(rng.triangular(430, 570, 470), rng.choice(ironic), "sarcasm") for _ in range(70)]
        makers = {"baseline": self.baseline, "launch": self.launch, "outage": self.outage}
        makers |= {"recovery": self.recovery, "rival": self.rival, "slang": self.slang, "sarcasm": self.sarcasm}
        drafts = []
        for offset, brand, scene in plan:
            sample = self.fresh(partial(makers[scene], brand), brand)
            source = self.source(sample)
            author = rng.choice(NEWS_AUTHORS) if source == "news" else self.author()
            drafts.append(Draft(offset, brand, sample, scene, source, author))
        replies = []
        parents = rng.sample(drafts, 150)
        for parent in parents:
            early = rng.random() < 0.08
            gap = rng.uniform(0.5, 4) if early else min(rng.expovariate(1 / 25), 120)
            offset = max(0.0, parent.offset - gap) if early else min(DURATION_S, parent.offset + gap)
            source = "twitter" if parent.source in ("news", "appstore") else parent.source
            draft = Draft(offset, parent.brand, self.reply(parent), parent.scene, source, self.author(), parent)
            replies.append(draft)
        return sorted(drafts + replies, key=lambda d: d.offset)


def build_stream(seed: int = SEED) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The posts, and their true labels as gold rows (the demo oracle's file), matched by id."""
    drafts = DemoWriter(seed).drafts()
    ids = {id(d): f"demo-{i + 1:05d}" for i, d in enumerate(drafts)}
    rows: list[dict[str, object]] = []
    labels: list[dict[str, object]] = []
    for draft in drafts:
        row: dict[str, object] = {
            "id": ids[id(draft)],
            "text": draft.sample.text,
            "brand": draft.brand,
            "source": draft.source,
            "author": draft.author,
            "lang": "en",
        }
        if draft.parent is not None:
            row["parent_id"] = ids[id(draft.parent)]
        row["metadata"] = {"offset_s": round(draft.offset, 3), "scene": draft.scene}
        Post.model_validate(row)
        rows.append(row)
        labels.append(
            {
                "id": row["id"],
                "polarity": draft.sample.polarity,
                "emotions": draft.sample.emotions,
                "aspects": [{"aspect": a, "polarity": p} for a, p in draft.sample.aspects.items()],
            }
        )
    return rows, labels


# Each line breaks the Post contract in a different way; the worker must dead-letter every one.
MALFORMED = [
    '{"id": "bad-0001", "text": "Kestrel Mobile down again?", "brand": "Kestrel Mobile"',
    "not json at all, just a line someone pasted into the feed",
    '{"id": "bad-0003", "brand": "Loopa", "source": "twitter"}',
    '{"id": "bad-0004", "text": 12345, "brand": "Loopa"}',
    '{"id": 42, "text": "the id should be a string"}',
    '{"id": "bad-0006", "text": "   ", "brand": "Brightcart"}',
    '{"id": "bad-0007", "text": "brand is a number", "brand": 7}',
    '{"id": "bad-0008", "text": "epoch instead of ISO 8601", "created_at": 1718000000}',
    '{"id": "bad-0009", "text": "free-text date", "created_at": "yesterday"}',
    '["an", "array", "not", "an", "object"]',
    '{"id": "bad-0011", "text": "unknown field", "likes": 3}',
    '{"id": "", "text": "empty id"}',
    '{"id": "bad-0013", "text": "NUL \\u0000 inside"}',
    "null",
    '{"id": "bad-0015", "text": "metadata is a list", "metadata": [1, 2]}',
    '{"id": "bad-0016", "text": "parent id is a number", "parent_id": 99}',
]


def check_malformed(lines: list[str]) -> None:
    """Refuse to ship a 'malformed' line that a worker would in fact accept."""
    for line in lines:
        try:
            Post.model_validate_json(line)
        except ValidationError:
            continue
        raise ValueError(f"line is valid, not malformed: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=DEMO_DIR)
    args = parser.parse_args()
    rows, labels = build_stream(args.seed)
    check_malformed(MALFORMED)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, lines in (("posts.jsonl", rows), ("labels.jsonl", labels)):
        text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        (args.out / name).write_text(text, encoding="utf-8")
    (args.out / "malformed.jsonl").write_text("".join(line + "\n" for line in MALFORMED), encoding="utf-8")
    gold = Counter(str(label["polarity"]) for label in labels)
    scenes = Counter(str(row["metadata"]["scene"]) for row in rows)  # type: ignore[index]
    print(f"wrote {len(rows)} posts, their labels and {len(MALFORMED)} malformed lines to {args.out}")
    print(f"polarity {dict(sorted(gold.items()))}; scenes {dict(sorted(scenes.items()))}")


if __name__ == "__main__":
    main()
