#!/usr/bin/env python3
"""tts_peer.py - a local stand-in for ElevenLabs' streaming TTS REST API
(POST /v1/text-to-speech/{voice_id}/stream, protocols.md section 7.3), for
tts_vendor_test.

Serves HTTPS on 127.0.0.1 (port 0 = any; prints "PORT n" on stdout once
listening).  Checks the `xi-api-key` header, the query (output_format=
ulaw_8000) and the JSON body (text required; model_id, voice_settings
recorded), then streams raw 8 kHz mu-law in small chunks with a delay
between them (chunked encoding, Content-Type audio/basic).  Errors use
ElevenLabs' body {"detail": {"status", "message"}}; validation errors
(422) FastAPI's {"detail": [{"loc", "msg", "type"}]}.  The directives in
the text that steer each request, the log and the options are
tts_peer_base.py's.  Started by the tests; no network beyond loopback.
"""
import json
import os
import re
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import tts_peer_base  # noqa: E402

ERRORS = {
    400: ("bad_request", "Bad request."),
    401: ("invalid_api_key", "Invalid API key"),
    404: ("voice_not_found", "A voice with the voice_id was not found."),
    429: ("too_many_concurrent_requests",
          "Too many concurrent requests for your subscription."),
    500: ("internal_server_error", "An internal error occurred."),
    503: ("service_unavailable", "The service is temporarily unavailable."),
}
VOICE = re.compile(r"^/v1/text-to-speech/([A-Za-z0-9]+)/stream$")


class Handler(tts_peer_base.Handler):
    def error_body(self, status, msg):
        code, text = ERRORS.get(status, ("error", "Error %d" % status))
        if status == 422:
            detail = [{"loc": ["body", "text"], "msg": msg or "field required",
                       "type": "value_error.missing"}]
        else:
            detail = {"status": code, "message": msg or text}
        return {"detail": detail}

    def audio_headers(self, text, rec):
        return (("Content-Type", "audio/basic"),
                ("Transfer-Encoding", "chunked"),
                ("request-id", str(uuid.uuid4())))

    def do_POST(self):
        opts = self.server.opts
        path, q, raw, rec = self.read_request()
        m = VOICE.match(path)
        if not m:
            return self.error(404, "Not found: " + path, rec)
        rec["voice_id"] = m.group(1)
        try:
            req = json.loads(raw)
            text = req["text"]
            rec["text"] = text
            rec["model_id"] = req.get("model_id")
            rec["voice_settings"] = req.get("voice_settings")
        except (ValueError, KeyError, TypeError):
            text = None
        if self.headers.get("xi-api-key") != opts.api_key:
            return self.error(401, None, rec)
        if not isinstance(text, str):
            return self.error(422, "field required", rec)
        if q.get("output_format") != "ulaw_8000":
            return self.error(422, "output_format must be ulaw_8000 here", rec)
        self.steer(text, rec)


if __name__ == "__main__":
    sys.exit(tts_peer_base.serve(Handler))
