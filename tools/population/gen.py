#!/usr/bin/env python3
"""gen.py - write a population of generated callers for callsim.

Each call is a persona (tools/callsim/persona.h): what the caller wants,
how they say each part of it and how they behave, spoken by one of the
four flite voices at a speaking rate, over a line with or without noise,
lost frames or a level change.  What the call must leave behind (the
appointment, the message, the outcome) is written into the scenario's
expect block, so callsim judges each call by the database and the record.

    gen.py --seed N --count N --out DIR

The same seed writes the same calls.  Seed 1 is the population make bench
runs; keep tuning to other seeds so the bench stays a set nobody tuned on.
"""
import argparse
import datetime
import json
import os
import random

VOICES = ["kal", "slt", "awb", "rms"]
SERVICES = {
    "oil change": ["an oil change", "my oil changed", "an oil and filter"],
    "tire rotation": ["a tire rotation", "my tires rotated"],
    "brake inspection": ["a brake inspection", "my brakes looked at",
                         "someone to check my brakes"],
    "state inspection": ["a state inspection", "my inspection done"],
    "diagnostic": ["a diagnostic", "the check engine light looked at"],
    "battery replacement": ["a new battery", "a battery replacement"],
}
# first and last names not in the CRM's seed data
FIRST = ["Karen", "Dana", "Marcus", "Priya", "Tom", "Elena", "Greg", "Nina",
         "Omar", "Rachel", "Victor", "Wendy", "Carlos", "Heather", "Ian",
         "Julia", "Kevin", "Laura", "Derek", "Megan", "Sean", "Tina",
         "Brian", "Alice", "Frank", "Grace", "Henry", "Irene", "Jack",
         "Molly"]
LAST = ["Holloway", "Whitfield", "Bennett", "Patel", "Nguyen", "Russo",
        "Fischer", "Coleman", "Hayes", "Murphy", "Sullivan", "Reyes",
        "Foster", "Perry", "Graham", "Ortiz", "Powell", "Jenkins", "Barnes",
        "Hughes", "Wallace", "Griffin", "Dixon", "Carter", "Howard",
        "Ward", "Brooks", "Kelly", "Sanders", "Price"]
KNOWN = [("+15551230001", "John", "Smith"), ("+15551230002", "Maria", "Garcia"),
         ("+15551230004", "Patricia", "Williams"),
         ("+15551230006", "Linda", "Jones"), ("+15551230007", "Michael", "Miller"),
         ("+15551230009", "David", "Martinez"),
         ("+15551230010", "Susan", "Anderson")]
CARS = ["twenty eighteen Toyota Camry", "twenty twenty Honda Accord",
        "twenty fifteen Ford Focus", "twenty twenty one Subaru Outback",
        "twenty seventeen Chevy Malibu"]
MESSAGES = [("the brakes squeak when I stop", "squeak"),
            ("the car pulls to the left on the highway", "pulls"),
            ("I got a quote last week and want to go ahead with it", "quote"),
            ("my windshield wipers stopped working", "wipers"),
            ("there is a rattle under the hood", "rattle"),
            ("I think I left my sunglasses in the loaner car", "sunglasses")]
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven",
          "eight", "nine"]
HOLIDAYS = {datetime.date(2026, 12, 25), datetime.date(2027, 1, 1)}
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
            "Saturday", "Sunday"]
CLASSES = ["book_new", "book_known", "message", "callback", "info"]
STYLES = ["all_at_once", "one_at_a_time", "corrects", "early_bye",
          "hangs_up", "talks_over"]
LINES = [{}, {"snr_db": 20}, {"snr_db": 10}, {"loss_every": 50},
         {"gain_db": 6}, {"gain_db": -6}]


def spoken_time(h, m, r):
    """10:30 -> 'ten thirty a m' / 'half past ten in the morning'."""
    hw = ["twelve", "one", "two", "three", "four", "five", "six", "seven",
          "eight", "nine", "ten", "eleven"][h % 12]
    ampm = "a m" if h < 12 else "p m"
    part = "in the morning" if h < 12 else "in the afternoon"
    if m == 0:
        return r.choice([f"{hw} {ampm}", f"{hw} o'clock {part}",
                         f"{hw} {ampm}"])
    return r.choice([f"{hw} thirty {ampm}", f"half past {hw} {part}"])


def spoken_phone(num):
    d = [DIGITS[int(c)] for c in num[-10:]]
    return ", ".join([" ".join(d[0:3]), " ".join(d[3:6]), " ".join(d[6:])])


class Slots:
    """Distinct (date, time) pairs, so no two generated bookings want the
    same slot of the shared calendar: weekdays from 2026-12-14 (clear of
    the seed's appointments), 08:00 to 16:30."""

    def __init__(self, r):
        days, d = [], datetime.date(2026, 12, 14)
        while len(days) < 30:
            if d.weekday() < 5 and d not in HOLIDAYS:
                days.append(d)
            d += datetime.timedelta(days=1)
        self.free = [(day, h, m) for day in days for h in range(8, 17)
                     for m in (0, 30)]
        r.shuffle(self.free)

    def take(self):
        return self.free.pop()


def now_before(day, r):
    """A moment 1..6 days before day, inside business hours, so the
    weekday name means day."""
    back = r.randint(1, 6)
    n = day - datetime.timedelta(days=back)
    while n.weekday() >= 5 or n in HOLIDAYS:
        n -= datetime.timedelta(days=1)
    return datetime.datetime(n.year, n.month, n.day, r.choice([9, 10, 11, 14]),
                             r.choice([0, 15, 40]))


def booking(r, slots, style, known):
    svc = r.choice(list(SERVICES))
    said_svc = r.choice(SERVICES[svc])
    day, h, m = slots.take()
    now = now_before(day, r)
    dname = WEEKDAYS[day.weekday()]
    if (day - now.date()).days >= 7 or r.random() < 0.3:
        dsay = r.choice([f"{dname} the {ordinal(day.day)}",
                         f"{month(day)} {ordinal(day.day)}"])
    else:
        dsay = dname
    tsay = spoken_time(h, m, r)
    want = r.choice(["I'd like to book", "Can I get", "I need",
                     "I want to schedule", "Could I come in for"])
    if known:
        phone, first, last = r.choice(KNOWN)
    else:
        phone = "+1555%07d" % r.randint(2000000, 9999999)
        first, last = r.choice(FIRST), r.choice(LAST)
    lines = {
        "service": f"{said_svc[0].upper()}{said_svc[1:]}.",
        "day": f"{dsay[0].upper()}{dsay[1:]}.",
        "time": f"{tsay[0].upper()}{tsay[1:]}, please.",
        "when": f"{dsay[0].upper()}{dsay[1:]} at {tsay}.",
        "name": f"{first} {last}.",
        "spell": "It's " + ", ".join(last.upper()) + ".",
        "phone": spoken_phone(phone) + ".",
        "vehicle": "A " + r.choice(CARS) + ".",
        "yes": r.choice(["Yes, please.", "Yes.", "Yeah, that's right.",
                         "Yes, that works."]),
        "no": "No.",
        "again": f"{want} {said_svc}.",
        "done": r.choice(["No, that's all. Thanks, bye.", "No thanks.",
                          "That's everything, thank you."]),
    }
    if style == "all_at_once":
        lines["open"] = (f"Hi, this is {first} {last}. {want} {said_svc} "
                         f"on {dsay} at {tsay}.")
    else:
        lines["open"] = r.choice([f"Hi. {want} {said_svc}.",
                                  f"Hello, {want.lower()} {said_svc}, please.",
                                  "Hi, I'd like to make an appointment."])
    persona = {"lines": lines}
    expect = {"outcome": "booked",
              "appointments": [{"service": svc, "date": day.isoformat(),
                                "time": "%02d:%02d" % (h, m)}],
              "transferred": False}
    if style == "corrects":
        day2, h2, m2 = slots.take()
        while day2 != day and slots.free:
            # the correction keeps the day: another free time on it
            slots.free.insert(0, (day2, h2, m2))
            day2, h2, m2 = slots.take()
        if day2 == day:
            t2 = spoken_time(h2, m2, r)
            persona["correct_once"] = True
            lines["correct"] = f"No, sorry, make that {t2}."
            expect["appointments"][0]["time"] = "%02d:%02d" % (h2, m2)
    elif style == "early_bye":
        lines["yes"] = r.choice(["Yes please, bye.", "Yes, thanks, bye."])
        lines["done"] = "Bye."
    elif style == "hangs_up":
        persona["hangup_after"] = r.randint(1, 2)
        # gone before any read-back: nothing may be booked
        expect = {"appointments": [], "transferred": False}
    elif style == "talks_over":
        persona["barge_turn"] = 1
    return now, phone, persona, expect


def message(r, style):
    phone = "+1555%07d" % r.randint(2000000, 9999999)
    first, last = r.choice(FIRST), r.choice(LAST)
    text, key = r.choice(MESSAGES)
    who = r.choice(["the service manager", "Mike", "the front desk",
                    "whoever handles repairs"])
    lines = {
        "name": f"{first} {last}.",
        "spell": "It's " + ", ".join(last.upper()) + ".",
        "phone": spoken_phone(phone) + ".",
        "message": f"Please tell them {text}.",
        "yes": "Yes, please.",
        "no": "No, that's it.",
        "again": f"I'd like to leave a message for {who}.",
        "done": "No, that's all. Bye.",
    }
    if style in ("all_at_once", "hangs_up"):
        lines["open"] = (f"Hi, this is {first} {last}. Could you tell {who} "
                         f"that {text}?")
    else:
        lines["open"] = f"Hi, can I leave a message for {who}?"
    persona = {"lines": lines}
    expect = {"record_contains": [key], "transferred": False}
    if style == "hangs_up":
        persona["hangup_after"] = 1
    elif style == "early_bye":
        lines["message"] = f"Just tell them {text}. Thanks, bye."
    elif style == "talks_over":
        persona["barge_turn"] = 1
    else:
        expect["outcome"] = "message_taken"
    day = datetime.date(2026, 12, 14) + datetime.timedelta(days=r.randint(0, 4))
    now = datetime.datetime(day.year, day.month, day.day, r.choice([10, 13, 15]),
                            r.choice([5, 25, 50]))
    return now, phone, persona, expect


def callback(r, style):
    now, phone, persona, expect = message(r, style)
    when = r.choice(["tomorrow morning", "tomorrow after ten",
                     "any time tomorrow"])
    lines = persona["lines"]
    lines["open"] = r.choice(["Hi, could someone call me back about a quote?",
                              "Can somebody call me back about my car?"])
    lines["when"] = f"{when[0].upper()}{when[1:]}."
    lines["time"] = lines["when"]
    lines["day"] = "Tomorrow."
    lines["again"] = "I'd like a call back, please."
    # after hours: the agent offers a call back
    now = now.replace(hour=19, minute=r.choice([5, 30, 45]))
    expect = {"outcome": "callback_requested", "transferred": False}
    if style == "hangs_up":
        persona["hangup_after"] = 1
        expect = {"transferred": False}
    return now, phone, persona, expect


def info(r, style):
    phone = "+1555%07d" % r.randint(2000000, 9999999)
    q = r.choice(["What time do you open on Saturday?",
                  "How much is an oil change?",
                  "Are you open on Sunday?",
                  "How much does a state inspection cost?",
                  "What are your hours tomorrow?"])
    lines = {"open": f"Hi. {q}", "again": q, "yes": "Yes.", "no": "No.",
             "done": r.choice(["No, that's all, thanks.", "No. Bye."])}
    day = datetime.date(2026, 12, 14) + datetime.timedelta(days=r.randint(0, 4))
    now = datetime.datetime(day.year, day.month, day.day, 11, 0)
    persona = {"lines": lines}
    if style == "talks_over":
        persona["barge_turn"] = 1
    return now, phone, persona, {"outcome": "info_only", "transferred": False}


def ordinal(n):
    words = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth",
             6: "sixth", 7: "seventh", 8: "eighth", 9: "ninth", 10: "tenth",
             11: "eleventh", 12: "twelfth", 13: "thirteenth",
             14: "fourteenth", 15: "fifteenth", 16: "sixteenth",
             17: "seventeenth", 18: "eighteenth", 19: "nineteenth",
             20: "twentieth", 30: "thirtieth"}
    if n in words:
        return words[n]
    return ("twenty " if n < 30 else "thirty ") + words[n % 10]


def month(d):
    return d.strftime("%B")


def generate(seed, count):
    r = random.Random(seed)
    slots = Slots(r)
    calls = []
    for i in range(count):
        klass = CLASSES[i % len(CLASSES)]
        style = r.choice(STYLES if klass.startswith("book") or
                         klass == "message" else
                         ["all_at_once", "one_at_a_time", "talks_over"])
        if klass == "book_new":
            now, phone, persona, expect = booking(r, slots, style, False)
        elif klass == "book_known":
            now, phone, persona, expect = booking(r, slots, style, True)
        elif klass == "message":
            now, phone, persona, expect = message(r, style)
        elif klass == "callback":
            now, phone, persona, expect = callback(r, style)
        else:
            now, phone, persona, expect = info(r, style)
        persona["class"] = klass
        persona["style"] = style
        line = dict(r.choice(LINES))
        line["speed"] = r.choice([0.9, 1.0, 1.0, 1.1])
        calls.append({
            "name": "pop-%d-%03d %s %s" % (seed, i, klass, style),
            "caller": {"from": phone, "voice": r.choice(VOICES)},
            "now": now.strftime("%Y-%m-%dT%H:%M:00"),
            "line": line,
            "persona": persona,
            "expect": expect,
        })
    return calls


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for f in os.listdir(a.out):
        if f.startswith("pop-") and f.endswith(".json"):
            os.unlink(os.path.join(a.out, f))
    for c in generate(a.seed, a.count):
        fn = c["name"].split(" ")[0] + ".json"
        with open(os.path.join(a.out, fn), "w") as f:
            json.dump(c, f, indent=1)
    print("population: %d calls (seed %d) in %s" % (a.count, a.seed, a.out))


if __name__ == "__main__":
    main()
