#!/usr/bin/env python3
"""speak_peer.py - a local stand-in for Deepgram's TTS REST API
(POST /v1/speak, protocols.md section 7.1), for tts_vendor_test.

Serves HTTPS on 127.0.0.1 (port 0 = any; prints "PORT n" on stdout once
listening).  Checks the `Authorization: Token <key>` header and the query
(model, encoding=mulaw, sample_rate=8000, container=none), then streams raw
8 kHz mu-law in small chunks with a delay between them, chunked encoding,
Content-Type audio/mulaw;rate=8000 and the dg-* headers.  Errors use
Deepgram's REST error body {"err_code","err_msg","request_id"}.  The
directives in the text that steer each request, the log and the options
are tts_peer_base.py's.  Started by the tests; no network beyond loopback.
"""
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import tts_peer_base  # noqa: E402

ERRORS = {
    400: ("Bad Request", "Bad Request: failed to process the request"),
    401: ("INVALID_AUTH", "Invalid credentials."),
    402: ("ASR_PAYMENT_REQUIRED", "Project does not have enough credits."),
    403: ("INSUFFICIENT_PERMISSIONS", "Project does not have access."),
    429: ("TOO_MANY_REQUESTS", "Too many requests. Please try again later."),
    500: ("INTERNAL_SERVER_ERROR", "Internal server error."),
    503: ("SERVICE_UNAVAILABLE", "Service unavailable."),
}


class Handler(tts_peer_base.Handler):
    def error_body(self, status, msg):
        code, text = ERRORS.get(status, ("ERROR", "Error %d" % status))
        return {"err_code": code, "err_msg": msg or text,
                "request_id": str(uuid.uuid4())}

    def audio_headers(self, text, rec):
        return (("Content-Type", "audio/mulaw;rate=8000"),
                ("Transfer-Encoding", "chunked"),
                ("dg-request-id", str(uuid.uuid4())),
                ("dg-model-name", rec["query"]["model"]),
                ("dg-char-count", str(len(text))))

    def do_POST(self):
        opts = self.server.opts
        path, q, raw, rec = self.read_request()
        if path != "/v1/speak":
            return self.error(404, "Not found: " + path, rec)
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
        self.steer(text, rec)


if __name__ == "__main__":
    sys.exit(tts_peer_base.serve(Handler))
