/*
 * outage.h
 *    Failures that are outages rather than errors: a connection lost, a
 *    server restarting, crashed or not accepting connections yet, an object
 *    store that answers 5xx or not at all.  Waiting may cure them; an error
 *    of the job, the data or the rights (a wrong password, a missing table,
 *    bad SQL, a slot that was dropped) never passes by itself.
 *
 * The module that reports a failure knows which kind it is: src/source/
 * (libpq), src/warehouse/ (ODBC) and src/upload/ (curl) note an outage here
 * when they report one, with the service it struck.  The sync driver, which
 * rides out outages under --follow, asks which service an outage struck
 * first since it last reset the record.  This file only keeps the record
 * (and the phrases libpq's connection failures share); it talks to no
 * server.
 */
#ifndef WHARF_OUTAGE_H
#define WHARF_OUTAGE_H

#include <stdbool.h>

typedef enum outage_service
{
	OUTAGE_NONE = 0,
	OUTAGE_SOURCE,
	OUTAGE_WAREHOUSE,
	OUTAGE_STAGE
} outage_service;

/* Notes an outage of service s (from any thread); the first one is kept. */
extern void outage_note(outage_service s);
extern void outage_reset(void);
/* The service the first outage since outage_reset struck, or OUTAGE_NONE. */
extern outage_service outage_first(void);
/* "source", "warehouse", "stage" */
extern const char *outage_service_name(outage_service s);

/*
 * Whether libpq's text for a failed connection attempt (also what psqlODBC
 * passes on, under SQLSTATE 08001 whatever the cause) says the server was
 * unreachable, down, starting, shutting down or full, rather than refusing
 * the job's credentials or database.
 */
extern bool outage_connect_failure_transient(const char *message);

/*
 * Whether a SQLSTATE means the connection is gone or the server is going
 * or not there yet: class 08 (connection exception), 57P01 admin_shutdown,
 * 57P02 crash_shutdown, 57P03 cannot_connect_now.
 */
extern bool outage_sqlstate_lost(const char *sqlstate);

#endif
