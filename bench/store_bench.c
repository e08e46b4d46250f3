/*
 * store_bench: the store alone, as many threads as HTTP workers writing what
 * one new SMS complaint writes, through store.h exactly as intake does it
 * (group commit, synchronous=FULL), with no HTTP, no parsing, no routing
 * and no reply to render.  Part of `make bench` (bench/run.sh): it is the
 * ceiling the store puts on the SMS intake row, whatever the rest costs.
 * No test runs it and nothing here asserts a time.
 *
 *   store_bench DIR SECONDS MODE THREADS...
 *
 * MODE run: each transaction through store_run() (the committer runs it);
 * MODE begin: store_begin .. store_commit in the caller's thread.
 *
 * For each thread count: a fresh database DIR/store-T.db; every thread
 * loops begin, look up the message id (a retry?), read the phone's
 * language, check the ticket is free, store the routed complaint with its
 * two events, store the message with its reply, remember the phone's
 * language, commit.  Every message has its own id, phone and ticket.
 * Output, one line per thread count (bench/run.sh parses it):
 *   STORE mode=MODE threads=T msgs=N secs=X msgs_per_s=X us_per_msg=X commits=N per_commit=X failed=N
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sms/ticket.h"
#include "store/store.h"
#include "util/util.h"

static struct store *st;
static atomic_int stop;
static atomic_long done_msgs, failed_msgs;

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int use_run;      /* 1: store_run, 0: store_begin .. store_commit */

struct msg {
	int tid;
	long n;
};

/* One SMS complaint's writes, inside a transaction; 0, -1. */
static int
writes(struct store *s, void *arg)
{
	const struct msg *mg = arg;
	struct store_complaint c;
	struct store_message m = { 0 };
	struct store_phone pp;
	char id[48], phone[24], reply[400];
	int r;

	snprintf(id, sizeof id, "bench-%d-%ld", mg->tid, mg->n);
	snprintf(phone, sizeof phone, "+62812%02d%07ld", mg->tid % 100, mg->n % 10000000);
	memset(&c, 0, sizeof c);
	if (store_message_find(s, "kannel", id, NULL, reply, sizeof reply) != 0 ||
	    store_phone_get(s, phone, &pp) < 0)
		return -1;
	do {
		if (ticket_new(c.ticket) != 0 || (r = store_ticket_exists(s, c.ticket)) < 0)
			return -1;
	} while (r == 1);
	str_copy(c.phone, sizeof c.phone, phone);
	str_copy(c.channel, sizeof c.channel, "sms");
	str_copy(c.keyword, sizeof c.keyword, "JALAN");
	str_copy(c.agency, sizeof c.agency, "dpupr");
	str_copy(c.status, sizeof c.status, "received");
	str_copy(c.lang, sizeof c.lang, "id");
	c.description = "JALAN Jl. Diponegoro depan SMP 2 Ungaran berlubang besar, sudah dua "
	    "minggu belum diperbaiki";
	c.route_explain = "keyword JALAN at the start (exact) -> dpupr";
	str_copy(c.config_hash, sizeof c.config_hash, "0123456789abcdef");
	c.created_at = (int64_t)time(NULL);
	c.routed_at = c.created_at;
	c.followup_due = c.created_at + 3 * 86400;
	if (store_complaint_add_routed(s, &c, c.route_explain) != 0)
		return -1;
	snprintf(reply, sizeof reply, "Aduan diterima. Tiket %s untuk DPUPR (Jalan). "
	    "Cek: STATUS %s ke 1708", c.ticket, c.ticket);
	m.gateway = "kannel";
	m.gw_id = id;
	m.sender = phone;
	m.receiver = "1708";
	m.text = c.description;
	m.command = "complaint";
	m.reply = reply;
	m.complaint_id = c.id;
	m.received_at = c.created_at;
	if (store_message_add(s, &m) != 1 ||
	    store_phone_set(s, phone, -1, "id", c.created_at) != 0)
		return -1;
	return 0;
}

static int
one(int tid, long n)
{
	struct msg mg = { tid, n };

	if (use_run)
		return store_run(st, writes, &mg);
	if (store_begin(st) != 0)
		return -1;
	if (writes(st, &mg) != 0) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st);
}

static void *
worker(void *arg)
{
	int tid = (int)(intptr_t)arg;
	long n = 0;

	while (!atomic_load(&stop)) {
		if (one(tid, n++) == 0)
			atomic_fetch_add(&done_msgs, 1);
		else
			atomic_fetch_add(&failed_msgs, 1);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	struct store_options opt = { .sync_full = 1, .busy_timeout_ms = 5000 };
	pthread_t th[256];
	char path[4096], err[512];
	unsigned long commits0, tx0, commits, tx;
	double secs, t0, el;
	int a, t, nth;

	if (argc < 5 || (strcmp(argv[3], "run") != 0 && strcmp(argv[3], "begin") != 0)) {
		fprintf(stderr, "usage: store_bench DIR SECONDS run|begin THREADS...\n");
		return 2;
	}
	secs = atof(argv[2]);
	use_run = strcmp(argv[3], "run") == 0;
	for (a = 4; a < argc; a++) {
		long v;

		if (str_to_long(argv[a], 1, (long)ARRAY_LEN(th), &v) != 0) {
			fprintf(stderr, "store_bench: %s threads: 1..%zu\n", argv[a], ARRAY_LEN(th));
			return 2;
		}
		nth = (int)v;
		snprintf(path, sizeof path, "%s/store-%s-%d.db", argv[1], argv[3], nth);
		if ((st = store_open(path, &opt, err, sizeof err)) == NULL) {
			fprintf(stderr, "store_bench: %s\n", err);
			return 1;
		}
		atomic_store(&stop, 0);
		atomic_store(&done_msgs, 0);
		atomic_store(&failed_msgs, 0);
		store_commit_stats(st, &commits0, &tx0);
		t0 = now_s();
		for (t = 0; t < nth; t++)
			if (pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t) != 0) {
				fprintf(stderr, "store_bench: cannot start a thread\n");
				return 1;
			}
		while (now_s() - t0 < secs) {
			struct timespec ts = { 0, 50000000L };

			nanosleep(&ts, NULL);
		}
		atomic_store(&stop, 1);
		for (t = 0; t < nth; t++)
			pthread_join(th[t], NULL);
		el = now_s() - t0;
		store_commit_stats(st, &commits, &tx);
		commits -= commits0;
		printf("STORE mode=%s threads=%d msgs=%ld secs=%.3f msgs_per_s=%.1f us_per_msg=%.1f "
		    "commits=%lu per_commit=%.1f failed=%ld\n", argv[3], nth, atomic_load(&done_msgs), el,
		    (double)atomic_load(&done_msgs) / el,
		    atomic_load(&done_msgs) ? el * 1e6 / (double)atomic_load(&done_msgs) : 0.0,
		    commits, commits ? (double)(tx - tx0) / (double)commits : 0.0,
		    atomic_load(&failed_msgs));
		fflush(stdout);
		store_close(st);
	}
	return 0;
}
