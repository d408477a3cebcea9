#!/usr/bin/env python3
"""faultproxy: an HTTP/1.1 proxy that injects object-storage faults.

It sits between wharf and the S3 endpoint (the signature gate, which checks SigV4
signatures), so the endpoint in the job is the proxy's address.  A request
that is let through is forwarded byte for byte, with one exception: a
"Connection: close" header is added (it is hop-by-hop and never signed), so
every forwarded exchange ends when the upstream closes.  SigV4 signs the
Host header, which the client set to the proxy's host:port and which the gate
verifies as it receives it, so signatures still check out.

Faults are taken in the order given, one per matching request; once they are
used up, matching requests pass.  A request matches when its method is in
--only (default: any) and its path contains --match (default: any); the first
--after matching requests pass before any fault is applied.

  --fail CODE:N      answer N requests with HTTP CODE and an S3 error body
  --fail-all CODE    answer every matching request with CODE
  --stall N          read N requests and never answer (until the client gives up)
  --stall-all        the same for every matching request
  --reset N          read N requests, then reset the connection (TCP RST)
  --reset-all        the same for every matching request
  --delay SECS:N     hold N requests for SECS seconds, then forward them
  --outage SECS      reset the connection of one request, then refuse every
                     connection for SECS seconds (the endpoint goes down)
  --down-for SECS    refuse connections for the first SECS seconds (the port
                     is bound but not listening), then serve

The listening port is written to --port-file (use --listen 127.0.0.1:0 for
any free port).  Every request is logged on stderr, one line each:
  faultproxy: #3 PUT /wharf/it/x/part-00001.csv.gz -> 503
Stdlib only; stops on SIGTERM/SIGINT.
"""
import argparse
import asyncio
import signal
import socket
import struct
import sys
import time

REASONS = {
    400: "Bad Request", 403: "Forbidden", 404: "Not Found", 408: "Request Timeout",
    429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}
S3_CODES = {500: "InternalError", 503: "SlowDown", 502: "BadGateway", 504: "GatewayTimeout",
            429: "SlowDown", 408: "RequestTimeout", 403: "AccessDenied", 404: "NoSuchKey"}


class Plan:
    def __init__(self, faults, only, match, after):
        self.faults = faults          # list of [kind, arg, remaining or None (forever)]
        self.only = only
        self.match = match
        self.after = after
        self.seen = 0                 # matching requests so far
        self.total = 0                # all requests so far

    def decide(self, method, path):
        """Returns (kind, arg) for this request: kind is 'pass' when no fault applies."""
        self.total += 1
        if self.only and method not in self.only:
            return ("pass", None)
        if self.match and self.match not in path:
            return ("pass", None)
        self.seen += 1
        if self.seen <= self.after:
            return ("pass", None)
        while self.faults:
            f = self.faults[0]
            if f[2] is None:
                return (f[0], f[1])
            if f[2] > 0:
                f[2] -= 1
                if f[2] == 0:
                    self.faults.pop(0)
                return (f[0], f[1])
            self.faults.pop(0)
        return ("pass", None)


def log(msg):
    sys.stderr.write("faultproxy: %s\n" % msg)
    sys.stderr.flush()


def parse_head(head):
    lines = head.split(b"\r\n")
    parts = lines[0].decode("latin-1").split(" ")
    method = parts[0] if parts else ""
    target = parts[1] if len(parts) > 1 else ""
    headers = {}
    for line in lines[1:]:
        if b":" in line:
            k, v = line.split(b":", 1)
            headers[k.decode("latin-1").strip().lower()] = v.decode("latin-1").strip()
    return method, target, headers


def with_connection_close(head):
    """The head with any Connection header replaced by 'Connection: close'."""
    lines = head[:-4].split(b"\r\n")
    kept = [lines[0]] + [l for l in lines[1:] if not l.lower().startswith(b"connection:")]
    kept.append(b"Connection: close")
    return b"\r\n".join(kept) + b"\r\n\r\n"


async def read_body(reader, headers):
    """Reads and drops the request body (unless the client waits for 100 Continue)."""
    if headers.get("expect", "").lower() == "100-continue":
        return
    n = int(headers.get("content-length", "0") or "0")
    while n > 0:
        chunk = await reader.read(min(n, 65536))
        if not chunk:
            return
        n -= len(chunk)


async def pipe(reader, writer, limit=None):
    """Copies reader to writer: limit bytes, or until EOF when limit is None."""
    try:
        while limit is None or limit > 0:
            chunk = await reader.read(65536 if limit is None else min(limit, 65536))
            if not chunk:
                break
            if limit is not None:
                limit -= len(chunk)
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, OSError):
        pass


async def forward(head, headers, reader, writer, upstream):
    host, port = upstream
    try:
        ur, uw = await asyncio.open_connection(host, port)
    except OSError as e:
        log("upstream %s:%d unreachable: %s" % (host, port, e))
        writer.transport.abort()
        return
    uw.write(with_connection_close(head))
    if "chunked" in headers.get("transfer-encoding", "").lower():
        up = asyncio.ensure_future(pipe(reader, uw))
    else:
        up = asyncio.ensure_future(pipe(reader, uw, int(headers.get("content-length", "0") or "0")))
    await pipe(ur, writer)          # the upstream closes after its answer
    up.cancel()
    uw.close()
    writer.close()


async def answer(writer, code, method, path):
    reason = REASONS.get(code, "Error")
    s3code = S3_CODES.get(code, "InternalError")
    body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
            "<Message>faultproxy: injected %d for %s %s</Message><RequestId>faultproxy</RequestId>"
            "</Error>" % (s3code, code, method, path)).encode()
    if method == "HEAD":
        body = b""
    writer.write(("HTTP/1.1 %d %s\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n"
                  "x-amz-request-id: faultproxy\r\nConnection: close\r\n\r\n"
                  % (code, reason, len(body))).encode() + body)
    try:
        await writer.drain()
    except (ConnectionError, OSError):
        pass
    writer.close()


def reset(writer):
    sock = writer.get_extra_info("socket")
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    writer.transport.abort()


async def handle(reader, writer, plan, upstream):
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, OSError):
        writer.close()
        return
    method, target, headers = parse_head(head)
    path = target.split("?", 1)[0]
    kind, arg = plan.decide(method, target)
    n = plan.total
    try:
        if kind == "pass":
            log("#%d %s %s -> forwarded" % (n, method, path))
            await forward(head, headers, reader, writer, upstream)
        elif kind == "delay":
            log("#%d %s %s -> delayed %ss, then forwarded" % (n, method, path, arg))
            await asyncio.sleep(arg)
            await forward(head, headers, reader, writer, upstream)
        elif kind == "fail":
            log("#%d %s %s -> %d" % (n, method, path, arg))
            await read_body(reader, headers)
            await answer(writer, arg, method, path)
        elif kind == "stall":
            log("#%d %s %s -> stalled" % (n, method, path))
            await read_body(reader, headers)
            started = time.monotonic()
            # hold the connection, answering nothing, until the client leaves
            while await reader.read(65536):
                pass
            log("#%d client gave up after %.1fs" % (n, time.monotonic() - started))
            writer.close()
        elif kind == "reset":
            log("#%d %s %s -> reset" % (n, method, path))
            await read_body(reader, headers)
            reset(writer)
        elif kind == "outage":
            log("#%d %s %s -> reset, endpoint down for %ss" % (n, method, path, arg))
            reset(writer)
            await plan.outage(arg)
    except (ConnectionError, OSError) as e:
        log("#%d connection error: %s" % (n, e))
        writer.transport.abort()


class Ordered(argparse.Action):
    """Keeps every fault option in one list, in command-line order."""

    def __call__(self, parser, ns, values, option_string=None):
        faults = getattr(ns, "faults", None) or []
        name = option_string.lstrip("-")
        try:
            if name == "fail":
                code, count = values.split(":")
                faults.append(["fail", int(code), int(count)])
            elif name == "fail-all":
                faults.append(["fail", int(values), None])
            elif name in ("stall", "reset"):
                faults.append([name, None, int(values)])
            elif name in ("stall-all", "reset-all"):
                faults.append([name[:-4], None, None])
            elif name == "outage":
                faults.append(["outage", float(values), 1])
            elif name == "delay":
                secs, count = values.split(":")
                faults.append(["delay", float(secs), int(count)])
        except ValueError:
            parser.error("bad value for %s: %r" % (option_string, values))
        ns.faults = faults


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT (port 0: any free port)")
    p.add_argument("--upstream", required=True, help="http://HOST:PORT of the real endpoint")
    p.add_argument("--port-file", help="write the listening port here")
    p.add_argument("--only", default="", help="methods the faults apply to, e.g. PUT or PUT,GET")
    p.add_argument("--match", default="", help="only requests whose target contains this")
    p.add_argument("--after", type=int, default=0, help="let this many matching requests pass first")
    p.add_argument("--down-for", type=float, default=0.0, help="refuse connections this many seconds")
    p.add_argument("--outage", action=Ordered, metavar="SECS", dest="faults_outage")
    for opt in ("--fail", "--delay"):
        p.add_argument(opt, action=Ordered, metavar="X:N", dest="faults_" + opt[2:])
    p.add_argument("--fail-all", action=Ordered, metavar="CODE", dest="faults_fail_all")
    for opt in ("--stall", "--reset"):
        p.add_argument(opt, action=Ordered, metavar="N", dest="faults_" + opt[2:])
    for opt in ("--stall-all", "--reset-all"):
        p.add_argument(opt, action=Ordered, nargs=0, dest="faults_" + opt[2:].replace("-", "_"))
    args = p.parse_args()
    faults = getattr(args, "faults", None) or []

    up = args.upstream
    if "://" in up:
        up = up.split("://", 1)[1]
    up = up.rstrip("/")
    uhost, uport = up.rsplit(":", 1)
    lhost, lport = args.listen.rsplit(":", 1)
    plan = Plan(faults, [m for m in args.only.upper().split(",") if m], args.match, args.after)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((lhost, int(lport)))
    port = sock.getsockname()[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        import os
        os.replace(args.port_file + ".tmp", args.port_file)
    log("port %d, upstream %s:%s, faults %s%s%s%s" % (
        port, uhost, uport, [(f[0], f[1], f[2] if f[2] is not None else "all") for f in faults] or "none",
        " only " + ",".join(plan.only) if plan.only else "",
        " matching " + repr(plan.match) if plan.match else "",
        " after %d" % plan.after if plan.after else ""))

    async def run():
        loop = asyncio.get_running_loop()
        stop = loop.create_future()
        for s in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(s, lambda: stop.done() or stop.set_result(None))
        if args.down_for > 0:
            # bound but not listening: connections are refused
            log("down for %ss" % args.down_for)
            try:
                await asyncio.wait_for(asyncio.shield(stop), args.down_for)
                return
            except asyncio.TimeoutError:
                pass
            log("up")
        tasks = set()               # strong references: a pending handler is never collected

        def spawn(r, w):
            t = loop.create_task(handle(r, w, plan, (uhost, int(uport))))
            tasks.add(t)
            t.add_done_callback(tasks.discard)

        server = await asyncio.start_server(spawn, sock=sock, limit=1 << 20)
        servers = [server]

        async def outage(secs):
            if not servers:
                return              # already down
            servers.pop().close()   # refuses new connections; open ones go on
            log("down for %ss" % secs)
            await asyncio.sleep(secs)
            if not stop.done():
                servers.append(await asyncio.start_server(spawn, lhost, port, reuse_address=True,
                                                          limit=1 << 20))
                log("up")

        plan.outage = outage
        await stop
        for s in servers:
            s.close()
        log("stopped after %d requests" % plan.total)

    asyncio.run(run())


if __name__ == "__main__":
    main()
