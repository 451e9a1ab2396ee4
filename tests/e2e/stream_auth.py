#!/usr/bin/env python3
"""stream_auth.py - Media Streams WebSockets the gateway must refuse, and
one it must accept without believing what the stream says about the caller.

Plays Twilio (and an impostor) against a running stack:
  unannounced  a stream for a CallSid no voice webhook announced
  wrong-token  a signed webhook, then a stream whose token is not the one
               its TwiML carried
  forged-from  a signed webhook from FROM, then a stream with the right
               token whose customParameters.From names FORGED; the stream
               plays silence until the agent's greeting has played
  replay       the token of a stream that already ran, on a second stream

Prints one JSON line: {"call_sid", "closed", "close_code", "marks", "token"}.
"closed" means the gateway closed the socket before we stopped (refused).
Exit 0 when the gateway did what the mode expects of it, 1 otherwise.
Needs python3-websockets (Debian 12: 10.4, asyncio client).
"""
import argparse, asyncio, base64, hashlib, hmac, json, os, re, sys
import urllib.parse, urllib.request

import websockets


def sid(prefix):
    return prefix + os.urandom(16).hex()


def sign(token, url, form):
    data = url + "".join(k + v for k, v in sorted(form.items()))
    return base64.b64encode(hmac.new(token.encode(), data.encode(),
                                     hashlib.sha1).digest()).decode()


def webhook(a, call_sid, frm):
    """The signed voice webhook; the TwiML's <Parameter>s as a dict."""
    form = {"CallSid": call_sid, "AccountSid": a.account, "From": frm,
            "To": "+15555550100", "CallStatus": "ringing",
            "ApiVersion": "2010-04-01", "Direction": "inbound",
            "Caller": frm, "Called": "+15555550100"}
    if a.now:
        form["FdNow"] = a.now
    req = urllib.request.Request(
        a.gateway + "/twilio/voice",
        data=urllib.parse.urlencode(form).encode(),
        headers={"X-Twilio-Signature":
                 sign(a.token, a.public + "/twilio/voice", form)})
    with urllib.request.urlopen(req, timeout=10) as r:
        xml = r.read().decode()
    params = {}
    for m in re.finditer(r'<Parameter name="([^"]*)" value="([^"]*)"/>', xml):
        params[m.group(1)] = (m.group(2).replace("&quot;", '"')
                              .replace("&lt;", "<").replace("&gt;", ">")
                              .replace("&apos;", "'").replace("&amp;", "&"))
    return params


async def stream(a, call_sid, params, seconds):
    """One Media Stream; (closed by the gateway, close code, marks seen)."""
    stream_sid = sid("MZ")
    ws_url = "ws" + a.gateway[len("http"):] + "/twilio/media"
    marks = 0
    seq = 0

    def nxt():
        nonlocal seq
        seq += 1
        return str(seq)

    async with websockets.connect(ws_url, open_timeout=10) as ws:
        await ws.send(json.dumps({"event": "connected", "protocol": "Call",
                                  "version": "1.0.0"}))
        await ws.send(json.dumps({
            "event": "start", "sequenceNumber": nxt(),
            "streamSid": stream_sid,
            "start": {"accountSid": a.account, "streamSid": stream_sid,
                      "callSid": call_sid, "tracks": ["inbound"],
                      "customParameters": params,
                      "mediaFormat": {"encoding": "audio/x-mulaw",
                                      "sampleRate": 8000, "channels": 1}}}))
        silence = base64.b64encode(b"\xff" * 160).decode()
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        chunk = 0
        last_heard = None
        try:
            # until the agent has spoken and gone quiet (its greeting
            # played: a mark came, then 3 s without audio), or seconds
            while loop.time() - t0 < seconds and (
                    marks == 0 or loop.time() - last_heard < 3.0):
                chunk += 1
                await ws.send(json.dumps({
                    "event": "media", "sequenceNumber": nxt(),
                    "streamSid": stream_sid,
                    "media": {"track": "inbound", "chunk": str(chunk),
                              "timestamp": str((chunk - 1) * 20),
                              "payload": silence}}))
                # what the gateway sent meanwhile: echo marks as played
                deadline = t0 + chunk * 0.02
                while True:
                    left = deadline - loop.time()
                    if left <= 0:
                        break
                    try:
                        msg = await asyncio.wait_for(ws.recv(), left)
                    except asyncio.TimeoutError:
                        break
                    m = json.loads(msg)
                    last_heard = loop.time()
                    if m.get("event") == "mark":
                        marks += 1
                        await ws.send(json.dumps({
                            "event": "mark", "sequenceNumber": nxt(),
                            "streamSid": stream_sid, "mark": m["mark"]}))
            await ws.send(json.dumps({
                "event": "stop", "sequenceNumber": nxt(),
                "streamSid": stream_sid,
                "stop": {"accountSid": a.account, "callSid": call_sid}}))
        except websockets.ConnectionClosed as e:
            return True, e.code, marks
        return False, None, marks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["unannounced", "wrong-token",
                                     "forged-from", "replay"])
    ap.add_argument("--gateway", required=True)
    ap.add_argument("--public", required=True)
    ap.add_argument("--from", dest="frm", default="+15551230001")
    ap.add_argument("--forged", default="+15551230010")
    ap.add_argument("--call-sid", help="replay: the call whose token ...")
    ap.add_argument("--stream-token", help="replay: ... this was")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--now")
    a = ap.parse_args()
    a.token = os.environ["TWILIO_AUTH_TOKEN"]
    a.account = os.environ.get("TWILIO_ACCOUNT_SID", sid("AC"))

    call_sid, params = sid("CA"), {}
    if a.mode == "unannounced":
        params = {"From": a.forged, "stream_token": os.urandom(32).hex()}
    elif a.mode == "wrong-token":
        params = webhook(a, call_sid, a.frm)
        params["From"] = a.forged
        params["stream_token"] = os.urandom(32).hex()
    elif a.mode == "forged-from":
        params = webhook(a, call_sid, a.frm)
        params["From"] = a.forged
        params["Caller"] = a.forged
    else:
        call_sid = a.call_sid
        params = {"From": a.forged, "stream_token": a.stream_token}
    closed, code, marks = asyncio.run(stream(
        a, call_sid, params, a.seconds if a.mode == "forged-from" else 5.0))
    print(json.dumps({"call_sid": call_sid, "closed": closed,
                      "close_code": code, "marks": marks,
                      "token": params.get("stream_token")}))
    want_closed = a.mode != "forged-from"
    return 0 if closed == want_closed else 1


if __name__ == "__main__":
    sys.exit(main())
