#!/usr/bin/env python3
"""Checks a system crontab (an /etc/cron.d file) as cron(8) and crontab(5) read it.

Each line is blank, a comment, an environment setting (NAME=value), or a job:
five time fields (or one @nickname), the user, and the command.  A time field
is a list of `*`, `N`, `N-M`, each optionally `/STEP`, within the field's range
(month and day-of-week also take three-letter names; day-of-week 0-7, both 0
and 7 Sunday).  The command must name its program by an absolute path, and
the file must end with a newline (cron ignores a last line without one).

usage: crontab_check.py FILE...     exit 0 when every file passes
"""
import re
import sys

FIELDS = [("minute", 0, 59, None), ("hour", 0, 23, None), ("day of month", 1, 31, None),
          ("month", 1, 12, ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                            "oct", "nov", "dec"]),
          ("day of week", 0, 7, ["sun", "mon", "tue", "wed", "thu", "fri", "sat"])]
NICKNAMES = {"@reboot", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight",
             "@hourly"}


def value(text, lo, hi, names):
    if names and text.lower() in names:
        return names.index(text.lower()) + (1 if lo == 1 else 0)
    if not re.fullmatch(r"[0-9]+", text):
        raise ValueError(f"{text!r} is not a number{' or a name' if names else ''}")
    v = int(text)
    if not lo <= v <= hi:
        raise ValueError(f"{v} is outside {lo}-{hi}")
    return v


def field(text, name, lo, hi, names):
    for item in text.split(","):
        m = re.fullmatch(r"([^/]+)(?:/([0-9]+))?", item)
        if not m:
            raise ValueError(f"{name}: {item!r} is not an item")
        rng, step = m.groups()
        if step is not None and int(step) == 0:
            raise ValueError(f"{name}: step 0")
        if rng == "*":
            continue
        if "-" in rng:
            a, b = rng.split("-", 1)
            if value(a, lo, hi, names) > value(b, lo, hi, names):
                raise ValueError(f"{name}: {rng} runs backwards")
        elif step is not None:
            raise ValueError(f"{name}: a step needs * or a range: {item!r}")
        else:
            try:
                value(rng, lo, hi, names)
            except ValueError as e:
                raise ValueError(f"{name}: {e}")


def check(path):
    problems = []
    with open(path, newline="") as f:
        text = f.read()
    if text and not text.endswith("\n"):
        problems.append("the last line does not end with a newline")
    jobs = 0
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*\s*=.*", s):
            continue
        parts = s.split()
        try:
            if parts[0].startswith("@"):
                if parts[0] not in NICKNAMES:
                    raise ValueError(f"unknown {parts[0]}")
                rest = parts[1:]
            else:
                if len(parts) < 7:
                    raise ValueError("needs five time fields, the user and the command")
                for (name, lo, hi, names), t in zip(FIELDS, parts[:5]):
                    field(t, name, lo, hi, names)
                rest = parts[5:]
            if len(rest) < 2:
                raise ValueError("needs the user and the command")
            if not re.fullmatch(r"[a-z_][a-z0-9_-]*", rest[0]):
                raise ValueError(f"{rest[0]!r} is no user name")
            if not rest[1].startswith("/"):
                raise ValueError(f"the command {rest[1]!r} is not an absolute path")
            jobs += 1
        except ValueError as e:
            problems.append(f"line {n}: {e}: {line}")
    if jobs == 0:
        problems.append("no job")
    return problems


def main():
    failed = False
    for path in sys.argv[1:]:
        for p in check(path):
            print(f"{path}: {p}")
            failed = True
    return 1 if failed or len(sys.argv) < 2 else 0


if __name__ == "__main__":
    sys.exit(main())
