/*
 * store_fixture: a store on a real SQLite file in a directory of its own,
 * for the store's test programs (test_store, test_store_fault):
 *
 *   fixture_open(tmpl, vfs, opts)  mkdtemp(tmpl) ("/tmp/aduan-store-XXXXXX"),
 *                                  store_open on its aduan.db (through SQLite
 *                                  VFS vfs when not NULL); NULL, having said
 *                                  why and removed the directory, on failure
 *   fixture_reopen(f, opts)        closes the store and opens the file again,
 *                                  by its plain path (no VFS); fails the test
 *                                  when it cannot
 *   fixture_close(f)               closes the store, removes the directory
 *                                  with whatever is in it (-wal, -shm, files
 *                                  a test made) and frees f
 *
 * So tests neither share state nor leave files behind.  A header of
 * static functions, as test/faultvfs.h: each test program includes it
 * once, after <cmocka.h>.
 */
#ifndef ADUAN_TEST_STORE_FIXTURE_H
#define ADUAN_TEST_STORE_FIXTURE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "util/util.h"

struct fixture {
	char dir[64];
	char path[128];
	char uri[192];                  /* the same file through the VFS, if one */
	struct store *s;
};

static struct fixture *
fixture_open(const char *tmpl, const char *vfs, const struct store_options *opts)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char err[256];

	snprintf(f->dir, sizeof f->dir, "%s", tmpl);
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return NULL;
	}
	snprintf(f->path, sizeof f->path, "%s/aduan.db", f->dir);
	if (vfs != NULL)
		snprintf(f->uri, sizeof f->uri, "file:%s?vfs=%s", f->path, vfs);
	f->s = store_open(vfs != NULL ? f->uri : f->path, opts, err, sizeof err);
	if (f->s == NULL) {
		print_error("store_open %s: %s\n", f->path, err);
		rmdir(f->dir);
		free(f);
		return NULL;
	}
	return f;
}

static void
fixture_reopen(struct fixture *f, const struct store_options *opts)
{
	char err[256];

	store_close(f->s);
	f->s = store_open(f->path, opts, err, sizeof err);
	if (f->s == NULL)
		fail_msg("reopen %s: %s", f->path, err);
}

static void
fixture_close(struct fixture *f)
{
	char p[512];
	struct dirent *de;
	DIR *d;

	store_close(f->s);
	/* The -wal and -shm files may or may not be there; remove whatever is. */
	if ((d = opendir(f->dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof p, "%s/%s", f->dir, de->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(f->dir);
	free(f);
}

#endif
