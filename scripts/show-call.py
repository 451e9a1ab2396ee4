#!/usr/bin/env python3
"""Print a call as frontdesk recorded it (the JSON of GET /api/v1/calls/SID
on stdin): who called, what the agent said, what our recogniser heard from
the caller, how long each reply took, the tools it used, the outcome and
the appointment it made.  Keyed digits in a row are one turn and speech
markup (<spell>...</spell>) is dropped, as on the dashboard.

  show-call.py [--callsim FILE]   FILE: callsim --json output of the same
                                  call: its latencies, as the caller
                                  measured them, where the record has none
"""
import json
import re
from datetime import datetime
import shutil
import sys
import textwrap

MARKUP = re.compile(r"</?[A-Za-z][\w-]*(\s[^<>]*)?/?>")
DTMF = re.compile(r"^\s*\[DTMF\s+([0-9A-D*#]+)\]\s*$", re.I)
STAMP = re.compile(r"^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d)(:\d\d)?")


def plain(s):
    return re.sub(r"[ \t]{2,}", " ", MARKUP.sub("", str(s or ""))).strip()


def num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def ms(v):
    if not num(v):
        return "-"
    return "%d ms" % round(v) if v < 1000 else "%.2f s" % (v / 1000.0)


def clock(s):
    """The stamp's wall-clock time as written (the business's local time)."""
    m = STAMP.match(str(s or ""))
    return "%s %s" % (m.group(1), m.group(2)) if m else "-"


def offset(t, start):
    """mm:ss from the call's start: start_ms, else the turn's stamp."""
    if num(t.get("start_ms")):
        s = int(t["start_ms"] // 1000)
        return "%d:%02d" % (s // 60, s % 60)
    a, b = STAMP.match(str(t.get("at") or "")), STAMP.match(str(start or ""))
    if not a or not b or not a.group(3) or not b.group(3):
        return ""
    def secs(m):
        h, mi = m.group(2).split(":")
        return int(h) * 3600 + int(mi) * 60 + int(m.group(3)[1:])
    d = secs(a) - secs(b)
    return "%d:%02d" % (d // 60, d % 60) if d >= 0 else ""


def turns_of(c):
    out = []
    for t in c.get("turns") or []:
        role = t.get("role")
        m = DTMF.match(str(t.get("text") or "")) if role == "caller" else None
        if m and out and out[-1].get("keys") is not None:
            out[-1]["keys"] += m.group(1)
            out[-1]["text"] = "keyed " + out[-1]["keys"]
            if num(t.get("end_ms")):
                out[-1]["end_ms"] = t["end_ms"]
            continue
        u = dict(t)
        u["role"] = role if role in ("agent", "caller") else "note"
        if m:
            u["keys"] = m.group(1)
            u["text"] = "keyed " + m.group(1)
        else:
            u["text"] = plain(t.get("text"))
            u["barged"] = t.get("barged_in") is True if "barged_in" in t else \
                (role == "agent" and t.get("heard") is False)
        out.append(u)
    return out


def main():
    sim = None
    if len(sys.argv) == 3 and sys.argv[1] == "--callsim":
        try:
            sim = json.load(open(sys.argv[2]))
        except (OSError, ValueError):
            sim = None
    c = json.load(sys.stdin)
    width = min(shutil.get_terminal_size((100, 20)).columns, 110)
    cu = c.get("customer") or {}
    name = " ".join(x for x in (cu.get("first_name"), cu.get("last_name")) if x)
    who = c.get("to") if c.get("direction") == "outbound" else c.get("from")
    dur = c.get("duration_s")
    if not num(dur):
        try:
            dur = (datetime.fromisoformat(c["ended_at"]) -
                   datetime.fromisoformat(c["started_at"])).total_seconds()
        except (KeyError, TypeError, ValueError):
            dur = None
    print("  %s  %s%s, %s, %s, outcome: %s" % (
        c.get("call_sid"), who or "unknown number", " (%s)" % name if name else "",
        clock(c.get("started_at")), "%d s" % dur if num(dur) else "in progress",
        c.get("outcome") or "-"))
    print()

    # reply times: the record's per-turn times (caller stopped -> agent
    # started), else its v2v list for the summary; without either, what the
    # simulated caller measured, per turn when its turns and the record's
    # caller turns pair up one to one
    turns = turns_of(c)
    v2v = c.get("v2v_ms") if isinstance(c.get("v2v_ms"), list) else None
    source = "the record"
    timed = any(num(t.get("start_ms")) for t in turns)
    per_turn = []
    if not v2v and not timed and sim:
        source = "measured by the simulated caller"
        v2v = (sim.get("metrics") or {}).get("v2v_ms")
        said = [t for t in sim.get("turns") or [] if t.get("kind") in ("say", "dtmf")]
        if len(said) == sum(1 for t in turns if t["role"] == "caller"):
            per_turn = [t.get("latency_ms") for t in said]
    replies, k, prev = [], 0, None
    for t in turns:
        t["reply"] = None
        if t["role"] == "caller":
            k += 1
        if t["role"] == "agent" and prev is not None and prev["role"] == "caller":
            if num(t.get("start_ms")) and num(prev.get("end_ms")):
                t["reply"] = t["start_ms"] - prev["end_ms"]
                replies.append(t["reply"])
            elif per_turn and k <= len(per_turn) and num(per_turn[k - 1]):
                t["reply"] = per_turn[k - 1]
        prev = t
    if not replies and v2v:
        replies = [v for v in v2v if num(v)]

    label = {"agent": "agent ", "caller": "caller", "note": "note  "}
    for t in turns:
        head = "  %5s  %s  " % (offset(t, c.get("started_at")), label[t["role"]])
        text = t["text"]
        if t["role"] == "caller" and t.get("keys") is None:
            text = '"%s"' % text
            if num(t.get("confidence")):
                text += "  (%d%% sure)" % round(t["confidence"] * 100)
        if t.get("barged"):
            heard = plain(t.get("heard_text")) if t.get("heard_text") is not None else None
            text += "  [cut off by the caller" + (': heard "%s"' % heard if heard else "") + "]"
        if num(t.get("reply")):
            text += "  (replied in %s)" % ms(t["reply"])
        print(textwrap.fill(text, width=width, initial_indent=head,
                            subsequent_indent=" " * len(head)))

    tools = [t for t in c.get("tool_calls") or [] if t.get("tool") not in ("call_begin", "call_end")]
    if tools:
        print()
        print(textwrap.fill(", ".join("%s %s%s" % (t.get("tool"), ms(t.get("latency_ms")),
                                                    "" if t.get("ok") is not False else " FAILED")
                                      for t in tools),
                            width=width, initial_indent="  tools    ", subsequent_indent=" " * 11))
    fw = c.get("first_word_ms")
    if not num(fw) and sim and source != "the record":
        fw = (sim.get("metrics") or {}).get("first_word_ms")
    if num(fw) or replies:
        s = sorted(replies)
        print("  latency  greeting %s after pickup; replies typically %s, slowest %s (%s)" % (
            ms(fw), ms(s[len(s) // 2]) if s else "-", ms(s[-1]) if s else "-", source))
    cost = c.get("cost")
    if isinstance(cost, dict) and num(cost.get("total_usd")):
        print("  cost     $%.4f" % cost["total_usd"])
    appts = ([c["appointment"]] if isinstance(c.get("appointment"), dict) else []) + \
        [a for a in c.get("appointments") or [] if not isinstance(c.get("appointment"), dict)
         or a.get("id") != c["appointment"].get("id")]
    for a in appts:
        print("  booked   %s on %s, confirmation %s (appointment #%s, %s)" % (
            a.get("service"), clock(a.get("start")), a.get("confirmation"), a.get("id"),
            a.get("status")))


if __name__ == "__main__":
    main()
