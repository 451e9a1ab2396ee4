#!/usr/bin/env python3
"""openai_peer.py - a local stand-in for an OpenAI Chat Completions server.

Speaks the streaming protocol (POST .../chat/completions answered with
text/event-stream, chunked transfer encoding, "data: {chunk}" events and a
final "data: [DONE]") on 127.0.0.1, replaying responses a test has
scripted, and records every request it received so the test can check
what the client sent (tool results fed back, history trimmed).  Python 3
standard library only.  Used by agent/brain_llm_test.c; handy by hand:

    tests/peers/openai_peer.py --port 8089
    curl -d '{"responses":[{"content":"Hello there. Bye."}]}' \
        127.0.0.1:8089/_script

Control endpoints:
  POST /_script    {"responses":[spec, ...]}  queue of responses, one per
                   completion request in order (replaces the queue)
  GET  /_requests  {"requests":[{"path","query","authorization","api_key",
                   "body"}, ...]}: path without the query string, query
                   as {name: value}, api_key the api-key header (Azure)
  POST /_reset     forget the queue and the recorded requests

A response spec (every key optional):
  status           HTTP status (default 200); a non-200 answers an
                   OpenAI error body, or "body" verbatim
  headers          extra headers, e.g. {"Retry-After": "0.2"}
  content          text, sent as deltas of "piece" characters (default 4)
  tool_calls       [{"id","name","arguments"}], the arguments string sent
                   in fragments of "arg_piece" characters (default 5)
  events           raw events instead: objects (sent as chunks' delta) or
                   strings (sent as the data line verbatim)
  finish_reason    default "tool_calls" when tool_calls, else "stop"
  first_delay_ms   pause after the headers, before the first event
  delay_ms         pause between events
  pause_after      {"event": k, "ms": m}: one pause after event k
  keepalive        send ": keep-alive" comment lines between events
  split_bytes      write the stream n bytes at a time (lines cut anywhere)
  truncate_after   stop after n events and drop the connection: no
                   finish_reason, no [DONE], no last chunk
  done             send [DONE] (default true)
  usage            send the usage chunk before [DONE] (default true)
"""
import argparse
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

LOCK = threading.Lock()
QUEUE = []
REQUESTS = []
SEQ = [0]


def chunk(model, n, delta, finish=None):
    return {"id": "chatcmpl-peer-%d" % n, "object": "chat.completion.chunk",
            "created": int(time.time()), "model": model,
            "system_fingerprint": "fp_peer",
            "choices": [{"index": 0, "delta": delta,
                         "finish_reason": finish, "logprobs": None}],
            "usage": None}


def pieces(s, n):
    n = max(1, int(n))
    return [s[i:i + n] for i in range(0, len(s), n)] or [""]


def events_for(spec, model, n):
    """The list of data payloads (strings) of a scripted stream."""
    out = []
    if "events" in spec:
        for e in spec["events"]:
            out.append(e if isinstance(e, str)
                       else json.dumps(chunk(model, n, e)))
        return out
    out.append(json.dumps(chunk(model, n, {"role": "assistant",
                                           "content": ""})))
    if spec.get("content"):
        for p in pieces(spec["content"], spec.get("piece", 4)):
            out.append(json.dumps(chunk(model, n, {"content": p})))
    calls = spec.get("tool_calls") or []
    for i, tc in enumerate(calls):
        first = {"index": i, "id": tc.get("id", "call_%d" % i),
                 "type": "function",
                 "function": {"name": tc["name"], "arguments": ""}}
        out.append(json.dumps(chunk(model, n, {"tool_calls": [first]})))
        for p in pieces(tc.get("arguments", ""), spec.get("arg_piece", 5)):
            frag = {"index": i, "function": {"arguments": p}}
            out.append(json.dumps(chunk(model, n, {"tool_calls": [frag]})))
    finish = spec.get("finish_reason", "tool_calls" if calls else "stop")
    out.append(json.dumps(chunk(model, n, {}, finish)))
    if spec.get("usage", True):
        out.append(json.dumps({"id": "chatcmpl-peer-%d" % n,
                               "object": "chat.completion.chunk",
                               "created": int(time.time()), "model": model,
                               "choices": [],
                               "usage": {"prompt_tokens": 100,
                                         "completion_tokens": 20,
                                         "total_tokens": 120}}))
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # events must leave at once, as a real server's do
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("openai_peer: " + (fmt % args) + "\n")

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def reply_json(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.startswith("/_requests"):
            with LOCK:
                self.reply_json(200, {"requests": REQUESTS})
        elif self.path.startswith("/_health"):
            self.reply_json(200, {"ok": True})
        else:
            self.reply_json(404, {"error": {"message": "not found",
                                            "type": "invalid_request_error",
                                            "param": None, "code": None}})

    def do_POST(self):
        raw = self.body()
        if self.path.startswith("/_script"):
            spec = json.loads(raw or b"{}")
            with LOCK:
                QUEUE[:] = list(spec.get("responses", []))
            self.reply_json(200, {"queued": len(QUEUE)})
            return
        if self.path.startswith("/_reset"):
            with LOCK:
                QUEUE[:] = []
                REQUESTS[:] = []
            self.reply_json(200, {"ok": True})
            return
        url = urlsplit(self.path)
        if not url.path.endswith("/chat/completions"):
            self.reply_json(404, {"error": {"message": "no such endpoint",
                                            "type": "invalid_request_error",
                                            "param": None, "code": None}})
            return
        try:
            req = json.loads(raw)
        except ValueError:
            req = None
        with LOCK:
            REQUESTS.append({"path": url.path,
                             "query": dict(parse_qsl(url.query)),
                             "authorization":
                                 self.headers.get("Authorization", ""),
                             "api_key": self.headers.get("api-key", ""),
                             "body": req})
            spec = QUEUE.pop(0) if QUEUE else {"content": "Okay."}
            SEQ[0] += 1
            n = SEQ[0]
        if req is None:
            self.reply_json(400, {"error": {"message": "body is not JSON",
                                            "type": "invalid_request_error",
                                            "param": None, "code": None}})
            return
        status = spec.get("status", 200)
        if status != 200:
            if "body" in spec:
                data = spec["body"].encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                for k, v in spec.get("headers", {}).items():
                    self.send_header(k, str(v))
                self.end_headers()
                self.wfile.write(data)
            else:
                self.reply_json(status, {"error": {
                    "message": "scripted status %d" % status,
                    "type": "server_error" if status >= 500 else
                    "rate_limit_error" if status == 429 else
                    "invalid_request_error",
                    "param": None, "code": None}},
                    spec.get("headers"))
            return
        self.stream(spec, req.get("model", "peer"), n)

    def write_chunk(self, data, split):
        """One HTTP chunk per write; split cuts the bytes further."""
        for i in range(0, len(data), split or len(data) or 1):
            part = data[i:i + (split or len(data))]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.flush()
            if split:
                time.sleep(0.001)

    def stream(self, spec, model, n):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for k, v in spec.get("headers", {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.flush()
        evs = events_for(spec, model, n)
        split = int(spec.get("split_bytes", 0))
        cut = spec.get("truncate_after")
        pause = spec.get("pause_after") or {}
        if spec.get("first_delay_ms"):
            time.sleep(spec["first_delay_ms"] / 1000.0)
        try:
            for i, e in enumerate(evs):
                if cut is not None and i >= cut:
                    # drop the connection mid-stream, no final chunk
                    self.close_connection = True
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if spec.get("keepalive"):
                    self.write_chunk(b": keep-alive\n\n", split)
                self.write_chunk(("data: %s\n\n" % e).encode(), split)
                if pause and pause.get("event") == i:
                    time.sleep(pause.get("ms", 0) / 1000.0)
                if spec.get("delay_ms"):
                    time.sleep(spec["delay_ms"] / 1000.0)
            if spec.get("done", True):
                self.write_chunk(b"data: [DONE]\n\n", split)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0,
                    help="0 picks a free port, printed as 'PORT n'")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    srv = ThreadingHTTPServer((a.host, a.port), Handler)
    srv.daemon_threads = True
    srv.verbose = a.verbose
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
