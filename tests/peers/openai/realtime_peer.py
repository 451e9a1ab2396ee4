#!/usr/bin/env python3
"""realtime_peer.py - a local stand-in for OpenAI's Realtime API (wss
/v1/realtime, beta protocol, protocols.md section 9), for the agent's
Realtime engine tests, the e2e call and make bench.

Serves WebSocket over TLS on 127.0.0.1 (port 0 = any; prints "PORT n" on
stdout once listening).  Standard library plus Debian's python3-websockets.

Handshake: `Authorization: Bearer <key>` (else HTTP 401 with OpenAI's
error body) and `OpenAI-Beta: realtime=v1` (else HTTP 400).  Then the
documented flow: session.created; session.update checked (g711_ulaw both
ways, server_vad, flat tools with a name and parameters; else an error
event) and answered session.updated; input_audio_buffer.append decoded and
judged by energy, 20 ms at a time, as the server's VAD would:
input_audio_buffer.speech_started after speech, speech_stopped after
silence_duration_ms of silence, then input_audio_buffer.committed,
conversation.item.created, conversation.item.input_audio_transcription.
completed and, with create_response, a response.  response.create starts
one too.  conversation.item.create (function_call_output, message) is
answered conversation.item.created; response.cancel stops a response
(response.done status cancelled) or is an error
(response_cancel_not_active); conversation.item.truncate past the item's
audio is an error (invalid_value), else conversation.item.truncated.

The conversation is scripted (--script, a JSON file):
  {"transcripts": ["what the caller said, turn 1", ...],
   "responses": [{"say": "text", "calls": [{"name": .., "arguments": ".."}],
                  "after_output": true}, ...]}
or, for calls in parallel, one such script per caller:
  {"calls": [{"caller": "+15551230001", "transcripts": .., "responses": ..},
             ...]}
where a connection takes the script whose "caller" appears in its first
session.update's instructions (the call state names the caller's number).
Each connection runs its script from the start; each response takes its
next entry.  "say" becomes audio deltas of canned
mu-law (a voiced sound about 70 ms per character, 100 ms a delta) sent as
fast as the socket takes them, with transcript deltas word by word in step
with the audio, then the whole transcript; "calls" become
function_call_arguments.done events (arguments sent as given, broken JSON
included).  An entry may instead misbehave: {"error": "message"} sends an
error event, {"drop": true} aborts the TCP connection, {"silent": true}
never answers; "stall_ms": N on a "say" entry stops its audio for N ms
after the first delta.  --reply-delay-ms is the
scripted model latency before a response's first delta.

Each connection appends JSON lines to --log: {"ev": ...} for the session,
every client event of interest (tool outputs, truncates, cancels), and
per response {"ev":"response","trigger_mono":..,"first_delta_mono":..}
(time.monotonic(), CLOCK_MONOTONIC) so make bench can take the peer's own
time out of a turn.
"""
import argparse
import asyncio
import base64
import json
import logging
import math
import ssl
import sys
import time
import uuid
from http import HTTPStatus
from urllib.parse import urlsplit

import websockets

FRAME = 160
RATE = 8000


def ulaw_encode(sample):
    """16-bit linear to G.711 mu-law."""
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    sample = min(abs(sample), clip) + bias
    exp, mask = 7, 0x4000
    while exp > 0 and not sample & mask:
        exp -= 1
        mask >>= 1
    mant = (sample >> (exp + 3)) & 0x0F
    return ~(sign | (exp << 4) | mant) & 0xFF


def ulaw_decode(b):
    b = ~b & 0xFF
    sign, exp, mant = b & 0x80, (b >> 4) & 7, b & 0x0F
    s = (((mant << 3) + 0x84) << exp) - 0x84
    return -s if sign else s


DECODE = [ulaw_decode(i) for i in range(256)]


def _voiced_loop():
    """One second of a vowel-like sound: 140 Hz harmonics, syllables at
    4 Hz (both divide a second, so it loops without a seam)."""
    out = bytearray()
    for i in range(RATE):
        t = i / RATE
        env = 0.55 + 0.45 * math.sin(2 * math.pi * 4 * t)
        s = sum(math.sin(2 * math.pi * 140 * h * t) / h for h in (1, 2, 3, 5))
        out.append(ulaw_encode(int(6000 * env * s)))
    return bytes(out)


VOICED = _voiced_loop()


def voiced(nbytes):
    """nbytes of the canned voice, made once so a reply costs no time."""
    return (VOICED * (nbytes // RATE + 1))[:nbytes]


class Conn:
    def __init__(self, peer, ws, n):
        self.peer, self.ws, self.n = peer, ws, n
        self.session = {}
        self.in_speech = False
        self.speech_ms = 0
        self.silence_ms = 0
        self.audio_ms = 0
        self.speech_start_ms = 0
        self.resp_task = None
        self.responding = False      # from response.created to .done
        self.resp_id = None
        self.items = {}              # assistant item id -> audio ms sent
        self.open_calls = set()      # call_ids awaiting their output
        self.trigger = None          # monotonic time of the turn's end
        self.script = peer.script    # this connection's conversation
        self.nresp = 0
        self.ntr = 0

    def next_response(self):
        r = self.script.get("responses", [])
        e = r[self.nresp] if self.nresp < len(r) else {"say": "Is there anything else?"}
        self.nresp += 1
        return e

    def next_transcript(self):
        t = self.script.get("transcripts", [])
        s = t[self.ntr] if self.ntr < len(t) else "okay"
        self.ntr += 1
        return s

    def log(self, **kw):
        kw["conn"] = self.n
        self.peer.record(kw)

    async def send(self, obj):
        obj.setdefault("event_id", "event_" + uuid.uuid4().hex[:12])
        await self.ws.send(json.dumps(obj))

    async def error(self, code, msg, etype="invalid_request_error"):
        await self.send({"type": "error", "error": {
            "type": etype, "code": code, "message": msg, "param": None,
            "event_id": None}})

    # ---- client events ----

    async def session_update(self, ev):
        s = ev.get("session")
        if not isinstance(s, dict):
            return await self.error("invalid_value", "session missing")
        bad = []
        if s.get("input_audio_format") != "g711_ulaw":
            bad.append("input_audio_format")
        if s.get("output_audio_format") not in (None, "g711_ulaw"):
            bad.append("output_audio_format")
        td = s.get("turn_detection")
        if "turn_detection" in s and (not isinstance(td, dict) or
                                      td.get("type") != "server_vad"):
            bad.append("turn_detection")
        for t in s.get("tools", []):
            if (t.get("type") != "function" or "function" in t or
                    not t.get("name") or not isinstance(t.get("parameters"), dict)):
                bad.append("tools")
                break
        full = "input_audio_format" in s
        if full and "calls" in self.peer.script:
            self.script = self.peer.script_for(s.get("instructions", ""))
            self.log(ev="script", caller=self.script.get("caller"))
        if full and bad:
            self.log(ev="session.update", ok=False, bad=bad)
            return await self.error("invalid_value", "bad session: " + ",".join(bad))
        self.session.update(s)
        self.log(ev="session.update", ok=True, full=full,
                 tools=[t.get("name") for t in s.get("tools", [])],
                 instructions=len(s.get("instructions", "")))
        await self.send({"type": "session.updated", "session": self.session})

    async def append(self, ev):
        try:
            data = base64.b64decode(ev.get("audio", ""), validate=True)
        except ValueError:
            return await self.error("invalid_value", "audio is not base64")
        self.peer.audio_bytes += len(data)
        td = self.session.get("turn_detection") or {}
        silence_need = td.get("silence_duration_ms", 500)
        for i in range(0, len(data) - FRAME + 1, FRAME):
            frame = data[i:i + FRAME]
            energy = sum(abs(DECODE[b]) for b in frame) / FRAME
            self.audio_ms += 20
            # the threshold (0..1, default 0.5) scales the level that
            # counts as speech: 0.5 -> a mean level of 1500
            if energy > 3000 * td.get("threshold", 0.5):
                self.speech_ms += 20
                self.silence_ms = 0
                if not self.in_speech and self.speech_ms >= 100:
                    self.in_speech = True
                    self.speech_start_ms = self.audio_ms - self.speech_ms
                    self.log(ev="speech_started", at_ms=self.speech_start_ms,
                             level=int(energy))
                    await self.send({"type": "input_audio_buffer.speech_started",
                                     "audio_start_ms": self.speech_start_ms,
                                     "item_id": "item_u%d" % self.audio_ms})
                    if self.responding and td.get("interrupt_response", True):
                        self.resp_task.cancel()
            else:
                if not self.in_speech:
                    self.speech_ms = 0
                self.silence_ms += 20
                if self.in_speech and self.silence_ms >= silence_need:
                    self.in_speech = False
                    self.speech_ms = 0
                    self.trigger = time.monotonic()
                    await self.turn_end(td)

    async def turn_end(self, td):
        item = "item_u%d" % self.audio_ms
        await self.send({"type": "input_audio_buffer.speech_stopped",
                         "audio_end_ms": self.audio_ms, "item_id": item})
        await self.send({"type": "input_audio_buffer.committed",
                         "previous_item_id": None, "item_id": item})
        await self.send({"type": "conversation.item.created",
                         "previous_item_id": None, "item": {
                             "id": item, "object": "realtime.item",
                             "type": "message", "status": "completed",
                             "role": "user", "content": [
                                 {"type": "input_audio", "transcript": None}]}})
        tr = self.next_transcript()
        if td.get("create_response", True):
            await self.start_response()
        await asyncio.sleep(self.peer.opts.transcript_delay_ms / 1000)
        await self.send({"type": "conversation.item.input_audio_transcription.completed",
                         "item_id": item, "content_index": 0, "transcript": tr})
        self.log(ev="caller_turn", transcript=tr)

    async def item_create(self, ev):
        item = ev.get("item") or {}
        if item.get("type") == "function_call_output":
            cid = item.get("call_id")
            if cid not in self.open_calls:
                self.log(ev="tool_output", call_id=cid, unknown=True)
                return await self.error("invalid_value",
                                        "no function call with call_id %s" % cid)
            self.open_calls.discard(cid)
            out = item.get("output")
            self.log(ev="tool_output", call_id=cid, output=out)
        elif item.get("type") == "message":
            self.log(ev="message", content=item.get("content"))
        else:
            return await self.error("invalid_value", "unknown item type")
        item.setdefault("id", "item_c" + uuid.uuid4().hex[:8])
        await self.send({"type": "conversation.item.created",
                         "previous_item_id": None, "item": item})

    async def cancel(self, ev):
        if not self.responding:
            self.log(ev="cancel", active=False)
            return await self.error("response_cancel_not_active",
                                    "Cancellation failed: no active response found")
        self.log(ev="cancel", active=True)
        self.resp_task.cancel()

    async def truncate(self, ev):
        item, end = ev.get("item_id"), ev.get("audio_end_ms")
        have = self.items.get(item)
        self.log(ev="truncate", item_id=item, audio_end_ms=end, audio_ms=have)
        if have is None or not isinstance(end, int) or end < 0 or end > have:
            return await self.error("invalid_value",
                                    "audio_end_ms is past the item's audio" if have
                                    is not None else "no such item")
        await self.send({"type": "conversation.item.truncated", "item_id": item,
                         "content_index": 0, "audio_end_ms": end})

    async def response_create(self, ev):
        if self.open_calls:
            self.log(ev="response.create", unanswered=sorted(self.open_calls))
        self.trigger = time.monotonic()
        await self.start_response()

    async def start_response(self):
        # a response is active until its response.done is sent, as on
        # the server (not until this task has finished writing it)
        if self.responding:
            return await self.error("conversation_already_has_active_response",
                                    "a response is in progress")
        entry = self.next_response()
        self.responding = True
        self.resp_task = asyncio.ensure_future(self.respond(entry, self.trigger))

    # ---- a response ----

    async def respond(self, entry, trigger):
        rid = "resp_" + uuid.uuid4().hex[:10]
        self.resp_id = rid
        usage = {"total_tokens": 0, "input_tokens": 120, "output_tokens": 0,
                 "input_token_details": {"cached_tokens": 0, "text_tokens": 100,
                                         "audio_tokens": 20},
                 "output_token_details": {"text_tokens": 0, "audio_tokens": 0}}
        resp = {"object": "realtime.response", "id": rid, "status": "in_progress",
                "status_details": None, "output": [], "usage": None}
        rec = {"ev": "response", "n": self.nresp, "trigger_mono": trigger,
               "first_delta_mono": None, "entry": entry}
        status = "completed"
        try:
            if entry.get("drop"):
                self.log(ev="drop")
                self.ws.transport.abort()
                return
            if entry.get("silent"):
                self.log(ev="silent")
                return
            if entry.get("error"):
                self.responding = False
                self.log(ev="error_sent")
                await self.error("server_error", entry["error"], "server_error")
                return
            await self.send({"type": "response.created", "response": dict(resp)})
            await asyncio.sleep(self.peer.opts.reply_delay_ms / 1000)
            oi = 0
            if entry.get("say"):
                item = "item_a" + uuid.uuid4().hex[:10]
                self.items[item] = 0
                await self.send({"type": "response.output_item.added",
                                 "response_id": rid, "output_index": oi,
                                 "item": {"id": item, "object": "realtime.item",
                                          "type": "message", "role": "assistant",
                                          "status": "in_progress", "content": []}})
                audio = voiced(int(len(entry["say"]) * 0.07 * RATE) // FRAME * FRAME)
                step = RATE // 10
                words = entry["say"].split(" ")
                told = 0
                for i in range(0, len(audio), step):
                    chunk = audio[i:i + step]
                    if rec["first_delta_mono"] is None:
                        rec["first_delta_mono"] = time.monotonic()
                    # the transcript streams with the audio, word by word
                    due = len(words) * min(i + step, len(audio)) // len(audio)
                    if due > told:
                        await self.send({"type": "response.audio_transcript.delta",
                                         "response_id": rid, "item_id": item,
                                         "output_index": oi, "content_index": 0,
                                         "delta": ("" if told == 0 else " ") +
                                         " ".join(words[told:due])})
                        told = due
                    await self.send({"type": "response.audio.delta", "response_id": rid,
                                     "item_id": item, "output_index": oi,
                                     "content_index": 0,
                                     "delta": base64.b64encode(chunk).decode()})
                    self.items[item] += len(chunk) // 8
                    if i == 0 and entry.get("stall_ms"):
                        # the stream stalls after its first delta
                        await asyncio.sleep(entry["stall_ms"] / 1000)
                    await asyncio.sleep(self.peer.opts.delta_gap_ms / 1000)
                await self.send({"type": "response.audio.done", "response_id": rid,
                                 "item_id": item, "output_index": oi,
                                 "content_index": 0})
                await self.send({"type": "response.audio_transcript.done",
                                 "response_id": rid, "item_id": item,
                                 "output_index": oi, "content_index": 0,
                                 "transcript": entry["say"]})
                usage["output_token_details"]["audio_tokens"] += len(audio) // 80
                usage["output_token_details"]["text_tokens"] += len(entry["say"]) // 4
                oi += 1
            for call in entry.get("calls", []):
                cid = "call_" + uuid.uuid4().hex[:12]
                self.open_calls.add(cid)
                await self.send({"type": "response.function_call_arguments.done",
                                 "response_id": rid, "item_id": "item_f" + cid[5:],
                                 "output_index": oi, "call_id": cid,
                                 "name": call["name"], "arguments": call["arguments"]})
                self.log(ev="function_call", call_id=cid, name=call["name"])
                oi += 1
        except asyncio.CancelledError:
            status = "cancelled"
        except websockets.ConnectionClosed:
            return
        finally:
            if rec["first_delta_mono"] is not None or entry.get("say") is None:
                self.peer.record(dict(rec, conn=self.n, status=status))
        u = usage
        u["output_tokens"] = (u["output_token_details"]["audio_tokens"] +
                              u["output_token_details"]["text_tokens"])
        u["total_tokens"] = u["input_tokens"] + u["output_tokens"]
        resp.update(status=status, usage=u)
        self.responding = False
        try:
            await self.send({"type": "response.done", "response": resp})
        except websockets.ConnectionClosed:
            pass


class Peer:
    def __init__(self, opts):
        self.opts = opts
        with open(opts.script) as f:
            self.script = json.load(f)
        self.nconn = 0
        self.audio_bytes = 0

    def script_for(self, instructions):
        """The script of the caller the instructions name (else the
        first)."""
        calls = self.script["calls"]
        for c in calls:
            if c.get("caller") and c["caller"] in instructions:
                return c
        return calls[0] if calls else {}

    def record(self, obj):
        with open(self.opts.log, "a") as f:
            f.write(json.dumps(obj) + "\n")

    def reject(self, status, msg, code):
        self.record({"ev": "rejected", "status": status})
        body = json.dumps({"error": {"message": msg, "type": "invalid_request_error",
                                     "param": None, "code": code}}).encode()
        return (HTTPStatus(status), [("Content-Type", "application/json")], body)

    async def check(self, path, headers):
        if urlsplit(path).path != "/v1/realtime":
            return self.reject(404, "Not found", "not_found")
        if headers.get("Authorization") != "Bearer " + self.opts.api_key:
            return self.reject(401, "Incorrect API key provided", "invalid_api_key")
        if headers.get("OpenAI-Beta") != "realtime=v1":
            return self.reject(400, "OpenAI-Beta: realtime=v1 is required",
                               "missing_beta_header")
        return None

    async def handle(self, ws, path=None):
        self.nconn += 1
        c = Conn(self, ws, self.nconn)
        c.log(ev="connect", path=ws.path)
        await c.send({"type": "session.created", "session": {
            "id": "sess_" + uuid.uuid4().hex[:10], "object": "realtime.session",
            "model": "gpt-4o-realtime-preview", "modalities": ["text", "audio"],
            "input_audio_format": "pcm16", "output_audio_format": "pcm16",
            "turn_detection": {"type": "server_vad"}, "tools": []}})
        handlers = {"session.update": c.session_update,
                    "input_audio_buffer.append": c.append,
                    "conversation.item.create": c.item_create,
                    "response.cancel": c.cancel,
                    "conversation.item.truncate": c.truncate,
                    "response.create": c.response_create}
        end = "client closed"
        try:
            async for m in ws:
                try:
                    ev = json.loads(m)
                except ValueError:
                    await c.error("invalid_json", "not JSON")
                    continue
                h = handlers.get(ev.get("type"))
                if h is None:
                    await c.error("invalid_value", "unknown event type %s" % ev.get("type"))
                    continue
                await h(ev)
        except websockets.ConnectionClosed:
            end = "closed"
        finally:
            if c.resp_task:
                c.resp_task.cancel()
            c.log(ev="end", how=end, audio_bytes=self.audio_bytes)


async def serve(opts):
    peer = Peer(opts)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(opts.cert, opts.key)
    async with websockets.serve(peer.handle, "127.0.0.1", opts.port, ssl=ctx,
                                process_request=peer.check,
                                ping_interval=None, max_size=2 ** 22) as srv:
        print("PORT %d" % srv.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()


def main():
    logging.getLogger("websockets").setLevel(logging.CRITICAL)
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--script", required=True)
    ap.add_argument("--api-key", default="test-key")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--reply-delay-ms", type=int, default=200)
    ap.add_argument("--transcript-delay-ms", type=int, default=50)
    ap.add_argument("--delta-gap-ms", type=int, default=5)
    opts = ap.parse_args()
    try:
        asyncio.run(serve(opts))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
