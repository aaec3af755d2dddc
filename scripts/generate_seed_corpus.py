"""Generate sentimon's seed corpus: the labeled posts the embedded default student learns from.

A fresh install has no data and no network, yet the default student must already tell a
complaint from praise. In the spirit of Emo Pillars (LLM-synthesized training data), the
material below was written by hand by an LLM: whole posts, and clause fragments per domain,
aspect and polarity, each with the GoEmotions labels a careful annotator would give. A seeded
composer mixes them with openers, closers, sarcasm and negation frames, slang, emojis, hashtags,
@mentions and typos, so that the model learns sentiment rather than a template. Labels are decided
by the material (fragments carry their aspect and polarity; mixed posts take the polarity of the
clause that carries the verdict), never guessed from the surface after the noise is added.

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
""",
        "statements": """
flying {b} to {city} tomorrow morning
{b} flight {code} boarding at gate {n}
moved my booking from {b2} to {b} for the {city} trip
{b} started boarding by zones this week
heading to the {b} desk to drop my bag
picked {b} because the times fit my meeting in {city}
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
""",
        "questions": """
does {b} have good coverage in {city}? | quality0
is {b} sim only worth it? | price0
how do i get a PAC code from {b}? | service0
anyone know if {b} does wifi calling? |
{b} or {b2} for broadband in {city}? |
does the {b} app let you add a second line? | app0
how long does {b} take to install fibre? | service0
""",
        "statements": """
porting my number to {b} today
{b} engineer coming between 8 and 1 apparently
my {b} contract renews next month
{b} is running a speed test event in {city} this weekend
just got the {b} letter about new prices
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
""",
        "questions": """
does {b} do free returns in store? | service0
when does the {b} summer sale start? | price0
anyone know if {b} ships to {city}? | delivery0
is the {b} store in {city} open on sundays? |
how does {b} sizing run, true to size? | quality0
does {b} click and collect take long? | delivery0
is the {b} app the only way to get the student discount? | app0
""",
        "statements": """
queueing outside {b} for the sale
the {b} catalogue came through the door today
{b} {city} is moving to the new shopping centre
picking up my {b} order after work
{b} changed the layout of the {city} store again
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
""",
        "questions": """
does {b} deliver to {city} yet? | delivery0
is the {b} subscription worth it? | price0
how do i add a tip after ordering on {b}? | app0
anyone know a good sushi place on {b}? |
does {b} do contactless delivery by default? | delivery0
how do i report a missing item to {b}? | service0
""",
        "statements": """
{b} order on its way
trying the new thai place on {b} tonight
my flatmate works as a {b} rider
{b} started delivering from the supermarket near me
using my {b} voucher before it runs out
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
""",
        "questions": """
does {b} charge for foreign transactions? | price0
how long does a {b} transfer to {b2} take? | service0
can you open a {b} account online? |
is {b}'s cashback card worth getting? | price0
does the {b} app support apple pay? | app0
what's the {b} overdraft limit for students? |
""",
        "statements": """
switching my current account to {b} this week
{b} sent me a new card design
{b} branch in {city} has new opening hours
setting up a joint account with {b}
my {b} statement is due on the {day}th
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
""",
        "questions": """
is the new {b} game on switch? |
does {b}'s game have crossplay? |
how big is the {b} update? |
is the {b} deluxe edition worth it? | price0
anyone know when {b} servers come back? | service0
does the {b} launcher work on linux? | app0
""",
        "statements": """
downloading the {b} update overnight
watching the {b} showcase later
{b} game is on sale this weekend
my friends all moved to {b}'s new shooter
{b} added a new difficulty mode in the patch
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
""",
        "questions": """
is the {b} good in snow? | quality0
how long does {b} take to deliver right now? | delivery0
anyone have a {b} dealer they recommend near {city}? | staff0
does the {b} app work with android auto? | app0
what's the real world range on a {b}? | quality0
is the {b} extended warranty worth it? | price0
""",
        "statements": """
test driving the {b} and the {b2} this weekend
my {b} goes in for its MOT tomorrow
{b} showroom opened near my office
charging the {b} at the services near {city}
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
""",
        "questions": """
does {b} integrate with {b2}? |
is there a {b} student discount? | price0
how do i export everything from {b}? |
does the {b} mobile app work offline? | app0
anyone using {b} for a team of {n}? |
how do i get {b} support to respond faster? | service0
""",
        "statements": """
setting up {b} for the new hires
migrating our docs from {b2} to {b} this weekend
{b} changelog is out
our IT team is trialling {b}
{b} webinar at 3pm today
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
"""

# Wrappers that make a neutral question or remark sound like a person asked it.
NEUTRAL_PREFIXES = ["quick question: ", "genuine question, ", "help: ", "@{h} ", "hey all, ", "random but ",
                    "asking for a friend: ", "", "", "", ""]  # fmt: skip
NEUTRAL_SUFFIXES = [" thanks in advance", " asking for a friend", " anyone?",
                    " cheers", " 🤔", " pls", "", "", "", ""]  # fmt: skip
STATEMENT_SUFFIXES = [" lol", " 🤷", " fyi", " apparently", " i guess", "", "", ""]
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
}


@dataclass
class Sample:
    """One labeled post before it becomes a JSON row; ``key`` detects near-duplicates."""

    text: str
    polarity: str
    emotions: list[str]
    aspects: dict[str, str] = field(default_factory=dict)
    kind: str = "composed"


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


def load_domain(name: str, raw: dict[str, object]) -> Domain:
    def block(key: str) -> str:
        value = raw[key]
        assert isinstance(value, str)
        return value

    def plain(key: str) -> tuple[str, ...]:
        return tuple(row[0] for row in _lines(block(key)))

    posts = tuple(
        (Piece(row[1], SIGN[row[0]], _emotions(row[2])), _aspects(row[3] if len(row) > 3 else ""))
        for row in _lines(block("posts"))
    )
    events = tuple((row[0], None if row[1] == "gen" else row[1]) for row in _lines(block("events")))
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
        events=events,
        posts=posts,
        news=plain("news"),
        questions=questions,
        statements=plain("statements"),
    )


def handle_of(brand: str) -> str:
    """The @handle a brand would plausibly own: its name without spaces or symbols."""
    return re.sub(r"[^A-Za-z0-9]", "", brand)


_KEY_STRIP = re.compile(r"[^a-z ]+")


def skeleton(text: str, brands: tuple[str, ...]) -> str:
    """Text reduced to its wording: brand names, handles, digits, emojis and punctuation removed.

    Two posts with the same skeleton are near-duplicates (the same words about another brand
    or with another number), which teach the student nothing new.
    """
    lowered = text.lower()
    for brand in brands:
        lowered = lowered.replace(brand.lower(), " b ").replace(handle_of(brand).lower(), " b ")
    return " ".join(_KEY_STRIP.sub(" ", lowered).split())


class Composer:
    """Builds labeled posts from the bank; every random choice comes from one seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.generic = parse_frags(GENERIC_FRAGS)
        self.openers = parse_signed(OPENERS)
        self.closers = parse_signed(CLOSERS)
        self.short = parse_signed(SHORT)
        self.sarcasm = [row[0] for row in _lines(SARCASM_FRAMES)]
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

    # --- post kinds --------------------------------------------------------------------------
    def _frags(self, domain: Domain, polarity: str, count: int) -> list[Piece]:
        """Distinct clauses of one polarity, at most one per aspect so aspect labels never clash."""
        pool = [p for p in domain.frags if p.polarity == polarity]
        generic = [p for p in self.generic if p.polarity == polarity]
        taken: set[str] = set()
        chosen: list[Piece] = []
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
        if roll < 0.45:
            lead = self.fill(rng.choice(domain.leads), brand, domain)
            glue = " " if lead[-1] in ".:," else rng.choice([". ", ", ", " - ", "\n"])
            return f"{lead}{glue}{body}"
        if roll < 0.65:
            return f"@{handle_of(brand)} {body}"
        if roll < 0.8:
            return f"{brand}{rng.choice([':', ' -', ',', ' —'])} {body}"
        if roll < 0.9:
            return f"{body} #{handle_of(brand)}"
        return f"{body} ({brand})"

    def _join(self, clauses: list[str]) -> str:
        out = clauses[0]
        for clause in clauses[1:]:
            out += self.rng.choice([". ", ". ", ", ", " and ", ". also ", "\n", " + ", "... "]) + clause
        return out

    def composed(self, domain: Domain, brand: str, polarity: str) -> Sample:
        rng = self.rng
        frags = self._frags(domain, polarity, rng.choice([1, 1, 2, 2, 2, 3]))
        body = self._join([p.text for p in frags])
        pools: list[tuple[str, ...]] = [p.emotions for p in frags]
        closer = [c for c in self.closers if c.polarity == polarity]
        if rng.random() < 0.45:
            chosen = rng.choice(closer)
            body += rng.choice([". ", ". ", "! ", " ", "\n"]) + chosen.text
            pools.insert(1, chosen.emotions)
        if "{b}" not in body:
            body = self._brand_ref(brand, domain, body)
        if rng.random() < 0.3:
            opener = rng.choice([o for o in self.openers if o.polarity == polarity])
            body = f"{opener.text} {body}"
            pools.append(opener.emotions)
        aspects = {p.aspect: p.polarity for p in frags if p.aspect}
        return Sample(self.fill(body, brand, domain), polarity, self.pick_emotions(pools, polarity), aspects)

    def sarcastic(self, domain: Domain, brand: str) -> Sample:
        event, aspect = self.rng.choice(domain.events)
        frame = self.rng.choice(self.sarcasm)
        body = frame.replace("{e}", event)
        if "{b}" not in body:
            body = self._brand_ref(brand, domain, body)
        second = self.rng.choice(["anger", "disappointment", "disapproval"])
        emotions = self.pick_emotions([("annoyance", second)], "negative")
        aspects = {aspect: "negative"} if aspect else {}
        return Sample(self.fill(body, brand, domain), "negative", emotions, aspects, "sarcasm")

    def mixed(self, domain: Domain, brand: str, polarity: str) -> Sample:
        """Praise one aspect and attack another; the clause after the turn carries the verdict."""
        loser_polarity = "positive" if polarity == "negative" else "negative"
        win = self.rng.choice([p for p in domain.frags if p.polarity == polarity and p.aspect])
        lose = self.rng.choice(
            [p for p in domain.frags if p.polarity == loser_polarity and p.aspect and p.aspect != win.aspect]
        )
        frame = self.rng.choice([f for sign, f in self.mixed_frames if sign == polarity])
        body = frame.format(p=lose.text, w=win.text)
        pools = [win.emotions]
        if polarity == "positive" or self.rng.random() < 0.5:
            # A closer makes the verdict explicit, as people do when the bad part came last.
            chosen = self.rng.choice([c for c in self.closers if c.polarity == polarity])
            glue = [". ", ". overall ", ". still, ", "\n"] if polarity == "positive" else [". ", "\n", ". honestly "]
            body += self.rng.choice(glue) + chosen.text
            pools.append(chosen.emotions)
        if "{b}" not in body:
            body = self._brand_ref(brand, domain, body)
        aspects = {str(lose.aspect): lose.polarity, str(win.aspect): win.polarity}
        pools.append(lose.emotions[:1])
        emotions = self.pick_emotions(pools, polarity)
        return Sample(self.fill(body, brand, domain), polarity, emotions, aspects, "mixed")

    def whole(self, domain: Domain, brand: str, polarity: str) -> Sample:
        piece, aspects = self.rng.choice([(p, a) for p, a in domain.posts if p.polarity == polarity])
        emotions = self.pick_emotions([piece.emotions], polarity)
        return Sample(self.fill(piece.text, brand, domain), polarity, emotions, dict(aspects), "whole")

    def blurt(self, domain: Domain, brand: str, polarity: str) -> Sample:
        piece = self.rng.choice([s for s in self.short if s.polarity == polarity])
        emotions = self.pick_emotions([piece.emotions], polarity)
        return Sample(self.fill(piece.text, brand, domain), polarity, emotions, {}, "short")

    def neutral(self, domain: Domain, brand: str) -> Sample:
        rng = self.rng
        roll = rng.random()
        aspects: dict[str, str] = {}
        emotions = ["neutral"]
        kind = "news"
        if roll < 0.36:
            template = rng.choice(domain.news if rng.random() < 0.6 else self.news)
            if rng.random() < 0.25:
                template = rng.choice(["BREAKING: ", "Report: ", "", "News: "]) + template
        elif roll < 0.72:
            if rng.random() < 0.6:
                template, aspects = rng.choice(domain.questions)
                aspects = dict(aspects)
            else:
                template = rng.choice(self.questions)
            template = rng.choice(NEUTRAL_PREFIXES) + template + rng.choice(NEUTRAL_SUFFIXES)
            emotions = ["neutral", "curiosity"]
            kind = "question"
        else:
            template = rng.choice(domain.statements if rng.random() < 0.6 else self.statements)
            template += rng.choice(STATEMENT_SUFFIXES)
            kind = "statement"
        return Sample(self.fill(template, brand, domain), "neutral", emotions, aspects, kind)

    def post(self, domain: Domain, brand: str, polarity: str) -> Sample:
        rng = self.rng
        if polarity == "neutral":
            return self.neutral(domain, brand)
        roll = rng.random()
        if polarity == "negative" and roll < 0.14:
            return self.sarcastic(domain, brand)
        if roll < 0.27:
            return self.mixed(domain, brand, polarity)
        if roll < 0.42:
            return self.whole(domain, brand, polarity)
        if roll < 0.47:
            return self.blurt(domain, brand, polarity)
        return self.composed(domain, brand, polarity)


class Noiser:
    """Surface noise that leaves meaning and labels intact: casing, typos, emojis, tags."""

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

    def apply(self, sample: Sample, brand: str, domain: Domain) -> str:
        rng = self.rng
        text = sample.text
        protected = {part.lower() for part in brand.split()} | {handle_of(brand).lower()}
        if rng.random() < 0.22:
            words = text.split(" ")
            for _ in range(rng.choice([1, 1, 2])):
                i = rng.randrange(len(words))
                if words[i].lower().strip(".,!?:@#") not in protected:
                    words[i] = self.typo(words[i])
            text = " ".join(words)
        style = rng.random()
        if style < 0.42:
            text = text.lower()
        elif style < 0.45 and sample.polarity != "neutral" and len(text) < 90:
            text = text.upper()
        elif text[:1].islower() and not text.startswith("@"):
            text = text[0].upper() + text[1:]
        if sample.polarity != "neutral":
            end = rng.random()
            if end < 0.15:
                text = text.rstrip(".") + rng.choice(["!!", "!!!", "!", "..."])
            elif end < 0.4:
                text = text.rstrip(".")
        mood = "sarcasm" if sample.kind == "sarcasm" else sample.polarity
        if rng.random() < (0.35 if sample.polarity != "neutral" else 0.08):
            marks = rng.choice(EMOJI[mood]) * rng.choice([1, 1, 1, 2, 3])
            text = f"{text} {marks}"
        elif rng.random() < 0.06:
            text = f"{text} {rng.choice(domain.emoji)}"
        if rng.random() < 0.12:
            tags = [rng.choice(domain.tags), rng.choice(HASHTAGS[sample.polarity])]
            text = f"{text} {' '.join(tags[: rng.choice([1, 2])])}"
        return text


def load_domains() -> dict[str, Domain]:
    return {name: load_domain(name, raw) for name, raw in DOMAINS.items()}


def build_corpus(seed: int = SEED, size: int = SIZE) -> list[dict[str, object]]:
    """The whole corpus as JSON-ready rows; the same seed and size always give the same rows."""
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
    seen_keys: set[str] = set()
    seen_texts: set[str] = set()
    rows: list[dict[str, object]] = []
    for index, polarity in enumerate(targets):
        domain = domains[names[index % len(names)]]
        for _ in range(200):
            brand = rng.choice(domain.brands)
            sample = composer.post(domain, brand, polarity)
            key = skeleton(sample.text, all_brands)
            if key in seen_keys:
                continue
            text = noiser.apply(sample, brand, domain)
            if text in seen_texts:
                continue
            break
        else:
            raise RuntimeError(f"bank exhausted for {domain.name}/{polarity}")
        seen_keys.add(key)
        seen_texts.add(text)
        rows.append(
            {
                "id": f"seed-{len(rows) + 1:05d}",
                "text": text,
                "brand": brand,
                "domain": domain.name,
                "polarity": polarity,
                "emotions": sample.emotions,
                "aspects": [{"aspect": a, "polarity": p} for a, p in sample.aspects.items()],
            }
        )
    return rows


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
