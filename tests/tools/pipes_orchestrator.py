#!/usr/bin/env python3
"""The orchestration side of the Dagster Pipes protocol, for the tests.

Does what Dagster's PipesSubprocessClient does around a subprocess, from the
protocol's documentation (docs.dagster.io "Dagster Pipes details and
customization") and its reference implementation (dagster-io/dagster,
python_modules/dagster-pipes/dagster_pipes/__init__.py), with the standard
library only: writes the context, sets DAGSTER_PIPES_CONTEXT and
DAGSTER_PIPES_MESSAGES (each base64 of zlib-compressed JSON), runs the
command, reads the messages back and checks each against the documented
shape.  Writes a summary as JSON:

    {"exit": N, "methods": [...], "logs": [[level, message], ...],
     "materializations": {asset_key: {name: raw_value}},
     "metadata_types": {asset_key: {name: type}},
     "closed": params, "violations": [...], "raw": "the messages' text"}

usage:
  pipes_orchestrator.py run --summary FILE [--asset-key KEY]... [--no-assets]
      [--context path|data] [--messages path|stderr|stdout] -- COMMAND...
  pipes_orchestrator.py get SUMMARY EXPRESSION    (s is the summary)
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import uuid
import zlib

PROTOCOL_VERSION = "0.1"
METHODS = {"opened", "closed", "log", "report_asset_materialization",
           "report_asset_check", "report_custom_message", "log_external_stream"}
# PipesMetadataType
METADATA_TYPES = {"__infer__", "text", "url", "path", "notebook", "json", "md",
                  "float", "int", "bool", "dagster_run", "asset", "null",
                  "table", "table_schema", "table_column_lineage", "timestamp",
                  "job"}
LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


def encode_param(value):
    """encode_env_var: base64_encode(compress(to_json(value)))."""
    return base64.b64encode(zlib.compress(json.dumps(value).encode())).decode()


def context_data(asset_keys):
    """PipesContextData, as build_external_execution_context_data makes it."""
    return {
        "asset_keys": asset_keys,
        "code_version_by_asset_key": None if asset_keys is None else {k: None for k in asset_keys},
        "provenance_by_asset_key": None if asset_keys is None else {k: None for k in asset_keys},
        "partition_key": None,
        "partition_key_range": None,
        "partition_time_window": None,
        "run_id": str(uuid.uuid4()),
        "job_name": "wharf_test_job",
        "retry_number": 0,
        "extras": {},
    }


class Checker:
    def __init__(self, asset_keys):
        self.asset_keys = asset_keys
        self.violations = []
        self.summary = {"methods": [], "logs": [], "materializations": {},
                        "metadata_types": {}, "closed": None}

    def bad(self, what):
        self.violations.append(what)

    def metadata(self, key, md):
        if not isinstance(md, dict):
            self.bad(f"{key}: metadata is not an object: {md!r}")
            return
        values, types = {}, {}
        for name, v in md.items():
            # PipesMetadataValue: exactly {raw_value, type}
            if not isinstance(v, dict) or set(v) != {"raw_value", "type"}:
                self.bad(f"{key}: metadata {name} is not {{raw_value, type}}: {v!r}")
                continue
            t, raw = v["type"], v["raw_value"]
            if t not in METADATA_TYPES:
                self.bad(f"{key}: metadata {name} has unknown type {t!r}")
            ok = {"int": isinstance(raw, int) and not isinstance(raw, bool),
                  "float": isinstance(raw, (int, float)) and not isinstance(raw, bool),
                  "text": isinstance(raw, str), "bool": isinstance(raw, bool),
                  "null": raw is None}.get(t, True)
            if not ok:
                self.bad(f"{key}: metadata {name} of type {t} holds {raw!r}")
            values[name], types[name] = raw, t
        self.summary["materializations"][key] = values
        self.summary["metadata_types"][key] = types

    def message(self, m):
        # PipesMessage: exactly __dagster_pipes_version, method, params
        if not isinstance(m, dict) or set(m) != {"__dagster_pipes_version", "method", "params"}:
            self.bad(f"not a message: {m!r}")
            return
        if m["__dagster_pipes_version"] != PROTOCOL_VERSION:
            self.bad(f"version {m['__dagster_pipes_version']!r}")
        method, p = m["method"], m["params"]
        self.summary["methods"].append(method)
        if method not in METHODS:
            self.bad(f"unknown method {method!r}")
        if p is not None and not isinstance(p, dict):
            self.bad(f"{method}: params is neither an object nor null")
            return
        if method == "opened":
            if not isinstance(p, dict) or set(p) != {"extras"} or not isinstance(p["extras"], dict):
                self.bad(f"opened: params {p!r}")
        elif method == "log":
            if (not isinstance(p, dict) or set(p) != {"message", "level"} or
                    not isinstance(p["message"], str) or p["level"] not in LEVELS):
                self.bad(f"log: params {p!r}")
            else:
                self.summary["logs"].append([p["level"], p["message"]])
        elif method == "report_asset_materialization":
            if not isinstance(p, dict) or set(p) != {"asset_key", "data_version", "metadata"}:
                self.bad(f"report_asset_materialization: params {p!r}")
                return
            key = p["asset_key"]
            if self.asset_keys is None:
                self.bad(f"materialization of {key!r} in a step without assets")
            elif key not in self.asset_keys:
                self.bad(f"materialization of {key!r}, not one of {self.asset_keys}")
            if key in self.summary["materializations"]:
                self.bad(f"{key!r} materialized twice")
            if p["data_version"] is not None and not isinstance(p["data_version"], str):
                self.bad(f"{key}: data_version {p['data_version']!r}")
            self.metadata(key, p["metadata"])
        elif method == "closed":
            self.summary["closed"] = p
            if p and "exception" in p:
                e = p["exception"]
                # PipesException, as _ser_err_from_pipes_exc reads it
                if (not isinstance(e, dict) or set(e) != {"name", "message", "stack", "cause", "context"} or
                        not isinstance(e["name"], str) or not isinstance(e["message"], str) or
                        not isinstance(e["stack"], list) or
                        not all(isinstance(s, str) for s in e["stack"])):
                    self.bad(f"closed: exception {e!r}")
            elif p not in ({}, None):
                self.bad(f"closed: params {p!r}")

    def stream(self, lines):
        for line in lines:
            try:
                m = json.loads(line)
            except ValueError:
                self.bad(f"not JSON: {line!r}")
                continue
            self.message(m)
        methods = self.summary["methods"]
        if not methods:
            self.bad("no messages")
            return
        if methods[0] != "opened" or methods.count("opened") != 1:
            self.bad(f"opened is not the first and only opening: {methods}")
        if methods[-1] != "closed" or methods.count("closed") != 1:
            self.bad(f"closed is not the last message, once: {methods}")


def text(checker, raw):
    """The messages are read as UTF-8 text, as the orchestrator reads them."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        checker.bad(f"not UTF-8: {e}")
        return raw.decode("utf-8", "replace")


def run(args):
    keys = None if args.no_assets else (args.asset_key or [])
    # the context and messages files, kept beside the summary
    work = args.summary + ".d"
    os.makedirs(work, exist_ok=True)
    data = context_data(keys)
    if args.context == "path":
        ctx_path = os.path.join(work, "context.json")
        with open(ctx_path, "w") as f:
            json.dump(data, f)
        context_params = {"path": ctx_path}
    else:
        context_params = {"data": data}
    msg_path = os.path.join(work, "messages")
    if os.path.exists(msg_path):
        os.unlink(msg_path)
    messages_params = {"path": msg_path} if args.messages == "path" else {"stdio": args.messages}
    env = dict(os.environ)
    env["DAGSTER_PIPES_CONTEXT"] = encode_param(context_params)
    env["DAGSTER_PIPES_MESSAGES"] = encode_param(messages_params)
    proc = subprocess.run(args.command, env=env, capture_output=True)
    sys.stdout.buffer.write(proc.stdout)
    sys.stderr.buffer.write(proc.stderr)

    checker = Checker(keys)
    raw = b""
    if args.messages == "path":
        if os.path.exists(msg_path):
            with open(msg_path, "rb") as f:
                raw = f.read()
        lines = text(checker, raw).splitlines(keepends=True)
        if lines and not lines[-1].endswith("\n"):
            checker.bad("the messages file does not end with a newline")
    else:
        # a stream mixes messages with the process's own lines
        raw = proc.stderr if args.messages == "stderr" else proc.stdout
        lines = [line for line in text(checker, raw).splitlines()
                 if line.startswith('{"__dagster_pipes_version"')]
    checker.stream(lines)
    s = checker.summary
    s["exit"] = proc.returncode
    s["violations"] = checker.violations
    s["raw"] = raw.decode("utf-8", "replace")
    s["stderr"] = proc.stderr.decode("utf-8", "replace")
    with open(args.summary, "w") as f:
        json.dump(s, f, indent=1)
    for v in checker.violations:
        print(f"pipes_orchestrator: protocol violation: {v}", file=sys.stderr)
    return 0


def get(args):
    with open(args.summary) as f:
        s = json.load(f)
    builtins = {"len": len, "sorted": sorted, "set": set, "isinstance": isinstance,
                "all": all, "any": any, "str": str, "int": int, "float": float}
    v = eval(args.expression, {"__builtins__": builtins, "s": s})
    print(v if isinstance(v, str) else json.dumps(v))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--summary", required=True)
    r.add_argument("--asset-key", action="append")
    r.add_argument("--no-assets", action="store_true")
    r.add_argument("--context", choices=["path", "data"], default="path")
    r.add_argument("--messages", choices=["path", "stderr", "stdout"], default="path")
    r.add_argument("command", nargs="+")
    g = sub.add_parser("get")
    g.add_argument("summary")
    g.add_argument("expression")
    args = ap.parse_args()
    return run(args) if args.cmd == "run" else get(args)


if __name__ == "__main__":
    sys.exit(main())
