#!/usr/bin/env python3
"""speak_peer.py - a local stand-in for Deepgram's TTS REST API
(POST /v1/speak, protocols.md section 7.1), for tts_vendor_test.

Serves HTTPS on 127.0.0.1 (port 0 = any; prints "PORT n" on stdout once
listening).  Checks the `Authorization: Token <key>` header and the query
(model, encoding=mulaw, sample_rate=8000, container=none), then streams raw
8 kHz mu-law in small chunks with a delay between them, chunked encoding,
Content-Type audio/mulaw;rate=8000 and the dg-* headers.  Errors use
Deepgram's REST error body {"err_code","err_msg","request_id"}.

The test steers each request with directives inside the text:
  [status:N]      answer HTTP N with an error body (401, 429, 500, ...)
  [fail-once:N]   the first request with this text gets N, later ones audio
  [bytes:N]       length of the audio (default 4000 = 0.5 s)
  [delay:MS]      pause between chunks (default --delay-ms)
  [stall]         send two chunks, then nothing until the client gives up
  [cut]           send half the audio, then close without ending the body
  [wait:MS]       wait before answering at all
Every request is appended to --log as one JSON line: path, query, text,
status, bytes sent, outcome (complete, aborted, cut, stalled, error).
Standard library only.  Started by the tests; no network beyond loopback.
"""
import argparse
import json
import math
import re
import ssl
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()
SEEN = set()


def ulaw(sample):
    """G.711 mu-law of one 16-bit sample."""
    sign = 0x80 if sample < 0 else 0
    sample = min(abs(sample), 32635) + 0x84
    exp = 7
    mask = 0x4000
    while not sample & mask and exp > 0:
        exp -= 1
        mask >>= 1
    mant = (sample >> (exp + 3)) & 0x0F
    return ~(sign | (exp << 4) | mant) & 0xFF


def tone(n):
    """n bytes of a 400 Hz tone, never silent."""
    return bytes(ulaw(int(8000 * math.sin(2 * math.pi * 400 * i / 8000)) or 100)
                 for i in range(n))


def directive(text, name, default=None):
    m = re.search(r"\[%s(?::(\d+))?\]" % name, text)
    if not m:
        return default
    return int(m.group(1)) if m.group(1) else True


ERRORS = {
    400: ("Bad Request", "Bad Request: failed to process the request"),
    401: ("INVALID_AUTH", "Invalid credentials."),
    402: ("ASR_PAYMENT_REQUIRED", "Project does not have enough credits."),
    403: ("INSUFFICIENT_PERMISSIONS", "Project does not have access."),
    429: ("TOO_MANY_REQUESTS", "Too many requests. Please try again later."),
    500: ("INTERNAL_SERVER_ERROR", "Internal server error."),
    503: ("SERVICE_UNAVAILABLE", "Service unavailable."),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def record(self, **kw):
        with LOCK, open(self.server.opts.log, "a") as f:
            f.write(json.dumps(kw) + "\n")

    def error(self, status, msg=None, rec=None):
        code, text = ERRORS.get(status, ("ERROR", "Error %d" % status))
        body = json.dumps({"err_code": code, "err_msg": msg or text,
                           "request_id": str(uuid.uuid4())}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if status == 429:
            self.send_header("Retry-After", "0")
        self.end_headers()
        self.wfile.write(body)
        self.record(status=status, sent=0, outcome="error", **(rec or {}))

    def do_POST(self):
        opts = self.server.opts
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        rec = {"path": url.path, "query": q, "text": None}
        if url.path != "/v1/speak":
            return self.error(404, "Not found: " + url.path, rec)
        try:
            text = json.loads(raw)["text"]
            rec["text"] = text
        except (ValueError, KeyError, TypeError):
            text = None
        if self.headers.get("Authorization") != "Token " + opts.api_key:
            return self.error(401, None, rec)
        if not isinstance(text, str):
            return self.error(400, "Bad Request: body must be JSON with text", rec)
        for k, want in (("encoding", "mulaw"), ("sample_rate", "8000"),
                        ("container", "none")):
            if q.get(k) != want:
                return self.error(400, "Bad Request: %s must be %s" % (k, want), rec)
        if not q.get("model"):
            return self.error(400, "Bad Request: model missing", rec)
        wait = directive(text, "wait")
        if wait:
            time.sleep(wait / 1000)
        status = directive(text, "status")
        once = directive(text, "fail-once")
        if once:
            with LOCK:
                first = text not in SEEN
                SEEN.add(text)
            if first:
                status = once
        if status:
            return self.error(status, None, rec)
        self.stream(text, rec)

    def stream(self, text, rec):
        opts = self.server.opts
        audio = tone(directive(text, "bytes", 4000))
        delay = directive(text, "delay", opts.delay_ms) / 1000
        stall = directive(text, "stall")
        cut = directive(text, "cut")
        if cut:
            audio = audio[:len(audio) // 2]
        self.send_response(200)
        self.send_header("Content-Type", "audio/mulaw;rate=8000")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("dg-request-id", str(uuid.uuid4()))
        self.send_header("dg-model-name", rec["query"]["model"])
        self.send_header("dg-char-count", str(len(text)))
        self.end_headers()
        sent = 0
        outcome = "complete"
        try:
            for off in range(0, len(audio), opts.chunk):
                piece = audio[off:off + opts.chunk]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
                sent += len(piece)
                if stall and off >= opts.chunk:
                    outcome = "stalled"
                    time.sleep(30)
                    break
                time.sleep(delay)
            if cut:
                outcome = "cut"
                self.close_connection = True
            elif not stall:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        except OSError:
            outcome = "aborted"
            self.close_connection = True
        rec.update(status=200, sent=sent, outcome=outcome)
        self.record(**rec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--api-key", default="test-key")
    ap.add_argument("--log", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--chunk", type=int, default=320)
    ap.add_argument("--delay-ms", type=int, default=20)
    opts = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", opts.port), Handler)
    srv.daemon_threads = True
    srv.opts = opts
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(opts.cert, opts.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
