/*
 * hashmap.c
 *    A map from 64-bit hashes to 64-bit values, for the keys and rows one
 *    segment or one transaction must remember (rows.c, batch.c).
 *
 * Open addressing with linear probing, grown at half full.  Written here
 * rather than taken from a library: the values are hashes already, the
 * map is cleared at every segment and transaction, and it needs neither
 * deletion nor iteration.
 */
#include "sync_int.h"

static size_t
hash_map_slot(const hash_map *m, uint64_t h)
{
	size_t		i;

	for (i = h & (m->cap - 1); m->hashes[i] != 0 && m->hashes[i] != h; i = (i + 1) & (m->cap - 1))
		;
	return i;
}

bool
hash_map_get(const hash_map *m, uint64_t h, uint64_t *value)
{
	size_t		i;

	if (m->cap == 0)
		return false;
	h = h ? h : 1;
	i = hash_map_slot(m, h);
	if (m->hashes[i] == 0)
		return false;
	if (value)
		*value = m->values[i];
	return true;
}

void
hash_map_put(hash_map *m, uint64_t h, uint64_t value)
{
	size_t		i;

	h = h ? h : 1;
	if ((m->n + 1) * 2 > m->cap)
	{
		hash_map	grown = {0};

		grown.cap = m->cap ? m->cap * 2 : 64;
		grown.hashes = xcalloc(grown.cap, sizeof(uint64_t));
		grown.values = xcalloc(grown.cap, sizeof(uint64_t));
		for (size_t k = 0; k < m->cap; k++)
			if (m->hashes[k] != 0)
				hash_map_put(&grown, m->hashes[k], m->values[k]);
		free(m->hashes);
		free(m->values);
		*m = grown;
	}
	i = hash_map_slot(m, h);
	if (m->hashes[i] == 0)
		m->n++;
	m->hashes[i] = h;
	m->values[i] = value;
}

void
hash_map_clear(hash_map *m)
{
	free(m->hashes);
	free(m->values);
	memset(m, 0, sizeof(*m));
}
