#!/usr/bin/env python3
"""A local stand-in for NHTSA vPIC (protocols.md section 11) for crm-tools'
integration test: GET /api/vehicles/DecodeVinValues/{VIN}?format=json
answers {"Count", "Message", "SearchCriteria", "Results": [{...}]} with every
value a string.  Knows a few VINs; any other well-formed one decodes with
ErrorCode "8" (no detailed data).  Standard library only.

Test controls: POST /_ctl/delay {"seconds": s} makes the next lookups hang
(a timeout); POST /_ctl/fail {"status": 503, "count": n} answers the next
n lookups with that status, {"drop": true, "count": n} closes their
connections with no answer, {"delay": s} holds one s seconds first; GET /_ctl/state gives the number of lookups
served.

Usage: peer.py PORTFILE  (binds 127.0.0.1, a free port, written to PORTFILE)
"""
import json
import os
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KNOWN = {
    "1HGCM82633A004352": ("HONDA", "Accord", "2003", "EX-V6",
                          "Coupe"),
    "5YJ3E1EA5NF156789": ("TESLA", "Model 3", "2022", "", "Sedan/Saloon"),
}
LOCK = threading.Lock()
STATE = {"lookups": 0, "delay": 0.0, "fail": []}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b"{}"
        if self.path == "/_ctl/delay":
            with LOCK:
                STATE["delay"] = float(json.loads(raw).get("seconds", 0))
            return self.reply(200, {"ok": True})
        if self.path == "/_ctl/fail":
            f = json.loads(raw)
            with LOCK:
                STATE["fail"].extend([f] * int(f.get("count", 1)))
            return self.reply(200, {"ok": True})
        return self.reply(404, {"Message": "not found"})

    def do_GET(self):
        if self.path == "/_ctl/state":
            with LOCK:
                return self.reply(200, {"lookups": STATE["lookups"],
                                        "delay": STATE["delay"]})
        m = re.match(r"^/api/vehicles/DecodeVinValues/([^/?]+)\?format=json",
                     self.path)
        if not m:
            return self.reply(404, {"Message": "not found"})
        with LOCK:
            STATE["lookups"] += 1
            delay = STATE["delay"]
            fail = STATE["fail"].pop(0) if STATE["fail"] else None
        if fail and fail.get("delay"):
            delay = float(fail["delay"])
        if delay:
            time.sleep(delay)
        if fail and fail.get("drop"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        if fail and fail.get("status"):
            return self.reply(int(fail["status"]),
                              {"Message": "injected failure"})
        vin = m.group(1).upper()
        make, model, year, trim, body = KNOWN.get(vin, ("", "", "", "", ""))
        code, text = ("0", "0 - VIN decoded clean. Check Digit (9th position)"
                      " is correct") if vin in KNOWN else \
            ("8", "8 - No detailed data available currently")
        result = {k: "" for k in ("Series", "Doors", "DriveType",
                                  "EngineCylinders", "FuelTypePrimary",
                                  "PlantCountry", "AdditionalErrorText",
                                  "PossibleValues", "SuggestedVIN")}
        result.update({"Make": make, "Model": model, "ModelYear": year,
                       "Trim": trim, "BodyClass": body, "VIN": vin,
                       "Manufacturer": make and make + " MOTOR CO",
                       "ErrorCode": code, "ErrorText": text})
        return self.reply(200, {
            "Count": 136,
            "Message": "Results returned successfully. NOTE: Any missing "
                       "decoded values should be interpreted as NHTSA does "
                       "not have data on the specific variable.",
            "SearchCriteria": "VIN:" + vin, "Results": [result]})


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
