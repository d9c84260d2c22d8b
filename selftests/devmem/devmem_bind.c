// SPDX-License-Identifier: GPL-2.0
/*
 * devmem_bind - netdev bind-rx checks: every malformed or forbidden request
 * must fail with the right errno (and, for failures the devmem code itself
 * diagnoses, an extack message); a good request must bind, show up in
 * queue-get, refuse a second binding of the same queue, and be undone when
 * its netlink socket is closed.
 *
 * Usage: devmem_bind -f IFNAME [-F IFNAME] [-n NRXQ] [-t QUEUE] [-d SIZE] [-X]
 * Output: kselftest TAP, ending with "# N passed, N failed, N skipped".
 *
 * Query helper for shell tests: devmem_bind -f IFNAME -Q QUEUE prints the
 * binding id that queue-get reports for RX queue QUEUE, or "none".
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
#include <linux/ethtool_netlink.h>

#include "devmem_nl.h"
#include "tap.h"
#include "unpriv.h"

#define NUM_TESTS		24
#define UNBIND_WAIT_MS		3000

static struct {
	const char *ifname;	/* -f: devmem-capable NIC */
	int ifindex;
	const char *plain_ifname; /* -F: interface without devmem support */
	int plain_ifindex;
	unsigned int nrxq;	/* -n */
	unsigned int queue;	/* -t */
	size_t dmabuf_size;	/* -d */
	bool require_extack;	/* cleared by -X */
	long query_queue;	/* -Q: only print queue-get's dmabuf, or -1 */
	struct dm_udmabuf ubuf;
	bool hds_changed;
	int hds_old;
} ctx = {
	.nrxq = 1,
	.dmabuf_size = 16UL << 20,
	.require_extack = true,
	.query_queue = -1,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: devmem_bind -f IFNAME [-F IFNAME] [-n NRXQ] [-t QUEUE] [-d SIZE] [-X]\n"
		"       devmem_bind -f IFNAME -Q QUEUE\n"
		"\n"
		"netdev bind-rx acceptance and rejection tests (kselftest TAP on stdout).\n"
		"\n"
		"  -f IFNAME  devmem-capable NIC with tcp-data-split available (required)\n"
		"  -F IFNAME  interface without devmem support (lo, veth) for the\n"
		"             EOPNOTSUPP case; skipped without it\n"
		"  -n NRXQ    number of RX queues of IFNAME (default 1); queue NRXQ is\n"
		"             used as the out-of-range queue\n"
		"  -t QUEUE   RX queue to bind in the good cases (default 0)\n"
		"  -d SIZE    dma-buf size (default 16M)\n"
		"  -X         do not require extack messages on errors\n"
		"  -Q QUEUE   only print the binding id queue-get reports for RX queue\n"
		"             QUEUE of IFNAME, or \"none\" (exit 1 on error)\n"
		"  -h         this text\n"
		"\n"
		"Needs root (CAP_NET_ADMIN), /dev/udmabuf, and may toggle tcp-data-split\n"
		"on IFNAME (restored at exit).  Exit: 0 pass, 1 fail, 4 all skipped.\n");
}

/* ---- expectations ------------------------------------------------------ */

static const char *errno_list(const int *errs)
{
	static char buf[128];
	size_t n = 0;

	buf[0] = 0;
	for (; *errs && n < sizeof(buf); errs++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? " or " : "",
			      dm_errno_name(*errs));
	return buf;
}

/*
 * Report test @name: @ret (0 or -errno from the request, @e filled) must be
 * one of the zero-terminated @errs; with @need_extack the kernel must also
 * have said why.
 */
static void expect_errno(const char *name, int ret, const struct dm_err *e,
			 bool need_extack, const int *errs)
{
	const int *p;

	if (ret == 0) {
		tap_diag("%s: request succeeded, expected %s", name,
			 errno_list(errs));
		tap_result(false, name);
		return;
	}
	for (p = errs; *p; p++)
		if (-ret == *p)
			break;
	if (!*p) {
		tap_diag("%s: expected %s, got %s: %s", name, errno_list(errs),
			 dm_errno_name(-ret), dm_strerr(e));
		tap_result(false, name);
		return;
	}
	if (need_extack && ctx.require_extack && !dm_err_has_extack(e)) {
		tap_diag("%s: %s as expected, but without an extack message",
			 name, dm_errno_name(-ret));
		tap_result(false, name);
		return;
	}
	tap_diag("%s: %s%s%s", name, dm_errno_name(-ret),
		 e->extack[0] ? ", kernel: " : "", e->extack);
	tap_result(true, name);
}

#define EXPECT(name, ret, e, need_extack, ...) \
	expect_errno(name, ret, e, need_extack, (const int[]){ __VA_ARGS__, 0 })

/* ---- requests ---------------------------------------------------------- */

static struct dm_queue_id good_queue[1];

/* A valid bind-rx request for ctx.queue of the NIC; cases break a copy. */
static struct dm_bind_rx_req good_req(void)
{
	struct dm_bind_rx_req req = {
		.attrs = DM_BIND_ALL,
		.ifindex = ctx.ifindex,
		.fd = ctx.ubuf.fd,
		.queues = good_queue,
		.nqueues = 1,
	};

	good_queue[0].id = ctx.queue;
	good_queue[0].type = NETDEV_QUEUE_TYPE_RX;
	return req;
}

/* bind-rx on a new netlink socket that is closed again (undoing any bind). */
static int try_bind(const struct dm_bind_rx_req *req, struct dm_err *e)
{
	struct dm_nl nl;
	uint32_t id;
	int ret;

	ret = dm_nl_open(&nl, NETDEV_FAMILY_NAME, NETDEV_FAMILY_VERSION, e);
	if (ret < 0)
		return ret;
	ret = dm_bind_rx_raw(&nl, req, &id, e);
	dm_nl_close(&nl);
	return ret;
}

/* Send bare command @cmd of the netdev family. */
static int try_cmd(uint8_t cmd, struct dm_err *e)
{
	char buf[256] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	struct dm_nl nl;
	int ret;

	ret = dm_nl_open(&nl, NETDEV_FAMILY_NAME, NETDEV_FAMILY_VERSION, e);
	if (ret < 0)
		return ret;
	nlh = dm_nl_req(&nl, buf, cmd, 0);
	ret = dm_nl_talk(&nl, nlh, NULL, NULL, "netdev command", e);
	dm_nl_close(&nl);
	return ret;
}

static int queue_get(struct dm_queue_info *qi, struct dm_err *e)
{
	struct dm_nl nl;
	int ret;

	ret = dm_nl_open(&nl, NETDEV_FAMILY_NAME, NETDEV_FAMILY_VERSION, e);
	if (ret < 0)
		return ret;
	ret = dm_queue_get(&nl, ctx.ifindex, ctx.queue, NETDEV_QUEUE_TYPE_RX,
			   qi, e);
	dm_nl_close(&nl);
	return ret;
}

static int unused_ifindex(void)
{
	char name[IF_NAMESIZE];
	int i;

	for (i = 0x7fffffff; if_indextoname(i, name); i--)
		;
	return i;
}

/* An fd number that is not open (and that new fds will not take). */
static int unused_fd(void)
{
	int fd = 900;

	while (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
		fd++;
	return fd;
}

/* ---- test cases -------------------------------------------------------- */

static void test_missing_attrs(void)
{
	struct dm_bind_rx_req req;
	struct dm_err e;

	req = good_req();
	req.attrs &= ~DM_BIND_IFINDEX;
	EXPECT("bind_rx_missing_ifindex", try_bind(&req, &e), &e, true, EINVAL);

	req = good_req();
	req.attrs &= ~DM_BIND_FD;
	EXPECT("bind_rx_missing_fd", try_bind(&req, &e), &e, true, EINVAL);

	req = good_req();
	req.attrs &= ~DM_BIND_QUEUES;	/* the empty queue list */
	EXPECT("bind_rx_missing_queues", try_bind(&req, &e), &e, true, EINVAL);

	req = good_req();
	good_queue[0].type = DM_QUEUE_TYPE_OMIT;
	EXPECT("bind_rx_queue_missing_type", try_bind(&req, &e), &e, true,
	       EINVAL);
}

static void test_bad_device_and_queue(void)
{
	struct dm_bind_rx_req req;
	struct dm_err e;

	/* Policy: ifindex has min 1 (mainline: ERANGE from the policy). */
	req = good_req();
	req.ifindex = 0;
	EXPECT("bind_rx_ifindex_zero", try_bind(&req, &e), &e, true, ERANGE,
	       EINVAL);

	req = good_req();
	req.ifindex = unused_ifindex();
	EXPECT("bind_rx_unknown_ifindex", try_bind(&req, &e), &e, true, ENODEV);

	req = good_req();
	good_queue[0].type = NETDEV_QUEUE_TYPE_TX;
	EXPECT("bind_rx_queue_type_tx", try_bind(&req, &e), &e, true, EINVAL);

	/*
	 * Mainline rejects index >= real_num_rx_queues with EINVAL while
	 * parsing; the later per-queue check of the provider code says ERANGE.
	 */
	req = good_req();
	good_queue[0].id = ctx.nrxq;
	EXPECT("bind_rx_queue_out_of_range", try_bind(&req, &e), &e, true,
	       EINVAL, ERANGE);
}

static void test_bad_fds(void)
{
	struct dm_bind_rx_req req;
	struct dm_err e;
	int fd;

	req = good_req();
	req.fd = (uint32_t)-1;
	EXPECT("bind_rx_fd_minus_one", try_bind(&req, &e), &e, true, EBADF);

	req = good_req();
	req.fd = unused_fd();
	EXPECT("bind_rx_fd_not_open", try_bind(&req, &e), &e, true, EBADF);

	/* dma_buf_get() says EINVAL for a file that is not a dma-buf. */
	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		tap_skip_test("bind_rx_fd_regular_file",
			      "open /proc/self/exe: %s", strerror(errno));
	} else {
		req = good_req();
		req.fd = fd;
		EXPECT("bind_rx_fd_regular_file", try_bind(&req, &e), &e, true,
		       EINVAL);
		close(fd);
	}

	fd = memfd_create("devmem_bind", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 1 << 20) < 0) {
		tap_skip_test("bind_rx_fd_memfd", "memfd: %s", strerror(errno));
	} else {
		req = good_req();
		req.fd = fd;
		EXPECT("bind_rx_fd_memfd", try_bind(&req, &e), &e, true, EINVAL);
	}
	if (fd >= 0)
		close(fd);
}

static void test_no_devmem_support(void)
{
	struct dm_bind_rx_req req;
	struct dm_err e;

	if (!ctx.plain_ifname) {
		tap_skip_test("bind_rx_no_devmem_support",
			      "no interface without devmem support given (-F)");
		return;
	}
	req = good_req();
	req.ifindex = ctx.plain_ifindex;
	good_queue[0].id = 0;
	EXPECT("bind_rx_no_devmem_support", try_bind(&req, &e), &e, true,
	       EOPNOTSUPP);
}

static void test_header_split_off(void)
{
	const char *name = "bind_rx_header_split_off";
	struct dm_bind_rx_req req = good_req();
	struct dm_err set_err, e;
	int mode, ret;

	dm_hds_set(ctx.ifindex, ETHTOOL_TCP_DATA_SPLIT_DISABLED, &set_err);
	ret = dm_hds_get(ctx.ifindex, &mode, &e);
	if (ret < 0) {
		tap_diag("%s: %s", name, dm_strerr(&e));
		tap_result(false, name);
		goto restore;
	}
	if (mode == ETHTOOL_TCP_DATA_SPLIT_ENABLED) {
		tap_skip_test(name, "cannot turn tcp-data-split off on %s: %s",
			      ctx.ifname, dm_strerr(&set_err));
		return;
	}
	tap_diag("%s: tcp-data-split is %s", name, dm_hds_name(mode));
	EXPECT(name, try_bind(&req, &e), &e, true, EINVAL);

restore:
	dm_hds_set(ctx.ifindex, ETHTOOL_TCP_DATA_SPLIT_ENABLED, &e);
	if (dm_hds_get(ctx.ifindex, &mode, &e) < 0 ||
	    mode != ETHTOOL_TCP_DATA_SPLIT_ENABLED)
		tap_diag("warning: could not re-enable tcp-data-split on %s; later cases may fail",
			 ctx.ifname);
}

static void bind_rx_as_nobody(void *arg, struct dm_unpriv_result *res)
{
	struct dm_bind_rx_req req = good_req();

	(void)arg;
	res->ret = try_bind(&req, &res->e);
}

/* Without CAP_NET_ADMIN bind-rx (an admin-perm operation) gives EPERM. */
static void test_unprivileged(void)
{
	const char *name = "bind_rx_unprivileged";
	struct dm_unpriv_result r = { 0 };
	struct dm_err e;

	if (dm_run_unprivileged(bind_rx_as_nobody, NULL, &r, &e) < 0) {
		tap_skip_test(name, "%s", dm_strerr(&e));
		return;
	}
	/* genetlink's permission check gives no extack message. */
	EXPECT(name, r.ret, &r.e, false, EPERM);
}

static void test_unknown_commands(void)
{
	struct dm_err e;

	EXPECT("unknown_cmd_napi_set", try_cmd(NETDEV_CMD_NAPI_SET, &e), &e,
	       false, EOPNOTSUPP);
	EXPECT("unknown_cmd_out_of_range", try_cmd(NETDEV_CMD_MAX + 40, &e),
	       &e, false, EOPNOTSUPP);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static void test_bind_lifecycle(void)
{
	struct dm_bind_rx_req req = good_req();
	struct dm_queue_info qi;
	uint32_t id = 0, id2 = 0;
	struct dm_nl owner, nl;
	struct dm_err e;
	bool bound;
	long end;
	int ret;

	/* bind_rx_ok */
	ret = dm_nl_open(&owner, NETDEV_FAMILY_NAME, NETDEV_FAMILY_VERSION, &e);
	if (ret == 0)
		ret = dm_bind_rx_raw(&owner, &req, &id, &e);
	bound = ret == 0;
	if (ret < 0)
		tap_diag("bind_rx_ok: %s", dm_strerr(&e));
	else if (id == 0)
		tap_diag("bind_rx_ok: binding id is 0");
	else
		tap_diag("bind_rx_ok: %s rx queue %u bound, binding id %u",
			 ctx.ifname, ctx.queue, id);
	tap_result(bound && id > 0, "bind_rx_ok");

	if (!bound) {
		tap_skip_test("queue_get_reports_binding", "bind-rx failed");
		tap_skip_test("bind_rx_queue_busy", "bind-rx failed");
		tap_skip_test("unbind_on_netlink_close", "bind-rx failed");
		tap_skip_test("bind_rx_again_after_close", "bind-rx failed");
		dm_nl_close(&owner);
		return;
	}

	/* queue_get_reports_binding */
	ret = queue_get(&qi, &e);
	if (ret < 0)
		tap_diag("queue_get_reports_binding: %s", dm_strerr(&e));
	else if (!qi.has_dmabuf)
		tap_diag("queue_get_reports_binding: no NETDEV_A_QUEUE_DMABUF");
	else if (qi.dmabuf != id)
		tap_diag("queue_get_reports_binding: dmabuf %u, expected %u",
			 qi.dmabuf, id);
	tap_result(ret == 0 && qi.has_dmabuf && qi.dmabuf == id,
		   "queue_get_reports_binding");

	/* bind_rx_queue_busy: a second binding while the first is alive */
	EXPECT("bind_rx_queue_busy", try_bind(&req, &e), &e, true, EEXIST);

	/* header_split_off_while_bound: the core refuses (as mainline) */
	ret = dm_hds_set(ctx.ifindex, ETHTOOL_TCP_DATA_SPLIT_DISABLED, &e);
	if (ret == 0) {
		int mode = -1;

		dm_hds_get(ctx.ifindex, &mode, &e);
		tap_diag("header_split_off_while_bound: accepted, tcp-data-split now %d",
			 mode);
		dm_hds_set(ctx.ifindex, ETHTOOL_TCP_DATA_SPLIT_ENABLED, &e);
	}
	EXPECT("header_split_off_while_bound", ret, &e, true, EINVAL);

	/* unbind_on_netlink_close */
	dm_nl_close(&owner);
	end = now_ms() + UNBIND_WAIT_MS;
	do {
		ret = queue_get(&qi, &e);
		if (ret < 0 || !qi.has_dmabuf)
			break;
		usleep(20000);
	} while (now_ms() < end);
	if (ret < 0)
		tap_diag("unbind_on_netlink_close: %s", dm_strerr(&e));
	else if (qi.has_dmabuf)
		tap_diag("unbind_on_netlink_close: queue still reports dmabuf %u after %d ms",
			 qi.dmabuf, UNBIND_WAIT_MS);
	tap_result(ret == 0 && !qi.has_dmabuf, "unbind_on_netlink_close");

	/* bind_rx_again_after_close */
	ret = dm_nl_open(&nl, NETDEV_FAMILY_NAME, NETDEV_FAMILY_VERSION, &e);
	if (ret == 0)
		ret = dm_bind_rx_raw(&nl, &req, &id2, &e);
	if (ret < 0)
		tap_diag("bind_rx_again_after_close: %s", dm_strerr(&e));
	else
		tap_diag("bind_rx_again_after_close: binding id %u (was %u)",
			 id2, id);
	tap_result(ret == 0 && id2 > 0, "bind_rx_again_after_close");
	dm_nl_close(&nl);

	/* bind_rx_duplicate_queue_ids: the same queue twice binds it once */
	{
		struct dm_queue_id twice[2] = {
			{ .id = ctx.queue, .type = NETDEV_QUEUE_TYPE_RX },
			{ .id = ctx.queue, .type = NETDEV_QUEUE_TYPE_RX },
		};
		struct dm_bind_rx_req dup = good_req();

		dup.queues = twice;
		dup.nqueues = 2;
		ret = try_bind(&dup, &e);
		if (ret < 0)
			tap_diag("bind_rx_duplicate_queue_ids: %s", dm_strerr(&e));
		tap_result(ret == 0, "bind_rx_duplicate_queue_ids");
	}
}

/* ---- main -------------------------------------------------------------- */

static void parse_args(int argc, char **argv)
{
	unsigned long v;
	int c;

	while ((c = getopt(argc, argv, "f:F:n:t:d:XQ:h")) != -1) {
		switch (c) {
		case 'f':
			ctx.ifname = optarg;
			break;
		case 'F':
			ctx.plain_ifname = optarg;
			break;
		case 'n':
			if (dm_parse_uint(optarg, 1, 65535, &v) < 0)
				goto bad;
			ctx.nrxq = v;
			break;
		case 't':
			if (dm_parse_uint(optarg, 0, 65535, &v) < 0)
				goto bad;
			ctx.queue = v;
			break;
		case 'd':
			if (dm_parse_size(optarg, &ctx.dmabuf_size) < 0 ||
			    !ctx.dmabuf_size)
				goto bad;
			break;
		case 'X':
			ctx.require_extack = false;
			break;
		case 'Q':
			if (dm_parse_uint(optarg, 0, 65535, &v) < 0)
				goto bad;
			ctx.query_queue = v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "devmem_bind: see -h\n");
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "devmem_bind: unexpected argument '%s'\n",
			argv[optind]);
		exit(2);
	}
	if (!ctx.ifname) {
		fprintf(stderr, "devmem_bind: -f IFNAME is required (see -h)\n");
		exit(2);
	}
	if (ctx.query_queue < 0 && ctx.queue >= ctx.nrxq) {
		fprintf(stderr, "devmem_bind: -t %u is not below -n %u\n",
			ctx.queue, ctx.nrxq);
		exit(2);
	}
	return;
bad:
	fprintf(stderr, "devmem_bind: invalid value '%s' for -%c\n", optarg, c);
	exit(2);
}

/* -Q: print the dmabuf binding id of one RX queue, or "none". */
static int query(void)
{
	struct dm_queue_info qi;
	struct dm_err e;
	struct dm_nl nl;
	int ifindex;

	ifindex = if_nametoindex(ctx.ifname);
	if (!ifindex) {
		fprintf(stderr, "devmem_bind: interface %s: %s\n", ctx.ifname,
			strerror(errno));
		return 1;
	}
	if (dm_nl_open(&nl, NETDEV_FAMILY_NAME, NETDEV_FAMILY_VERSION, &e) < 0 ||
	    dm_queue_get(&nl, ifindex, ctx.query_queue, NETDEV_QUEUE_TYPE_RX,
			 &qi, &e) < 0) {
		fprintf(stderr, "devmem_bind: %s\n", dm_strerr(&e));
		dm_nl_close(&nl);
		return 1;
	}
	dm_nl_close(&nl);
	if (qi.has_dmabuf)
		printf("%u\n", qi.dmabuf);
	else
		printf("none\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct dm_nl probe;
	struct dm_err e;
	int ret;

	parse_args(argc, argv);
	if (ctx.query_queue >= 0)
		return query();
	tap_plan(NUM_TESTS);

	ctx.ifindex = if_nametoindex(ctx.ifname);
	if (!ctx.ifindex)
		tap_bail_out("interface %s: %s", ctx.ifname, strerror(errno));
	if (ctx.plain_ifname) {
		ctx.plain_ifindex = if_nametoindex(ctx.plain_ifname);
		if (!ctx.plain_ifindex)
			tap_bail_out("interface %s: %s", ctx.plain_ifname,
				     strerror(errno));
	}
	if (dm_nl_open(&probe, NETDEV_FAMILY_NAME, NETDEV_FAMILY_VERSION, &e) < 0)
		tap_bail_out("%s", dm_strerr(&e));
	dm_nl_close(&probe);
	if (dm_udmabuf_create(&ctx.ubuf, ctx.dmabuf_size, false, &e) < 0)
		tap_bail_out("%s", dm_strerr(&e));
	if (dm_hds_enable(ctx.ifindex, &ctx.hds_changed, &ctx.hds_old, &e) < 0) {
		if (ctx.hds_changed)
			dm_hds_set(ctx.ifindex, ctx.hds_old, NULL);
		tap_bail_out("%s: %s", ctx.ifname, dm_strerr(&e));
	}
	tap_diag("%s ifindex %d, %u rx queue(s), dma-buf %zu bytes, tcp-data-split enabled%s",
		 ctx.ifname, ctx.ifindex, ctx.nrxq, ctx.dmabuf_size,
		 ctx.hds_changed ? " (by us)" : "");

	test_missing_attrs();
	test_bad_device_and_queue();
	test_bad_fds();
	test_no_devmem_support();
	test_header_split_off();
	test_unprivileged();
	test_unknown_commands();
	test_bind_lifecycle();

	if (ctx.hds_changed && dm_hds_set(ctx.ifindex, ctx.hds_old, &e) < 0)
		tap_diag("warning: could not restore tcp-data-split on %s: %s",
			 ctx.ifname, dm_strerr(&e));
	dm_udmabuf_destroy(&ctx.ubuf);
	ret = tap_finish();
	return ret;
}
