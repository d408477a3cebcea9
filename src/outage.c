/*
 * outage.c
 *    The record of the first outage since the last reset (see outage.h).
 */
#include "outage.h"

#include <pthread.h>
#include <string.h>

static pthread_mutex_t outage_lock = PTHREAD_MUTEX_INITIALIZER;
static outage_service first_outage = OUTAGE_NONE;

void
outage_note(outage_service s)
{
	pthread_mutex_lock(&outage_lock);
	if (first_outage == OUTAGE_NONE)
		first_outage = s;
	pthread_mutex_unlock(&outage_lock);
}

void
outage_reset(void)
{
	pthread_mutex_lock(&outage_lock);
	first_outage = OUTAGE_NONE;
	pthread_mutex_unlock(&outage_lock);
}

outage_service
outage_first(void)
{
	outage_service s;

	pthread_mutex_lock(&outage_lock);
	s = first_outage;
	pthread_mutex_unlock(&outage_lock);
	return s;
}

const char *
outage_service_name(outage_service s)
{
	switch (s)
	{
		case OUTAGE_SOURCE:
			return "source";
		case OUTAGE_WAREHOUSE:
			return "warehouse";
		case OUTAGE_STAGE:
			return "stage";
		case OUTAGE_NONE:
			break;
	}
	return "none";
}

bool
outage_connect_failure_transient(const char *message)
{
	/*
	 * The server's own refusals while it cannot take sessions (57P03 and
	 * 53300), and the socket's failures.  Anything else the server says
	 * (no such role or database, authentication, pg_hba.conf) is the job's.
	 */
	static const char *const phrases[] = {
		"the database system is starting up",
		"the database system is shutting down",
		"the database system is in recovery mode",
		"the database system is not yet accepting connections",
		"the database system is not accepting connections",
		"sorry, too many clients already",
		"remaining connection slots are reserved",
		"terminating connection",
		"Connection refused",
		"Connection reset",
		"Connection timed out",
		"timeout expired",
		"No route to host",
		"Network is unreachable",
		"server closed the connection unexpectedly",
		"could not receive data from server",
		"could not send data to server",
		"No such file or directory",	/* a Unix socket gone while the server is down */
	};

	if (message == NULL)
		return false;
	for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (strstr(message, phrases[i]) != NULL)
			return true;
	return false;
}

bool
outage_sqlstate_lost(const char *sqlstate)
{
	if (sqlstate == NULL)
		return false;
	return strncmp(sqlstate, "08", 2) == 0 ||
		strcmp(sqlstate, "57P01") == 0 ||
		strcmp(sqlstate, "57P02") == 0 ||
		strcmp(sqlstate, "57P03") == 0;
}
