#!/usr/bin/env python3
"""Write the seed corpus of every fuzz target into tests/fuzz/corpus/<name>/.
Small real examples of what each parser reads in service; re-run after
editing (files are named by content, so unchanged seeds stay as they are).
Regression inputs found by fuzzing are added by hand as
corpus/<name>/regress-<what>."""
import hashlib, json, os, struct, sys

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
VERSION = 3


def put(name, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(top, name)
    os.makedirs(d, exist_ok=True)
    fn = os.path.join(d, "seed-" + hashlib.sha1(data).hexdigest()[:12])
    with open(fn, "wb") as f:
        f.write(data)


def frame(typ, payload=b"", call="CA0123456789abcdef0123456789abcdef", ref=0,
          seq=1, flags=0, ts=123456789):
    if isinstance(payload, (dict, list)):
        payload = json.dumps(payload).encode()
    if isinstance(payload, str):
        payload = payload.encode()
    cid = call.encode().ljust(40, b"\0")
    return struct.pack(">BBHIQII", VERSION, typ, flags, seq, ts, ref,
                       len(payload)) + cid + payload


# frame: header + typed payload
put("frame", frame(1, {"call_id": "CA0123456789abcdef0123456789abcdef",
                       "stream_sid": "MZ1", "from": "+15551230001",
                       "to": "+15559870000", "direction": "inbound",
                       "params": {"FirstName": "Jane"}}))
put("frame", frame(2, {"reason": "caller hung up"}))
put("frame", frame(3, bytes(range(256))[:160]))
put("frame", frame(4, {"digit": "5"}))
put("frame", frame(5, {"name": "utt-17", "played": True}))
put("frame", frame(11, {"at_ms": 5200, "dur_ms": 1300}))
put("frame", frame(12, {"text": "next tuesday at ten", "final": True,
                        "confidence": 0.82, "start_ms": 100, "end_ms": 1900,
                        "speech_end_us": 99887766}))
put("frame", frame(12, {"text": "next tuesday at ten", "final": False,
                        "stable": True, "confidence": 0.82, "start_ms": 100,
                        "end_ms": 1900, "nbest": [{"text": "next tuesday at ten",
                                                   "confidence": 0.82}]}))
put("frame", frame(13, {"expect": "date", "words": ["monday", "tuesday"]}))
put("frame", frame(20, {"text": "Sure, what day works?", "last": True}, ref=7))
put("frame", frame(20, {"text": "Tuesday at ten works.", "last": True,
                        "hold": True}, ref=8))
put("frame", frame(25, ref=8))
put("frame", frame(30, ref=7))
put("frame", frame(50, {"tool": "get_available_slots",
                        "args": {"date": "2025-06-04", "service": "oil change"},
                        "now": "2025-06-03T10:00:00"}))
put("frame", frame(51, {"ok": False, "code": "slot_taken", "error": "taken"}))
put("frame", frame(60, {"instance": "a1b2c3", "hears": True, "subs": 3},
                   call=""))

# media: Twilio Media Streams messages (protocols.md 3)
S = "MZ18ad3ab5a668481ce02b83e7395059f0"
C = "CA0123456789abcdef0123456789abcdef"
for m in [
    {"event": "connected", "protocol": "Call", "version": "1.0.0"},
    {"event": "start", "sequenceNumber": "1", "streamSid": S,
     "start": {"accountSid": "AC1", "streamSid": S, "callSid": C,
               "tracks": ["inbound"], "customParameters": {"FirstName": "Jane"},
               "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000,
                               "channels": 1}}},
    {"event": "media", "sequenceNumber": "4", "streamSid": S,
     "media": {"track": "inbound", "chunk": "2", "timestamp": "5",
               "payload": "f39/f39/f39/f39/f39/f39/f39/f39/"}},
    {"event": "dtmf", "sequenceNumber": "5", "streamSid": S,
     "dtmf": {"track": "inbound_track", "digit": "1"}},
    {"event": "mark", "sequenceNumber": "6", "streamSid": S,
     "mark": {"name": "utt-17"}},
    {"event": "stop", "sequenceNumber": "7", "streamSid": S,
     "stop": {"accountSid": "AC1", "callSid": C}},
]:
    put("media", json.dumps(m))

# webhook: signature \n origin \n path \n query \n form body
put("webhook", "bm90LWEtcmVhbC1zaWduYXR1cmU=\nhttps://frontdesk.example.com\n"
    "/twilio/voice\n\nCallSid=CA0123&AccountSid=AC1&From=%2B15551230001&"
    "To=%2B15559870000&CallStatus=ringing&Direction=inbound")
put("webhook", "x\nhttps://frontdesk.example.com:443\n/twilio/status\n"
    "job=12&attempt=1\nCallSid=CA9&CallStatus=completed&AnsweredBy=human&"
    "CallDuration=42")
put("webhook", "abc=\nhttp://127.0.0.1:8080/fd\n/twilio/sms-status\n"
    "a=1,2:3/4&b=x y\nMessageSid=SM1&MessageStatus=undelivered&ErrorCode=30003"
    "&To=%2b15551230001&Body=hello+world%21")

# sse: first byte is the chunk size, then an OpenAI-style stream
def sse(chunks):
    return "".join("data: %s\n\n" % (c if isinstance(c, str) else
                                     json.dumps(c)) for c in chunks)

def delta(d, finish=None):
    return {"id": "c1", "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": d, "finish_reason": finish}]}

put("sse", b"\x07" + sse([delta({"role": "assistant", "content": ""}),
                          delta({"content": "Sure. What day "}),
                          delta({"content": "works for you? I have **Tuesday**"}),
                          delta({}, "stop"), "[DONE]"]).encode())
put("sse", b"\x01" + sse([delta({"tool_calls": [{"index": 0, "id": "call_1",
        "type": "function", "function": {"name": "get_available_slots",
                                         "arguments": ""}}]}),
    delta({"tool_calls": [{"index": 0, "function": {"arguments": "{\"date\":"}}]}),
    delta({"tool_calls": [{"index": 0, "function": {"arguments": "\"tomorrow\"}"}}]}),
    delta({}, "tool_calls"),
    {"choices": [], "usage": {"prompt_tokens": 900, "completion_tokens": 20}},
    "[DONE]"]).encode())
put("sse", b"\x20: keep-alive\r\n\r\ndata: {\"error\":{\"message\":\"rate limited\","
    b"\"type\":\"rate_limit\"}}\r\n\r\nevent: x\nid: 3\ndata: line one\ndata: two\n\n")

# deepgram: one message per line (protocols.md 6)
put("deepgram", "\n".join(json.dumps(m) for m in [
    {"type": "Metadata", "request_id": "uuid", "created": "2024-08-29T22:37:55Z",
     "duration": 0.0, "channels": 0},
    {"type": "SpeechStarted", "channel": [0, 1], "timestamp": 0.54},
    {"type": "Results", "channel_index": [0, 1], "duration": 1.04, "start": 0.0,
     "is_final": False, "speech_final": False,
     "channel": {"alternatives": [{"transcript": "next tuesday", "confidence": 0.7,
                                   "words": []}]}},
    {"type": "Results", "channel_index": [0, 1], "duration": 1.54, "start": 0.0,
     "is_final": True, "speech_final": True, "from_finalize": False,
     "channel": {"alternatives": [{"transcript": "next tuesday at ten",
        "confidence": 0.779, "words": [
            {"word": "next", "start": 0.6, "end": 0.8, "confidence": 0.69},
            {"word": "ten", "start": 1.2, "end": 1.5, "confidence": 0.9}]}]}},
    {"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": 1.5},
]))
put("deepgram", "\n".join(json.dumps(m) for m in [
    {"type": "Results", "duration": 2.0, "start": 3.0, "is_final": True,
     "from_finalize": True,
     "channel": {"alternatives": [{"transcript": "one two three",
                                   "confidence": 0.9}]}},
    {"type": "Results", "duration": 2.0, "start": 5.0, "is_final": True,
     "channel": {"alternatives": [{"transcript": "", "confidence": 0}]}},
    {"type": "Error", "description": "bad", "err_code": "X"},
    {"type": "UtteranceEnd", "last_word_end": 4.9},
]))

# datetime: first byte = what was asked (0 any, 1 date, 2 time)
for ask, text in [(0, "next tuesday at ten"), (1, "tomorrow morning"),
                  (0, "the 26th after 3"), (2, "ten thirty"), (2, "noon"),
                  (0, "as soon as possible next week"), (1, "to say"),
                  (2, "before 4:45 pm"), (0, "june 3rd at 14:00"),
                  (0, "2025-06-04T09:30"), (1, "a week from friday"),
                  (2, "quarter past nine in the evening")]:
    put("datetime", bytes([ask]) + text.encode())

# toolargs: first byte = tool index in agent/llm_tools.c's table
for tool, args in [
    (0, {"phone": "+15551230001"}),
    (2, {"date": "tomorrow", "service": "oil change", "after": "13:30", "limit": 3}),
    (3, {"service": "tire rotation", "start": "2025-06-04T09:30",
         "first_name": "Jane", "last_name": "Doe", "email": "jane@example.com",
         "vehicle": "2019 Honda Civic"}),
    (6, {"appointment_id": "42", "new_start": "2025-06-05T10:00"}),
    (9, {"message": "call me back", "callback_number": "+15551230001"}),
    (13, {"outcome": "booked", "summary": "oil change on Tuesday"}),
    (14, {"vin": "1HGCM82633A004352"}),
    (15, {"first_name": "Jane", "last_name": "Doe", "code": "ABCDE"}),
]:
    put("toolargs", bytes([tool]) + json.dumps(args).encode())
put("toolargs", b"\x11")

# ical: a CalDAV REPORT reply and bare iCalendar text
cal = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\n"
       "BEGIN:VEVENT\r\nUID:staff-1\r\nDTSTART;TZID=America/New_York:"
       "20250604T120000\r\nDURATION:PT1H30M\r\nSUMMARY:Lunch\\, and\r\n"
       "  training\r\nBEGIN:VALARM\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n"
       "END:VEVENT\r\n"
       "BEGIN:VEVENT\r\nUID:staff-2\r\nDTSTART;VALUE=DATE:20250606\r\n"
       "SUMMARY:Closed\r\nEND:VEVENT\r\n"
       "BEGIN:VEVENT\r\nUID:weekly\r\nDTSTART:20250602T130000Z\r\n"
       "DTEND:20250602T140000Z\r\nRRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE;"
       "COUNT=6\r\nEND:VEVENT\r\n"
       "BEGIN:VEVENT\r\nUID:daily\r\nDTSTART:20250601T080000\r\n"
       "DTEND:20250601T083000\r\nRRULE:FREQ=DAILY;UNTIL=20250610T000000Z\r\n"
       "STATUS:CANCELLED\r\nTRANSP:TRANSPARENT\r\nEND:VEVENT\r\n"
       "END:VCALENDAR\r\n")
put("ical", cal)
put("ical", '<?xml version="1.0" encoding="utf-8"?>\n'
    '<d:multistatus xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav">'
    "<d:response><d:href>/cal/a.ics</d:href><d:propstat><d:prop>"
    '<d:getetag>"1"</d:getetag><cal:calendar-data>'
    + cal.replace("&", "&amp;").replace("<", "&lt;") +
    "</cal:calendar-data></d:prop></d:propstat></d:response>"
    "<d:response><d:propstat><d:prop><cal:calendar-data><![CDATA["
    "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:20250605T150000Z\n"
    "DURATION:P1D\nEND:VEVENT\nEND:VCALENDAR\n]]></cal:calendar-data>"
    "</d:prop></d:propstat></d:response></d:multistatus>")
put("ical", "2025-06-03T14:00:00.250-04:00")

# vpic: DecodeVinValues replies (protocols.md 11)
put("vpic", json.dumps({"Count": 136, "Message": "Results returned successfully",
    "SearchCriteria": "VIN:1HGCM82633A004352", "Results": [{
        "Make": "HONDA", "Model": "Accord", "ModelYear": "2003", "Trim": "EX-V6",
        "BodyClass": "Coupe", "ErrorCode": "0", "ErrorText": "0 - VIN decoded clean."}]}))
put("vpic", json.dumps({"Count": 136, "Message": "Results returned successfully",
    "Results": [{"Make": "", "Model": "", "ModelYear": "", "ErrorCode": "1,11",
                 "ErrorText": "1 - Check Digit (9th position) does not calculate "
                 "properly; 11 - Incorrect Model Year"}]}))
