/*
 * cli/user.c: `aduan user add|passwd|disable|enable|list`: the web inbox's
 * staff accounts, managed by the operator on the server (there is no web
 * page for it).  The rules for logins and passwords are web/auth.c's; this
 * file parses, reads the password, and writes through the store in one
 * transaction per command, with a row in the audit log (by "operator").
 *
 * Everything that can be refused without the database is refused before
 * it is opened (opening may create or migrate it): a refused command
 * leaves the file as it was.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/util.h"
#include "web/auth.h"

#define OPERATOR        "operator"      /* who the audit log names for the CLI */

/*
 * One line of f (its newline, and a CR before it, dropped) into buf.  0,
 * or -1: end of input before any line, or a line that does not fit.
 */
static int
read_line(FILE *f, char *buf, size_t bufsz)
{
	size_t n;

	if (fgets(buf, (int)bufsz, f) == NULL)
		return -1;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (!feof(f))
		return -1;      /* longer than the buffer */
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 0;
}

/* A prompt on the terminal and a line read from it without echo.  0, -1. */
static int
ask_quietly(const char *prompt, char *buf, size_t bufsz)
{
	struct termios old, quiet;
	int r;

	/*
	 * Echo off before the prompt shows: what is typed after it is never
	 * echoed, nor thrown away (TCSANOW, not TCSAFLUSH, keeps type-ahead).
	 */
	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &quiet) != 0)
		return -1;
	fputs(prompt, stderr);
	fflush(stderr);
	r = read_line(stdin, buf, bufsz);
	(void)tcsetattr(STDIN_FILENO, TCSANOW, &old);
	return r;
}

/*
 * The new password of login: from a terminal asked twice without echo,
 * else one line of stdin; checked against the rules.  0, or -1 after a
 * message.
 */
static int
read_password(const struct conf *c, const char *login, char *pw, size_t pwsz)
{
	char again[AUTH_PASSWORD_MAX + 2], why[128], prompt[128];

	if (isatty(STDIN_FILENO)) {
		snprintf(prompt, sizeof prompt, "New password for %s: ", login);
		if (ask_quietly(prompt, pw, pwsz) != 0 ||
		    ask_quietly("Again: ", again, sizeof again) != 0) {
			fprintf(stderr, "aduan: no password read\n");
			return -1;
		}
		if (strcmp(pw, again) != 0) {
			crypto_cleanse(again, sizeof again);
			fprintf(stderr, "aduan: the two passwords differ; nothing changed\n");
			return -1;
		}
		crypto_cleanse(again, sizeof again);
	} else if (read_line(stdin, pw, pwsz) != 0) {
		fprintf(stderr, feof(stdin) ? "aduan: no password on stdin (one line)\n" :
		    "aduan: the password is longer than %d bytes\n", AUTH_PASSWORD_MAX);
		return -1;
	}
	if (auth_password_acceptable(c, login, pw, why, sizeof why) != 0) {
		fprintf(stderr, "aduan: %s; nothing changed\n", why);
		return -1;
	}
	return 0;
}

/* A name shown in the inbox: printable, fits, well-formed UTF-8.  0, -1. */
static int
name_ok(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t len = strlen(name), k;
	uint32_t cp;

	if (len >= STORE_NAME_LEN)
		return -1;
	while (len > 0) {
		if ((k = utf8_next(p, len, &cp)) == 0 || cp < 0x20 || cp == 0x7f)
			return -1;
		p += k;
		len -= k;
	}
	return 0;
}

/* What a command writes: one of these, in one transaction. */
enum user_op { OP_ADD, OP_PASSWD, OP_DISABLE, OP_ENABLE };

struct user_tx {
	enum user_op op;
	struct store_account *a;        /* OP_ADD: the new account; else the one found */
	const char *pw_hash;            /* OP_PASSWD */
	int64_t now;
	int done;                       /* 1 changed; 0 the login exists (add) */
	long ended;                     /* sessions ended */
};

static int
user_write(struct store *s, void *arg)
{
	struct user_tx *t = arg;
	struct store_account *a = t->a;
	char detail[160];
	const char *action = "";

	switch (t->op) {
	case OP_ADD:
		if ((t->done = store_account_add(s, a)) <= 0)
			return t->done < 0 ? -1 : 1;
		snprintf(detail, sizeof detail, "%s: agency %s, role %s", a->login, a->agency,
		    a->role);
		action = "user_add";
		break;
	case OP_PASSWD:
		if ((t->done = store_account_set_password(s, a->login, t->pw_hash, t->now)) < 0)
			return -1;
		action = "user_passwd";
		break;
	case OP_DISABLE:
	case OP_ENABLE:
		if ((t->done = store_account_set_disabled(s, a->login, t->op == OP_DISABLE,
		    t->now)) < 0)
			return -1;
		action = t->op == OP_DISABLE ? "user_disable" : "user_enable";
		break;
	}
	if (t->done == 0)
		return 1;
	/* A new password or a disabled account: whoever was logged in is out. */
	if ((t->op == OP_PASSWD || t->op == OP_DISABLE) &&
	    (t->ended = store_session_delete_account(s, a->id)) < 0)
		return -1;
	if (t->op != OP_ADD)
		snprintf(detail, sizeof detail, "%s", a->login);
	return store_audit_add(s, t->now, OPERATOR, action, 0, detail) != 0 ? -1 : 0;
}

static void
print_account(void *arg, const struct store_account *a)
{
	const struct conf *c = arg;
	char when[32];
	time_t t = (time_t)a->created_at;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
	printf("%-20s %-16s %-10s %-8s %-16s %s%s\n", a->login, a->agency, a->role,
	    a->disabled ? "yes" : "no", when, a->name,
	    conf_agency_find(c, a->agency) < 0 ? "  [agency not in the config: cannot log in]" :
	    "");
}

static int
user_list(const struct opts *o, const struct conf *c)
{
	struct store *st;
	const char *db;
	int rc = 0;

	if (report_db(o, c, &db) != 0 || (st = open_store(o, c, 1)) == NULL)
		return 1;
	printf("%-20s %-16s %-10s %-8s %-16s %s\n", "login", "agency", "role", "disabled",
	    "created", "name");
	if (store_account_list(st, print_account, (void *)c) != 0) {
		fprintf(stderr, "aduan: %s\n", store_errmsg());
		rc = 1;
	}
	store_close(st);
	return rc;
}

static int
user_add(const struct opts *o, const struct conf *c, const char *login)
{
	struct store_account a;
	struct user_tx t;
	struct store *st;
	char pw[AUTH_PASSWORD_MAX + 2];
	const char *role = o->role != NULL ? o->role : "staff";
	int rc = 1, r;

	memset(&a, 0, sizeof a);
	if (o->agency == NULL) {
		fprintf(stderr, "aduan: user add %s: --agency ID is needed (an agency id of %s)\n",
		    login, o->conf);
		return 2;
	}
	if (conf_agency_find(c, o->agency) < 0) {
		fprintf(stderr, "aduan: user add %s: agency %s is not in %s\n", login, o->agency,
		    o->conf);
		return 1;
	}
	if (!auth_role_valid(role)) {
		fprintf(stderr, "aduan: user add %s: --role %s: staff or supervisor\n", login, role);
		return 1;
	}
	if (o->name != NULL && name_ok(o->name) != 0) {
		fprintf(stderr, "aduan: user add %s: --name: at most %d bytes of printable UTF-8\n",
		    login, STORE_NAME_LEN - 1);
		return 1;
	}
	if (read_password(c, login, pw, sizeof pw) != 0)
		goto done;
	(void)str_copy(a.login, sizeof a.login, login);
	(void)str_copy(a.agency, sizeof a.agency, o->agency);
	(void)str_copy(a.role, sizeof a.role, role);
	(void)str_copy(a.name, sizeof a.name, o->name != NULL ? o->name : "");
	if (crypto_password_hash(pw, a.pw_hash, sizeof a.pw_hash) != 0) {
		fprintf(stderr, "aduan: cannot hash the password\n");
		goto done;
	}
	a.created_at = now_unix();
	if ((st = open_store(o, c, 0)) == NULL)
		goto done;
	memset(&t, 0, sizeof t);
	t.op = OP_ADD;
	t.a = &a;
	t.now = a.created_at;
	r = store_run(st, user_write, &t);
	if (r < 0)
		fprintf(stderr, "aduan: %s\n", store_errmsg());
	else if (!t.done)
		fprintf(stderr, "aduan: user %s exists; nothing changed (aduan user passwd %s "
		    "sets its password)\n", login, login);
	else {
		printf("user %s added: agency %s, role %s\n", login, a.agency, a.role);
		rc = 0;
	}
	store_close(st);
done:
	crypto_cleanse(pw, sizeof pw);
	crypto_cleanse(&a, sizeof a);
	return rc;
}

/* passwd, disable, enable: on an account that exists, in a database that does. */
static int
user_change(const struct opts *o, const struct conf *c, enum user_op op, const char *login)
{
	static const char *const names[] = { "add", "passwd", "disable", "enable" };
	struct store_account a;
	struct user_tx t;
	struct store *st;
	char pw[AUTH_PASSWORD_MAX + 2], hash[CRYPTO_PASSWORD_MAX];
	const char *db;
	int rc = 1, r;

	if (report_db(o, c, &db) != 0 || (st = open_store(o, c, 0)) == NULL)
		return 1;
	pw[0] = '\0';
	if ((r = store_account_get(st, login, &a)) <= 0) {
		if (r < 0)
			fprintf(stderr, "aduan: %s\n", store_errmsg());
		else
			fprintf(stderr, "aduan: user %s: no such account in %s (aduan user list)\n",
			    login, db);
		goto done;
	}
	memset(&t, 0, sizeof t);
	t.op = op;
	t.a = &a;
	if (op == OP_PASSWD) {
		if (read_password(c, login, pw, sizeof pw) != 0)
			goto done;
		if (crypto_password_hash(pw, hash, sizeof hash) != 0) {
			fprintf(stderr, "aduan: cannot hash the password\n");
			goto done;
		}
		t.pw_hash = hash;
	} else if (a.disabled == (op == OP_DISABLE)) {
		printf("user %s is %s already\n", login, a.disabled ? "disabled" : "enabled");
		rc = 0;
		goto done;
	}
	t.now = now_unix();
	if (store_run(st, user_write, &t) < 0)
		fprintf(stderr, "aduan: user %s %s: %s\n", names[op], login, store_errmsg());
	else if (!t.done)
		fprintf(stderr, "aduan: user %s: no such account\n", login);
	else {
		if (op == OP_PASSWD)
			printf("user %s: password changed", login);
		else
			printf("user %s %s", login, op == OP_DISABLE ? "disabled" : "enabled");
		if (op != OP_ENABLE)
			printf("; %ld session%s ended", t.ended, t.ended == 1 ? "" : "s");
		printf("\n");
		rc = 0;
	}
done:
	crypto_cleanse(pw, sizeof pw);
	crypto_cleanse(&a, sizeof a);
	store_close(st);
	return rc;
}

int
cmd_user(const struct opts *o, int argc, char **argv)
{
	static const struct {
		const char *word;
		enum user_op op;
	} changes[] = {
		{ "passwd", OP_PASSWD }, { "disable", OP_DISABLE }, { "enable", OP_ENABLE },
	};
	struct conf *c;
	size_t i;
	int rc = CLI_USAGE;

	if (!(argc == 1 && strcmp(argv[0], "list") == 0) &&
	    !(argc == 2 && strcmp(argv[0], "list") != 0))
		return CLI_USAGE;
	if (argc == 2 && !auth_login_valid(argv[1])) {
		fprintf(stderr, "aduan: user %s %s: a login is 1 to %d of a-z 0-9 . _ -, starting "
		    "with a letter or digit\n", argv[0], argv[1], STORE_LOGIN_LEN - 1);
		return 1;
	}
	if ((c = load_conf(o->conf, CONF_DEMO)) == NULL)
		return 1;
	if (argc == 1)
		rc = user_list(o, c);
	else if (strcmp(argv[0], "add") == 0)
		rc = user_add(o, c, argv[1]);
	else
		for (i = 0; i < ARRAY_LEN(changes); i++)
			if (strcmp(argv[0], changes[i].word) == 0)
				rc = user_change(o, c, changes[i].op, argv[1]);
	conf_free(c);
	return rc;
}
