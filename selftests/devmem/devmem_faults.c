// SPDX-License-Identifier: GPL-2.0
/*
 * devmem_faults - systematic fault injection into bind-rx or bind-tx and
 * their unbind.
 *
 * For each operation, the Nth fault-injection point the calling thread
 * reaches fails (/proc/thread-self/fail-nth, with failslab and
 * fail_page_alloc armed for every allocation, sleeping ones included),
 * for N = 1, 2, ... until the operation completes without reaching an
 * Nth point.  After the first DENSE points (-D), N grows by an eighth
 * each run (at least STRIDE, -s): a ring fill reaches thousands of points
 * of the same few call sites.
 * Every run must end cleanly: a failed bind reports an errno and leaves
 * the queue unbound; a bind that got through despite the fault (an
 * allocation whose failure is tolerated) works and is undone by closing
 * its socket; an unbind that met a fault still unbinds (close() cannot
 * fail); and after each run the dma-buf is freed (the binding let go of
 * it) once our own fd is closed.
 *
 * Needs a kernel with CONFIG_FAULT_INJECTION_DEBUG_FS, CONFIG_FAILSLAB and
 * CONFIG_FAIL_PAGE_ALLOC (the debug kernel of make test-debug); skips
 * otherwise.  Run as root, in the network namespace of the devices.
 *
 * Usage: devmem_faults -f IFNAME -o rx|tx [-n MAX] [-D DENSE] [-s STRIDE]
 *			[-d SIZE]
 * Output: kselftest TAP, ending with "# N passed, N failed, N skipped".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "devmem_nl.h"
#include "tap.h"

#define NUM_TESTS	2
#define DEBUGFS		"/sys/kernel/debug"
#define BUFINFO		DEBUGFS "/dma_buf/bufinfo"
#define SETTLE_MS	5000	/* for bindings freed from a work item */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static struct {
	const char *ifname;	/* -f */
	int ifindex;
	bool tx;		/* -o tx */
	unsigned int max;	/* -n: give up after this many fault points */
	unsigned int dense;	/* -D: try every point up to this one */
	unsigned int stride;	/* -s: then steps of at least STRIDE, N/8 */
	size_t dmabuf_size;	/* -d */
} opt = {
	.max = 100000,
	.dense = 64,
	.stride = 1,
	.dmabuf_size = 4UL << 20,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: devmem_faults -f IFNAME -o rx|tx [-n MAX] [-D DENSE] [-s STRIDE]\n"
		"                     [-d SIZE]\n"
		"\n"
		"Fail the 1st, 2nd, ... fault-injection point (allocations) that\n"
		"bind-rx of IFNAME's queue 0 (-o rx) or bind-tx on IFNAME (-o tx), and\n"
		"their unbind, reach, one run each, and check that every run ends\n"
		"cleanly.\n"
		"\n"
		"  -n MAX     give up at fault point MAX (default 100000)\n"
		"  -D DENSE   try every point up to DENSE (default 64), then grow N\n"
		"  -s STRIDE  by N/8, at least STRIDE (default 1)\n"
		"  -d SIZE    dma-buf size (default 4M)\n"
		"\n"
		"Exit: 0 pass, 1 fail, 4 all skipped.\n");
}

/* ---- fault injection ---------------------------------------------------- */

static int write_file(const char *path, const char *val)
{
	int fd, ret = 0;
	ssize_t n;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Arm failslab and fail_page_alloc for fail-nth only: probability 0 (no
 * random faults), every allocation eligible (sleeping ones, order 0),
 * quiet (the stack of each injected fault would look like a report);
 * fail_usercopy too counts fail-nth points: quiet as well.
 */
static int faults_setup(char *why, size_t len)
{
	static const char *const knobs[][2] = {
		{ DEBUGFS "/failslab/probability", "0" },
		{ DEBUGFS "/failslab/ignore-gfp-wait", "N" },
		{ DEBUGFS "/failslab/verbose", "0" },
		{ DEBUGFS "/fail_page_alloc/probability", "0" },
		{ DEBUGFS "/fail_page_alloc/ignore-gfp-wait", "N" },
		{ DEBUGFS "/fail_page_alloc/ignore-gfp-highmem", "N" },
		{ DEBUGFS "/fail_page_alloc/min-order", "0" },
		{ DEBUGFS "/fail_page_alloc/verbose", "0" },
		{ DEBUGFS "/fail_usercopy/probability", "0" },
		{ DEBUGFS "/fail_usercopy/verbose", "0" },
	};
	unsigned int i;
	int ret;

	if (access("/proc/thread-self/fail-nth", W_OK)) {
		snprintf(why, len,
			 "no /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION)");
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		ret = write_file(knobs[i][0], knobs[i][1]);
		if (ret < 0) {
			snprintf(why, len, "%s: %s", knobs[i][0], strerror(-ret));
			return -1;
		}
	}
	return 0;
}

/* Fail this thread's @nth next fault-injection point (0: none). */
static int fail_nth_set(unsigned int nth)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", nth);
	return write_file("/proc/thread-self/fail-nth", buf);
}

/* Whether the armed fault was injected (the countdown reached 0). */
static bool fail_nth_fired(void)
{
	char buf[16] = "";
	ssize_t n;
	int fd;

	fd = open("/proc/thread-self/fail-nth", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return atoi(buf) == 0;
}

/* ---- state checks ------------------------------------------------------- */

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Number of dma-bufs alive (dma-buf debugfs), or -1. */
static int dmabuf_count(void)
{
	char line[256];
	int n = -1;
	FILE *f;

	f = fopen(BUFINFO, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Total %d objects", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* RX queue 0 of the device reports a binding: its id, 0 if none, -1. */
static long queue_binding(struct dm_err *e)
{
	struct dm_queue_info qi;
	struct dm_nl nl;
	int ret;

	ret = dm_nl_open(&nl, NETDEV_FAMILY_NAME, NETDEV_FAMILY_VERSION, e);
	if (ret < 0)
		return -1;
	ret = dm_queue_get(&nl, opt.ifindex, 0, NETDEV_QUEUE_TYPE_RX, &qi, e);
	dm_nl_close(&nl);
	if (ret < 0)
		return -1;
	return qi.has_dmabuf ? (long)qi.dmabuf : 0;
}

/*
 * After a run, with every fd of ours closed: the queue is unbound and the
 * dma-bufs are back to @base within SETTLE_MS.  Returns 0 or -1 (with a
 * diagnostic).
 */
static int check_clean(const char *what, unsigned int nth, int base)
{
	long start = now_ms(), q = -1;
	struct dm_err e;
	int n = -1;

	do {
		q = queue_binding(&e);
		n = dmabuf_count();
		if (q == 0 && n == base)
			return 0;
		usleep(50 * 1000);
	} while (now_ms() - start < SETTLE_MS);

	if (q < 0)
		tap_diag("%s, fault %u: queue-get: %s", what, nth, dm_strerr(&e));
	else if (q)
		tap_diag("%s, fault %u: RX queue 0 still bound (dmabuf %ld)",
			 what, nth, q);
	if (n != base)
		tap_diag("%s, fault %u: %d dma-bufs alive, %d before: a binding kept its dma-buf",
			 what, nth, n, base);
	return -1;
}

/* ---- the operations ------------------------------------------------------ */

enum op {
	OP_BIND_RX,
	OP_UNBIND_RX,
	OP_BIND_TX,
	OP_UNBIND_TX,
};

static const char *const op_names[] = {
	"bind_rx_fault_points",
	"unbind_rx_fault_points",
	"bind_tx_fault_points",
	"unbind_tx_fault_points",
};

static int do_bind(enum op op, struct dm_nl *nl, int fd, uint32_t *id,
		   struct dm_err *e)
{
	if (op == OP_BIND_RX || op == OP_UNBIND_RX)
		return dm_bind_rx(nl, opt.ifindex, fd, 0, 1, id, e);
	return dm_bind_tx(nl, opt.ifindex, fd, id, e);
}

/*
 * One run: fault point @nth in the operation.  *@fired tells whether the
 * operation reached it.  Returns 0 if the run ended cleanly, -1 if not.
 */
static int run_once(enum op op, unsigned int nth, int base, bool *fired,
		    unsigned int *failed_runs)
{
	const char *what = op_names[op];
	bool bind_faulted = op == OP_BIND_RX || op == OP_BIND_TX;
	struct dm_udmabuf ubuf = { .fd = -1 };
	struct dm_nl nl = { 0 };
	struct dm_err e;
	uint32_t id = 0;
	int ret, bad = 0;
	long q;

	*fired = false;
	if (dm_udmabuf_create(&ubuf, opt.dmabuf_size, false, &e) < 0 ||
	    dm_nl_open(&nl, NETDEV_FAMILY_NAME, NETDEV_FAMILY_VERSION, &e) < 0) {
		tap_diag("%s, fault %u: setup: %s", what, nth, dm_strerr(&e));
		dm_nl_close(&nl);
		dm_udmabuf_destroy(&ubuf);
		return -1;
	}

	if (bind_faulted)
		fail_nth_set(nth);
	ret = do_bind(op, &nl, ubuf.fd, &id, &e);
	if (bind_faulted) {
		*fired = fail_nth_fired();
		fail_nth_set(0);
	}

	if (ret < 0) {
		if (!bind_faulted || !*fired) {
			tap_diag("%s, fault %u: bind failed without an injected fault: %s",
				 what, nth, dm_strerr(&e));
			bad = 1;
		} else {
			(*failed_runs)++;
			if (!e.code) {
				tap_diag("%s, fault %u: bind failed without an errno",
					 what, nth);
				bad = 1;
			}
		}
		/* a failed bind-rx leaves the queue alone */
		if (op == OP_BIND_RX && queue_binding(&e) != 0) {
			tap_diag("%s, fault %u: bind-rx failed (%s) but the queue is bound",
				 what, nth, dm_errno_name(e.code));
			bad = 1;
		}
	} else if (op == OP_BIND_RX || op == OP_UNBIND_RX) {
		/* bound, fault or not: queue-get must say so */
		q = queue_binding(&e);
		if (q != (long)id) {
			tap_diag("%s, fault %u: bind-rx gave binding %u, queue-get says %ld",
				 what, nth, id, q);
			bad = 1;
		}
	}

	/* unbind: closing the netlink socket, faults armed for the unbind ops */
	if (!bind_faulted && ret == 0)
		fail_nth_set(nth);
	dm_nl_close(&nl);
	if (!bind_faulted && ret == 0) {
		*fired = fail_nth_fired();
		fail_nth_set(0);
	}
	dm_udmabuf_destroy(&ubuf);

	if (check_clean(what, nth, base) < 0)
		bad = 1;
	return bad ? -1 : 0;
}

static void test_op(enum op op, int base)
{
	const char *what = op_names[op];
	unsigned int nth, last = 0, runs = 0, bad = 0, failed_runs = 0;
	long t0 = now_ms();
	bool fired = true;

	for (nth = 1; nth <= opt.max && fired;
	     nth += nth < opt.dense ? 1 : (nth / 8 > opt.stride ?
						   nth / 8 : opt.stride)) {
		runs++;
		if (run_once(op, nth, base, &fired, &failed_runs) < 0)
			bad++;
		if (fired)
			last = nth;
	}

	if (fired) {
		tap_diag("%s: still reaching fault points at point %u", what,
			 last);
		bad++;
	}
	tap_diag("%s: %u runs in %ld s, faults up to point %u, %u failed the operation, %u left a mess",
		 what, runs, (now_ms() - t0) / 1000, last, failed_runs, bad);
	/* a bind always allocates; an unbind may not (TX: nothing to undo) */
	tap_result(bad == 0 && (last > 0 || op == OP_UNBIND_RX ||
				op == OP_UNBIND_TX), what);
}

/* ---- main -------------------------------------------------------------- */

static void parse_args(int argc, char **argv)
{
	unsigned long v;
	int c;

	while ((c = getopt(argc, argv, "f:o:n:D:s:d:h")) != -1) {
		switch (c) {
		case 'f':
			opt.ifname = optarg;
			break;
		case 'o':
			if (!strcmp(optarg, "tx"))
				opt.tx = true;
			else if (strcmp(optarg, "rx"))
				goto bad;
			break;
		case 'n':
			if (dm_parse_uint(optarg, 1, 1000000, &v) < 0)
				goto bad;
			opt.max = v;
			break;
		case 'D':
			if (dm_parse_uint(optarg, 1, 1000000, &v) < 0)
				goto bad;
			opt.dense = v;
			break;
		case 's':
			if (dm_parse_uint(optarg, 1, 1000000, &v) < 0)
				goto bad;
			opt.stride = v;
			break;
		case 'd':
			if (dm_parse_size(optarg, &opt.dmabuf_size) < 0 ||
			    !opt.dmabuf_size)
				goto bad;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "devmem_faults: see -h\n");
			exit(2);
		}
	}
	if (optind < argc || !opt.ifname) {
		usage(stderr);
		exit(2);
	}
	return;
bad:
	fprintf(stderr, "devmem_faults: invalid value '%s' for -%c\n", optarg, c);
	exit(2);
}

int main(int argc, char **argv)
{
	enum op first;
	char why[256];
	int base, i;

	parse_args(argc, argv);
	tap_plan(NUM_TESTS);
	/* no page faults of our own between arming a fault and the call */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		tap_diag("mlockall: %s (our page faults may take injected faults)",
			 strerror(errno));
	first = opt.tx ? OP_BIND_TX : OP_BIND_RX;

	opt.ifindex = if_nametoindex(opt.ifname);
	if (!opt.ifindex) {
		tap_diag("no such interface: %s", opt.ifname);
		for (i = 0; i < NUM_TESTS; i++)
			tap_result(false, op_names[first + i]);
		return tap_finish();
	}
	if (faults_setup(why, sizeof(why)) < 0) {
		for (i = 0; i < NUM_TESTS; i++)
			tap_skip_test(op_names[first + i], "%s", why);
		return tap_finish();
	}
	base = dmabuf_count();
	if (base < 0) {
		tap_diag("cannot read %s", BUFINFO);
		for (i = 0; i < NUM_TESTS; i++)
			tap_result(false, op_names[first + i]);
		return tap_finish();
	}

	for (i = 0; i < NUM_TESTS; i++)
		test_op(first + i, base);
	return tap_finish();
}
