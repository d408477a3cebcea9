#!/usr/bin/env python3
"""check_summary.py: checks wharf's --json summary against the shape the
README documents ("JSON summary"), independently of the C code that writes
it.

usage: check_summary.py FILE [--command C] [--ok | --fail] [--exit N]
                        [--error-part P] [--error-table T] [--table T ...]
FILE holds what wharf printed on stdout: exactly one JSON object, on one
line.  Prints what is wrong and exits 1, or exits 0.
"""
import argparse
import json
import re
import sys

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")
LSN = re.compile(r"^[0-9A-F]{1,8}/[0-9A-F]{1,8}$")
COMMANDS = {"check", "plan", "stage", "snapshot", "incremental", "sync", "status", "retire"}
PARTS = {None, "job", "source", "stage", "warehouse", "sync"}

problems = []


def want(cond, what):
    if not cond:
        problems.append(what)
    return cond


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return (isinstance(v, (int, float))) and not isinstance(v, bool)


def check_envelope(o):
    for key, test, what in [
        ("wharf", lambda v: isinstance(v, str) and v, "a version string"),
        ("command", lambda v: v in COMMANDS, "a command name"),
        ("job", lambda v: v is None or isinstance(v, str), "a string or null"),
        ("ok", lambda v: isinstance(v, bool), "a boolean"),
        ("exit_code", lambda v: is_int(v) and v in (0, 1, 2), "0, 1 or 2"),
        ("started_at", lambda v: isinstance(v, str) and ISO.match(v), "ISO 8601 UTC"),
        ("finished_at", lambda v: isinstance(v, str) and ISO.match(v), "ISO 8601 UTC"),
        ("duration_s", lambda v: is_num(v) and v >= 0, "seconds"),
        ("errors", lambda v: isinstance(v, list), "a list"),
        ("warnings", lambda v: isinstance(v, list), "a list"),
        ("tables", lambda v: isinstance(v, list), "a list"),
    ]:
        if want(key in o, "no \"%s\"" % key):
            want(test(o[key]), "\"%s\" is %r, not %s" % (key, o[key], what))
    if problems:
        return
    want(o["ok"] == (o["exit_code"] == 0), "ok and exit_code disagree")
    want(o["started_at"] <= o["finished_at"], "finished before it started")
    want(o["ok"] or len(o["errors"]) > 0, "a failure without an error message")
    for e in o["errors"]:
        if want(isinstance(e, dict), "an error that is not an object: %r" % e):
            want(set(e) == {"message", "part", "table"}, "error keys %s" % sorted(e))
            want(isinstance(e.get("message"), str) and e.get("message"), "an empty error message")
            want(e.get("part") in PARTS, "error part %r" % e.get("part"))
            want(e.get("table") is None or isinstance(e.get("table"), str), "error table %r" % e.get("table"))
    for w in o["warnings"]:
        want(isinstance(w, str) and w, "a warning that is not a string: %r" % w)
    for t in o["tables"]:
        if want(isinstance(t, dict), "a table that is not an object: %r" % t):
            want(isinstance(t.get("table"), str) and t.get("table") not in ("", "*"),
                 "a table entry named %r" % t.get("table"))
            want("target" in t, "table %s has no target" % t.get("table"))


def check_command(o):
    cmd = o["command"]
    tables = o["tables"]
    if cmd == "check":
        for part in ("source", "stage", "warehouse"):
            want(part in o and o[part] in (True, False, None), "check: \"%s\" is not true/false/null" % part)
    elif cmd == "plan" and o["ok"]:
        want(isinstance(o.get("dialect"), str), "plan: no dialect")
        want(isinstance(o.get("statements"), list) and all(isinstance(s, str) for s in o["statements"]),
             "plan: statements is not a list of strings")
        want(is_int(o.get("statements_schema_work")), "plan: no statements_schema_work count")
    elif cmd in ("stage", "snapshot") and o["ok"]:
        want(isinstance(o.get("load_id"), str), "%s: no load_id" % cmd)
        for t in tables:
            for key in ("rows", "parts", "bytes"):
                want(is_int(t.get(key)) and t[key] >= 0, "%s: table %s: %s is %r" % (cmd, t["table"], key, t.get(key)))
            want("manifest" in t, "%s: table %s has no manifest member" % (cmd, t["table"]))
    elif cmd == "incremental" and o["ok"]:
        want(isinstance(o.get("load_id"), str), "incremental: no load_id")
        for t in tables:
            want(t.get("load") in ("incremental", "full"), "incremental: table %s: load %r" % (t["table"], t.get("load")))
            want(isinstance(t.get("cursor"), str), "incremental: table %s: cursor" % t["table"])
            want(is_int(t.get("rows")) and t["rows"] >= 0, "incremental: table %s: rows" % t["table"])
            want(isinstance(t.get("mark"), str), "incremental: table %s: mark %r" % (t["table"], t.get("mark")))
            want(t.get("previous_mark") is None or isinstance(t["previous_mark"], str), "incremental: previous_mark")
            want(t.get("reconciled_keys") is None or is_int(t["reconciled_keys"]), "incremental: reconciled_keys")
    elif cmd == "status" and o["ok"]:
        want("stream" in o and "slot" in o, "status: no stream or slot member")
        s = o.get("stream")
        if s is not None and want(isinstance(s, dict), "status: stream is %r" % s):
            want(LSN.match(s.get("position") or ""), "status: stream position %r" % s.get("position"))
            want(s.get("updated_at") is None or ISO.match(s["updated_at"]), "status: stream updated_at %r" % s.get("updated_at"))
        slot = o.get("slot")
        if slot is not None and want(isinstance(slot, dict), "status: slot is %r" % slot):
            want(isinstance(slot.get("name"), str) and isinstance(slot.get("exists"), bool), "status: slot name/exists")
            if slot.get("exists"):
                want(slot.get("wal_status") in ("reserved", "extended", "unreserved", "lost"),
                     "status: slot wal_status %r" % slot.get("wal_status"))
                want(is_int(slot.get("lag_bytes")) and slot["lag_bytes"] >= 0, "status: slot lag_bytes %r" % slot.get("lag_bytes"))
                want(isinstance(slot.get("lag"), str), "status: slot lag text")
                want(isinstance(slot.get("active"), bool), "status: slot active")
        for m in o.get("marks", []):
            want(isinstance(m.get("table"), str) and (m.get("loaded_at") is None or ISO.match(m["loaded_at"])),
                 "status: mark %r" % m)
        for t in tables:
            want(t.get("loaded_at") is None or ISO.match(t["loaded_at"]), "status: loaded_at %r" % t.get("loaded_at"))
            want(isinstance(t.get("kind"), str), "status: kind")
            want(t.get("rows") is None or is_int(t["rows"]), "status: rows")
    elif cmd == "sync":
        want(o.get("position") is None or LSN.match(o["position"]), "sync: position %r" % o.get("position"))
        for key in ("batches", "changes"):
            want(is_int(o.get(key)), "sync: %s is %r" % (key, o.get(key)))
        want(isinstance(o.get("follow"), bool), "sync: follow")
        total = 0
        for t in tables:
            for key in ("changes", "inserts", "updates", "deletes", "truncates"):
                want(is_int(t.get(key)) and t[key] >= 0, "sync: table %s: %s is %r" % (t["table"], key, t.get(key)))
            if not problems:
                want(t["changes"] == t["inserts"] + t["updates"] + t["deletes"] + t["truncates"],
                     "sync: table %s: changes is not the sum of its kinds" % t["table"])
                total += t["changes"]
            snap = t.get("snapshot", "missing")
            if want(snap is None or isinstance(snap, dict), "sync: table %s: snapshot is %r" % (t["table"], snap)):
                if snap:
                    want(is_int(snap.get("rows")) and isinstance(snap.get("reason"), str) and snap["reason"],
                         "sync: table %s: snapshot %r" % (t["table"], snap))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--command")
    ap.add_argument("--ok", action="store_true")
    ap.add_argument("--fail", action="store_true")
    ap.add_argument("--exit", type=int)
    ap.add_argument("--error-part")
    ap.add_argument("--error-table")
    ap.add_argument("--table", action="append", default=[])
    a = ap.parse_args()
    text = open(a.file).read()
    lines = [l for l in text.splitlines() if l.strip()]
    if len(lines) != 1:
        print("expected one line of JSON on stdout, got %d: %r" % (len(lines), text[:300]))
        return 1
    try:
        o = json.loads(lines[0])
    except ValueError as e:
        print("not JSON: %s: %r" % (e, lines[0][:300]))
        return 1
    if not isinstance(o, dict):
        print("not an object")
        return 1
    check_envelope(o)
    if not problems:
        check_command(o)
    if a.command:
        want(o.get("command") == a.command, "command is %r, not %s" % (o.get("command"), a.command))
    if a.ok:
        want(o.get("ok") is True, "ok is not true: errors %r" % o.get("errors"))
    if a.fail:
        want(o.get("ok") is False, "ok is not false")
    if a.exit is not None:
        want(o.get("exit_code") == a.exit, "exit_code is %r, not %d" % (o.get("exit_code"), a.exit))
    if a.error_part:
        want(any(e.get("part") == a.error_part for e in o.get("errors", [])),
             "no error with part %s: %r" % (a.error_part, o.get("errors")))
    if a.error_table:
        want(any(e.get("table") == a.error_table for e in o.get("errors", [])),
             "no error naming table %s: %r" % (a.error_table, o.get("errors")))
    names = [t.get("table") for t in o.get("tables", [])]
    for t in a.table:
        want(t in names, "table %s missing from tables %r" % (t, names))
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
