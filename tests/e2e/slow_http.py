#!/usr/bin/env python3
"""HTTP clients that misbehave, for tests/e2e/run.sh (raw sockets: curl
would send the body it announces, or give up first).

  slow_http.py HOST PORT bigcl        POST announcing 10 MB, sends no body;
                                      prints "<status> <ms>"
  slow_http.py HOST PORT slow         POST announcing 100 bytes, sends one a
                                      second; prints "<status> <ms>"
  slow_http.py HOST PORT hold N FILE  N such slow POSTs at once, each started
                                      again when answered, until FILE is
                                      removed; prints how many were answered
                                      408 and how many got no answer
"""
import socket
import sys
import threading
import time


def status(sock):
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    parts = data.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def open_post(host, port, length):
    s = socket.create_connection((host, port), timeout=30)
    s.sendall(b"POST /twilio/status HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/x-www-form-urlencoded\r\n"
              b"Content-Length: %d\r\n\r\n" % length)
    return s


def slow(host, port, keep_going=lambda: True):
    """One slow POST: a byte a second until answered; the status."""
    s = open_post(host, port, 100)
    s.settimeout(1.0)
    code = 0
    for _ in range(60):
        if not keep_going():
            break
        try:
            s.sendall(b"a")
        except OSError:
            code = status_nowait(s)
            break
        try:
            data = s.recv(4096)
            parts = data.split(b" ", 2)
            code = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            break
        except socket.timeout:
            continue
        except OSError:
            break
    s.close()
    return code


def status_nowait(s):
    s.settimeout(0.5)
    return status(s)


def main():
    host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    t0 = time.monotonic()
    if mode == "bigcl":
        s = open_post(host, port, 10 * 1024 * 1024)
        code = status(s)
        s.close()
        print(code, int((time.monotonic() - t0) * 1000))
    elif mode == "slow":
        code = slow(host, port)
        print(code, int((time.monotonic() - t0) * 1000))
    elif mode == "hold":
        n, flag = int(sys.argv[4]), sys.argv[5]
        counts = {"408": 0, "other": 0}
        lock = threading.Lock()

        def alive():
            try:
                open(flag).close()
                return True
            except OSError:
                return False

        def worker():
            while alive():
                try:
                    code = slow(host, port, alive)
                except OSError:
                    code = -1
                if not alive():
                    break
                with lock:
                    counts["408" if code == 408 else "other"] += 1
        threads = [threading.Thread(target=worker) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(counts["408"], counts["other"])


main()
