#!/usr/bin/env python3
"""sigv4gate: an HTTP proxy that checks AWS Signature Version 4 the way S3 does.

What it is for
    The integration tests run wharf against s3rver, an S3 stand-in that
    accepts any request at all: no signature, a wrong one, a body that does
    not match its digest.  A test against s3rver alone therefore says nothing
    about whether real S3 would take wharf's requests.  sigv4gate sits in
    front of s3rver, checks every request as S3 would, answers a bad one with
    S3's XML error and status code, and forwards a good one unchanged.

What it checks
    - Authorization header (AWS4-HMAC-SHA256): Credential, SignedHeaders and
      Signature parse (else 400 AuthorizationHeaderMalformed); the scope is
      KEY/yyyymmdd/region/s3/aws4_request, the region taken from it; the key
      is known (403 InvalidAccessKeyId); x-amz-date is there, on the scope's
      day and within 15 minutes of now (403 RequestTimeTooSkewed);
      x-amz-content-sha256 is there (400 InvalidRequest); host and every
      x-amz-* header are signed and every signed header is present; the
      signature, recomputed from the canonical request, matches (compared in
      constant time; 403 SignatureDoesNotMatch); a hex x-amz-content-sha256
      matches the body (400 XAmzContentSHA256Mismatch); UNSIGNED-PAYLOAD is
      accepted.
    - Presigned URLs (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
      X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature): the same scope and
      key checks, X-Amz-Expires in 1..604800, not expired (403 AccessDenied
      "Request has expired"), host signed, and the signature over a canonical
      query without X-Amz-Signature and the payload UNSIGNED-PAYLOAD.
    - Content-MD5, when sent, matches the body (400 BadDigest).
    - Anonymous requests are refused (403 AccessDenied), as a private bucket
      refuses them.
    The canonical request is S3's: the path as it came on the wire (S3 neither
    normalizes it nor encodes it a second time; a byte the client left raw
    that SigV4 encodes, such as "$", counts as its %XX form, as in AWS's PUT
    example), the query sorted by encoded name then value with empty values
    kept as "name=", header values trimmed with inner runs of spaces made
    one, header names lowercase and sorted.  Each refusal is logged on stderr:
        sigv4gate: refused PUT /wharf/key: SignatureDoesNotMatch: ...

Why it is our own
    The project must run its tests from a bare clone: nothing from outside the
    repository, no npm packages for the checking itself (s3rver checks
    nothing, so the checking cannot be left to it).  This file needs only
    Python 3's standard library.

Where it comes from
    Written from the Amazon S3 API Reference, "Authenticating Requests (AWS
    Signature Version 4)": "Signature Calculations for the Authorization
    Header: Transferring Payload in a Single Chunk" (the canonical request
    and its examples: GET Object, PUT Object, GET Bucket Lifecycle, GET
    Bucket (List Objects)) and "Authenticating Requests: Using Query
    Parameters" (presigned URLs and their GET Object example), and from
    "Error Responses" for the codes.  --self-test checks verify() against
    those published examples.

Usage
    sigv4gate.py --listen HOST:PORT --upstream http://HOST:PORT \\
                 --key KEY --secret SECRET [--port-file FILE] [--verbose]
    sigv4gate.py --self-test
With --listen 127.0.0.1:0 the system picks the port; --port-file gets the
bound port (written to FILE.tmp, then renamed) once the gate listens.  A port
that is taken ends the gate with exit code 3.  SIGTERM and SIGINT stop it.
"""
import argparse
import base64
import binascii
import calendar
import errno
import hashlib
import hmac
import http.client
import http.server
import os
import queue
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
SKEW_S = 15 * 60
MAX_EXPIRES_S = 604800
IO_CHUNK = 1 << 20
BODY_CHUNK = 4 << 20          # request bodies are read (and hashed) in pieces of this size

# RFC 3986 unreserved characters, which SigV4 never encodes
UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
HEXDIGITS = frozenset(b"0123456789abcdefABCDEF")
HEX64 = re.compile(r"[0-9a-fA-F]{64}")
AMZ_DATE = re.compile(r"\d{8}T\d{6}Z")

# Hop-by-hop headers (RFC 9110 7.6.1), plus Expect: the gate answers it itself
HOP_BY_HOP = frozenset(("connection", "keep-alive", "proxy-connection", "te", "trailer",
                        "transfer-encoding", "upgrade", "expect", "proxy-authenticate",
                        "proxy-authorization"))


class Refusal(Exception):
    """A request S3 would refuse: HTTP status, S3 error code, message."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def __repr__(self):
        return "Refusal(%d, %s, %r)" % (self.status, self.code, self.message)


def malformed_auth(message):
    return Refusal(400, "AuthorizationHeaderMalformed", message)


def query_auth_error(message):
    return Refusal(400, "AuthorizationQueryParametersError", message)


# ---------------------------------------------------------------------------
# The canonical request
# ---------------------------------------------------------------------------

def uri_encode(data):
    """SigV4's UriEncode of bytes: every byte but the unreserved ones as %XX."""
    return urllib.parse.quote_from_bytes(data, safe="")


def canonical_uri(raw_path):
    """The path as sent (a latin-1 string of the wire bytes), left as it is:
    S3 does not normalize it or encode it twice.  Only bytes that SigV4 always
    encodes and the client sent raw (such as "$" or a space) are written as
    %XX, so that "/test$file.text" and "/test%24file.text" sign alike."""
    if raw_path == "":
        return "/"
    data = raw_path.encode("latin-1")
    if all(b in UNRESERVED or b == 0x2F for b in data):
        return raw_path
    out = []
    i = 0
    n = len(data)
    while i < n:
        b = data[i]
        if b == 0x25 and i + 2 < n and data[i + 1] in HEXDIGITS and data[i + 2] in HEXDIGITS:
            out.append(data[i:i + 3].decode("ascii"))
            i += 3
            continue
        if b in UNRESERVED or b == 0x2F:
            out.append(chr(b))
        else:
            out.append("%%%02X" % b)
        i += 1
    return "".join(out)


def parse_query(raw_query):
    """The query string's parameters as (name, value) byte pairs, decoded once
    ("+" is a space, as S3 reads it); a name without "=" has the value b""."""
    params = []
    if not raw_query:
        return params
    for piece in raw_query.encode("latin-1").split(b"&"):
        if not piece:
            continue
        name, _, value = piece.partition(b"=")
        params.append((urllib.parse.unquote_to_bytes(name.replace(b"+", b" ")),
                       urllib.parse.unquote_to_bytes(value.replace(b"+", b" "))))
    return params


def canonical_query(params):
    """Each name and value URI-encoded, sorted by encoded name then value,
    joined as name=value with "&"; empty values stay as "name="."""
    pairs = sorted((uri_encode(n), uri_encode(v)) for n, v in params)
    return "&".join("%s=%s" % nv for nv in pairs)


_SPACES = re.compile(r" {2,}")


def canonical_header_value(values):
    """Values of one header (several are joined with commas), each trimmed
    and with inner runs of spaces made one."""
    return ",".join(_SPACES.sub(" ", v.strip(" \t")) for v in values)


def header_map(headers):
    """lowercase name -> list of values, in the order sent"""
    out = {}
    for name, value in headers:
        out.setdefault(name.lower(), []).append(value)
    return out


def canonical_request(method, path, query_params, hdrs, signed, payload_hash):
    """The canonical request (bytes) for SignedHeaders list `signed`."""
    lines = [method, canonical_uri(path), canonical_query(query_params)]
    for name in signed:
        lines.append("%s:%s" % (name, canonical_header_value(hdrs[name])))
    lines.append("")
    lines.append(";".join(signed))
    lines.append(payload_hash)
    # header values are kept as their wire bytes (http.client reads them as latin-1)
    return "\n".join(lines).encode("latin-1", "replace")


def signing_key(secret, day, region, service="s3"):
    key = ("AWS4" + secret).encode("utf-8")
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def compute_signature(secret, amz_date, day, region, creq):
    string_to_sign = "\n".join((ALGORITHM, amz_date, "%s/%s/s3/aws4_request" % (day, region),
                                hashlib.sha256(creq).hexdigest()))
    return hmac.new(signing_key(secret, day, region), string_to_sign.encode("utf-8"),
                    hashlib.sha256).hexdigest()


def parse_amz_date(text):
    """yyyymmddThhmmssZ -> seconds since the epoch, or None"""
    if text is None or not AMZ_DATE.fullmatch(text):
        return None
    try:
        return calendar.timegm(time.strptime(text, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        return None


def parse_scope(credential):
    """KEY/yyyymmdd/region/s3/aws4_request -> (key, day, region), or None"""
    parts = credential.split("/")
    if len(parts) != 5:
        return None
    key, day, region, service, terminator = parts
    if (not key or not re.fullmatch(r"\d{8}", day) or not region or service != "s3"
            or terminator != "aws4_request"):
        return None
    return key, day, region


def check_signed_headers(hdrs, signed, header_auth):
    if "host" not in signed:
        raise Refusal(403, "AccessDenied",
                      "There were headers present in the request which were not signed: host")
    for name in signed:
        if name not in hdrs:
            raise Refusal(403, "SignatureDoesNotMatch",
                          "The signed header %s is not in the request" % name)
    if header_auth:
        unsigned = sorted(n for n in hdrs if n.startswith("x-amz-") and n not in signed)
        if unsigned:
            raise Refusal(403, "AccessDenied",
                          "There were headers present in the request which were not signed: "
                          + ", ".join(unsigned))


# ---------------------------------------------------------------------------
# verify()
# ---------------------------------------------------------------------------

def verify(method, target, headers, secrets, body=None, now=None):
    """Checks one request as S3 would.  target is the request-target as sent
    (path and query), headers a list of (name, value) pairs, secrets a dict
    key id -> secret.  With body (bytes), the body checks are made too;
    without, only what can be checked before the body is read.  Returns None
    when S3 would accept the request, else a Refusal."""
    if now is None:
        now = time.time()
    try:
        verify_auth(method, target, headers, secrets, now)
        if body is not None:
            check_body(headers, body)
    except Refusal as refusal:
        return refusal
    return None


def verify_auth(method, target, headers, secrets, now):
    path, _, raw_query = target.partition("?")
    params = parse_query(raw_query)
    hdrs = header_map(headers)
    auth = hdrs.get("authorization")
    query_auth = any(n in (b"X-Amz-Algorithm", b"X-Amz-Credential", b"X-Amz-Signature")
                     for n, _ in params)
    if auth is not None and query_auth:
        raise Refusal(400, "InvalidArgument",
                      "Only one auth mechanism allowed; only the X-Amz-Algorithm query "
                      "parameter or the Authorization header should be specified")
    if auth is not None:
        if len(auth) != 1:
            raise malformed_auth("more than one Authorization header")
        verify_header_auth(method, path, params, hdrs, auth[0], secrets, now)
    elif query_auth:
        verify_query_auth(method, path, params, hdrs, secrets, now)
    else:
        raise Refusal(403, "AccessDenied", "Access Denied (anonymous requests are refused)")


def verify_header_auth(method, path, params, hdrs, auth, secrets, now):
    scheme, _, rest = auth.strip().partition(" ")
    if scheme != ALGORITHM:
        if scheme == "AWS":
            raise Refusal(400, "InvalidRequest",
                          "The authorization mechanism you have provided is not supported. "
                          "Please use AWS4-HMAC-SHA256.")
        raise Refusal(400, "InvalidArgument", "Unsupported Authorization Type")
    fields = {}
    for item in rest.split(","):
        name, eq, value = item.strip().partition("=")
        if not eq or name in fields or name not in ("Credential", "SignedHeaders", "Signature"):
            raise malformed_auth("The authorization header is malformed; cannot parse %r"
                                 % item.strip())
        fields[name] = value.strip()
    if len(fields) != 3:
        raise malformed_auth("The authorization header is malformed; it needs Credential, "
                             "SignedHeaders and Signature")
    scope = parse_scope(fields["Credential"])
    if scope is None:
        raise malformed_auth("The authorization header is malformed; the Credential is "
                             "mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/"
                             "aws4_request\".")
    key, day, region = scope
    signed = fields["SignedHeaders"].split(";")
    if any(not n or n != n.lower() for n in signed):
        raise malformed_auth("The authorization header is malformed; SignedHeaders must be "
                             "lowercase names separated by \";\"")
    if not re.fullmatch(r"[0-9a-f]{64}", fields["Signature"]):
        raise malformed_auth("The authorization header is malformed; the Signature is not "
                             "64 lowercase hex digits")
    if key not in secrets:
        raise Refusal(403, "InvalidAccessKeyId",
                      "The AWS Access Key Id you provided does not exist in our records.")
    amz_date = hdrs.get("x-amz-date", [None])[0]
    when = parse_amz_date(amz_date)
    if when is None:
        raise Refusal(403, "AccessDenied",
                      "AWS authentication requires a valid Date or x-amz-date header")
    if amz_date[:8] != day:
        raise malformed_auth("Invalid credential date \"%s\". Date is not the same as "
                             "X-Amz-Date: \"%s\"." % (day, amz_date[:8]))
    if abs(now - when) > SKEW_S:
        raise Refusal(403, "RequestTimeTooSkewed",
                      "The difference between the request time and the current time is too "
                      "large.")
    payload = hdrs.get("x-amz-content-sha256")
    if payload is None:
        raise Refusal(400, "InvalidRequest",
                      "Missing required header for this request: x-amz-content-sha256")
    payload = payload[0].strip()
    if payload.startswith("STREAMING-"):
        raise Refusal(501, "NotImplemented",
                      "x-amz-content-sha256 %s (chunked signing) is not supported by this gate"
                      % payload)
    if payload != UNSIGNED_PAYLOAD and not HEX64.fullmatch(payload):
        raise Refusal(400, "InvalidArgument",
                      "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-... or a valid "
                      "sha256 value.")
    check_signed_headers(hdrs, signed, header_auth=True)
    creq = canonical_request(method, path, params, hdrs, signed, payload)
    want = compute_signature(secrets[key], amz_date, day, region, creq)
    if not hmac.compare_digest(want, fields["Signature"]):
        raise Refusal(403, "SignatureDoesNotMatch",
                      "The request signature we calculated does not match the signature you "
                      "provided. Check your key and signing method.")


def verify_query_auth(method, path, params, hdrs, secrets, now):
    auth = {}
    for name, value in params:
        if name.startswith(b"X-Amz-"):
            if name in auth:
                raise query_auth_error("%s is given more than once" % name.decode("latin-1"))
            auth[name] = value.decode("utf-8", "replace")
    if auth.get(b"X-Amz-Algorithm") != ALGORITHM:
        raise query_auth_error("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
    needed = (b"X-Amz-Credential", b"X-Amz-Date", b"X-Amz-Expires", b"X-Amz-SignedHeaders",
              b"X-Amz-Signature")
    if any(n not in auth for n in needed):
        raise query_auth_error("Query-string authentication version 4 requires the "
                               "X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, "
                               "X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
    scope = parse_scope(auth[b"X-Amz-Credential"])
    if scope is None:
        raise query_auth_error("Error parsing the X-Amz-Credential parameter; expecting "
                               "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
    key, day, region = scope
    if key not in secrets:
        raise Refusal(403, "InvalidAccessKeyId",
                      "The AWS Access Key Id you provided does not exist in our records.")
    amz_date = auth[b"X-Amz-Date"]
    when = parse_amz_date(amz_date)
    if when is None:
        raise query_auth_error("X-Amz-Date must be in the ISO8601 Long Format "
                               "\"yyyyMMdd'T'HHmmss'Z'\"")
    if amz_date[:8] != day:
        raise query_auth_error("Invalid credential date \"%s\". Date is not the same as "
                               "X-Amz-Date: \"%s\"." % (day, amz_date[:8]))
    expires = auth[b"X-Amz-Expires"]
    if not re.fullmatch(r"\d{1,10}", expires) or int(expires) < 1:
        raise query_auth_error("X-Amz-Expires must be a whole number of seconds from 1 to %d"
                               % MAX_EXPIRES_S)
    if int(expires) > MAX_EXPIRES_S:
        raise query_auth_error("X-Amz-Expires must be less than a week (in seconds) that is "
                               "%d" % MAX_EXPIRES_S)
    if now < when - SKEW_S:
        raise Refusal(403, "AccessDenied", "Request is not valid yet")
    if now > when + int(expires):
        raise Refusal(403, "AccessDenied", "Request has expired")
    signed = auth[b"X-Amz-SignedHeaders"].split(";")
    if any(not n or n != n.lower() for n in signed):
        raise query_auth_error("X-Amz-SignedHeaders must be lowercase names separated by \";\"")
    check_signed_headers(hdrs, signed, header_auth=False)
    rest = [(n, v) for n, v in params if n != b"X-Amz-Signature"]
    creq = canonical_request(method, path, rest, hdrs, signed, UNSIGNED_PAYLOAD)
    want = compute_signature(secrets[key], amz_date, day, region, creq)
    if not hmac.compare_digest(want.encode("ascii"),
                               auth[b"X-Amz-Signature"].encode("utf-8", "replace")):
        raise Refusal(403, "SignatureDoesNotMatch",
                      "The request signature we calculated does not match the signature you "
                      "provided. Check your key and signing method.")


def body_digests_needed(headers):
    """The digests check_body will want: a subset of ("sha256", "md5")."""
    hdrs = header_map(headers)
    need = []
    if HEX64.fullmatch(hdrs.get("x-amz-content-sha256", [""])[0].strip()):
        need.append("sha256")
    if "content-md5" in hdrs:
        need.append("md5")
    return need


def check_body(headers, body, digests=None):
    """The checks that need the body: x-amz-content-sha256 (when a digest)
    and Content-MD5 (when sent).  digests may hold the body's "sha256" and
    "md5" digests (bytes), computed already.  Raises Refusal."""
    def digest(name):
        if digests is not None and name in digests:
            return digests[name]
        return hashlib.new(name, body).digest()

    hdrs = header_map(headers)
    payload = hdrs.get("x-amz-content-sha256", [""])[0].strip()
    if HEX64.fullmatch(payload):
        if digest("sha256").hex() != payload.lower():
            raise Refusal(400, "XAmzContentSHA256Mismatch",
                          "The provided 'x-amz-content-sha256' header does not match what was "
                          "computed.")
    md5 = hdrs.get("content-md5")
    if md5 is not None:
        try:
            want_md5 = base64.b64decode(md5[0].strip(), validate=True)
        except (binascii.Error, ValueError):
            want_md5 = b""
        if len(want_md5) != 16:
            raise Refusal(400, "InvalidDigest", "The Content-MD5 you specified was invalid.")
        if digest("md5") != want_md5:
            raise Refusal(400, "BadDigest",
                          "The Content-MD5 you specified did not match what we received.")


# ---------------------------------------------------------------------------
# The proxy
# ---------------------------------------------------------------------------

def xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def error_body(code, message):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s'
            '</Message></Error>' % (xml_escape(code), xml_escape(message))).encode("utf-8")


class Upstream:
    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the upstream must be an http:// or https:// URL, not %r" % url)
        self.url = url
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        self.netloc = parts.netloc

    def connect(self):
        cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        return cls(self.host, self.port, timeout=300)


class Digester:
    """A hash computed by a thread of its own from the pieces fed to it."""

    def __init__(self, name):
        self.name = name
        self.hash = hashlib.new(name)
        self.pieces = queue.SimpleQueue()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while True:
            piece = self.pieces.get()
            if piece is None:
                return
            self.hash.update(piece)

    def feed(self, piece):
        self.pieces.put(piece)

    def finish(self):
        self.pieces.put(None)
        self.thread.join()
        return self.hash.digest()


class GateHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sigv4gate"
    timeout = 600               # an idle or stalled client connection is dropped after this

    upstream_conn = None

    # Expect: 100-continue is answered once the headers have been checked
    def handle_expect_100(self):
        return True

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("sigv4gate: %s %s\n" % (self.address_string(), fmt % args))

    def raw_target(self):
        # self.path has had leading "//" folded by http.server; the gate needs
        # the request-target exactly as sent
        words = self.requestline.split()
        return words[1] if len(words) >= 2 else self.path

    def handle_any(self):
        target = self.raw_target()
        method = self.command
        headers = list(self.headers.items())
        expect = self.headers.get("Expect", "").strip().lower() == "100-continue"

        te = self.headers.get("Transfer-Encoding")
        if te is not None and te.strip().lower() != "identity":
            self.refuse(method, target, Refusal(501, "NotImplemented",
                        "A header you provided implies functionality that is not implemented "
                        "(Transfer-Encoding: %s; send Content-Length)" % te), close=True)
            return
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            if method in ("PUT", "POST"):
                self.refuse(method, target, Refusal(411, "MissingContentLength",
                            "You must provide the Content-Length HTTP header."), close=True)
                return
            length = 0
        elif not length_text.strip().isdigit():
            self.refuse(method, target, Refusal(400, "InvalidArgument",
                        "Content-Length %r is not a number" % length_text), close=True)
            return
        else:
            length = int(length_text)

        refusal = verify(method, target, headers, self.server.secrets)
        if refusal is not None:
            # without a 100 Continue the client sends no body (or is sending
            # it already: then it is read and dropped, to keep the connection)
            self.refuse(method, target, refusal, unread=length, close=expect and length > 0)
            return
        if expect:
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body, digests = self.read_body(length, body_digests_needed(headers))
        if body is None:
            self.close_connection = True
            return
        try:
            check_body(headers, body, digests)
        except Refusal as refusal_after:
            self.refuse(method, target, refusal_after)
            return
        self.forward(method, target, body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = handle_any

    def read_body(self, length, need):
        """The request body, exactly length bytes, and the digests named in
        need, computed by threads of their own while the body comes in
        (hashlib lets go of the GIL); (None, None) if the client went away."""
        if length == 0:
            return b"", None
        body = bytearray(length)
        view = memoryview(body)
        hashers = [Digester(name) for name in need] if length > BODY_CHUNK else []
        got = 0
        try:
            while got < length:
                n = self.rfile.readinto(view[got:got + BODY_CHUNK])
                if not n:
                    return None, None
                for h in hashers:
                    h.feed(view[got:got + n])
                got += n
        except OSError:
            return None, None
        finally:
            digests = {h.name: h.finish() for h in hashers}
        return body, digests

    def drain(self, length):
        """Reads and drops length bytes of request body; False if that failed."""
        try:
            while length > 0:
                chunk = self.rfile.read(min(length, IO_CHUNK))
                if not chunk:
                    return False
                length -= len(chunk)
        except OSError:
            return False
        return True

    def refuse(self, method, target, refusal, unread=0, close=False):
        sys.stderr.write("sigv4gate: refused %s %s: %s: %s\n"
                         % (method, target.partition("?")[0], refusal.code, refusal.message))
        sys.stderr.flush()
        if unread > 0 and not close and not self.drain(unread):
            self.close_connection = True
            return
        body = error_body(refusal.code, refusal.message)
        self.send_response(refusal.status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(body)
        if close:
            self.linger()

    def linger(self):
        """Closes for writing, then reads what the client still sends for a
        moment, so that unread request bytes do not turn the close into a
        reset that could discard the response."""
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(2)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and self.connection.recv(IO_CHUNK):
                pass
        except OSError:
            pass

    def forward_headers(self, length):
        named = set()
        for value in self.headers.get_all("Connection", []):
            named.update(v.strip().lower() for v in value.split(","))
        out = [("Host", self.server.upstream.netloc)]
        for name, value in self.headers.items():
            low = name.lower()
            if low in HOP_BY_HOP or low in named or low in ("host", "content-length"):
                continue
            out.append((name, value))
        out.append(("Content-Length", str(length)))
        return out

    def send_upstream(self, method, target, headers, body):
        """Sends the request, reusing this client connection's upstream
        connection; one retry on a fresh one if a kept one had gone stale."""
        fresh = self.upstream_conn is None
        for attempt in (1, 2):
            if self.upstream_conn is None:
                self.upstream_conn = self.server.upstream.connect()
            conn = self.upstream_conn
            try:
                conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
                for name, value in headers:
                    conn.putheader(name, value)
                conn.endheaders(body if body else None)
                return conn.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest, http.client.BadStatusLine):
                conn.close()
                self.upstream_conn = None
                if fresh or attempt == 2:
                    raise
                fresh = True
            except Exception:
                conn.close()
                self.upstream_conn = None
                raise
        raise AssertionError("not reached")

    def forward(self, method, target, body):
        # http.client sends the request line as ASCII: other bytes go as %XX
        wire_target = target
        if any(ord(c) > 0x7E or ord(c) <= 0x20 for c in target):
            wire_target = "".join(c if 0x20 < ord(c) <= 0x7E else "%%%02X" % ord(c)
                                  for c in target)
        try:
            resp = self.send_upstream(method, wire_target, self.forward_headers(len(body)), body)
        except (OSError, http.client.HTTPException) as e:
            self.refuse(method, target, Refusal(502, "BadGateway",
                        "the upstream %s did not answer: %s" % (self.server.upstream.url, e)))
            return
        try:
            self.relay(method, resp)
        finally:
            if resp.will_close or not resp.isclosed():
                if self.upstream_conn is not None:
                    self.upstream_conn.close()
                self.upstream_conn = None

    def relay(self, method, resp):
        no_body = method == "HEAD" or resp.status in (204, 304) or 100 <= resp.status < 200
        self.send_response_only(resp.status, resp.reason)
        for name, value in resp.getheaders():
            low = name.lower()
            if low in HOP_BY_HOP:
                continue
            if low == "content-length" and not no_body and resp.length is None:
                continue
            self.send_header(name, value)
        chunked = False
        if not no_body and resp.length is None:
            if self.request_version >= "HTTP/1.1":
                chunked = True
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.close_connection = True
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if no_body:
            resp.read()
            return
        buf = bytearray(IO_CHUNK)
        view = memoryview(buf)
        try:
            while True:
                n = resp.readinto(view)
                if not n:
                    break
                if chunked:
                    self.wfile.write(b"%X\r\n" % n)
                    self.wfile.write(view[:n])
                    self.wfile.write(b"\r\n")
                else:
                    self.wfile.write(view[:n])
        except (http.client.HTTPException, OSError) as e:
            # the upstream broke off (or the client left): the client can only
            # tell from a connection that closes short
            sys.stderr.write("sigv4gate: %s %s: the response broke off: %s\n"
                             % (method, self.raw_target().partition("?")[0], e))
            self.close_connection = True
            return
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def finish(self):
        if self.upstream_conn is not None:
            self.upstream_conn.close()
            self.upstream_conn = None
        super().finish()


class GateServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, upstream, secrets, verbose=False):
        self.upstream = upstream
        self.secrets = secrets
        self.verbose = verbose
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, GateHandler)

    def handle_error(self, request, client_address):
        # a client that goes away mid-request is not worth a traceback
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        super().handle_error(request, client_address)


def parse_listen(text):
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise ValueError("--listen wants HOST:PORT, not %r" % text)
    host = host.strip("[]") or "127.0.0.1"
    return host, int(port)


def write_port_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def serve(args):
    try:
        host, port = parse_listen(args.listen)
        upstream = Upstream(args.upstream)
    except ValueError as e:
        sys.stderr.write("sigv4gate: %s\n" % e)
        return 2
    try:
        server = GateServer((host, port), upstream, {args.key: args.secret}, args.verbose)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            sys.stderr.write("sigv4gate: cannot listen on %s:%d: port %d is already in use "
                             "(EADDRINUSE)\n" % (host, port, port))
        else:
            sys.stderr.write("sigv4gate: cannot listen on %s:%d (port %d): %s\n"
                             % (host, port, port, e.strerror or e))
        return 3
    bound = server.server_address[1]
    if args.port_file:
        write_port_file(args.port_file, bound)

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stderr.write("sigv4gate: listening on %s:%d, forwarding to %s\n"
                     % (host, bound, upstream.url))
    sys.stderr.flush()
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()
    return 0


# ---------------------------------------------------------------------------
# --self-test
# ---------------------------------------------------------------------------

# The examples of the Amazon S3 API Reference ("Signature Calculations for the
# Authorization Header: Transferring Payload in a Single Chunk", section
# "Examples: Signature Calculations"; and "Authenticating Requests: Using
# Query Parameters", its GET Object example): requests, key, secret and the
# signatures as published there.  An HMAC-SHA256 signature cannot be matched
# by accident, so each example that verifies shows that the canonical request
# is built exactly as AWS builds it.
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AWS_SECRETS = {AWS_KEY: AWS_SECRET}
AWS_HOST = "examplebucket.s3.amazonaws.com"
AWS_NOW = calendar.timegm((2013, 5, 24, 0, 0, 30, 0, 0, 0))
AWS_CRED = AWS_KEY + "/20130524/us-east-1/s3/aws4_request"
AWS_BODY = b"Welcome to Amazon S3."


def aws_auth(signed, signature):
    return "%s Credential=%s,SignedHeaders=%s,Signature=%s" % (ALGORITHM, AWS_CRED, signed,
                                                               signature)


EX_GET_OBJECT = ("GET", "/test.txt", [
    ("Host", AWS_HOST),
    ("Authorization", aws_auth("host;range;x-amz-content-sha256;x-amz-date",
                               "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")),
    ("Range", "bytes=0-9"),
    ("x-amz-content-sha256", EMPTY_SHA256),
    ("x-amz-date", "20130524T000000Z"),
])
EX_PUT_OBJECT = ("PUT", "/test$file.text", [
    ("Host", AWS_HOST),
    ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
    ("Authorization", aws_auth("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                               "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")),
    ("x-amz-date", "20130524T000000Z"),
    ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
    ("x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"),
])
EX_GET_LIFECYCLE = ("GET", "/?lifecycle", [
    ("Host", AWS_HOST),
    ("Authorization", aws_auth("host;x-amz-content-sha256;x-amz-date",
                               "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")),
    ("x-amz-date", "20130524T000000Z"),
    ("x-amz-content-sha256", EMPTY_SHA256),
])
EX_LIST_OBJECTS = ("GET", "/?max-keys=2&prefix=J", [
    ("Host", AWS_HOST),
    ("Authorization", aws_auth("host;x-amz-content-sha256;x-amz-date",
                               "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")),
    ("x-amz-date", "20130524T000000Z"),
    ("x-amz-content-sha256", EMPTY_SHA256),
])
EX_PRESIGNED = ("GET", "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
                [("Host", AWS_HOST)])


def replace_header(headers, name, value):
    return [(n, value if n.lower() == name.lower() else v) for n, v in headers]


def sign_for_test(method, target, headers, key, secret, when, region="us-east-1",
                  payload=EMPTY_SHA256):
    """Signs a request with this file's own canonicalization (for the HTTP
    round trips of the self-test, not as evidence of correctness: the AWS
    examples are that)."""
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(when))
    headers = headers + [("x-amz-date", amz_date), ("x-amz-content-sha256", payload)]
    hdrs = header_map(headers)
    signed = sorted(hdrs)
    path, _, query = target.partition("?")
    creq = canonical_request(method, path, parse_query(query), hdrs, signed, payload)
    sig = compute_signature(secret, amz_date, amz_date[:8], region, creq)
    return headers + [("Authorization", "%s Credential=%s/%s/%s/s3/aws4_request,"
                       "SignedHeaders=%s,Signature=%s" % (ALGORITHM, key, amz_date[:8], region,
                                                          ";".join(signed), sig))]


def presign_for_test(method, host, path, key, secret, when, expires):
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(when))
    cred = "%s/%s/us-east-1/s3/aws4_request" % (key, amz_date[:8])
    params = [(b"X-Amz-Algorithm", ALGORITHM.encode()), (b"X-Amz-Credential", cred.encode()),
              (b"X-Amz-Date", amz_date.encode()), (b"X-Amz-Expires", str(expires).encode()),
              (b"X-Amz-SignedHeaders", b"host")]
    creq = canonical_request(method, path, params, {"host": [host]}, ["host"], UNSIGNED_PAYLOAD)
    sig = compute_signature(secret, amz_date, amz_date[:8], "us-east-1", creq)
    return "%s?%s&X-Amz-Signature=%s" % (path, canonical_query(params), sig)


def verify_cases():
    """(name, thunk returning a Refusal or None, expected code or None)"""
    get_m, get_t, get_h = EX_GET_OBJECT
    put_m, put_t, put_h = EX_PUT_OBJECT
    pre_m, pre_t, pre_h = EX_PRESIGNED
    good_md5 = base64.b64encode(hashlib.md5(AWS_BODY).digest()).decode()
    bad_md5 = base64.b64encode(hashlib.md5(b"something else").digest()).decode()
    v = verify
    return [
        # the published examples must verify
        ("AWS example: GET Object (Range)",
         lambda: v(get_m, get_t, get_h, AWS_SECRETS, b"", AWS_NOW), None),
        ("AWS example: PUT Object (x-amz-storage-class, body)",
         lambda: v(put_m, put_t, put_h, AWS_SECRETS, AWS_BODY, AWS_NOW), None),
        ("AWS example: PUT Object, path sent as /test%24file.text",
         lambda: v(put_m, "/test%24file.text", put_h, AWS_SECRETS, AWS_BODY, AWS_NOW), None),
        ("AWS example: GET Bucket Lifecycle (?lifecycle)",
         lambda: v(*EX_GET_LIFECYCLE, AWS_SECRETS, b"", AWS_NOW), None),
        ("AWS example: GET Bucket list objects (?max-keys=2&prefix=J)",
         lambda: v(*EX_LIST_OBJECTS, AWS_SECRETS, b"", AWS_NOW), None),
        ("AWS example: GET Bucket list objects, query sent as ?prefix=J&max-keys=2",
         lambda: v("GET", "/?prefix=J&max-keys=2", EX_LIST_OBJECTS[2], AWS_SECRETS, b"",
                   AWS_NOW), None),
        ("AWS example: presigned GET URL",
         lambda: v(pre_m, pre_t, pre_h, AWS_SECRETS, b"", AWS_NOW), None),
        ("AWS example: presigned GET URL, 23 hours on",
         lambda: v(pre_m, pre_t, pre_h, AWS_SECRETS, b"", AWS_NOW + 23 * 3600), None),
        ("AWS example: PUT Object with the right Content-MD5",
         lambda: v(put_m, put_t, put_h + [("Content-MD5", good_md5)], AWS_SECRETS, AWS_BODY,
                   AWS_NOW), None),
        ("AWS example: header values with extra spaces still verify",
         lambda: v(get_m, get_t, replace_header(get_h, "Range", "  bytes=0-9 "), AWS_SECRETS,
                   b"", AWS_NOW), None),
        # and these must be refused
        ("tampered path refused (presigned)",
         lambda: v(pre_m, pre_t.replace("test.txt", "test.txu"), pre_h, AWS_SECRETS, b"",
                   AWS_NOW), "SignatureDoesNotMatch"),
        ("tampered path refused (header)",
         lambda: v(get_m, "/test.txu", get_h, AWS_SECRETS, b"", AWS_NOW),
         "SignatureDoesNotMatch"),
        ("path normalized by a proxy refused",
         lambda: v(get_m, "/./test.txt", get_h, AWS_SECRETS, b"", AWS_NOW),
         "SignatureDoesNotMatch"),
        ("tampered query refused",
         lambda: v("GET", "/?max-keys=3&prefix=J", EX_LIST_OBJECTS[2], AWS_SECRETS, b"",
                   AWS_NOW), "SignatureDoesNotMatch"),
        ("tampered signed header refused",
         lambda: v(get_m, get_t, replace_header(get_h, "Range", "bytes=0-99"), AWS_SECRETS, b"",
                   AWS_NOW), "SignatureDoesNotMatch"),
        ("expired presigned URL refused",
         lambda: v(pre_m, pre_t, pre_h, AWS_SECRETS, b"", AWS_NOW + 86401), "AccessDenied"),
        ("presigned URL with X-Amz-Expires over a week refused",
         lambda: v(pre_m, pre_t.replace("Expires=86400", "Expires=604801"), pre_h, AWS_SECRETS,
                   b"", AWS_NOW), "AuthorizationQueryParametersError"),
        ("wrong secret refused (header)",
         lambda: v(get_m, get_t, get_h, {AWS_KEY: "not-the-secret"}, b"", AWS_NOW),
         "SignatureDoesNotMatch"),
        ("wrong secret refused (presigned)",
         lambda: v(pre_m, pre_t, pre_h, {AWS_KEY: "not-the-secret"}, b"", AWS_NOW),
         "SignatureDoesNotMatch"),
        ("unknown access key refused",
         lambda: v(get_m, get_t, get_h, {"AKIDOTHER": AWS_SECRET}, b"", AWS_NOW),
         "InvalidAccessKeyId"),
        ("body not matching x-amz-content-sha256 refused",
         lambda: v(put_m, put_t, put_h, AWS_SECRETS, b"Welcome to Amazon S3!", AWS_NOW),
         "XAmzContentSHA256Mismatch"),
        ("bad Content-MD5 refused",
         lambda: v(put_m, put_t, put_h + [("Content-MD5", bad_md5)], AWS_SECRETS, AWS_BODY,
                   AWS_NOW), "BadDigest"),
        ("malformed Content-MD5 refused",
         lambda: v(put_m, put_t, put_h + [("Content-MD5", "xyz")], AWS_SECRETS, AWS_BODY,
                   AWS_NOW), "InvalidDigest"),
        ("anonymous request refused",
         lambda: v("GET", "/test.txt", [("Host", AWS_HOST)], AWS_SECRETS, b"", AWS_NOW),
         "AccessDenied"),
        ("request 20 minutes off refused",
         lambda: v(get_m, get_t, get_h, AWS_SECRETS, b"", AWS_NOW + 1200),
         "RequestTimeTooSkewed"),
        ("missing x-amz-content-sha256 refused",
         lambda: v("GET", "/?lifecycle", [h for h in EX_GET_LIFECYCLE[2]
                                           if h[0] != "x-amz-content-sha256"],
                   AWS_SECRETS, b"", AWS_NOW), "InvalidRequest"),
        ("malformed Authorization refused",
         lambda: v(get_m, get_t, replace_header(get_h, "Authorization",
                                                ALGORITHM + " Credential=" + AWS_CRED),
                   AWS_SECRETS, b"", AWS_NOW), "AuthorizationHeaderMalformed"),
        ("credential scope for another service refused",
         lambda: v(get_m, get_t, replace_header(get_h, "Authorization", aws_auth(
             "host;range;x-amz-content-sha256;x-amz-date", "0" * 64).replace("/s3/", "/ec2/")),
             AWS_SECRETS, b"", AWS_NOW), "AuthorizationHeaderMalformed"),
        ("unsigned x-amz-* header refused",
         lambda: v(get_m, get_t, get_h + [("x-amz-acl", "public-read")], AWS_SECRETS, b"",
                   AWS_NOW), "AccessDenied"),
        ("unsigned host refused",
         lambda: v(pre_m, pre_t.replace("SignedHeaders=host", "SignedHeaders=range"),
                   pre_h + [("Range", "bytes=0-9")], AWS_SECRETS, b"", AWS_NOW),
         "AccessDenied"),
        ("UNSIGNED-PAYLOAD accepted with any body",
         lambda: v("PUT", "/k", sign_for_test("PUT", "/k", [("Host", "h")], "K", "S", AWS_NOW,
                                              payload=UNSIGNED_PAYLOAD),
                   {"K": "S"}, b"any body", AWS_NOW), None),
        ("canonical query: encoding, order, empty values (round trip)",
         lambda: v("GET", "/b?z=%7E&a=2&a=1&empty=&flag&sp=a%20b+c",
                   sign_for_test("GET", "/b?flag=&a=1&sp=a+b%20c&a=2&empty&z=~",
                                 [("Host", "h")], "K", "S", AWS_NOW),
                   {"K": "S"}, b"", AWS_NOW), None),
    ]


class _FakeUpstream(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        body = b"hello from upstream " + self.headers.get("Host", "").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("ETag", '"%s"' % hashlib.md5(body).hexdigest())
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(b"3\r\nput\r\n0\r\n\r\n")


def http_cases():
    """Round trips through a gate on a free port in front of a fake upstream."""
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FakeUpstream)
    upstream.daemon_threads = True
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    up_url = "http://127.0.0.1:%d" % upstream.server_address[1]
    gate = GateServer(("127.0.0.1", 0), Upstream(up_url), {"K": "S"})
    threading.Thread(target=gate.serve_forever, daemon=True).start()
    gate_host = "127.0.0.1:%d" % gate.server_address[1]
    down = GateServer(("127.0.0.1", 0), Upstream("http://127.0.0.1:1"), {"K": "S"})
    threading.Thread(target=down.serve_forever, daemon=True).start()
    down_host = "127.0.0.1:%d" % down.server_address[1]
    saved_stderr = sys.stderr

    def request(host, method, target, headers, body=None, conn=None):
        c = conn or http.client.HTTPConnection(host, timeout=10)
        c.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for n, val in headers:
            c.putheader(n, val)
        c.endheaders(body)
        r = c.getresponse()
        data = r.read()
        if conn is None:
            c.close()
        return r.status, data, r

    def anonymous():
        st, data, _ = request(gate_host, "GET", "/wharf/", [("Host", gate_host)])
        return st == 403 and b"<Code>AccessDenied</Code>" in data, (st, data[:120])

    def keep_alive():
        c = http.client.HTTPConnection(gate_host, timeout=10)
        out = []
        socks = []
        for _ in range(3):
            h = sign_for_test("GET", "/wharf/k", [("Host", gate_host)], "K", "S", time.time())
            st, data, r = request(gate_host, "GET", "/wharf/k", h, conn=c)
            out.append((st, data, r.will_close))
            socks.append(c.sock)
        c.close()
        # the upstream sees its own address as Host
        want = b"hello from upstream " + up_url[7:].encode()
        same = socks[0] is not None and all(x is socks[0] for x in socks)
        return all(o == (200, want, False) for o in out) and same, out

    def put_chunked_reply():
        body = os.urandom(3 << 20)
        h = sign_for_test("PUT", "/wharf/big", [("Host", gate_host)], "K", "S", time.time(),
                          payload=hashlib.sha256(body).hexdigest())
        h.append(("Content-Length", str(len(body))))
        st, data, r = request(gate_host, "PUT", "/wharf/big", h, body)
        return (st == 200 and data == b"put"
                and r.getheader("ETag") == '"%s"' % hashlib.md5(body).hexdigest()), (st, data)

    def expect_100(secret):
        body = b"x" * 2000000
        h = sign_for_test("PUT", "/wharf/e", [("Host", gate_host)], "K", secret, time.time(),
                          payload=hashlib.sha256(body).hexdigest())
        h += [("Content-Length", str(len(body))), ("Expect", "100-continue")]
        s = socket.create_connection(gate.server_address, timeout=10)
        s.sendall(("PUT /wharf/e HTTP/1.1\r\n" + "".join("%s: %s\r\n" % x for x in h)
                   + "\r\n").encode("latin-1"))
        first = s.recv(65536)
        if first.startswith(b"HTTP/1.1 100"):
            s.sendall(body)
            first = b""
        rest = first
        while b"\r\n\r\n" not in rest:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
        s.close()
        return rest.split(b"\r\n", 1)[0].decode("latin-1")

    def expect_ok():
        line = expect_100("S")
        return line.startswith("HTTP/1.1 200"), line

    def expect_refused():
        line = expect_100("wrong")
        return line.startswith("HTTP/1.1 403"), line

    def presigned():
        target = presign_for_test("GET", gate_host, "/wharf/p%20q", "K", "S", time.time(), 60)
        st, data, _ = request(gate_host, "GET", target, [("Host", gate_host)])
        expired = presign_for_test("GET", gate_host, "/wharf/p%20q", "K", "S",
                                   time.time() - 120, 60)
        st2, data2, _ = request(gate_host, "GET", expired, [("Host", gate_host)])
        return (st == 200 and st2 == 403 and b"Request has expired" in data2), (st, st2, data2)

    def unreachable():
        h = sign_for_test("GET", "/wharf/k", [("Host", down_host)], "K", "S", time.time())
        st, data, _ = request(down_host, "GET", "/wharf/k", h)
        return st == 502 and b"<Error>" in data, (st, data[:120])

    cases = [("http: anonymous GET answered 403 AccessDenied in XML", anonymous),
             ("http: keep-alive, three signed GETs on one connection relayed", keep_alive),
             ("http: signed 3 MB PUT forwarded, chunked reply relayed", put_chunked_reply),
             ("http: Expect: 100-continue, good signature -> 100 then 200", expect_ok),
             ("http: Expect: 100-continue, bad signature -> 403 without 100", expect_refused),
             ("http: presigned GET relayed, expired one refused", presigned),
             ("http: upstream unreachable -> 502", unreachable)]
    results = []
    sys.stderr = open(os.devnull, "w")      # the gates' refusal lines
    try:
        for name, fn in cases:
            try:
                ok, detail = fn()
            except Exception as e:  # noqa: BLE001 - reported as a failure
                ok, detail = False, repr(e)
            results.append((name, ok, detail))
    finally:
        sys.stderr.close()
        sys.stderr = saved_stderr
        for s in (gate, down, upstream):
            s.shutdown()
            s.server_close()
    return results


def self_test():
    passed = failed = 0
    for name, thunk, want in verify_cases():
        try:
            got = thunk()
        except Exception as e:  # noqa: BLE001 - reported as a failure
            got = Refusal(0, "exception", repr(e))
        ok = (got is None) if want is None else (got is not None and got.code == want)
        if ok:
            passed += 1
            print("ok  %s" % name)
        else:
            failed += 1
            print("FAIL %s: got %s, wanted %s"
                  % (name, "accepted" if got is None else "%s (%s)" % (got.code, got.message),
                     "accepted" if want is None else want))
    for name, ok, detail in http_cases():
        if ok:
            passed += 1
            print("ok  %s" % name)
        else:
            failed += 1
            print("FAIL %s: %r" % (name, detail))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


def main(argv=None):
    p = argparse.ArgumentParser(prog="sigv4gate.py",
                                description="A SigV4-checking HTTP proxy in front of s3rver.")
    p.add_argument("--listen", help="HOST:PORT to listen on (PORT 0: any free port)")
    p.add_argument("--upstream", help="the S3 stand-in to forward to, http://HOST:PORT")
    p.add_argument("--key", help="the access key id requests must be signed with")
    p.add_argument("--secret", help="its secret access key")
    p.add_argument("--port-file", help="write the bound port here once listening")
    p.add_argument("--verbose", action="store_true", help="log every request on stderr")
    p.add_argument("--self-test", action="store_true",
                   help="check verify() against AWS's published examples, then exit")
    args = p.parse_args(argv)
    if args.self_test:
        return self_test()
    missing = [o for o in ("listen", "upstream", "key", "secret") if getattr(args, o) is None]
    if missing:
        p.error("needs " + ", ".join("--" + m for m in missing) + " (or --self-test)")
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
