#!/usr/bin/env node
// tests/tools/sqlparse_check.mjs: parses every statement of wharf's golden SQL
// files with an outside parser, datafusion-sqlparser-rs (the npm package
// @guanmingchiu/sqlparser-ts, a WASM build), in each file's own dialect:
// postgres_* as PostgreSQL, snowflake_* as Snowflake, redshift_* as Redshift.
//
// Why: the goldens pin the Snowflake and Redshift SQL, but no warehouse here
// runs it (the integration tests load into a Postgres stand-in), so a
// statement Snowflake or Redshift would reject as a syntax error could be
// pinned unnoticed. A parser written by others, from their reading of each
// vendor's grammar, catches that class of mistake. It is weak evidence the
// other way: it accepts some SQL the warehouses refuse, and it knows nothing
// of semantics (see ../shared/reviews/dialect-sql-2026-12-02.md, "Independent
// parser").
//
// Files are split as tests/unit/test_sinks.c and `wharf plan` write them:
// statements separated by ";\n\n". Leading lines starting with `--` are
// comments (a chunk of comments only is no statement); lines that are exactly
// BEGIN;/COMMIT;/END;/ROLLBACK; are statements of their own. Each statement
// must parse as exactly one statement. The only failures excused are the
// parser's known gaps in GAPS below, by name: a statement of that shape may
// fail in its dialect with that error, and then must parse with the generic
// dialect, and, with the gap's construct taken out, in its own dialect too.
// First the parser must refuse a broken statement in each dialect, so that a
// parser that accepts everything cannot pass.
//
// Usage: node sqlparse_check.mjs [--package DIR] [--dialect D] PATH...
//   PATH: a .sql file or a directory (its postgres_*, snowflake_*, redshift_*
//   .sql files), or - for standard input (needs --dialect; e.g. `wharf plan`).
//   --package: the installed package folder; default $WHARF_SQLPARSER, else
//   ${WHARF_CACHE:-$HOME/.cache/wharf}/sqlparser/node_modules/@guanmingchiu/sqlparser-ts
//   (where ci/install-deps puts it). --dialect: postgres, snowflake, redshift,
//   for every PATH, instead of the file names' prefixes.
// Prints `ok - FILE#N` / `not ok - FILE#N ...` per statement, a summary per
// dialect, then `N passed, N failed`; exits 1 on any failure (a missing or
// wrong-version package is one), 2 on a usage error.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// The version the gaps below were established with: ci/install-deps pins the
// same (sqlparser_version there). Change both together, and re-check GAPS.
const PARSER_VERSION = '0.62.0';
const PACKAGE = '@guanmingchiu/sqlparser-ts';

// wharf's dialect (file-name prefix) -> the parser's dialect name.
const DIALECTS = { postgres: 'postgresql', snowflake: 'snowflake', redshift: 'redshift' };

// Known parser gaps, by name. Each: the wharf dialect it applies to, the
// statement shape (statement), the parser error it gives (error), how to take
// the construct out (strip: [regex, replacement]), why it is the parser's gap
// and not wharf's mistake, and the evidence.
const GAPS = [
  {
    name: 'snowflake-add-column-if-not-exists',
    dialect: 'snowflake',
    statement: /^ALTER\s+TABLE\s.*?\sADD\s+(?:COLUMN\s+)?IF\s+NOT\s+EXISTS\s/is,
    error: /Expected: end of statement, found: EXISTS\b/,
    strip: [/(\sADD\s+(?:COLUMN\s+)?)IF\s+NOT\s+EXISTS\s+/i, '$1'],
    why: 'Snowflake documents ALTER TABLE ... ADD [ COLUMN ] [ IF NOT EXISTS ] ' +
      '(https://docs.snowflake.com/en/sql-reference/sql/alter-table, table column actions); ' +
      'sqlparser 0.62 accepts IF NOT EXISTS there only for the PostgreSQL, BigQuery, DuckDB ' +
      'and generic dialects (a hard-coded dialect_of! check)',
    evidence: 'apache/datafusion-sqlparser-rs pull request 2639 ("Snowflake supports IF NOT EXISTS ' +
      'on ALTER TABLE ... ADD [COLUMN]", adds Dialect::supports_add_column_if_not_exists)',
  },
];

const TRANSACTION_LINE = /^(?:BEGIN|COMMIT|END|ROLLBACK)(?:\s+(?:TRANSACTION|WORK))?;$/i;

function usage(msg) {
  process.stderr.write(`sqlparse_check: ${msg}\n` +
    'usage: node sqlparse_check.mjs [--package DIR] [--dialect postgres|snowflake|redshift] PATH...\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { pkg: null, dialect: null, paths: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--package' || a === '--dialect') {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      o[a === '--package' ? 'pkg' : 'dialect'] = argv[++i];
    } else if (a.startsWith('--package=')) o.pkg = a.slice(10);
    else if (a.startsWith('--dialect=')) o.dialect = a.slice(10);
    else if (a === '-h' || a === '--help') usage('help');
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else o.paths.push(a);
  }
  if (o.paths.length === 0) usage('no golden file or directory given');
  if (o.dialect !== null && !(o.dialect in DIALECTS)) usage(`unknown dialect ${o.dialect}`);
  if (o.pkg === null) {
    const cache = process.env.WHARF_CACHE || path.join(os.homedir(), '.cache', 'wharf');
    o.pkg = process.env.WHARF_SQLPARSER ||
      path.join(cache, 'sqlparser', 'node_modules', ...PACKAGE.split('/'));
  }
  return o;
}

// [{name, dialect, text}] for every PATH; throws on unreadable paths.
function collectFiles(paths, dialect) {
  const files = [];
  const dialectOf = (name) => {
    if (dialect !== null) return dialect;
    const m = /^(postgres|snowflake|redshift)_/.exec(path.basename(name));
    return m ? m[1] : null;
  };
  for (const p of paths) {
    if (p === '-') {
      if (dialect === null) usage('- (standard input) needs --dialect');
      files.push({ name: '<stdin>', dialect, text: fs.readFileSync(0, 'utf8') });
    } else if (fs.statSync(p).isDirectory()) {
      const names = fs.readdirSync(p).filter((n) => n.endsWith('.sql') && dialectOf(n)).sort();
      if (names.length === 0) throw new Error(`${p}: no postgres_*, snowflake_* or redshift_* .sql files`);
      for (const n of names) {
        files.push({ name: n, dialect: dialectOf(n), text: fs.readFileSync(path.join(p, n), 'utf8') });
      }
    } else {
      const d = dialectOf(p);
      if (d === null) usage(`${p}: no dialect in its name (postgres_*, snowflake_*, redshift_*): pass --dialect`);
      files.push({ name: path.basename(p), dialect: d, text: fs.readFileSync(p, 'utf8') });
    }
  }
  return files;
}

// The statements of one file: [{n, line, sql}] (sql without its final ';').
function splitStatements(text) {
  const out = [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let cur = [];
  let curLine = 0;
  const flush = () => {
    let sql = cur.join('\n').replace(/\s+$/, '');
    if (sql.endsWith(';')) sql = sql.slice(0, -1);
    if (sql.trim() !== '') out.push({ n: out.length + 1, line: curLine, sql });
    cur = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (cur.length === 0) {
      // between statements: blank lines and comment lines
      if (l.trim() === '' || l.startsWith('--')) continue;
      curLine = i + 1;
    }
    if (TRANSACTION_LINE.test(l.trim())) {
      // BEGIN;/COMMIT; on a line of its own: a statement by itself
      flush();
      cur = [l.trim()];
      curLine = i + 1;
      flush();
      continue;
    }
    cur.push(l);
    // ";\n\n" ends a statement
    if (l.endsWith(';') && i + 1 < lines.length && lines[i + 1] === '') flush();
  }
  flush();
  return out;
}

async function loadParser(pkg) {
  const meta = path.join(pkg, 'package.json');
  if (!fs.existsSync(meta)) {
    throw new Error(`${PACKAGE} is not installed at ${pkg}: run ci/install-deps ` +
      '(or point --package / WHARF_SQLPARSER at it)');
  }
  const info = JSON.parse(fs.readFileSync(meta, 'utf8'));
  if (info.version !== PARSER_VERSION) {
    throw new Error(`${PACKAGE} at ${pkg} is ${info.version}, the check is written for ` +
      `${PARSER_VERSION}: run ci/install-deps`);
  }
  const entry = (info.exports && info.exports['.'] && info.exports['.'].import) || info.module;
  const mod = await import(pathToFileURL(path.join(pkg, entry)).href);
  await mod.init();
  return mod;
}

function firstLine(msg) {
  return String(msg).split('\n')[0];
}

// One parse: null if it gave exactly one statement, else the reason.
function tryParse(parser, sql, dialect) {
  try {
    const ast = parser.parse(sql, dialect);
    if (ast.length !== 1) return `${ast.length} statements where one was expected (a missing ";\\n\\n"?)`;
    return null;
  } catch (e) {
    return firstLine(e && e.message ? e.message : e);
  }
}

// Checks one statement: {ok, gap?, why?}.
function checkStatement(parser, st, dialect) {
  const own = DIALECTS[dialect];
  const err = tryParse(parser, st.sql, own);
  if (err === null) return { ok: true };
  const gap = GAPS.find((g) => g.dialect === dialect && g.statement.test(st.sql) && g.error.test(err));
  if (!gap) return { ok: false, why: `${own}: ${err}` };
  const generic = tryParse(parser, st.sql, 'generic');
  if (generic !== null) {
    return { ok: false, why: `${own}: ${err}; matches gap ${gap.name} but fails with the generic dialect too: ${generic}` };
  }
  const stripped = st.sql.replace(gap.strip[0], gap.strip[1]);
  const rest = tryParse(parser, stripped, own);
  if (rest !== null) {
    return { ok: false, why: `${own}: ${err}; matches gap ${gap.name} but fails without it too: ${rest}` };
  }
  return { ok: true, gap };
}

async function main() {
  const started = process.hrtime.bigint();
  const o = parseArgs(process.argv.slice(2));
  let files;
  let parser;
  try {
    files = collectFiles(o.paths, o.dialect);
    parser = await loadParser(o.pkg);
  } catch (e) {
    console.log(`not ok - sqlparse setup: ${firstLine(e.message)}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }

  let passed = 0;
  let failed = 0;
  const perDialect = {};
  const gapUse = new Map(GAPS.map((g) => [g.name, 0]));

  // Self-test: the parser must refuse a broken statement in every dialect
  // (a parser that accepts everything would pass every golden).
  for (const d of Object.keys(DIALECTS)) {
    if (tryParse(parser, 'CREATE TABLE "t" ("a" INT', DIALECTS[d]) === null) {
      console.log(`not ok - selftest: ${DIALECTS[d]} accepts an unterminated CREATE TABLE`);
      failed++;
    }
  }

  for (const f of files) {
    const stats = perDialect[f.dialect] ||= { files: 0, statements: 0, parsed: 0, gap: 0, failed: 0 };
    const statements = splitStatements(f.text);
    stats.files++;
    if (statements.length === 0) {
      console.log(`not ok - ${f.name}: no statement in it`);
      failed++;
      stats.failed++;
      continue;
    }
    for (const st of statements) {
      const r = checkStatement(parser, st, f.dialect);
      stats.statements++;
      if (r.ok && r.gap) {
        console.log(`ok - ${f.name}#${st.n} # gap ${r.gap.name}`);
        gapUse.set(r.gap.name, gapUse.get(r.gap.name) + 1);
        stats.gap++;
        passed++;
      } else if (r.ok) {
        console.log(`ok - ${f.name}#${st.n}`);
        stats.parsed++;
        passed++;
      } else {
        console.log(`not ok - ${f.name}#${st.n} (line ${st.line}) ${r.why}`);
        console.log(`#   ${st.sql.split('\n')[0]}`);
        stats.failed++;
        failed++;
      }
    }
  }

  console.log(`# ${PACKAGE} ${PARSER_VERSION} (datafusion-sqlparser-rs) at ${o.pkg}`);
  for (const [d, s] of Object.entries(perDialect)) {
    console.log(`# ${d} (${DIALECTS[d]} dialect): ${s.files} files, ${s.statements} statements: ` +
      `${s.parsed} parse, ${s.gap} excused by a named gap, ${s.failed} fail`);
  }
  for (const g of GAPS) {
    const used = gapUse.get(g.name);
    console.log(`# gap ${g.name} (${g.dialect}): ${used ? `${used} statements` : 'not needed by these files'}; ` +
      `${g.why}; ${g.evidence}`);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`# took ${(ms / 1000).toFixed(2)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
