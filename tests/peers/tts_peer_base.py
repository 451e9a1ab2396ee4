"""tts_peer_base.py - what the local TTS vendor peers share
(deepgram/speak_peer.py, elevenlabs/tts_peer.py), for tts_vendor_test.

A peer subclasses Handler: it checks the vendor's path, credentials and
body in do_POST, then hands the text to steer(), and says how the vendor
shapes an error body (error_body) and the audio reply's headers
(audio_headers).  serve() parses the common options, serves HTTPS on
127.0.0.1 (port 0 = any) and prints "PORT n" on stdout once listening.

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
Standard library only; no network beyond loopback.
"""
import argparse
import json
import math
import re
import ssl
import threading
import time
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


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def error_body(self, status, msg):
        """The vendor's JSON error body for HTTP status (msg: a detail or
        None for the status's own text)."""
        raise NotImplementedError

    def audio_headers(self, text, rec):
        """The vendor's headers on a 200 audio reply, as (name, value)."""
        raise NotImplementedError

    def record(self, **kw):
        with LOCK, open(self.server.opts.log, "a") as f:
            f.write(json.dumps(kw) + "\n")

    def error(self, status, msg=None, rec=None):
        body = json.dumps(self.error_body(status, msg)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if status == 429:
            self.send_header("Retry-After", "0")
        self.end_headers()
        self.wfile.write(body)
        self.record(status=status, sent=0, outcome="error", **(rec or {}))

    def read_request(self):
        """The request's path and query, its body read, and the log record
        begun: (path, query, raw body, rec)."""
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        return url.path, q, raw, {"path": url.path, "query": q, "text": None}

    def steer(self, text, rec):
        """Answer a valid request as its directives say."""
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
        for name, value in self.audio_headers(text, rec):
            self.send_header(name, value)
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


def serve(handler):
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--api-key", default="test-key")
    ap.add_argument("--log", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--chunk", type=int, default=320)
    ap.add_argument("--delay-ms", type=int, default=20)
    opts = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", opts.port), handler)
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
