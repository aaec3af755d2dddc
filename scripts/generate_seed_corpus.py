"""Generate sentimon's seed corpus: the labeled posts the embedded default student learns from.

A fresh install has no data and no network, yet the default student must already tell a
complaint from praise. In the spirit of Emo Pillars (LLM-synthesized training data), the
material below was written by hand by an LLM: whole posts, and clause fragments per domain,
aspect and polarity, each with the GoEmotions labels a careful annotator would give. A seeded
composer mixes them with openers, closers, brand mentions, slang, emojis, hashtags, typos and
stretched words, so that the model learns sentiment rather than a template. Labels are decided by
the material (fragments carry their aspect and polarity; mixed posts take the polarity of the
clause that carries the verdict), never guessed from the surface after the noise is added.

A student that sees the same sentence frame hundreds of times learns the frame, not the
sentiment, so the builder keeps the corpus from looking templated: a post joins only if no
earlier post opens with the same four words (while it can find one), no sentence frame (a whole
post, a sarcasm frame, a news line) has been used more than FRAME_CAP times, and no four-word
ending more than EDGE_CAP times. The hard cases a lexicon gets wrong have their own material:
sarcasm (praise words around a complaint), negation ("not one rude person"), posts that praise
one aspect and attack another, rhetorical and astonished questions, news-like neutral lines, and
non-standard spelling.

The output is committed (distill/seed/seed_corpus.jsonl) and a test checks that this script
still reproduces it byte for byte, so the corpus can be reviewed and regenerated.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sentimon.labels import GOEMOTIONS, POLARITIES

SEED = 20240917
SIZE = 3200
OUTPUT = Path(__file__).resolve().parent.parent / "distill" / "seed" / "seed_corpus.jsonl"
ASPECTS: tuple[str, ...] = ("price", "service", "quality", "delivery", "app", "staff")
# 35 % negative, 30 % neutral, 35 % positive: roughly what brand mentions look like on social media.
POLARITY_SHARE: dict[str, float] = {"negative": 0.35, "neutral": 0.30, "positive": 0.35}
SIGN = {"-": "negative", "0": "neutral", "+": "positive"}
# "No template shows through": one sentence frame (a whole post, a sarcasm frame, a news line)
# may be used this many times, and no more than this many posts may open or end with the same
# four words. The builder first insists on an opening no earlier post used, for PATIENCE draws.
FRAME_CAP = 5
EDGE_CAP = 5
ATTEMPTS = 400
PATIENCE = 300

# ---------------------------------------------------------------------------------------------
# The bank. Line formats (fields split on " | "):
#   frags:     "<aspect or gen> <-|+|0> | clause | emotions"
#   posts:     "<-|+> | whole post | emotions | aspects like staff-,price+ (may be empty)"
#   events:    "noun phrase for a sarcastic frame | aspect or gen"
#   questions: "neutral question | aspects like app0 (may be empty)"
#   leads, news, statements: one text per line
# Placeholders: {b} brand, {b2} a competitor in the same domain, {h} the brand's handle, {city},
# {n} a small number, {q} a quarter, {month}, {day}, {weekday}, {name}, {code}, {year}, {money}.
# ---------------------------------------------------------------------------------------------

DOMAINS: dict[str, dict[str, object]] = {
    "airline": {
        "brands": ["Aurelia Air", "Blue Heron Airways", "Flyvo"],
        "emoji": ["✈️", "🛫", "🧳"],
        "tags": ["#travel", "#avgeek", "#delayed", "#flying", "#holiday"],
        "leads": """
flew {b} to {city} last week.
on a {b} flight to {city} rn
{b} flight {code} from {city}.
just landed in {city} with {b}.
booked {b} for the holidays.
took {b} for a work trip to {city}
my {b} flight home tonight:
round trip to {city} on {b}.
first time flying {b}.
flew {b} with the kids over half term
""",
        "frags": """
staff + | the cabin crew were so kind to my nervous kid | admiration,gratitude
staff + | the flight attendant noticed it was my birthday and brought me a little cake | joy,gratitude
staff + | gate agent rebooked me in like two minutes, absolute legend | admiration,gratitude
staff + | the pilot kept us updated the whole time | approval
staff + | crew were cheerful even on a 6am flight | admiration
staff - | the gate agent literally laughed at me | anger,disapproval
staff - | the crew were rude from boarding to landing | anger,disapproval
staff - | the flight attendant ignored the call button for an hour | annoyance
staff - | the lady at check-in was condescending the whole time | annoyance,disapproval
service + | they rebooked everyone on the next flight with zero fuss | approval,relief
service + | we left on time and landed 20 minutes early | joy
service + | boarding was the smoothest i've ever seen | approval
service + | they refunded my cancelled leg within a week | relief,gratitude
service + | my bag was first off the belt | joy
service - | delayed 4 hours with zero updates | anger,annoyance
service - | they cancelled my flight by text at 3am | anger
service - | they lost my bag and nobody knows where it is | anger,disappointment
service - | on hold with their support for 2 hours and counting | annoyance
service - | missed my connection because they held us on the tarmac forever | anger,disappointment
service - | the refund i was promised in march still hasn't arrived | annoyance,disappointment
price + | the fare was cheaper than the train | approval,joy
price + | a checked bag was included in the price for once | approval
price + | got a return ticket for less than a dinner out | joy
price - | they charged me 60 quid for a carry-on | anger
price - | seat selection costs more than the actual ticket | annoyance,disapproval
price - | the price doubled the second i refreshed the page | anger,annoyance
quality + | the seats actually have legroom | approval,surprise
quality + | the food was genuinely good?? on a plane?? | surprise,joy
quality + | clean cabin, comfy seats, wifi that worked | approval
quality + | the plane was brand new and spotless | admiration
quality - | my seat wouldn't recline and the tray table was sticky | disgust,annoyance
quality - | the toilets were disgusting by hour two | disgust
quality - | the 'meal' was one cold bread roll | disappointment
quality - | the wifi didn't work the entire flight | annoyance
app + | the app pinged me about the gate change before the screens did | approval,admiration
app + | checking in on the app took 30 seconds | approval
app + | the mobile boarding pass just works | approval
app - | the app logged me out mid check-in three times | annoyance,anger
app - | the app said on time while the board said delayed | annoyance,confusion
app - | couldn't load my boarding pass, the app just spins | annoyance
""",
        "events": """
a 3 hour delay | service
my suitcase touring Europe without me | service
a gate change every 20 minutes | service
a 45 euro fee for a bag that fit in the sizer | price
a middle seat right next to the toilets | quality
a cancelled flight and a 10 euro food voucher | service
an app that logs me out at the gate | app
cabin crew who treat passengers like cattle | staff
""",
        "posts": """
- | sat on the tarmac in {city} for 90 minutes with zero info from {b}. zero. | anger,annoyance | service-
- | {b} cancelled my flight, rebooked me for THREE days later and called it "the next available option" | anger | service-
- | paid for priority boarding with {b} and boarded with everyone else anyway. where does the money go | annoyance,disapproval | price-
- | why does {b} even have a customer care line if nobody ever answers it | annoyance | service-
- | watched a {b} crew member yell at an elderly man for asking for water. disgusting | disgust,anger | staff-
- | my {b} flight has been delayed 5 times today. at this point i live at the airport | annoyance,disappointment | service-
- | {b} charged me twice for the same seat and support says wait 30 business days | anger | price-,service-
- | two hours in the queue at the {b} desk and they still put me on the wrong flight | anger,annoyance | service-,staff-
- | i will walk to {city} before i book {b} again | anger,disapproval |
+ | shoutout to the {b} crew on the {city} flight tonight, handled a medical emergency like pros | admiration,gratitude | staff+
+ | {b} upgraded me for free because the flight was overbooked, best day ever | joy,gratitude | service+
+ | first time flying {b} and honestly impressed. on time, friendly crew, decent snacks | admiration,approval | staff+,quality+
+ | {b} found the headphones i left on board and mailed them back. who does that?? | gratitude,surprise | service+
+ | cheapest flight to {city} AND it left early. {b} you beauty | joy,excitement | price+
+ | the {b} app rebooked me before i even knew my flight was cancelled 👏 | admiration,relief | app+
+ | flew {b} with a toddler and the crew made it so easy. thank you!! | gratitude | staff+
+ | can we talk about how good the {b} lounge coffee is | joy,admiration | quality+
+ | {b} is the only airline where i actually look forward to the flight | love,admiration |
""",
        "news": """
{b} adds {n} weekly flights to {city} from next spring
{b} to open a new crew base in {city}
{b} announces its summer schedule, including routes to {city}
{b} names {name} chief operating officer
{b} reports Q{q} passenger numbers
{b} orders {n} new aircraft for its short-haul fleet
{b} updates its cabin baggage policy from {month} {day}
{b} and {b2} sign a codeshare agreement on {city} routes
{b} adds a third daily flight between {city} and {b2}'s hub
{b} pilots' union to meet management on {weekday}
""",
        "questions": """
does {b} let you bring a guitar as carry on? |
anyone know if {b} flies direct to {city}? |
how early should i get to the airport for {b} international? |
is {b} premium economy worth it or nah? | price0
what's the {b} hand luggage size again? |
can you change the name on a {b} ticket? | service0
does the {b} app show your seat before check-in? | app0
{b} or {b2} for {city}? first time on that route |
do {b} flights have power sockets? | quality0
what's the {b} policy on pushchairs at the gate? | service0
anyone flown {b} long haul recently? how's the food? | quality0
does {b} sell seats with extra legroom on short flights? |
""",
        "statements": """
flying {b} to {city} tomorrow morning
{b} flight {code} boarding at gate {n}
moved my booking from {b2} to {b} for the {city} trip
{b} started boarding by zones this week
heading to the {b} desk to drop my bag
picked {b} because the times fit my meeting in {city}
{b} changed my flight time by ten minutes, noted
sitting at gate {n} waiting for the {b} crew to arrive
""",
    },
    "telecom": {
        "brands": ["Telvoro", "Pulsewave Mobile", "Quillnet"],
        "emoji": ["📶", "📱", "📡"],
        "tags": ["#nosignal", "#broadband", "#wifi", "#mobile", "#5G"],
        "leads": """
been with {b} for {n} years.
switched to {b} last month.
got {b} fibre installed on {weekday}
on the {b} unlimited plan
my {b} contract is up in {month}
moved house and went with {b} again.
{b} customer since {year}.
using a {b} sim while i'm in {city}
""",
        "frags": """
quality + | 5G is actually fast in the city centre | approval,surprise
quality + | full bars even in my basement flat | joy,surprise
quality + | the fibre hasn't dropped once in months | approval
quality + | calls are crystal clear now | approval
quality - | no signal in my own living room | annoyance
quality - | the internet drops every evening at 8 like clockwork | annoyance,anger
quality - | speeds are a tenth of what they advertised | anger,disapproval
quality - | calls keep cutting out mid sentence | annoyance
service + | support fixed my line in one call | gratitude,relief
service + | they sent an engineer the next morning | approval,gratitude
service + | porting my number took ten minutes | approval,surprise
service - | the outage has lasted three days and nobody tells us anything | anger,annoyance
service - | support transferred me five times and hung up | anger
service - | they promised a callback that never came | disappointment,annoyance
service - | cancelling is basically impossible, you need a lawyer | anger,disapproval
price + | half the price of my old provider for the same data | joy,approval
price + | they knocked 10 a month off when i asked | gratitude,surprise
price + | no price rise this year, shocking | surprise,approval
price - | my bill went up again for the third time this year | anger,annoyance
price - | they charged me roaming fees in a country that's supposed to be included | anger
price - | the 'special offer' doubled after six months | annoyance,disapproval
app + | the app shows exactly how much data i have left | approval
app + | topping up in the app takes seconds | approval
app - | the app won't let me pay my bill | annoyance
app - | the app crashes every time i open the usage page | annoyance
staff + | the guy in the store set up my whole phone for me | gratitude,admiration
staff + | the engineer was polite and cleaned up after himself | admiration,approval
staff - | the store staff tried to upsell me three plans i didn't need | annoyance,disapproval
staff - | the engineer never turned up and didn't call | anger,disappointment
delivery + | the new router arrived the next day | approval
delivery + | sim card came in the post within 24 hours | approval
delivery - | my router has been 'out for delivery' for a week | annoyance
delivery - | they sent the sim to my old address twice | anger,annoyance
""",
        "events": """
paying for 500mb and getting dial-up speeds | quality
a bill that goes up every time i blink | price
no signal in the middle of {city} | quality
another 'planned maintenance' during the match | service
a 2 hour hold queue to report a fault | service
an engineer appointment that just didn't happen | staff
""",
        "posts": """
- | {b} has been down in {city} since this morning and the status page says all good. cool | anger,annoyance | service-
- | i pay {b} for 'ultrafast' broadband and it can't load a recipe | anger,annoyance | quality-,price-
- | third engineer visit from {b}, third time they left without fixing anything | anger,disappointment | staff-,service-
- | {b} just raised my bill mid contract. how is that even legal | anger,disapproval | price-
- | {b} support chat bot keeps sending me in circles. i want a human | annoyance | service-
- | honestly thinking of going back to {b2} after this week with {b} | disappointment |
- | {b} signal is so bad i have to stand on a chair to send a text | annoyance | quality-
- | 40 minutes on hold with {b} just to be told to restart the router. i did that already | annoyance,anger | service-
+ | switched to {b} and my bill is literally half. why didn't i do this years ago | joy,approval | price+
+ | {b} fixed my broadband in an hour on a sunday. unreal | admiration,gratitude | service+
+ | big shoutout to {name} at {b} support for sorting out my mess of a contract | gratitude | staff+,service+
+ | {b} 5G in {city} is rapid, downloaded a whole season in minutes | excitement,admiration | quality+
+ | not a single dropout with {b} since i moved, very happy customer | joy,approval | quality+
+ | {b} gave me free data when my holiday flight got delayed. small thing, made my day | gratitude,joy | service+
+ | the {b} app is genuinely one of the nicer apps on my phone | approval,admiration | app+
""",
        "news": """
{b} extends its 5G network to {n} more towns including {city}
{b} announces new broadband plans from {month}
{b} completes fibre rollout in {city}
{b} names {name} as head of consumer business
{b} to retire its 3G network in {year}
{b} reports Q{q} subscriber figures
{b} and {b2} agree to share masts in rural areas
{b} to switch off copper lines in {city} by {year}
{b} trials satellite texting in remote areas
""",
        "questions": """
does {b} have good coverage in {city}? | quality0
is {b} sim only worth it? | price0
how do i get a PAC code from {b}? | service0
anyone know if {b} does wifi calling? |
{b} or {b2} for broadband in {city}? |
does the {b} app let you add a second line? | app0
how long does {b} take to install fibre? | service0
does {b} throttle after the fair use limit? | quality0
can i keep my number if i leave {b}? | service0
what router does {b} give you these days? |
""",
        "statements": """
porting my number to {b} today
{b} engineer coming between 8 and 1 apparently
my {b} contract renews next month
{b} is running a speed test event in {city} this weekend
just got the {b} letter about new prices
the {b} van has been outside our street all morning
got an email from {b} about an engineer visit on {weekday}
""",
    },
    "retail": {
        "brands": ["Marlowe & Finch", "ShopNook", "Cartwell"],
        "emoji": ["🛍️", "📦", "🛒"],
        "tags": ["#shopping", "#haul", "#sale", "#returns", "#customerservice"],
        "leads": """
ordered a jacket from {b} on {weekday}.
went to the {b} store in {city} today
bought a sofa from {b} last month
got my {b} order today.
did my whole christmas shop at {b}
{b} sale haul:
tried the new {b} click and collect.
returned a dress to {b}
""",
        "frags": """
price + | everything was 30% off and actually good stuff | joy,excitement
price + | the own-brand stuff is half the price and just as good | approval
price + | they price matched without any arguing | approval,gratitude
price - | they raised prices the week before the 'sale' | anger,disapproval
price - | 40 quid for a t-shirt that's see-through | disapproval,annoyance
price - | delivery cost more than the item | annoyance
quality + | the material feels really premium | admiration
quality + | still wearing the boots i bought there 4 years ago | approval
quality + | the stitching is perfect and it fits like a glove | joy,admiration
quality - | the shirt shrank two sizes after one wash | disappointment,annoyance
quality - | the chair wobbles and one screw was missing | annoyance
quality - | the zip broke the first time i used it | disappointment
delivery + | it arrived the next morning, well packed | approval
delivery + | the courier even texted a 1 hour slot | approval
delivery + | the parcel came a day early | joy,surprise
delivery - | my parcel was 'delivered' to a house that doesn't exist | anger,confusion
delivery - | the box arrived soaked and crushed | anger,disappointment
delivery - | three weeks and still no sign of my order | annoyance,anger
staff + | the lady in the fitting rooms was so patient with me | gratitude,admiration
staff + | a staff member walked me to the exact shelf | gratitude
staff + | the cashier gave me her own bag when mine ripped | gratitude,admiration
staff - | the staff were too busy chatting to help anyone | annoyance,disapproval
staff - | the security guard followed me round the whole shop | anger,embarrassment
staff - | the manager refused my return and smirked | anger,disapproval
service + | the return was refunded the same day | relief,approval
service + | they swapped the faulty kettle, no receipt needed | gratitude,relief
service - | they refuse refunds unless you keep the tags on, even for faulty stuff | anger,disapproval
service - | customer service just copy-pastes the same reply | annoyance
service - | the checkout queue was 40 minutes with one till open | annoyance
app + | the app's size guide was spot on | approval
app + | scanning items with the app saved me so much time | approval,joy
app - | the app emptied my basket right at checkout | annoyance,anger
app - | the app keeps showing stuff that's out of stock | annoyance
""",
        "events": """
a 'next day' delivery that took 9 days | delivery
a refund that's been 'processing' since {month} | service
a sofa with three legs | quality
one till open on a saturday | service
a 'sale' price higher than last week's normal price | price
an app that empties my basket at checkout | app
""",
        "posts": """
- | ordered a sofa from {b} in {month}, they now say it'll come next year. next YEAR | anger | delivery-
- | {b} sent me a left shoe and another left shoe. how | annoyance,confusion | quality-
- | the {b} returns process is designed so you give up. well i'm not giving up | anger,disapproval | service-
- | {b} delivery driver threw my parcel over the fence in the rain | anger,disapproval | delivery-,staff-
- | {b} quality has really gone downhill, my jeans split after a month | disappointment | quality-
- | got charged for items {b} never even sent me. still waiting on a reply | anger,annoyance | service-
- | the new {b} store in {city} looks nice but nothing is ever in stock | disappointment |
- | can't believe {b} wants 8 quid for standard delivery now | annoyance,disapproval | price-,delivery-
+ | {b} customer service replaced my broken lamp without even asking for a photo. love that | gratitude,love | service+
+ | obsessed with my {b} haul, everything fits perfectly | joy,love | quality+
+ | {b} on a rainy tuesday: got everything, in and out in ten minutes | approval,joy | service+
+ | the {b} winter coat i bought in {year} is still going strong | approval,admiration | quality+
+ | ordered at 11pm, {b} delivered at 9am. witchcraft | admiration,surprise | delivery+
+ | the staff at {b} {city} helped my nan pick a present for 45 minutes. absolute angels | gratitude,admiration | staff+
+ | {b} is my happy place, don't @ me | love,joy |
+ | {b} sale is actually a sale this year, picked up loads | joy | price+
""",
        "news": """
{b} opens its largest store yet in {city}
{b} to launch same-day delivery in {city} from {month}
{b} reports Q{q} like-for-like sales
{b} names {name} chief executive
{b} announces new returns policy for online orders
{b} to close {n} stores and open {n} new ones next year
{b} partners with {b2} on a shared loyalty scheme
{b} extends its returns window to {n}0 days for the holidays
{b} to stop printing paper receipts by default
""",
        "questions": """
does {b} do free returns in store? | service0
when does the {b} summer sale start? | price0
anyone know if {b} ships to {city}? | delivery0
is the {b} store in {city} open on sundays? |
how does {b} sizing run, true to size? | quality0
does {b} click and collect take long? | delivery0
is the {b} app the only way to get the student discount? | app0
does {b} still do gift wrapping? | service0
can you return a {b} online order to a store? | service0
what time does {b} {city} close tonight? |
""",
        "statements": """
queueing outside {b} for the sale
the {b} catalogue came through the door today
{b} {city} is moving to the new shopping centre
picking up my {b} order after work
{b} changed the layout of the {city} store again
{b} has moved the tills to the back of the shop
got a {b} gift card for my birthday, deciding what to get
""",
    },
    "food delivery": {
        "brands": ["Forkfly", "Munchr", "Grubbly"],
        "emoji": ["🍕", "🍔", "🥡", "🍜"],
        "tags": ["#foodie", "#takeaway", "#hangry", "#dinner", "#fridaynight"],
        "leads": """
ordered dinner on {b} tonight.
got a curry through {b}.
first {b} order in ages:
friday night {b} order,
used {b} for the office lunch today.
ordered from {b} at 2am, no regrets?
{b} order for the game tonight:
""",
        "frags": """
delivery + | the food arrived in 15 minutes | joy,surprise
delivery + | it came piping hot | joy
delivery + | they delivered right on the dot | approval
delivery + | the live tracking was accurate to the minute | approval
delivery - | my order showed delivered but never came | anger,confusion
delivery - | it took an hour and a half and arrived cold | anger,disappointment
delivery - | the rider left it at the wrong building | annoyance
delivery - | my soup arrived upside down | annoyance,disgust
quality + | the portion was massive | joy
quality + | best ramen i've had in {city} | admiration,joy
quality + | fries still crispy on arrival, a miracle | joy,surprise
quality - | half my order was missing | annoyance,disappointment
quality - | the burger was raw in the middle | disgust,anger
quality - | the pizza was basically cardboard | disgust,disappointment
price + | the discount code actually worked for once | joy,surprise
price + | free delivery on a friday night | joy
price + | the lunch deals are a steal | approval
price - | the service fee is more than the delivery fee | annoyance,disapproval
price - | 25 quid for a burger and fries is daylight robbery | anger,disapproval
price - | menu prices are way higher than in the restaurant | annoyance,disapproval
app + | reordering my usual takes two taps | approval
app + | the app remembers my allergy notes | approval,gratitude
app - | the app charged me twice and cancelled the order | anger
app - | the app froze at checkout and ate my promo code | annoyance
service + | support refunded the missing items in minutes | gratitude,relief
service + | they refunded me without any back and forth | relief,approval
service - | support just keeps sending me the same bot message | annoyance
service - | they refused to refund a totally wrong order | anger,disapproval
staff + | the rider called to check which door | approval
staff + | the driver brought it up 4 flights of stairs with a smile | gratitude,admiration
staff - | the rider ate some of my fries, i watched it on the doorbell cam | anger,disgust
staff - | the driver was rude and shoved the bag at me | annoyance,disapproval
""",
        "events": """
cold noodles after a 90 minute wait | delivery
a 'delivered' order that never came | delivery
a service fee bigger than my meal | price
half an order and a bot for customer service | service
a rider who ate my fries | staff
an app that charges twice and delivers zero times | app
""",
        "posts": """
- | {b} said 20 mins. it's been 80. the rider has been 'nearby' for 45 of them | annoyance,anger | delivery-
- | opened my {b} bag and it was someone else's order. someone who likes anchovies | annoyance,disgust | quality-
- | {b} refunded me 1.20 for a missing main. one pound twenty | anger,disapproval | service-
- | why do {b} prices keep going up while the portions keep shrinking | annoyance,disapproval | price-,quality-
- | the {b} app took my money, cancelled my order, and now says i have no orders | anger,confusion | app-
- | {b} rider dropped my pizza, picked it up, and handed it over anyway | disgust | staff-
- | last time ordering from {b}, the food came stone cold again | disappointment,annoyance | delivery-
- | deleted {b} tonight. 3 wrong orders in a row is not a coincidence | anger |
+ | {b} rider went back to the restaurant for my forgotten drink. what a hero | gratitude,admiration | staff+
+ | {b} at 1am when the fridge is empty is honestly self care | joy,love |
+ | the {b} support team refunded my cold order in under two minutes, impressed | admiration,relief | service+
+ | {b} free delivery weekend is saving my life | joy,gratitude | price+
+ | food came early and still hot, {b} really is the best | joy,admiration | delivery+
+ | ok {b} found me the best dumplings in {city}, i owe you | gratitude,joy | quality+
+ | big fan of how {b} shows the allergens for every dish | approval | app+
""",
        "news": """
{b} expands to {n} new cities including {city}
{b} launches grocery delivery in {city}
{b} reports Q{q} order volumes
{b} to introduce a new subscription tier from {month}
{b} appoints {name} as chief financial officer
{b} signs up {n} new restaurants in {city}
{b} riders in {city} vote on new pay terms
{b} adds grocery slots for next-day delivery
""",
        "questions": """
does {b} deliver to {city} yet? | delivery0
is the {b} subscription worth it? | price0
how do i add a tip after ordering on {b}? | app0
anyone know a good sushi place on {b}? |
does {b} do contactless delivery by default? | delivery0
how do i report a missing item to {b}? | service0
can you schedule a {b} order for later? | app0
does {b} charge more when it rains? | price0
what's the minimum order on {b}? | price0
""",
        "statements": """
{b} order on its way
trying the new thai place on {b} tonight
my flatmate works as a {b} rider
{b} started delivering from the supermarket near me
using my {b} voucher before it runs out
{b} rider just asked me for directions to the station
my {b} order history is mostly noodles, not gonna lie
""",
    },
    "banking": {
        "brands": ["Ardent Bank", "Penny Harbor", "Fernvale Credit Union"],
        "emoji": ["💳", "🏦", "💸"],
        "tags": ["#banking", "#fintech", "#money", "#savings"],
        "leads": """
banked with {b} for {n} years.
opened a {b} account last month.
got my {b} mortgage this year.
moved my salary to {b}.
using my {b} card abroad in {city}
applied for a {b} loan last week.
""",
        "frags": """
app + | the app shows every payment instantly | approval
app + | freezing my card in the app took a second | approval,relief
app + | budgeting in the app has actually helped me save | gratitude,joy
app - | the app has been down all morning and i can't pay rent | anger,nervousness
app - | the app logs me out every 30 seconds | annoyance
app - | the app update broke face id | annoyance
service + | they refunded the fraud within an hour | relief,gratitude
service + | sorted my mortgage questions in one call | gratitude
service + | they spotted a dodgy payment before i did | admiration,relief
service - | my account has been frozen for a week with no explanation | anger,fear
service - | the transfer has been pending for 5 days | annoyance,nervousness
service - | they closed my account and won't say why | anger,confusion
staff + | the advisor explained everything without any jargon | admiration,approval
staff + | the branch manager stayed late to sort my account | gratitude,admiration
staff - | the advisor talked down to me the whole time | annoyance,disapproval
staff - | the branch staff just shrugged and told me to call the helpline | annoyance
price + | no fees for spending abroad | approval,joy
price + | the savings rate is actually decent | approval
price + | zero fees on the current account | approval
price - | charged a 30 pound fee for going 2p overdrawn | anger
price - | the 'free' account suddenly has a monthly fee | anger,disapproval
price - | the fx fees are a scam | anger,disapproval
delivery + | my new card came in two days | approval
delivery - | still waiting on my replacement card after three weeks | annoyance
delivery - | they posted my pin and my card in the same envelope | disapproval,fear
""",
        "events": """
a 30 pound fee for being 2p overdrawn | price
an app that's down on payday | app
a transfer stuck on 'pending' since {weekday} | service
a frozen account and a 2 hour hold queue | service
a replacement card that's apparently travelling by snail | delivery
""",
        "posts": """
- | {b} froze my account the day before rent is due and support opens monday. brilliant | anger,nervousness | service-
- | {b} app down again on payday. every. single. time. | annoyance,anger | app-
- | {b} charged me a fee for checking my own balance at an atm. what year is it | annoyance,disapproval | price-
- | got scammed, reported it to {b} in minutes, they say it's my fault. 2000 gone | sadness,anger | service-
- | the {b} branch in {city} closed and now the nearest one is an hour away | disappointment,annoyance |
- | been waiting 6 weeks for {b} to approve a simple loan. six weeks | annoyance | service-
- | {b} sent me a letter saying my savings rate is going down. again | disappointment | price-
+ | {b} caught a fraudulent payment and texted me before i even noticed. proper service | admiration,relief | service+
+ | honestly the {b} app is the best banking app i've used | admiration,approval | app+
+ | {b} helped me sort out my debt plan without judging me. so grateful | gratitude,relief | staff+,service+
+ | no fees abroad with {b}, used it all over {city} and paid nothing extra | joy,approval | price+
+ | {b} mortgage team were patient with all my stupid questions. first home!! | gratitude,joy,excitement | staff+
+ | the {b} savings pots are the only reason i have an emergency fund | gratitude | app+
""",
        "news": """
{b} raises its savings rate to {n}.{n}%
{b} to open a new tech hub in {city}
{b} reports Q{q} results in line with forecasts
{b} names {name} as chief risk officer
{b} to close its cheque processing centre in {city}
{b} launches a new current account for students
{b} and {b2} to share branches in rural towns
{b} to stop charging for paper statements from {month}
{b} completes its move to a new banking app
""",
        "questions": """
does {b} charge for foreign transactions? | price0
how long does a {b} transfer to {b2} take? | service0
can you open a {b} account online? |
is {b}'s cashback card worth getting? | price0
does the {b} app support apple pay? | app0
what's the {b} overdraft limit for students? |
does {b} do mortgages for first time buyers? | service0
how long does a {b} card take to arrive? | delivery0
can you pay in cash at a {b} branch still? |
""",
        "statements": """
switching my current account to {b} this week
{b} sent me a new card design
{b} branch in {city} has new opening hours
setting up a joint account with {b}
my {b} statement is due on the {day}th
{b} sent me a card reader i don't remember ordering
moving my savings pot to {b} at the end of the month
""",
    },
    "games": {
        "brands": ["Ironbyte Games", "Lumen Arcade", "Quasar Play"],
        "emoji": ["🎮", "🕹️", "👾"],
        "tags": ["#gaming", "#gamer", "#indiegame", "#patchnotes", "#esports"],
        "leads": """
been playing the new {b} game all weekend.
finally tried {b}'s latest release.
{n} hours into the new {b} update:
preordered the {b} sequel.
{b} patch dropped today.
played {b}'s new season with the squad last night.
""",
        "frags": """
quality + | the combat feels incredible | admiration,excitement
quality + | the soundtrack is a masterpiece | admiration,love
quality + | runs at a smooth 60 on my old laptop | approval,surprise
quality + | the story made me cry twice | admiration,sadness
quality + | the new map is genuinely fun | joy
quality - | the game crashes every 20 minutes | annoyance,anger
quality - | it's a buggy mess, characters falling through the floor | disapproval,amusement
quality - | the new patch made my favourite build useless | disappointment,annoyance
quality - | the frame rate tanks in every big fight | annoyance
price + | it's free and there's nothing pay to win | approval,surprise
price + | 20 quid for 60 hours of content is a steal | approval,joy
price + | the season pass is actually worth it | approval
price - | 70 for a game with lootboxes everywhere | anger,disapproval
price - | they charge 15 for a skin. a SKIN | annoyance,disapproval
price - | pay to win garbage | disgust,disapproval
service + | servers have been rock solid since launch | approval
service + | support restored my lost account in a day | gratitude,relief
service - | the servers die every evening at peak time | annoyance,anger
service - | got banned for no reason and support won't reply | anger
service - | my progress got wiped and support says nothing they can do | anger,sadness
staff + | the devs actually listen to the community | admiration,gratitude
staff + | the community manager replied to every bug report | approval,gratitude
staff - | the devs keep ignoring the cheating problem | disapproval,annoyance
staff - | the mods delete every critical post | anger,disapproval
app + | the companion app is actually useful | approval
app - | the launcher needs an update every time i open it | annoyance
app - | the launcher won't even start | annoyance
""",
        "events": """
a day one patch the size of the game | quality
a 15 pound skin | price
servers that die every friday night | service
an account ban with no reason and no reply | service
a sequel that's the first game with a new logo | quality
""",
        "posts": """
- | {b} really released a 70 quid game that crashes on the title screen | anger,disapproval | quality-,price-
- | the new {b} update deleted my save. 80 hours. gone | sadness,anger | quality-
- | my late brother's {b} account got deleted for 'inactivity'. it was all i had of his games | grief,anger | service-
- | {b} servers down again on a friday night, can we get one weekend pls | annoyance | service-
- | paying full price for early access with {b} was a mistake | disappointment,remorse | price-
- | {b} devs banned half the people reporting bugs. great look | anger,disapproval | staff-
- | the {b} battle pass is a second job, not a game | annoyance,disapproval | price-
- | refunded the new {b} game after two hours. nope | disappointment |
+ | the new {b} game is the most fun i've had in years | joy,admiration | quality+
+ | {b} fixed the bug i reported in 48 hours and thanked me in the patch notes 🥹 | gratitude,joy | staff+
+ | {b} is proof you don't need microtransactions to make money | admiration,approval | price+
+ | stayed up till 4am playing {b}'s new release, zero regrets | joy,excitement | quality+
+ | {b} support got my hacked account back the same day | gratitude,relief | service+
+ | whoever did the art in the new {b} game deserves a raise | admiration | quality+
+ | my kid and i have been playing {b} co-op every night. best purchase of the year | joy,love |
""",
        "news": """
{b} announces a sequel for release in {year}
{b} to open a new studio in {city}
{b} hires {name} as creative director
{b} reveals the roadmap for season {n}
{b} reports Q{q} revenue from its live games
{b} confirms a showcase stream on {month} {day}
{b} acquires a small studio from {city}
{b} delays its next expansion to {month}
{b} announces a tournament series with a {n}0k prize pool
""",
        "questions": """
is the new {b} game on switch? |
does {b}'s game have crossplay? |
how big is the {b} update? |
is the {b} deluxe edition worth it? | price0
anyone know when {b} servers come back? | service0
does the {b} launcher work on linux? | app0
does the {b} game have a story mode or is it all online? |
what specs do you need for the new {b} game? | quality0
is {b}'s battle pass carried over between seasons? | price0
""",
        "statements": """
downloading the {b} update overnight
watching the {b} showcase later
{b} game is on sale this weekend
my friends all moved to {b}'s new shooter
{b} added a new difficulty mode in the patch
my little brother wants the {b} game for his birthday
{b} server maintenance tonight from 2 to 4
""",
    },
    "cars": {
        "brands": ["Voltaris", "Aldren Motors", "Kiro EV"],
        "emoji": ["🚗", "🔋", "🚙"],
        "tags": ["#EV", "#cars", "#roadtrip", "#newcar", "#electriccar"],
        "leads": """
picked up my new {b} on {weekday}.
had my {b} for {n} months now.
test drove a {b} today.
took the {b} on a road trip to {city}
my {b} went in for its first service.
leasing a {b} since {year}.
""",
        "frags": """
quality + | the range is better than advertised | approval,surprise
quality + | it drives like a dream | joy,admiration
quality + | the interior feels way more expensive than it is | admiration
quality + | not a single fault in 60k miles | approval
quality - | the infotainment screen freezes every morning | annoyance
quality - | there's a rattle in the dash they can't find | annoyance
quality - | the battery lost 20% range in one winter | disappointment,nervousness
quality - | the paint is already peeling | disappointment,anger
price + | cheaper to run than my old diesel by miles | joy,approval
price + | servicing costs almost nothing | approval
price + | the dealer threw in winter tyres for free | gratitude,joy
price - | they want 900 for a software update | anger,disapproval
price - | the dealer added 2k of 'admin fees' | anger,disapproval
price - | insurance on it is insane | annoyance
service + | the service centre gave me a courtesy car without asking | gratitude
service + | roadside assistance came in 30 minutes | relief,gratitude
service - | my car has been at the dealer for 7 weeks waiting for a part | anger,annoyance
service - | they booked my service then cancelled it the night before | annoyance
staff + | the salesman didn't pressure me once | approval,relief
staff + | the technician explained exactly what was wrong | approval,gratitude
staff - | the salesman ignored my wife and only talked to me | anger,disapproval
staff - | the dealer staff were clueless about their own EVs | disapproval,annoyance
delivery + | the car was delivered a month early | joy,surprise
delivery + | the handover was lovely, they even put a bow on it | joy,gratitude
delivery - | delivery has been pushed back four times | anger,disappointment
delivery - | the car arrived with a scratch down the side | anger,disappointment
app + | preheating the car from the app is a game changer | joy,approval
app + | the app shows charging progress perfectly | approval
app - | the app can't find my car half the time | annoyance
app - | the app won't unlock the doors and there's no key | anger,nervousness
""",
        "events": """
a 7 week wait for a wing mirror | service
an infotainment screen that reboots on the motorway | quality
a 900 quid software update | price
a 'delivery date' that moves every week | delivery
an app that locks me out of my own car | app
""",
        "posts": """
- | my {b} has spent more time at the dealer than on my driveway | anger,annoyance | quality-,service-
- | {b} told me my delivery is delayed again. third time. i sold my old car already | anger,disappointment | delivery-
- | the {b} app locked me out of my car in a car park in {city} at midnight | anger,fear | app-
- | paid 50k for a {b} and the doors squeak like a haunted house | annoyance,disapproval | quality-,price-
- | {b} dealer in {city} quoted me 3 different prices for the same car | annoyance,disapproval | staff-,price-
- | regret buying the {b}. the range in winter is a joke | remorse,disappointment | quality-
+ | two years with my {b} and not one problem. best car i've owned | joy,admiration | quality+
+ | {b} roadside assistance got me moving again in 20 minutes on a dark motorway. thank you | gratitude,relief | service+
+ | the {b} salesperson talked me OUT of the expensive trim. respect | admiration,approval | staff+
+ | drove the {b} {city} to the coast on one charge. mind blown | surprise,excitement | quality+
+ | picked up my {b} today and i'm grinning like an idiot | joy,excitement |
+ | love that the {b} app pre-cools the car in summer | love,approval | app+
""",
        "news": """
{b} unveils a new compact SUV at the {city} motor show
{b} to build a battery plant near {city}
{b} reports Q{q} deliveries
{b} names {name} head of european sales
{b} recalls {n} thousand cars over a seatbelt sensor
{b} cuts the price of its entry model from {month}
{b} and {b2} agree to share charging networks
{b} opens a new showroom in {city}
{b} updates its warranty to {n} years on batteries
""",
        "questions": """
is the {b} good in snow? | quality0
how long does {b} take to deliver right now? | delivery0
anyone have a {b} dealer they recommend near {city}? | staff0
does the {b} app work with android auto? | app0
what's the real world range on a {b}? | quality0
is the {b} extended warranty worth it? | price0
how often does a {b} need a service? | service0
are {b} parts easy to get hold of? | service0
does {b} do home test drives? | staff0
""",
        "statements": """
test driving the {b} and the {b2} this weekend
my {b} goes in for its MOT tomorrow
{b} showroom opened near my office
charging the {b} at the services near {city}
saw the new {b} model in a car park today
my neighbour just got a {b} in grey
""",
    },
    "software": {
        "brands": ["Taskwell", "Cloudnest", "Stackpine"],
        "emoji": ["💻", "🖥️", "⌨️"],
        "tags": ["#SaaS", "#productivity", "#devtools", "#wfh", "#tech"],
        "leads": """
our team moved to {b} last quarter.
been using {b} at work for {n} months.
tried {b} for my side project.
{b} update landed this morning.
our company just rolled out {b}.
switched from {b2} to {b} this week.
""",
        "frags": """
quality + | it just works, no fiddling | approval
quality + | the new search finds everything instantly | admiration,approval
quality + | offline mode saved my whole presentation | relief,gratitude
quality + | it's so much faster since the update | joy,approval
quality - | the latest update deleted half my notes | anger,sadness
quality - | sync has been broken for a week | annoyance
quality - | it eats 4gb of ram doing nothing | annoyance,disapproval
quality - | they removed the one feature i actually used | disappointment,anger
price + | the free tier is genuinely generous | approval,gratitude
price + | the team plan is cheaper than anything else we tried | approval
price - | they tripled the price for existing customers | anger,disapproval
price - | basic features are now behind a paywall | anger,disapproval
price - | i'm paying monthly for something that used to be free | annoyance
service + | support answered my ticket in 10 minutes | approval,surprise
service + | they restored our deleted workspace over the weekend | gratitude,relief
service - | the service has been down all morning and the status page is green | anger,annoyance
service - | my support ticket has been open for three weeks | annoyance
service - | they auto-renewed and refuse to refund | anger
staff + | the support engineer stayed on a call with us for two hours | gratitude,admiration
staff + | their onboarding person was brilliant | admiration
staff - | the sales rep won't stop emailing me | annoyance
staff - | support staff clearly didn't read my ticket | annoyance,disapproval
app + | the mobile app is as good as the desktop one | approval,surprise
app + | the new widget on my phone is so handy | joy,approval
app - | the mobile app logs me out constantly | annoyance
app - | the phone app can't even open attachments | annoyance,disapproval
""",
        "events": """
a 'minor update' that deleted my files | quality
a green status page during a full outage | service
a price hike for 'new features' nobody asked for | price
a support ticket older than my cat | service
a mobile app that logs me out every hour | app
""",
        "posts": """
- | {b} is down for the third time this week and our whole team is just sitting here | anger,annoyance | service-
- | {b} auto-renewed my annual plan and support says no refunds. never again | anger | price-,service-
- | the new {b} redesign moved every single button. why | annoyance,confusion | quality-
- | {b} sync ate my thesis draft. i'm not even joking | anger,sadness,fear | quality-
- | {b} wiped the notes i kept during my mum's last year. i can't get them back | grief,sadness,anger | quality-
- | paying for {b} pro and still getting upsell popups every five minutes | annoyance,disapproval | price-
- | {b} has become so bloated it takes a minute to open a note | annoyance,disappointment | quality-
+ | {b} just saved my week, the version history brought back a file i deleted | relief,gratitude | quality+
+ | honestly {b} is the only tool my team doesn't complain about | approval,admiration |
+ | {b} support fixed our sso issue on a sunday. unreal | admiration,gratitude | service+
+ | the new {b} mobile app is so good i barely open my laptop | joy,approval | app+
+ | switched to {b} from {b2} and never looked back | approval,joy |
+ | {b}'s free plan is more generous than most paid ones | approval,gratitude | price+
""",
        "news": """
{b} launches an ai assistant for all paid plans
{b} opens a new engineering office in {city}
{b} reports Q{q} annual recurring revenue
{b} appoints {name} as chief technology officer
{b} to end support for its legacy desktop app in {month}
{b} acquires a small analytics startup from {city}
{b} releases version {n}.0 with a redesigned editor
{b} adds single sign-on to its business plan
{b} to retire its old api on {month} {day}
""",
        "questions": """
does {b} integrate with {b2}? |
is there a {b} student discount? | price0
how do i export everything from {b}? |
does the {b} mobile app work offline? | app0
anyone using {b} for a team of {n}? |
how do i get {b} support to respond faster? | service0
can {b} handle a team of {n}0 people? | quality0
does {b} have a dark mode yet? | app0
what's the {b} file size limit on the free plan? | price0
""",
        "statements": """
setting up {b} for the new hires
migrating our docs from {b2} to {b} this weekend
{b} changelog is out
our IT team is trialling {b}
{b} webinar at 3pm today
our team's {b} trial ends on {weekday}
{b} released a new version of its desktop app
""",
    },
}

# Cross-domain material: each clause is usable for any brand; aspect "gen" means no aspect.
GENERIC_FRAGS = """
gen - | wasn't worth it | disappointment
gen - | not worth the hassle | annoyance,disapproval
gen - | not impressed at all | disapproval,disappointment
gen - | didn't even get an apology | anger,disapproval
gen - | nobody could tell me anything | annoyance,confusion
gen - | i would not recommend them to anyone | disapproval
gen - | not once has it worked properly | annoyance
gen - | never had this many problems with a company | anger
gen - | honestly it's gotten worse every year | disappointment
gen - | i can't believe i'm still dealing with this | annoyance,anger
gen - | no one ever picks up the phone | annoyance
gen - | don't waste your time | disapproval
gen - | nothing about this has been easy | annoyance
gen - | i'm not even mad anymore, just tired | sadness,disappointment
gen + | not bad at all | approval
gen + | honestly can't complain | approval
gen + | no complaints whatsoever | approval,joy
gen + | never had a single issue | approval
gen + | didn't expect much but wow | surprise,admiration
gen + | wasn't disappointed one bit | approval,joy
gen + | couldn't be happier | joy
gen + | not a single problem so far | approval,relief
gen + | can't fault them | admiration,approval
gen + | i don't know why people hate on them | approval
gen + | never thought i'd say this but they nailed it | surprise,admiration
gen + | it just keeps getting better | joy,admiration
gen + | genuinely made my week | joy,gratitude
gen + | exceeded every expectation | admiration,surprise
gen - | just realised i've been overpaying them for two years | realization,anger
gen - | kind of embarrassed i recommended them to my whole family | embarrassment,disappointment
gen - | i actually laughed out loud at how bad it got | amusement,disapproval
gen - | i regret ever signing up | remorse,disappointment
gen - | honestly a bit scared to see what goes wrong next | fear,nervousness
gen - | feel like i lost something i can't get back | grief,sadness
gen + | proud to have picked them before everyone else did | pride,joy
gen + | really hoping they keep this up | optimism,approval
gen + | i want every company to work like this | desire,admiration
gen + | hope whoever sorted it gets a day off | caring,gratitude
gen + | it finally clicked why people rave about them | realization,approval
gen + | feeling good about the year ahead with them | optimism,joy
gen + | had me laughing the whole way through, in a good way | amusement,joy
gen + | already want to go back | desire,joy
gen + | hope the team knows how much this helped | caring,gratitude
gen + | i'd love one of these for every room | desire,love
gen - | i just want my money back | desire,anger
gen - | feel bad for the staff who have to deal with this mess | caring,disapproval
gen - | all i want is a straight answer | desire,annoyance
gen - | should have listened to the reviews, my own fault really | remorse,disappointment
gen - | feels like losing an old friend, honestly | grief,sadness
gen - | years of memories on that account, gone overnight | grief,sadness
gen - | sorry to everyone i talked into signing up | remorse,embarrassment
gen + | proud to say i've been with them since day one | pride,love
"""

# Negations are where bag-of-words models fail: the sentiment word says one thing and the
# negation the other. Aspect clauses here fit any domain that talks about that aspect.
NEGATION_FRAGS = """
price - | not cheap, and not worth a penny of it | disapproval,annoyance
price - | never seen a price that didn't go up the week after | annoyance
price - | there's nothing affordable about it anymore | disappointment,disapproval
price + | didn't cost half what i expected | surprise,joy
price + | not a single hidden fee anywhere | approval,relief
price + | i've never paid less for something this good | joy,approval
service - | nobody bothered to reply, not even a bot | anger,annoyance
service - | not one person could explain what happened | annoyance,confusion
service - | the problem isn't fixed and nobody seems to care | anger,disappointment
service + | didn't have to chase them even once | relief,approval
service + | no waiting, no forms, no drama | approval,joy
service + | not a single thing went wrong from start to finish | approval,joy
staff - | not one member of staff looked up from their phone | annoyance,disapproval
staff - | nobody there knew the first thing about it | disapproval,annoyance
staff + | not one rude person the whole time | approval
staff + | never felt rushed, not for a second | gratitude,approval
quality - | doesn't work half the time | annoyance
quality - | not what i paid for, not even close | anger,disappointment
quality - | nothing about it feels finished | disappointment,disapproval
quality + | i can't find a single thing wrong with it | admiration,approval
quality + | hasn't let me down once | approval
quality + | nothing cheap about it except the price | admiration,joy
app - | the app doesn't even open on my phone | annoyance
app - | not a single update has fixed the login | annoyance,disappointment
app + | the app never crashes, not once | approval
app + | no faff, the app just does what it says | approval
"""

OPENERS = """
- | ugh | annoyance
- | unbelievable. | anger
- | honestly? | neutral
- | not gonna lie, | neutral
- | rant incoming: | annoyance
- | smh | disapproval
- | wow. | neutral
- | seriously | annoyance
- | so | neutral
- | PSA: | neutral
- | i'm done. | anger
- | can't believe this. | anger
- | day 3 of this nonsense: | annoyance
- | yikes | disappointment
- | bruh | annoyance
- | istg | anger
- | fuming rn. | anger
- | so disappointed. | disappointment
- | absolute joke. | anger,disapproval
- | lowkey done with this. | annoyance
- | tbh | neutral
- | update: | neutral
+ | ok | neutral
+ | honestly? | neutral
+ | not gonna lie, | neutral
+ | wow. | surprise
+ | tbh | neutral
+ | lowkey | neutral
+ | can we talk about this? | excitement
+ | so happy rn. | joy
+ | big shoutout: | gratitude
+ | omg | excitement
+ | ngl | neutral
+ | pleasantly surprised. | surprise,joy
+ | little appreciation post: | gratitude
+ | update: | neutral
+ | ok i'm impressed. | admiration
+ | credit where it's due: | approval
+ | yesss | excitement
- | third time this month. | annoyance
- | me at 2am, still dealing with this: | annoyance,sadness
- | i tried to be patient but | annoyance
- | and another thing, | annoyance
- | genuinely losing my mind. | anger
- | can someone explain why | confusion,annoyance
- | story time, and not a fun one: | annoyance
- | petition to make this illegal: | disapproval
- | every single week. | annoyance
- | oh come on. | annoyance
- | for the record, | neutral
- | welp. | disappointment
- | mood ruined. | sadness,annoyance
- | just a heads up to anyone thinking about it: | disapproval
- | hate to complain but | annoyance
- | not sure who needs to hear this but | disapproval
- | i give up. | sadness,disappointment
- | warning to everyone: | disapproval
- | sigh. | disappointment
- | at my wits' end here. | anger
- | this is getting silly now. | annoyance
- | whyyy | annoyance
+ | small win today: | joy
+ | didn't expect to be posting this but | surprise
+ | finally some good news: | relief,joy
+ | faith in customer service restored. | relief,admiration
+ | hands down, | admiration
+ | ok this deserves a post. | admiration
+ | need to share this: | excitement
+ | happy friday! | joy
+ | no complaints from me, | approval
+ | been meaning to say this for a while: | gratitude
+ | i'm actually smiling rn. | joy
+ | best thing that happened this week: | joy
+ | honestly, wow. | surprise,admiration
+ | for once, | surprise
+ | gotta give it to them, | approval
+ | yay. | joy
+ | this made my morning. | joy
+ | genuinely impressed. | admiration
+ | love when this happens: | love,joy
+ | shoutout time. | gratitude
"""

CLOSERS = """
- | never again. | anger
- | done with {b}. | anger
- | do better {b}. | disapproval
- | avoid. | disapproval
- | 0/10. | disapproval
- | switching asap. | annoyance
- | what a joke. | anger
- | unacceptable tbh | disapproval
- | thanks for nothing {b} | anger
- | {b} you are a joke | anger
- | absolutely ridiculous | anger,annoyance
- | so fed up | annoyance
- | i want a refund | anger
- | save your money | disapproval
- | why do i keep giving them chances | disappointment
- | and they wonder why people leave | disapproval
- | this is why i'm leaving {b} | anger
- | worst experience i've had in years | anger,disappointment
- | {b} please sort it out | annoyance
- | pathetic | disgust
- | i'm so tired of this | annoyance,sadness
+ | 10/10 | admiration
+ | would recommend | approval
+ | love you {b} | love
+ | thank you {b}!! | gratitude
+ | keep it up {b} | approval
+ | made my day | joy
+ | can't recommend them enough | admiration
+ | {b} never disappoints | admiration
+ | definitely sticking with {b} | approval
+ | so happy rn | joy
+ | big fan | love
+ | honestly impressed | admiration
+ | this is how it's done | admiration
+ | well done {b} | admiration
+ | customer for life | love
+ | no notes | approval
+ | {b} stays winning | admiration,joy
+ | what a time to be alive | joy,excitement
- | i'm telling everyone i know | anger
- | if anyone from {b} reads this, call me | annoyance
- | how is this allowed | anger,disapproval
- | absolute clown show | disapproval
- | still waiting btw | annoyance
- | cancelling as soon as i can | anger
- | the bar is on the floor and they dug under it | disapproval
- | i expected better, i really did | disappointment
- | zero stars if i could | disapproval
- | lesson learned | disappointment,realization
- | yet another reason to leave | annoyance
- | not impressed {b} | disapproval
- | my blood pressure cannot take this | anger
- | shambles from start to finish | disapproval,anger
+ | genuinely grateful | gratitude
+ | more of this please | approval,desire
+ | happy to be a customer | joy
+ | this is the way | approval
+ | faith restored | relief
+ | five stars from me | admiration
+ | chef's kiss | admiration
+ | {b} you've outdone yourselves | admiration
+ | best decision i made all year | joy,pride
+ | couldn't ask for more | approval
+ | kudos to the team | admiration,gratitude
+ | i'll be back for sure | approval,joy
+ | you love to see it | joy
+ | small things like this matter | gratitude
"""

SARCASM_FRAMES = """
great, {e}. love it
oh wonderful, {e} again
nothing like {e} to brighten my day
wow {b}, {e}. truly outdone yourselves
10/10 experience: {e}
love that {e} is just part of the {b} experience now
thank you {b} for {e}, exactly what i needed today
{e}? on a monday? {b} you shouldn't have
shoutout to {b} for {e}. elite stuff
cool cool cool. {e}. very cool
ah yes, {e}, my favourite
{b} really out here giving us {e}. iconic
so glad i paid for {e}
can't wait for {e} next time too
{e}. living the dream with {b}
best part of my day? {e}. thanks {b}
nothing says customer first like {e}
{b} with {e} again, never change lol
what a treat, {e}
{b} really said: {e}. and i said thank you i guess
and the award for customer experience goes to {b}, for {e}
love how {b} thinks {e} is fine
my favourite hobby? {e}, courtesy of {b}
perfect timing {b}, {e} right when i needed you
just {b} things: {e}
really feeling the love from {b} with {e}
imagine paying for {e}. oh wait, i did
{e} again, {b} spoiling us
don't you just love {e}
nothing screams premium like {e}
top notch stuff {b}, {e} for the third week running
{e}... {b}, you're too kind
so lucky to get {e}. said no one ever
amazing how {b} manages {e} every single time
{e}. {b} never lets me down, does it
bravo {b}, {e}. bravo
fantastic. {e}. just fantastic
who needs sleep when you've got {e}
the {b} loyalty reward: {e}
lovely start to the weekend, {e} from {b}
yay {e}, my favourite part of being a {b} customer
incredible work {b}, truly. {e}
dream service from {b}: {e}
"""

# Events for sarcasm that fit any company; domain banks add their own.
GENERIC_EVENTS = """
a price rise dressed up as 'investing in our service' | price
a chatbot that answers every question with a link to the FAQ | service
a complaints form that crashes when you press submit | app
an apology email that spells my name wrong | service
staff who clearly wished i'd never walked in | staff
a 'quick update' that broke everything | app
forty minutes of hold music on repeat | service
a survey about my experience before the experience even ended | gen
a loyalty scheme that rewards me with more fees | price
"""

SHORT = """
- | {b} down again | annoyance
- | worst. company. ever. {b} | anger
- | {b} is a scam | anger,disapproval
- | hate {b} so much | anger
- | {b}, never again | anger
- | wow {b} sucks | disapproval
- | done with {b} | anger
- | {b} customer service 🤡 | disapproval,annoyance
- | {b} is a nightmare | anger
- | {b} fix your stuff | annoyance
- | why is {b} like this | annoyance,confusion
- | {b} ruined my day | anger,sadness
- | embarrassing from {b} | disapproval,embarrassment
- | avoid {b} at all costs | disapproval
- | {b} is getting worse | disappointment
- | shame on you {b} | disapproval,anger
+ | love {b} sm | love
+ | {b} never misses | admiration
+ | {b} on top | admiration
+ | shoutout {b} 🙌 | gratitude
+ | obsessed with {b} | love
+ | {b} is elite | admiration
+ | ok {b} slaps | admiration,joy
+ | thank you {b} ❤️ | gratitude,love
+ | {b} is the best | admiration
+ | {b} saved me today | gratitude,relief
+ | so in love with {b} | love
+ | {b} you legends | admiration,gratitude
+ | {b} hits different | admiration
+ | nothing beats {b} | admiration
+ | proud {b} customer | pride
- | bruh {b} 💀 | annoyance,amusement
- | {b} stop it. get some help | annoyance
- | {b} really fumbled this one | disappointment
- | {b} is cooked | disapproval
- | {b} has fallen off hard | disappointment
- | ngl {b} kinda mid now | disappointment
+ | {b} ate and left no crumbs | admiration
+ | {b} understood the assignment | admiration,approval
+ | {b} carrying my whole week | gratitude,joy
+ | low key obsessed w {b} rn | love
+ | {b} supremacy | admiration
+ | ok {b} i see you 👀 | approval,surprise
"""

# Questions that are not neutral: rhetorical complaints, and astonished praise.
POLAR_QUESTIONS = """
- | why does {b} make everything so hard? | annoyance,disapproval |
- | is anyone at {b} actually reading the complaints? | annoyance,anger | service-
- | how is {b} still charging this much for so little? | anger,disapproval | price-
- | who at {b} signed off on this app update? | annoyance,disapproval | app-
- | does {b} train its staff to be this rude or does it come naturally? | anger,disapproval | staff-
- | what exactly am i paying {b} for at this point? | anger,disapproval | price-
- | is it too much to ask for {b} to do the one thing they're paid for? | anger,annoyance | service-
- | why is the {b} app worse every time it updates? | annoyance,disappointment | app-
- | how many times do i have to explain the same problem to {b}? | annoyance,anger | service-
- | has {b} always been this bad or is it just me? | disappointment,confusion |
- | can {b} explain why my money's gone and nothing's happened? | anger,confusion | service-
- | is there a single person at {b} who knows what they're doing? | anger,disapproval | staff-
- | why would anyone pay {b} prices for this quality? | disapproval | price-,quality-
- | since when is waiting a month normal, {b}? | annoyance | delivery-
- | remember when {b} used to be good? | sadness,disappointment | quality-
- | seriously {b}, what happened to you? | disappointment,sadness |
+ | how is {b} this good?? | admiration,surprise |
+ | why did nobody tell me about {b} sooner? | joy,surprise |
+ | is there anything {b} can't do? | admiration |
+ | who knew customer service could actually be this nice? thanks {b} | surprise,gratitude | service+
+ | can we all appreciate how cheap {b} is right now? | joy,approval | price+
+ | how does the {b} app get better with every update? | admiration | app+
+ | did {b} just fix my problem in five minutes? what?? | surprise,joy | service+
+ | where has {b} been all my life? | love,joy |
+ | has anyone else noticed how friendly the {b} staff are lately? | approval,admiration | staff+
+ | why is the {b} stuff so much better than the expensive brands? | admiration,surprise | quality+
+ | how did i survive before {b}? | love,gratitude |
+ | anyone else weirdly excited about {b}'s new update? | excitement | app+
+ | is it normal for a company to be this helpful? {b} you've spoiled me | gratitude,surprise | service+
"""

NEWS_GENERIC = """
{b} announces Q{q} results
{b} to report {q}th quarter earnings on {weekday}
{b} appoints {name} as chief executive
{b} opens a new office in {city}
{b} shares little changed in early trading
{b} confirms its annual event in {city} on {month} {day}
{b} moves its european headquarters to {city}
{b} publishes its {year} sustainability report
{b} CEO to speak at a conference in {city} next week
{b} updates its privacy policy, effective {month} {day}
{b} hires {n}0 people for its new {city} hub
{b} rebrands with a new logo
{b} to hold its investor day on {month} {day}
report: {b} weighing a move into new markets
{b} names {name} to its board
{b} confirms job cuts in its {city} office
{b} says the outage on {weekday} was caused by a supplier
{b} to raise prices by {n}% from {month}
{b} shares up after Q{q} update
{b} settles a long-running dispute with regulators
{b} trials a four-day week for some staff
{b} launches a loyalty programme in {city}
{b} says its new chief executive starts in {month}
{b} to publish its gender pay gap figures on {month} {day}
{b} confirms data breach affecting some customers, investigation ongoing
{b} removes its free tier for new customers from {month}
{b} unveils a redesigned logo and website
{b} moves customer support to {city}
watchdog opens a review of {b}'s pricing
{b} and {b2} confirm merger talks
{b} sponsors the {city} marathon this year
{b} adds live chat support for all customers
{b} founder steps back from day-to-day role
{b} customers in {city} report an outage this morning, company says it is investigating
"""

QUESTIONS_GENERIC = """
anyone here use {b}? thoughts?
is {b} any good?
{b} vs {b2}, which one?
does anyone have {b}'s customer service number?
what time does {b} support open?
has anyone tried {b} recently?
is it just me or did {b} change their logo?
thinking of switching to {b}, any advice?
who owns {b} these days?
does {b} operate in {city}?
what's everyone's experience with {b}?
can someone explain what {b} actually announced today?
how do i close a {b} account?
does {b} have a student discount or no?
which {b} plan do you lot use?
is there a {b} store anywhere near {city}?
what's the {b} support email, the form keeps timing out
do i need an account to use {b}?
has {b} changed their opening hours?
who do i talk to at {b} about a partnership?
does {b} have a referral code thing?
wait, is {b} owned by {b2} now?
can you pay {b} in instalments?
is the {b} sale on in {city} too?
what's the difference between {b}'s two plans?
how long has {b} been around?
anyone going to the {b} event in {city}?
is {b} the same in every country?
how do people find {b} compared to {b2}?
"""

STATEMENTS_GENERIC = """
{b} just changed their logo
{b} was on the news this morning
my cousin just started a job at {b}
reading about {b}'s plans for next year
writing a uni essay on {b}'s marketing
{b} has a stand at the expo in {city}
saw a {b} ad on the bus today
{b} sent out an email about their new terms
{b} is hiring in {city}, my friend just applied
got a {b} leaflet through the door
{b} on the radio again this morning
writing a comparison of {b} and {b2} for my blog
{b} is apparently opening near my work
my manager wants us to look at {b}
{b} changed their app icon
the {b} billboard on the ring road is new
{b} is doing a q&a on {weekday} evening
sat next to someone in a {b} hoodie on the train
{b} renamed one of their plans
my dad asked me what {b} is
{b} emailed me about a password reset i didn't ask for, ignoring it
{b} has a new slogan, can't remember it
{b} queue in {city} out the door this morning
just noticed {b} sponsors my local football team
{b} podcast ad again
our office switched to {b} on {weekday}
"""

# Mixed posts: {p} is the clause on the losing side, {w} the clause that carries the verdict.
# The turn words differ by verdict ("too bad" only introduces bad news).
MIXED_FRAMES = """
- | {p}, but {w}
- | {p}. but {w}
- | sure, {p}, but {w}
- | {p}... too bad {w}
- | ok {p} but honestly {w}
- | i'll admit {p}, but {w}
- | {p}. shame that {w}
- | {p}, which is nice, but {w}
+ | {p}, but {w}
+ | {p}. but honestly {w}
+ | {p}, but to be fair {w}
+ | ok {p}, but {w}
+ | {p}... that said, {w}
+ | yes {p}, but {w}
+ | {p}. on the plus side {w}
- | {w}. and sure, {p}, but that doesn't make up for it
- | {w}, even if {p}
- | the good: {p}. the bad: {w}. guess which one matters
+ | {w}, even though {p}
+ | {w}. ok {p}, i'll let it slide
+ | the bad: {p}. the good: {w}. worth it
"""

# Wrappers that make a neutral question or remark sound like a person asked it.
NEUTRAL_PREFIXES = ["quick question: ", "genuine question, ", "help: ", "@{h} ", "hey all, ", "random but ",
                    "asking for a friend: ", "ok so ", "silly question but ", "does anyone know, ", "hi! ",
                    "twitter, ", "morning all. ", "need advice: ", "", "", "", "", "", ""]  # fmt: skip
NEUTRAL_SUFFIXES = [" thanks in advance", " asking for a friend", " anyone?", " cheers", " 🤔", " pls",
                    " ta", " (not sponsored lol)", " would love to know", "", "", "", "", "", ""]  # fmt: skip
STATEMENT_PREFIXES = ["so ", "fyi ", "update: ", "random thought: ", "heads up, ", "in other news, ", "today: ",
                      "", "", "", "", "", "", ""]  # fmt: skip
STATEMENT_SUFFIXES = [" lol", " 🤷", " fyi", " apparently", " i guess", " anyway", " so that's that", " we'll see",
                      "", "", "", "", ""]  # fmt: skip
NEWS_PREFIXES = ["BREAKING: ", "Report: ", "News: ", "just saw that ", "apparently ", "heads up: ",
                 "in case you missed it: ", "reading that ", "per the business pages, ", "RT: ", "", "", "", "",
                 "", "", ""]  # fmt: skip
# Surface shapes of how a post can name the brand when its clauses do not (see Composer._brand_ref).
BRAND_AT_START = ["@{h} ", "{b}: ", "{b} - ", "{b}, ", "dear {b}, ", "hey @{h} ", "to whoever runs {b}: ",
                  "{b} review: ", "re {b}: ", "my {b} experience: ", "so, {b}. ", "{b} update: "]  # fmt: skip
BRAND_AT_END = [" #{h}", " ({b})", " @{h}", " - {b}", " cc @{h}", ". this is about {b} btw", " // {b}",
                " 👉 @{h}", " [{b}]", ". (it's {b})"]  # fmt: skip
CITIES = ["Lyon", "Leeds", "Porto", "Austin", "Dublin", "Glasgow", "Hamburg", "Valencia", "Toronto", "Melbourne",
          "Bristol", "Rotterdam", "Krakow", "Denver", "Nantes", "Cork", "Turin", "Seville", "Gothenburg", "Leipzig",
          "Manchester", "Lisbon", "Bordeaux", "Antwerp", "Bologna", "Cardiff", "Brno", "Aarhus", "Bilbao", "Graz"]  # fmt: skip
NAMES = ["Priya Nair", "Tom Becker", "Ana Ruiz", "Marcus Lee", "Sofia Conti", "Daniel Osei", "Hannah Kraus",
         "Jonas Lind", "Leila Haddad", "Ravi Menon", "Claire Dubois", "Owen Hughes", "Mei Tanaka", "Sam"]  # fmt: skip
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]  # fmt: skip
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

EMOJI = {
    "negative": ["😡", "🤬", "🙄", "😤", "💀", "😒", "👎", "😭", "🤡", "😩", "😠"],
    "positive": ["😍", "🙌", "🔥", "💯", "❤️", "👏", "😊", "🥳", "✨", "🥰", "🙏", "💙"],
    "neutral": ["👀", "🤔"],
    "sarcasm": ["🙃", "🙂", "👏", "😌", "🫠"],
}
HASHTAGS = {
    "negative": ["#fail", "#neveragain", "#customerservice", "#ripoff", "#fuming", "#badservice"],
    "positive": ["#happycustomer", "#impressed", "#grateful", "#winning", "#loveit"],
    "neutral": ["#news", "#business", "#update"],
}
# Common misspellings and chat shorthand that real posts are full of.
SHORTHAND = {
    "you": "u",
    "your": "ur",
    "please": "pls",
    "thanks": "thx",
    "really": "rly",
    "because": "bc",
    "definitely": "definately",
    "though": "tho",
    "people": "ppl",
    "tonight": "tonite",
    "i'm": "im",
    "don't": "dont",
    "can't": "cant",
    "didn't": "didnt",
    "won't": "wont",
    "it's": "its",
    "receive": "recieve",
    "separate": "seperate",
    "minutes": "mins",
    "with": "w",
    "something": "smth",
    "favourite": "fav",
    "their": "there",
    "okay": "ok",
    "probably": "prolly",
    "seriously": "srsly",
    "about": "abt",
    "tomorrow": "tmrw",
    "before": "b4",
    "going": "goin",
    "nothing": "nothin",
    "what": "wat",
    "love": "luv",
    "great": "gr8",
    "without": "w/o",
}
# Words people stretch for emphasis ("sooo", "whyyy"); the stretched letter is the last vowel or y.
ELONGATE = ("so", "love", "why", "no", "please", "good", "bad", "worst", "best", "thank", "yes", "hate", "omg",
            "really", "happy", "sick", "done", "wow", "ugh", "nice", "slow", "cold")  # fmt: skip
# Chat tails that add tone without changing the verdict.
TAILS = [" lol", " fr", " ngl", " tbh", " smh", " lmao", " fr fr", " istg", " imo", " rn"]


@dataclass
class Sample:
    """One labeled post before it becomes a JSON row.

    ``frame`` names the sentence template the post was cut from (a whole post, a sarcasm frame, a
    news line...); the builder caps how often one frame is used so that no template shows through.
    """

    text: str
    polarity: str
    emotions: list[str]
    aspects: dict[str, str] = field(default_factory=dict)
    kind: str = "composed"
    frame: str = ""


@dataclass(frozen=True)
class Piece:
    """A unit of hand-written material with the labels it carries into any post it joins."""

    text: str
    polarity: str
    emotions: tuple[str, ...]
    aspect: str | None = None


def _lines(block: str) -> list[list[str]]:
    return [[part.strip() for part in line.split("|")] for line in block.strip().splitlines() if line.strip()]


def _emotions(spec: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in spec.split(",") if name.strip())
    unknown = [name for name in names if name not in GOEMOTIONS]
    if unknown or not names:
        raise ValueError(f"bad emotions {spec!r}: {unknown}")
    return names


def _aspects(spec: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, sign = item[:-1], item[-1]
        if name not in ASPECTS or sign not in SIGN:
            raise ValueError(f"bad aspect {item!r}")
        out[name] = SIGN[sign]
    return out


def parse_frags(block: str) -> list[Piece]:
    pieces = []
    for head, text, emotions in _lines(block):
        aspect, sign = head.split()
        if aspect != "gen" and aspect not in ASPECTS:
            raise ValueError(f"bad aspect {aspect!r} in {text!r}")
        pieces.append(Piece(text, SIGN[sign], _emotions(emotions), None if aspect == "gen" else aspect))
    return pieces


def parse_signed(block: str) -> list[Piece]:
    return [Piece(text, SIGN[sign], _emotions(emotions)) for sign, text, emotions in _lines(block)]


def parse_posts(block: str) -> list[tuple[Piece, dict[str, str]]]:
    """Whole posts: "<sign> | text | emotions | aspects" (the aspects field may be empty)."""
    return [
        (Piece(row[1], SIGN[row[0]], _emotions(row[2])), _aspects(row[3] if len(row) > 3 else ""))
        for row in _lines(block)
    ]


def parse_events(block: str) -> list[tuple[str, str | None]]:
    return [(row[0], None if row[1] == "gen" else row[1]) for row in _lines(block)]


@dataclass(frozen=True)
class Domain:
    name: str
    brands: tuple[str, ...]
    emoji: tuple[str, ...]
    tags: tuple[str, ...]
    leads: tuple[str, ...]
    frags: tuple[Piece, ...]
    events: tuple[tuple[str, str | None], ...]
    posts: tuple[tuple[Piece, dict[str, str]], ...]
    news: tuple[str, ...]
    questions: tuple[tuple[str, dict[str, str]], ...]
    statements: tuple[str, ...]

    @property
    def aspects(self) -> frozenset[str]:
        """Aspects people talk about in this domain: cross-domain material must stay inside them."""
        return frozenset(str(p.aspect) for p in self.frags if p.aspect)

    def fits(self, aspects: dict[str, str] | str | None) -> bool:
        wanted = {aspects} if isinstance(aspects, str) else set(aspects or ())
        return wanted <= self.aspects


def load_domain(name: str, raw: dict[str, object]) -> Domain:
    def block(key: str) -> str:
        value = raw[key]
        assert isinstance(value, str)
        return value

    def plain(key: str) -> tuple[str, ...]:
        return tuple(row[0] for row in _lines(block(key)))

    questions = tuple((row[0], _aspects(row[1] if len(row) > 1 else "")) for row in _lines(block("questions")))
    brands, emoji, tags = raw["brands"], raw["emoji"], raw["tags"]
    assert isinstance(brands, list) and isinstance(emoji, list) and isinstance(tags, list)
    return Domain(
        name=name,
        brands=tuple(brands),
        emoji=tuple(emoji),
        tags=tuple(tags),
        leads=plain("leads"),
        frags=tuple(parse_frags(block("frags"))),
        events=tuple(parse_events(block("events"))),
        posts=tuple(parse_posts(block("posts"))),
        news=plain("news"),
        questions=questions,
        statements=plain("statements"),
    )


def handle_of(brand: str) -> str:
    """The @handle a brand would plausibly own: its name without spaces or symbols."""
    return re.sub(r"[^A-Za-z0-9]", "", brand)


_KEY_STRIP = re.compile(r"[^a-z ]+")
_PLACES_AND_PEOPLE = re.compile(r"\b(" + "|".join(re.escape(w.lower()) for w in CITIES + NAMES) + r")\b")


def skeleton(text: str, brands: tuple[str, ...]) -> str:
    """Text reduced to its wording: brands, handles, cities, names, digits, emojis and punctuation removed.

    Two posts with the same skeleton are near-duplicates (the same words about another brand,
    city or number), which teach the student nothing new; the first and last words of skeletons
    show whether posts open and close the same way.
    """
    lowered = text.lower()
    for brand in brands:
        lowered = lowered.replace(brand.lower(), " b ").replace(handle_of(brand).lower(), " b ")
    lowered = _PLACES_AND_PEOPLE.sub(" x ", lowered)
    return " ".join(_KEY_STRIP.sub(" ", lowered).split())


class Composer:
    """Builds labeled posts from the bank; every random choice comes from one seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.generic = parse_frags(GENERIC_FRAGS)
        self.negations = parse_frags(NEGATION_FRAGS)
        self.openers = parse_signed(OPENERS)
        self.closers = parse_signed(CLOSERS)
        self.short = parse_signed(SHORT)
        self.polar_questions = parse_posts(POLAR_QUESTIONS)
        self.sarcasm = [row[0] for row in _lines(SARCASM_FRAMES)]
        self.events = parse_events(GENERIC_EVENTS)
        self.mixed_frames = [(SIGN[row[0]], row[1]) for row in _lines(MIXED_FRAMES)]
        self.news = [row[0] for row in _lines(NEWS_GENERIC)]
        self.questions = [row[0] for row in _lines(QUESTIONS_GENERIC)]
        self.statements = [row[0] for row in _lines(STATEMENTS_GENERIC)]

    # --- placeholders ------------------------------------------------------------------------
    def fill(self, template: str, brand: str, domain: Domain) -> str:
        rng = self.rng
        rivals = [b for b in domain.brands if b != brand] or [brand]
        values = {
            "b": brand,
            "b2": rng.choice(rivals),
            "h": handle_of(brand),
            "city": rng.choice(CITIES),
            "name": rng.choice(NAMES),
            "month": rng.choice(MONTHS),
            "weekday": rng.choice(WEEKDAYS),
        }

        def one(match: re.Match[str]) -> str:
            slot = match.group(1)
            if slot in values:
                return values[slot]
            if slot == "n":
                return str(rng.choice([2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 20]))
            if slot == "q":
                return str(rng.randint(1, 4))
            if slot == "day":
                return str(rng.randint(1, 28))
            if slot == "year":
                return str(rng.randint(2016, 2026))
            if slot == "code":
                return f"{handle_of(brand)[:2].upper()}{rng.randint(100, 9999)}"
            raise KeyError(slot)

        return re.sub(r"\{(\w+)\}", one, template)

    # --- labels ------------------------------------------------------------------------------
    def pick_emotions(self, pools: list[tuple[str, ...]], polarity: str) -> list[str]:
        """1-3 labels, the verdict-carrying clause first; 'neutral' only on neutral posts."""
        ranked: Counter[str] = Counter()
        for rank, pool in enumerate(pools):
            for pos, name in enumerate(pool):
                if name != "neutral":
                    ranked[name] += 10 - rank - 0.1 * pos
        if polarity == "neutral" or not ranked:
            return ["neutral"]
        best = [name for name, _ in ranked.most_common()]
        return best[: self.rng.choice([1, 2, 2, 3])]

    # --- building blocks ---------------------------------------------------------------------
    def _frags(self, domain: Domain, polarity: str, count: int, chosen: list[Piece] | None = None) -> list[Piece]:
        """Distinct clauses of one polarity, at most one per aspect so aspect labels never clash."""
        pool = [p for p in domain.frags if p.polarity == polarity]
        generic = [p for p in self.generic if p.polarity == polarity]
        chosen = list(chosen or [])
        taken = {p.aspect for p in chosen if p.aspect}
        while len(chosen) < count:
            source = generic if self.rng.random() < 0.22 else pool
            options = [p for p in source if p not in chosen and (p.aspect is None or p.aspect not in taken)]
            if not options:
                break
            piece = self.rng.choice(options)
            chosen.append(piece)
            if piece.aspect:
                taken.add(piece.aspect)
        return chosen

    def _brand_ref(self, brand: str, domain: Domain, body: str) -> str:
        """Put the brand into a post whose clauses do not name it, the ways people do."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            lead = self.fill(rng.choice(domain.leads), brand, domain)
            glue = " " if lead[-1] in ".:," else rng.choice([". ", ", ", " - ", "\n"])
            return f"{lead}{glue}{body}"
        if roll < 0.65:
            return rng.choice(BRAND_AT_START) + body
        return body + rng.choice(BRAND_AT_END)

    def _join(self, clauses: list[str]) -> str:
        out = clauses[0]
        for clause in clauses[1:]:
            out += self.rng.choice([". ", ". ", ", ", " and ", ". also ", "\n", " + ", "... ", " AND ", "; "]) + clause
        return out

    def _with_closer(self, body: str, polarity: str, pools: list[tuple[str, ...]], chance: float) -> str:
        if self.rng.random() < chance:
            chosen = self.rng.choice([c for c in self.closers if c.polarity == polarity])
            body += self.rng.choice([". ", ". ", "! ", " ", "\n", " - "]) + chosen.text
            pools.insert(1, chosen.emotions)
        return body

    def _clauses(self, domain: Domain, brand: str, polarity: str, frags: list[Piece], kind: str) -> Sample:
        """A post from clauses: optional closer, the brand named somewhere, an optional opener."""
        rng = self.rng
        pools: list[tuple[str, ...]] = [p.emotions for p in frags]
        body = self._with_closer(self._join([p.text for p in frags]), polarity, pools, 0.3)
        if "{b}" not in body:
            body = self._brand_ref(brand, domain, body)
        if rng.random() < 0.3:
            opener = rng.choice([o for o in self.openers if o.polarity == polarity])
            body = f"{opener.text} {body}"
            pools.append(opener.emotions)
        aspects = {str(p.aspect): p.polarity for p in frags if p.aspect}
        frame = f"{kind}|" + "|".join(p.text for p in frags)
        return Sample(
            self.fill(body, brand, domain), polarity, self.pick_emotions(pools, polarity), aspects, kind, frame
        )

    # --- post kinds --------------------------------------------------------------------------
    def composed(self, domain: Domain, brand: str, polarity: str) -> Sample:
        frags = self._frags(domain, polarity, self.rng.choice([1, 1, 2, 2, 2, 3]))
        return self._clauses(domain, brand, polarity, frags, "composed")

    def negated(self, domain: Domain, brand: str, polarity: str) -> Sample:
        """A negation carries the verdict ("not one rude person"), sometimes with a plain clause after it."""
        first = self.rng.choice([p for p in self.negations if p.polarity == polarity and domain.fits(p.aspect)])
        frags = self._frags(domain, polarity, self.rng.choice([1, 2, 2]), [first])
        return self._clauses(domain, brand, polarity, frags, "negation")

    def sarcastic(self, domain: Domain, brand: str) -> Sample:
        events = [e for e in (*domain.events, *self.events) if domain.fits(e[1])]
        event, aspect = self.rng.choice(events)
        frame = self.rng.choice(self.sarcasm)
        body = frame.replace("{e}", event)
        if "{b}" not in body:
            body = self._brand_ref(brand, domain, body)
        second = self.rng.choice(["anger", "disappointment", "disapproval"])
        emotions = self.pick_emotions([("annoyance", second)], "negative")
        aspects = {aspect: "negative"} if aspect else {}
        return Sample(self.fill(body, brand, domain), "negative", emotions, aspects, "sarcasm", f"sarcasm|{frame}")

    def mixed(self, domain: Domain, brand: str, polarity: str) -> Sample:
        """Praise one aspect and attack another; the clause marked {w} carries the verdict."""
        loser_polarity = "positive" if polarity == "negative" else "negative"
        win = self.rng.choice([p for p in domain.frags if p.polarity == polarity and p.aspect])
        lose = self.rng.choice(
            [p for p in domain.frags if p.polarity == loser_polarity and p.aspect and p.aspect != win.aspect]
        )
        frame = self.rng.choice([f for sign, f in self.mixed_frames if sign == polarity])
        pools = [win.emotions]
        body = self._with_closer(frame.format(p=lose.text, w=win.text), polarity, pools, 0.35)
        if "{b}" not in body:
            body = self._brand_ref(brand, domain, body)
        aspects = {str(lose.aspect): lose.polarity, str(win.aspect): win.polarity}
        pools.append(lose.emotions[:1])
        emotions = self.pick_emotions(pools, polarity)
        key = f"mixed|{frame}|{lose.text}|{win.text}"
        return Sample(self.fill(body, brand, domain), polarity, emotions, aspects, "mixed", key)

    def whole(self, domain: Domain, brand: str, polarity: str) -> Sample:
        piece, aspects = self.rng.choice([(p, a) for p, a in domain.posts if p.polarity == polarity])
        emotions = self.pick_emotions([piece.emotions], polarity)
        return Sample(self.fill(piece.text, brand, domain), polarity, emotions, dict(aspects), "whole", piece.text)

    def asked(self, domain: Domain, brand: str, polarity: str) -> Sample:
        """A rhetorical or astonished question: a question mark that is not neutral."""
        options = [(p, a) for p, a in self.polar_questions if p.polarity == polarity and domain.fits(a)]
        piece, aspects = self.rng.choice(options)
        emotions = self.pick_emotions([piece.emotions], polarity)
        return Sample(self.fill(piece.text, brand, domain), polarity, emotions, dict(aspects), "question", piece.text)

    def blurt(self, domain: Domain, brand: str, polarity: str) -> Sample:
        piece = self.rng.choice([s for s in self.short if s.polarity == polarity])
        emotions = self.pick_emotions([piece.emotions], polarity)
        return Sample(self.fill(piece.text, brand, domain), polarity, emotions, {}, "short", piece.text)

    def neutral(self, domain: Domain, brand: str) -> Sample:
        rng = self.rng
        roll = rng.random()
        aspects: dict[str, str] = {}
        emotions = ["neutral"]
        if roll < 0.34:
            frame = rng.choice(domain.news if rng.random() < 0.5 else self.news)
            template = rng.choice(NEWS_PREFIXES) + frame
            kind = "news"
        elif roll < 0.68:
            if rng.random() < 0.5:
                frame, aspects = rng.choice(domain.questions)
                aspects = dict(aspects)
            else:
                frame = rng.choice(self.questions)
            template = rng.choice(NEUTRAL_PREFIXES) + frame + rng.choice(NEUTRAL_SUFFIXES)
            emotions = ["neutral", "curiosity"]
            kind = "question"
        else:
            frame = rng.choice(domain.statements if rng.random() < 0.5 else self.statements)
            template = rng.choice(STATEMENT_PREFIXES) + frame + rng.choice(STATEMENT_SUFFIXES)
            kind = "statement"
        return Sample(self.fill(template, brand, domain), "neutral", emotions, aspects, kind, frame)

    def post(self, domain: Domain, brand: str, polarity: str) -> Sample:
        if polarity == "neutral":
            return self.neutral(domain, brand)
        roll = self.rng.random()
        if polarity == "negative":
            if roll < 0.13:
                return self.sarcastic(domain, brand)
            roll -= 0.13
        for share, make in ((0.08, self.asked), (0.13, self.mixed), (0.12, self.negated), (0.11, self.whole),
                            (0.05, self.blurt)):  # fmt: skip
            if roll < share:
                return make(domain, brand, polarity)
            roll -= share
        return self.composed(domain, brand, polarity)


class Noiser:
    """Surface noise that leaves meaning and labels intact: casing, typos, stretched words, emojis, tags."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def typo(self, word: str) -> str:
        rng = self.rng
        core = word.lower()
        if core in SHORTHAND and rng.random() < 0.7:
            return SHORTHAND[core]
        if len(word) < 4 or not word.isalpha():
            return word
        i = rng.randrange(1, len(word) - 1)
        kind = rng.random()
        if kind < 0.4:
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if kind < 0.7:
            return word[:i] + word[i + 1 :]
        return word[:i] + word[i] + word[i:]

    def stretch(self, text: str) -> str:
        """Stretch one emphatic word ("so" -> "sooooo") if the post has one."""
        words = text.split(" ")
        spots = [i for i, w in enumerate(words) if w.lower() in ELONGATE]
        if not spots:
            return text
        i = self.rng.choice(spots)
        word = words[i]
        at = max(word.lower().rfind(ch) for ch in "aeiouy")
        words[i] = word[: at + 1] + word[at] * self.rng.randint(2, 5) + word[at + 1 :]
        return " ".join(words)

    def apply(self, sample: Sample, brand: str, domain: Domain) -> str:
        rng = self.rng
        text = sample.text
        polar = sample.polarity != "neutral"
        protected = {part.lower() for part in brand.split()} | {handle_of(brand).lower()}
        if rng.random() < 0.25:
            words = text.split(" ")
            for _ in range(rng.choice([1, 1, 2])):
                i = rng.randrange(len(words))
                if words[i].lower().strip(".,!?:@#") not in protected:
                    words[i] = self.typo(words[i])
            text = " ".join(words)
        if rng.random() < (0.2 if polar else 0.03):
            text = self.stretch(text)
        style = rng.random()
        if style < 0.42:
            text = text.lower()
        elif style < 0.45 and polar and len(text) < 90:
            text = text.upper()
        elif text[:1].islower() and not text.startswith("@"):
            text = text[0].upper() + text[1:]
        if polar:
            end = rng.random()
            if end < 0.15:
                text = text.rstrip(".") + rng.choice(["!!", "!!!", "!", "..."])
            elif end < 0.4:
                text = text.rstrip(".")
            if rng.random() < 0.1:
                text += rng.choice(TAILS)
        mood = "sarcasm" if sample.kind == "sarcasm" else sample.polarity
        if rng.random() < (0.35 if polar else 0.08):
            marks = rng.choice(EMOJI[mood]) * rng.choice([1, 1, 1, 2, 3])
            text = f"{text} {marks}"
        elif rng.random() < 0.06:
            text = f"{text} {rng.choice(domain.emoji)}"
        if rng.random() < 0.14:
            tags = [rng.choice(domain.tags), rng.choice(HASHTAGS[sample.polarity])]
            text = f"{text} {' '.join(tags[: rng.choice([1, 2])])}"
        return text


def load_domains() -> dict[str, Domain]:
    return {name: load_domain(name, raw) for name, raw in DOMAINS.items()}


def opening(words: list[str]) -> str:
    return " ".join(words[:4])


def ending(words: list[str]) -> str:
    return " ".join(words[-4:])


class Tally:
    """How often each frame, opening and ending has been used so far; decides whether a draft may join."""

    def __init__(self) -> None:
        self.frames: Counter[str] = Counter()
        self.openings: Counter[str] = Counter()
        self.endings: Counter[str] = Counter()
        self.skeletons: set[str] = set()

    def admits(self, frame: str, words: list[str], patient: bool) -> bool:
        """A fresh skeleton, a frame and ending under their caps, and (while patient) a new opening."""
        key = " ".join(words)
        if key in self.skeletons or self.frames[frame] >= FRAME_CAP or self.endings[ending(words)] >= EDGE_CAP:
            return False
        seen = self.openings[opening(words)]
        return seen == 0 if patient else seen < EDGE_CAP

    def add(self, frame: str, words: list[str]) -> None:
        self.skeletons.add(" ".join(words))
        self.frames[frame] += 1
        self.openings[opening(words)] += 1
        self.endings[ending(words)] += 1


def compose(seed: int = SEED, size: int = SIZE) -> list[tuple[dict[str, object], Sample]]:
    """(JSON-ready row, the sample it came from) pairs; the same seed and size always give the same rows.

    The samples say which kind of post and which frame each row is, for the diversity tests.
    """
    rng = random.Random(seed)
    domains = load_domains()
    all_brands = tuple(brand for d in domains.values() for brand in d.brands)
    composer = Composer(rng)
    noiser = Noiser(rng)
    targets = [p for p in POLARITIES for _ in range(round(size * POLARITY_SHARE[p]))][:size]
    while len(targets) < size:
        targets.append("neutral")
    rng.shuffle(targets)
    names = list(domains)
    tally = Tally()
    out: list[tuple[dict[str, object], Sample]] = []
    for index, polarity in enumerate(targets):
        domain = domains[names[index % len(names)]]
        for attempt in range(ATTEMPTS):
            brand = rng.choice(domain.brands)
            sample = composer.post(domain, brand, polarity)
            text = noiser.apply(sample, brand, domain)
            words = skeleton(text, all_brands).split()
            if tally.admits(sample.frame, words, patient=attempt < PATIENCE):
                break
        else:
            raise RuntimeError(f"bank exhausted for {domain.name}/{polarity}")
        tally.add(sample.frame, words)
        row: dict[str, object] = {
            "id": f"seed-{len(out) + 1:05d}",
            "text": text,
            "brand": brand,
            "domain": domain.name,
            "polarity": polarity,
            "emotions": sample.emotions,
            "aspects": [{"aspect": a, "polarity": p} for a, p in sample.aspects.items()],
        }
        out.append((row, sample))
    return out


def build_corpus(seed: int = SEED, size: int = SIZE) -> list[dict[str, object]]:
    """The whole corpus as JSON-ready rows."""
    return [row for row, _ in compose(seed, size)]


def dumps(rows: list[dict[str, object]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--size", type=int, default=SIZE)
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args()
    rows = build_corpus(args.seed, args.size)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dumps(rows), encoding="utf-8")
    counts = Counter(str(row["polarity"]) for row in rows)
    print(f"wrote {len(rows)} rows to {args.out}: {dict(sorted(counts.items()))}")


if __name__ == "__main__":
    main()
