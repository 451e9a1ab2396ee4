#!/usr/bin/env python3
"""Print a call record (JSON from GET /api/v1/calls/{CallSid}) the way the
dashboard shows it: who, when, outcome, the heard transcript, tool calls."""
import json
import sys

c = json.load(sys.stdin)
print("  %s -> %s  %s .. %s  outcome: %s" % (c.get("from"), c.get("to"),
      c.get("started_at"), c.get("ended_at"), c.get("outcome")))
for t in c.get("turns", []):
    print("  %s %6s: %s" % (str(t.get("at", ""))[11:], t.get("role"), t.get("text")))
for t in c.get("tool_calls", []):
    print("  tool %-26s ok=%-5s %s ms" % (t.get("tool"), t.get("ok"), t.get("latency_ms")))
for a in c.get("appointments", []):
    print("  appointment #%s %s %s %s %s" % (a.get("id"), a.get("service"), a.get("start"),
          a.get("status"), a.get("confirmation")))
