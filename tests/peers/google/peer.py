#!/usr/bin/env python3
"""A local stand-in for Google Calendar API v3 and its OAuth token endpoint,
for crm-tools' integration test (crm_calsync_test).  Speaks the documented
JSON (protocols.md section 10): POST /token (refresh_token grant),
POST /calendar/v3/freeBusy, and events insert / patch / delete / get under
/calendar/v3/calendars/{id}/events.  Standard library only.

Test controls (not part of Google's API):
  POST /_ctl/fail    {"status": 500|429|401, "count": n, "apply": bool,
                      "delay": seconds, "path": "substring"}  queue failures;
                     apply=true performs the call and then answers the
                     failure (a reply lost on the way back); delay makes the
                     request hang (a timeout) before answering; "drop": true
                     closes the connection with no answer at all (after
                     the delay, if any; performed first with apply)
  POST /_ctl/expire  every access token issued so far stops working
  POST /_ctl/busy    {"start": rfc3339, "end": rfc3339}  staff busy time
  GET  /_ctl/state   events, counters and tokens issued

Usage: peer.py PORTFILE [REFRESH_TOKEN]  (binds 127.0.0.1, a free port,
written to PORTFILE).
"""
import json
import re
import socket
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REFRESH = sys.argv[2] if len(sys.argv) > 2 else "rt-test"
LOCK = threading.Lock()
STATE = {"events": {}, "busy": [], "tokens": set(), "issued": 0,
         "counts": {}, "fail": []}


def count(name):
    STATE["counts"][name] = STATE["counts"].get(name, 0) + 1


def parse_time(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def iso(ts):
    return datetime.fromtimestamp(ts, timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def gerror(code, reason, message):
    return code, {"error": {"code": code, "message": message, "errors": [
        {"domain": "global", "reason": reason, "message": message}]}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def reply(self, code, obj=None):
        data = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(code)
        if obj is not None:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def take_failure(self):
        with LOCK:
            for f in STATE["fail"]:
                if f["count"] > 0 and f.get("path", "") in self.path and \
                        not self.path.startswith("/_ctl"):
                    f["count"] -= 1
                    return dict(f)
        return None

    def handle_any(self, method):
        raw = self.body()
        if self.path.startswith("/_ctl/"):
            return self.control(method, raw)
        fail = self.take_failure()
        if fail and fail.get("delay"):
            time.sleep(fail["delay"])
            if not fail.get("status") and not fail.get("drop"):
                fail = None
        if fail and fail.get("drop"):
            if fail.get("apply"):
                self.route(method, raw)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        if fail and not fail.get("apply"):
            code, obj = gerror(fail["status"], "backendError"
                               if fail["status"] >= 500 else
                               "rateLimitExceeded", "injected failure")
            return self.reply(code, obj)
        code, obj = self.route(method, raw)
        if fail:
            code, obj = gerror(fail["status"], "backendError",
                               "injected failure after applying")
        return self.reply(code, obj)

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def control(self, method, raw):
        with LOCK:
            if self.path == "/_ctl/fail":
                f = json.loads(raw)
                f.setdefault("count", 1)
                STATE["fail"].append(f)
            elif self.path == "/_ctl/expire":
                STATE["tokens"].clear()
            elif self.path == "/_ctl/busy":
                b = json.loads(raw)
                STATE["busy"].append((parse_time(b["start"]),
                                      parse_time(b["end"])))
            elif self.path == "/_ctl/state":
                return self.reply(200, {"events": STATE["events"],
                                        "counts": STATE["counts"],
                                        "issued": STATE["issued"]})
            else:
                return self.reply(404, {"error": "no such control"})
        return self.reply(200, {"ok": True})

    def authorized(self):
        h = self.headers.get("Authorization", "")
        return h.startswith("Bearer ") and h[7:] in STATE["tokens"]

    def route(self, method, raw):
        path = urllib.parse.urlsplit(self.path).path
        with LOCK:
            if path == "/token" and method == "POST":
                count("token")
                form = urllib.parse.parse_qs(raw.decode())
                if form.get("grant_type") != ["refresh_token"] or \
                        form.get("refresh_token") != [REFRESH] or \
                        not form.get("client_id") or \
                        not form.get("client_secret"):
                    return 400, {"error": "invalid_grant",
                                 "error_description": "Bad Request"}
                STATE["issued"] += 1
                tok = "at-%d" % STATE["issued"]
                STATE["tokens"].add(tok)
                return 200, {"access_token": tok, "expires_in": 3599,
                             "scope": "https://www.googleapis.com/auth/"
                             "calendar", "token_type": "Bearer"}
            if not self.authorized():
                count("unauthorized")
                return gerror(401, "authError", "Invalid Credentials")
            if path == "/calendar/v3/freeBusy" and method == "POST":
                count("freebusy")
                q = json.loads(raw)
                lo, hi = parse_time(q["timeMin"]), parse_time(q["timeMax"])
                spans = list(STATE["busy"])
                for ev in STATE["events"].values():
                    if ev["status"] != "cancelled" and \
                            ev.get("transparency") != "transparent":
                        spans.append((parse_time(ev["start"]["dateTime"]),
                                      parse_time(ev["end"]["dateTime"])))
                cals = {}
                for item in q.get("items", []):
                    busy = [{"start": iso(max(s, lo)), "end": iso(min(e, hi))}
                            for s, e in sorted(spans) if s < hi and lo < e]
                    cals[item["id"]] = {"busy": busy}
                return 200, {"kind": "calendar#freeBusy",
                             "timeMin": q["timeMin"], "timeMax": q["timeMax"],
                             "calendars": cals}
            m = re.match(r"^/calendar/v3/calendars/([^/]+)/events(?:/([^/]+))?$",
                         path)
            if not m:
                return gerror(404, "notFound", "Not Found")
            eid = m.group(2)
            if method == "POST" and eid is None:
                count("insert")
                ev = json.loads(raw)
                if "start" not in ev or "end" not in ev:
                    return gerror(400, "required", "Missing end time.")
                eid = ev.get("id") or "gen%d" % len(STATE["events"])
                if not re.match(r"^[a-v0-9]{5,1024}$", eid):
                    return gerror(400, "invalid", "Invalid resource id value.")
                if eid in STATE["events"]:
                    return gerror(409, "duplicate",
                                  "The requested identifier already exists.")
                ev["id"] = eid
                ev.setdefault("status", "confirmed")
                ev["etag"] = '"%d"' % (time.time_ns() // 1000)
                STATE["events"][eid] = ev
                return 200, ev
            ev = STATE["events"].get(eid)
            if ev is None:
                count("missing")
                return gerror(404, "notFound", "Not Found")
            if method == "GET":
                return 200, ev
            if method == "PATCH":
                count("patch")
                ev.update(json.loads(raw))
                ev["id"] = eid
                ev["etag"] = '"%d"' % (time.time_ns() // 1000)
                return 200, ev
            if method == "DELETE":
                count("delete")
                if ev["status"] == "cancelled":
                    return gerror(410, "deleted", "Resource has been deleted")
                ev["status"] = "cancelled"
                return 204, None
        return gerror(405, "notAllowed", "Method not allowed")


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
