#!/usr/bin/env python3
"""listen_peer.py - a local stand-in for Deepgram's streaming speech
recognition (wss /v1/listen, protocols.md section 6), for stt_deepgram_test.

Serves WebSocket over TLS on 127.0.0.1 (port 0 = any; prints "PORT n" on
stdout once listening).  Standard library plus Debian's python3-websockets.

Handshake: checks `Authorization: Token <key>` (else HTTP 401 with a
dg-error header and Deepgram's JSON error body) and the query (encoding=
mulaw, sample_rate=8000, else HTTP 400).  Then the documented flow:
binary audio in; KeepAlive, Finalize and CloseStream text messages;
Results (interim, is_final, speech_final), SpeechStarted (vad_events=true),
UtteranceEnd (utterance_end_ms) and, after CloseStream, Metadata and a
1000 close.  No audio or KeepAlive for --idle-close-ms closes 1011 NET-0001.

"Recognition" is scripted.  The audio is read 20 ms (160 bytes) at a time
on the connection's own clock (bytes received / 8000, which is where start
and duration come from): 0xFF / 0x7F bytes are silence, any other byte
value k is speech of utterance k, whose words are --script's k-th entry
('|' separates entries).  Interims every 300 ms of speech carry the words
heard so far; after `endpointing` ms of silence comes the is_final,
speech_final result with the rest; UtteranceEnd follows after
utterance_end_ms.  Silence gets an empty is_final result every second, as
the real service does, so a client can see which audio is settled.

--in-order gives each speech segment of a connection the next script
entry instead (for real speech, whose bytes are not utterance numbers).

Misbehaviour on request: --drop-after N aborts the first connection's TCP
connection after N audio bytes; --slow-ms delays every message;
--malformed sends broken messages first; --no-speech-final leaves turn
ends to UtteranceEnd; --split-final splits long utterances into two
is_final pieces.  A vendor failing for good (stt-worker's fallback):
--refuse STATUS answers every handshake with that HTTP status (only the
first N with --refuse-first N, then serves again); --fault
close ends each connection with a 1011 close, --fault stall stops
answering anything (audio is still read), after --fault-after N audio
bytes, counted from the start of speech segment --fault-utt K if given
(else from the connection's start).  Each connection appends a JSON line
to --log: query, auth, bytes, keepalives, finalizes, closestream, how it
ended.
"""
import argparse
import asyncio
import json
import logging
import ssl
import sys
import time
import uuid
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import websockets

SILENCE = (0xFF, 0x7F)
FRAME = 160
RATE = 8000


class Conn:
    """One client connection: its clock, its utterance state, its stats."""

    def __init__(self, peer, ws, query, n):
        self.peer, self.ws, self.q, self.n = peer, ws, query, n
        self.bytes = 0
        self.buf = b""
        self.final_upto = 0           # bytes: start of the unsettled span
        self.in_speech = False
        self.utt = 0
        self.seg_start = self.seg_last = 0
        self.done_words = 0           # words already in is_final pieces
        self.last_interim = 0
        self.ue_at = None             # bytes of the last word, UtteranceEnd due
        self.stats = {"conn": n, "query": query, "auth": True, "bytes": 0,
                      "keepalives": 0, "finalizes": 0, "closestream": False,
                      "end": "open", "results": 0}
        self.segments = 0             # speech segments heard
        self.fault_from = None if peer.opts.fault_utt else 0
        self.stalled = False
        ep = query.get("endpointing", "10")
        self.endpointing = 0 if ep == "false" else int(ep)
        ue = query.get("utterance_end_ms")
        self.utterance_end = int(ue) if ue else None
        self.vad = query.get("vad_events") == "true"
        self.interims = query.get("interim_results") == "true"

    async def send(self, obj):
        if self.stalled:
            return
        if self.peer.opts.slow_ms:
            await asyncio.sleep(self.peer.opts.slow_ms / 1000)
        await self.ws.send(obj if isinstance(obj, (str, bytes)) else json.dumps(obj))

    def words(self):
        script = self.peer.script
        if 1 <= self.utt <= len(script):
            return script[self.utt - 1].split()
        return ["unknown"]

    async def results(self, words, is_final, speech_final, from_finalize=False):
        now = self.bytes_frames()
        start = self.final_upto / RATE
        dur = (now - self.final_upto) / RATE
        span0 = max(self.seg_start, self.final_upto) / RATE
        span1 = max(self.seg_last / RATE, span0)
        step = (span1 - span0) / max(len(words), 1)
        wl = [{"word": w.lower().strip(".,?!"), "start": round(span0 + i * step, 3),
               "end": round(span0 + (i + 1) * step, 3), "confidence": 0.93,
               "punctuated_word": w} for i, w in enumerate(words)]
        self.stats["results"] += 1
        await self.send({
            "type": "Results", "channel_index": [0, 1],
            "start": round(start, 3), "duration": round(dur, 3),
            "is_final": is_final, "speech_final": speech_final,
            "from_finalize": from_finalize,
            "channel": {"alternatives": [{
                "transcript": " ".join(words),
                "confidence": 0.93 if words else 0.0, "words": wl}]},
            "metadata": {"request_id": self.peer.request_id,
                         "model_info": {"name": "peer", "version": "1",
                                        "arch": "peer"},
                         "model_uuid": str(uuid.uuid4())}})
        if is_final:
            self.final_upto = now

    def bytes_frames(self):
        return self.bytes - len(self.buf)

    async def audio(self, data):
        self.bytes += len(data)
        self.stats["bytes"] = self.bytes
        self.buf += data
        while len(self.buf) >= FRAME:
            frame, self.buf = self.buf[:FRAME], self.buf[FRAME:]
            await self.frame(frame)

    async def frame(self, frame):
        speech = [b for b in frame if b not in SILENCE]
        now = self.bytes_frames()
        start = now - FRAME
        if len(speech) > FRAME // 2:
            if not self.in_speech:
                self.in_speech = True
                self.segments += 1
                if self.segments == self.peer.opts.fault_utt:
                    self.fault_from = start
                if self.peer.opts.in_order:
                    self.utt = self.segments
                else:
                    self.utt = max(set(speech), key=speech.count)
                self.seg_start = start
                self.done_words = 0
                self.last_interim = start
                self.ue_at = None
                if self.vad:
                    await self.send({"type": "SpeechStarted",
                                     "channel": [0, 1],
                                     "timestamp": round(start / RATE, 3)})
            self.seg_last = now
            words = self.words()
            heard = (now - self.seg_start) // int(0.25 * RATE) + 1
            heard = min(max(heard, 1), len(words))
            if (self.peer.opts.split_final and self.done_words == 0
                    and now - self.seg_start >= RATE and len(words) > 1):
                half = len(words) // 2
                await self.results(words[:half], True, False)
                self.done_words = half
            elif self.interims and now - self.last_interim >= 0.3 * RATE:
                self.last_interim = now
                await self.results(words[self.done_words:max(heard, self.done_words + 1)],
                                   False, False)
            return
        if self.in_speech and self.endpointing and \
                now - self.seg_last >= self.endpointing * RATE // 1000:
            await self.end_speech(speech_final=not self.peer.opts.no_speech_final)
        if self.ue_at is not None and self.utterance_end and \
                now - self.ue_at >= self.utterance_end * RATE // 1000:
            await self.send({"type": "UtteranceEnd", "channel": [0, 1],
                             "last_word_end": round(self.ue_at / RATE, 3)})
            self.ue_at = None
        if not self.in_speech and now - self.final_upto >= RATE:
            await self.results([], True, False)

    async def end_speech(self, speech_final, from_finalize=False):
        words = self.words()[self.done_words:]
        self.in_speech = False
        self.ue_at = self.seg_last
        await self.results(words, True, speech_final, from_finalize)

    async def flush(self, from_finalize):
        if self.in_speech:
            await self.end_speech(False, from_finalize)
        elif self.bytes_frames() > self.final_upto:
            await self.results([], True, False, from_finalize)

    def fault_due(self):
        """The --fault is due: enough audio since its starting point."""
        o = self.peer.opts
        return bool(o.fault) and self.fault_from is not None and \
            self.bytes - self.fault_from >= o.fault_after

    async def control(self, text):
        if self.stalled:
            return True
        try:
            msg = json.loads(text)
        except ValueError:
            await self.ws.close(1008, "DATA-0000")
            return False
        t = msg.get("type")
        if t == "KeepAlive":
            self.stats["keepalives"] += 1
        elif t == "Finalize":
            self.stats["finalizes"] += 1
            await self.flush(True)
        elif t == "CloseStream":
            self.stats["closestream"] = True
            await self.flush(False)
            await self.send({"type": "Metadata", "transaction_key": "deprecated",
                             "request_id": self.peer.request_id, "sha256": "0" * 64,
                             "created": time.strftime("%Y-%m-%dT%H:%M:%S.000Z",
                                                      time.gmtime()),
                             "duration": self.bytes / RATE, "channels": 1})
            await self.ws.close(1000, "")
            self.stats["end"] = "closestream"
            return False
        return True


class Peer:
    def __init__(self, opts):
        self.opts = opts
        self.script = [s.strip() for s in opts.script.split("|")] if opts.script else []
        self.nconn = 0
        self.refused = 0
        self.request_id = str(uuid.uuid4())

    def record(self, stats):
        with open(self.opts.log, "a") as f:
            f.write(json.dumps(stats) + "\n")

    def reject(self, status, code, msg, query):
        self.record({"conn": 0, "query": query, "auth": status != 401,
                     "end": "rejected %d" % status})
        body = json.dumps({"err_code": code, "err_msg": msg,
                           "request_id": str(uuid.uuid4())}).encode()
        return (HTTPStatus(status), [("dg-error", msg), ("dg-request-id", str(uuid.uuid4())),
                         ("Content-Type", "application/json")], body)

    async def check(self, path, headers):
        url = urlsplit(path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path != "/v1/listen":
            return self.reject(404, "NOT_FOUND", "Not found", q)
        if headers.get("Authorization") != "Token " + self.opts.api_key:
            return self.reject(401, "INVALID_AUTH", "Invalid credentials.", q)
        if self.opts.refuse and (not self.opts.refuse_first or
                                 self.refused < self.opts.refuse_first):
            self.refused += 1
            return self.reject(self.opts.refuse, "SERVICE_UNAVAILABLE",
                               "Service unavailable: try again later.", q)
        if q.get("encoding") != "mulaw" or q.get("sample_rate") != "8000":
            return self.reject(400, "Bad Request",
                               "Bad Request: encoding=mulaw and sample_rate=8000 expected", q)
        return None

    async def handle(self, ws, path=None):
        url = urlsplit(ws.path)
        q = {k: (v[0] if len(v) == 1 else v) for k, v in parse_qs(url.query).items()}
        self.nconn += 1
        c = Conn(self, ws, q, self.nconn)
        idle = self.opts.idle_close_ms / 1000
        try:
            if self.opts.malformed:
                for bad in ("{not json", '{"type":"Results","channel":{}}',
                            '{"type":"Nonsense"}', "[1,2,3]", b"\x00\x01"):
                    await c.send(bad)
            while True:
                try:
                    m = await asyncio.wait_for(ws.recv(), idle)
                except asyncio.TimeoutError:
                    if c.stalled:
                        continue
                    await ws.close(1011, "NET-0001")
                    c.stats["end"] = "NET-0001"
                    break
                if isinstance(m, bytes):
                    await c.audio(m)
                    if self.opts.drop_after and c.n == 1 and \
                            c.bytes >= self.opts.drop_after:
                        c.stats["end"] = "dropped"
                        ws.transport.abort()
                        break
                    if not c.stalled and c.fault_due():
                        if self.opts.fault == "close":
                            c.stats["end"] = "closed 1011"
                            await ws.close(1011, "NET-0000")
                            break
                        c.stalled = True
                        c.stats["end"] = "stalled"
                elif not await c.control(m):
                    break
        except websockets.ConnectionClosed as e:
            if c.stats["end"] in ("open", "stalled"):
                c.stats["end"] = ("stalled, " if c.stalled else "") + \
                    "client closed %s" % e.code
        finally:
            self.record(c.stats)


async def serve(opts):
    peer = Peer(opts)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(opts.cert, opts.key)
    async with websockets.serve(peer.handle, "127.0.0.1", opts.port, ssl=ctx,
                                process_request=peer.check,
                                ping_interval=None, max_size=2 ** 20) as srv:
        port = srv.sockets[0].getsockname()[1]
        print("PORT %d" % port, flush=True)
        await asyncio.Future()


def main():
    # the library's own tracebacks for the connections we break on purpose
    logging.getLogger("websockets").setLevel(logging.CRITICAL)
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--api-key", default="test-key")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--script", default="")
    ap.add_argument("--drop-after", type=int, default=0)
    ap.add_argument("--slow-ms", type=int, default=0)
    ap.add_argument("--idle-close-ms", type=int, default=10000)
    ap.add_argument("--malformed", action="store_true")
    ap.add_argument("--no-speech-final", action="store_true")
    ap.add_argument("--split-final", action="store_true")
    ap.add_argument("--in-order", action="store_true")
    ap.add_argument("--refuse", type=int, default=0)
    ap.add_argument("--refuse-first", type=int, default=0)
    ap.add_argument("--fault", choices=("close", "stall"))
    ap.add_argument("--fault-after", type=int, default=0)
    ap.add_argument("--fault-utt", type=int, default=0)
    opts = ap.parse_args()
    try:
        asyncio.run(serve(opts))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
