/*
 * dialect_list.h
 *    The registry's list: every warehouse dialect wharf knows, one line
 *    each, in the order sink_dialects lists them (and job-file messages
 *    name them).
 *
 * SINK_DIALECT(symbol) names the const sink_dialect that the dialect's own
 * file in sinks/ defines.  Adding a dialect is that file and a line here.
 * No include guard: sink_shared.h includes this to declare the symbols,
 * and sink.c to list them, each defining SINK_DIALECT its own way.
 */
SINK_DIALECT(sink_postgres)
SINK_DIALECT(sink_redshift)
SINK_DIALECT(sink_snowflake)
