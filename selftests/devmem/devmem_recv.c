// SPDX-License-Identifier: GPL-2.0
/*
 * devmem_recv - receive-side devmem TCP checks.
 *
 * Socket level (always run, no NIC needed): SO_DEVMEM_DONTNEED argument
 * checks (optlen, token count, socket type, bad pointer, unknown tokens).
 *
 * Flow level (with -f): bind a dma-buf to the NIC's RX queue, accept one
 * connection whose payload lands in the dma-buf, and check that
 *   - recv() without MSG_SOCK_DEVMEM fails with EFAULT and consumes nothing,
 *   - recvmsg(MSG_SOCK_DEVMEM) then gets the stream from its first byte,
 *   - SO_DEVMEM_DONTNEED frees a real token once, and only known tokens,
 *   - a socket may close while holding tokens (the kernel releases them;
 *     with -r a second connection must then get through, with -w the
 *     binding is kept for a while so a shell test can inspect it; with -U
 *     the binding is unbound first and the socket goes on holding the
 *     tokens for a while).
 *
 * Output: kselftest TAP, ending with "# N passed, N failed, N skipped".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "devmem_nl.h"
#include "devmem_rx.h"
#include "tap.h"

#define NUM_TESTS		18
#define NUM_FLOW_TESTS		9
#define UNKNOWN_TOKEN		0x7ffffff0u	/* far above allocated ids */

static struct {
	const char *ifname;	/* -f */
	const char *addr;	/* -s */
	unsigned int port;	/* -p */
	unsigned int first_queue; /* -t */
	unsigned int num_queues; /* -q */
	size_t dmabuf_size;	/* -d */
	unsigned int period;	/* -v */
	bool skip_nic_config;	/* -n */
	uint64_t hold_limit;	/* -H */
	unsigned int stall;	/* -S */
	unsigned int timeout;	/* -T */
	unsigned int wait;	/* -w */
	unsigned int unbind_hold; /* -U */
	bool reconnect;		/* -r */
} opt = {
	.port = 5201,
	.num_queues = 1,
	.dmabuf_size = DM_DEFAULT_DMABUF_SIZE,
	.stall = 3,
	.timeout = 30,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: devmem_recv [-f IFNAME [-s ADDR] [-p PORT] [-t QUEUE] [-q NUM] [-d SIZE]\n"
		"                   [-v PERIOD] [-n] [-H BYTES] [-S SECONDS] [-T SECONDS]\n"
		"                   [-w SECONDS] [-U SECONDS] [-r]]\n"
		"\n"
		"devmem TCP receive checks (kselftest TAP on stdout).  Without -f only the\n"
		"socket-level SO_DEVMEM_DONTNEED checks run.\n"
		"\n"
		"  -f IFNAME   run the flow checks: bind a dma-buf to IFNAME's RX queue(s)\n"
		"              and accept a connection; the peer must send at least a few\n"
		"              MiB (e.g. the ncdevmem -v 7 pattern) and will see a reset\n"
		"              when the token-holding socket is closed\n"
		"  -s ADDR     listen address, IPv4 or IPv6 (default any)\n"
		"  -p PORT     TCP port (default 5201)\n"
		"  -t QUEUE    first RX queue to bind (default 0)\n"
		"  -q NUM      number of RX queues to bind (default 1)\n"
		"  -d SIZE     dma-buf size (default 64M)\n"
		"  -v PERIOD   validate the stream 1,2,..,PERIOD-1,0 (as ncdevmem -v)\n"
		"  -n          do not touch tcp-data-split\n"
		"  -H BYTES    hold tokens for at most BYTES of payload (default: until\n"
		"              the flow stalls, i.e. the dma-buf is exhausted)\n"
		"  -S SECONDS  no data for SECONDS while holding = stalled (default 3)\n"
		"  -T SECONDS  timeout for accept and for data otherwise (default 30)\n"
		"  -w SECONDS  after closing the token-holding socket, keep the binding\n"
		"              for SECONDS (lets a shell test inspect kernel state)\n"
		"  -U SECONDS  unbind (close the netlink socket) while still holding the\n"
		"              tokens, and hold them SECONDS longer before closing the\n"
		"              socket (the queue must no longer report the binding)\n"
		"  -r          then accept a second connection and receive it to EOF:\n"
		"              this needs the tokens the closed socket held\n"
		"  -h          this text\n"
		"\n"
		"Exit: 0 pass, 1 fail, 4 all skipped.\n");
}

/* ---- SO_DEVMEM_DONTNEED ------------------------------------------------ */

/* setsockopt(SO_DEVMEM_DONTNEED): frags freed, or -errno. */
static int dontneed(int fd, const void *buf, socklen_t len)
{
	int ret = setsockopt(fd, SOL_SOCKET, SO_DEVMEM_DONTNEED, buf, len);

	return ret < 0 ? -errno : ret;
}

static void dontneed_one(int fd, uint32_t token, int *ret)
{
	struct dmabuf_token t = { .token_start = token, .token_count = 1 };

	*ret = dontneed(fd, &t, sizeof(t));
}

static const char *ret_str(int r, char *buf, size_t len)
{
	if (r < 0)
		snprintf(buf, len, "%s (%s)", dm_errno_name(-r), strerror(-r));
	else
		snprintf(buf, len, "%d freed", r);
	return buf;
}

/* @want >= 0: that many frags freed; < 0: that -errno. */
static void expect_ret(const char *name, int got, int want)
{
	char g[96], w[96];

	if (got == want)
		tap_diag("%s: %s", name, ret_str(got, g, sizeof(g)));
	else
		tap_diag("%s: got %s, expected %s", name,
			 ret_str(got, g, sizeof(g)), ret_str(want, w, sizeof(w)));
	tap_result(got == want, name);
}

static void test_dontneed_args(void)
{
	struct dmabuf_token toks[DM_DONTNEED_MAX_TOKENS + 1];
	int tcp, udp, un[2];
	unsigned int i;

	tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (tcp < 0)
		tcp = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (tcp < 0)
		tap_bail_out("socket(SOCK_STREAM): %s", strerror(errno));

	for (i = 0; i <= DM_DONTNEED_MAX_TOKENS; i++) {
		toks[i].token_start = UNKNOWN_TOKEN - 2 * DM_DONTNEED_MAX_TOKENS + 2 * i;
		toks[i].token_count = 1;
	}

	/* the generic SOL_SOCKET check: optlen < sizeof(int) */
	expect_ret("dontneed_optlen_4", dontneed(tcp, toks, 4), -EINVAL);
	expect_ret("dontneed_optlen_not_multiple_of_8",
		   dontneed(tcp, toks, 12), -EINVAL);
	expect_ret("dontneed_too_many_tokens",
		   dontneed(tcp, toks, sizeof(toks)), -EINVAL);
	expect_ret("dontneed_max_tokens_unknown",
		   dontneed(tcp, toks, DM_DONTNEED_MAX_TOKENS * sizeof(toks[0])),
		   0);
	expect_ret("dontneed_unknown_token", dontneed(tcp, toks, 8), 0);

	/* the kernel must stop after 1024 frags, not walk 4G token ids */
	toks[0].token_start = 0;
	toks[0].token_count = 0xffffffffu;
	expect_ret("dontneed_huge_token_count", dontneed(tcp, toks, 8), 0);

	expect_ret("dontneed_bad_pointer",
		   dontneed(tcp, (void *)8, sizeof(toks[0])), -EFAULT);
	close(tcp);

	udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (udp < 0)
		udp = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (udp < 0) {
		tap_skip_test("dontneed_udp_socket", "socket(SOCK_DGRAM): %s",
			      strerror(errno));
	} else {
		expect_ret("dontneed_udp_socket", dontneed(udp, toks, 8),
			   -EBADF);
		close(udp);
	}

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, un) < 0) {
		tap_skip_test("dontneed_unix_socket", "socketpair: %s",
			      strerror(errno));
	} else {
		expect_ret("dontneed_unix_socket", dontneed(un[0], toks, 8),
			   -EBADF);
		close(un[0]);
		close(un[1]);
	}
}

/* ---- flow tests -------------------------------------------------------- */

static void skip_rest(const char *const *names, int n, const char *why)
{
	int i;

	for (i = 0; i < n; i++)
		tap_skip_test(names[i], "%s", why);
}

/* Drop held[i] (it was returned). */
static void unhold(struct dm_rx *rx, size_t i)
{
	memmove(&rx->held[i], &rx->held[i + 1],
		(rx->nheld - i - 1) * sizeof(rx->held[0]));
	rx->nheld--;
}

/* Receive (holding tokens) until at least @n tokens are held. */
static int ensure_held(struct dm_rx *rx, size_t n, struct dm_err *e)
{
	ssize_t ret;

	while (rx->nheld < n) {
		ret = dm_rx_once(rx, e);
		if (ret == 0)
			return dm_fail(e, ENODATA, "EOF before %zu tokens", n);
		if (ret == -EINTR)
			continue;
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Second connection, tokens returned: succeeds only if the pool refills. */
static void test_reconnect(int lfd, const struct dm_rx_setup *s,
			   const struct dm_rx_cfg *cfg0)
{
	const char *name = "tokens_released_after_close";
	struct sockaddr_storage peer;
	struct dm_rx_cfg cfg = *cfg0;
	struct dm_rx rx;
	struct dm_err e;
	ssize_t n;
	int fd;

	tap_diag("%s: waiting for a second connection", name);
	fd = dm_accept(lfd, opt.timeout * 1000, &peer, &e);
	if (fd < 0) {
		tap_diag("%s: %s", name, dm_strerr(&e));
		tap_result(false, name);
		return;
	}
	tap_diag("%s: connection from %s", name, dm_addr_str(&peer));
	cfg.hold_tokens = false;
	if (dm_set_rcvtimeo(fd, opt.timeout, &e) < 0 ||
	    dm_rx_init(&rx, fd, &cfg, &e) < 0) {
		tap_diag("%s: %s", name, dm_strerr(&e));
		tap_result(false, name);
		close(fd);
		return;
	}
	do {
		n = dm_rx_once(&rx, &e);
	} while (n > 0 || n == -EINTR);
	if (n < 0)
		tap_diag("%s: after %llu bytes: %s", name,
			 (unsigned long long)rx.st.bytes, dm_strerr(&e));
	else
		tap_diag("%s: EOF after %llu bytes (%llu in %llu frags, %llu linear), %llu tokens returned%s",
			 name, (unsigned long long)rx.st.bytes,
			 (unsigned long long)rx.st.dmabuf_bytes,
			 (unsigned long long)rx.st.frags,
			 (unsigned long long)rx.st.linear_bytes,
			 (unsigned long long)rx.toks.returned,
			 s->dmabuf_size < rx.st.bytes ? " (more than the dma-buf)" :
							"");
	tap_result(n == 0 && rx.st.bytes > 0 && rx.pat.errors == 0 &&
		   rx.toks.returned == rx.st.frags, name);
	dm_rx_free(&rx);
	close(fd);
}

static void test_flow(void)
{
	static const char *const names[NUM_FLOW_TESTS] = {
		"flow_setup",
		"plain_recv_efault",
		"devmem_recvmsg_after_efault",
		"dontneed_returns_one",
		"dontneed_twice_returns_zero",
		"dontneed_known_and_unknown",
		"hold_tokens",
		"close_with_held_tokens",
		"tokens_released_after_close",
	};
	struct dm_rx_setup s = {
		.ifname = opt.ifname,
		.first_queue = opt.first_queue,
		.num_queues = opt.num_queues,
		.dmabuf_size = opt.dmabuf_size,
		.map = true,
		.skip_nic_config = opt.skip_nic_config,
	};
	struct sockaddr_storage peer;
	struct dm_queue_info qi;
	struct dm_rx_cfg cfg;
	struct dmabuf_token two[2];
	const char *why;
	struct dm_rx rx;
	struct dm_err e;
	uint8_t buf[4096];
	int lfd, fd, ret;
	uint32_t token;
	ssize_t n;

	if (!opt.ifname) {
		skip_rest(names, NUM_FLOW_TESTS, "no interface given (-f)");
		return;
	}

	/* flow_setup */
	if (dm_rx_setup(&s, &e) < 0) {
		tap_diag("flow_setup: %s", dm_strerr(&e));
		tap_result(false, names[0]);
		skip_rest(names + 1, NUM_FLOW_TESTS - 1, "setup failed");
		return;
	}
	tap_diag("flow_setup: %s rx queues %u-%u bound to a %zu-byte dma-buf, binding id %u",
		 s.ifname, s.first_queue, s.first_queue + s.num_queues - 1,
		 s.ubuf.size, s.binding_id);
	lfd = dm_listen(opt.addr, opt.port, &e);
	if (lfd < 0)
		goto setup_failed;
	tap_diag("flow_setup: listening on %s port %u",
		 opt.addr ? opt.addr : "any address", opt.port);
	fd = dm_accept(lfd, opt.timeout * 1000, &peer, &e);
	if (fd < 0) {
		close(lfd);
		goto setup_failed;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.dmabuf_id = s.binding_id;
	cfg.dmabuf_fd = s.ubuf.fd;
	cfg.map = s.ubuf.map;
	cfg.map_size = s.ubuf.size;
	cfg.period = opt.period;
	cfg.max_errors = 20;
	cfg.hold_tokens = true;
	if (dm_set_rcvtimeo(fd, opt.timeout, &e) < 0 ||
	    dm_rx_init(&rx, fd, &cfg, &e) < 0) {
		close(fd);
		close(lfd);
		goto setup_failed;
	}
	tap_diag("flow_setup: connection from %s", dm_addr_str(&peer));
	tap_result(true, names[0]);

	/* plain_recv_efault: never payload bytes without MSG_SOCK_DEVMEM */
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0 && errno == EFAULT)
		tap_diag("%s: EFAULT", names[1]);
	else if (n < 0)
		tap_diag("%s: got %s (%s), expected EFAULT", names[1],
			 dm_errno_name(errno), strerror(errno));
	else if (n == 0)
		tap_diag("%s: EOF, expected EFAULT", names[1]);
	else
		tap_diag("%s: got %zd payload bytes, expected EFAULT (flow on a bound queue?)",
			 names[1], n);
	tap_result(n < 0 && errno == EFAULT, names[1]);

	/* devmem_recvmsg_after_efault: the stream starts at byte 0 */
	n = dm_rx_once(&rx, &e);
	if (n < 0) {
		tap_diag("%s: %s", names[2], dm_strerr(&e));
	} else if (n == 0) {
		tap_diag("%s: EOF", names[2]);
	} else {
		tap_diag("%s: %zd bytes: %llu frags, %llu linear bytes, %s",
			 names[2], n, (unsigned long long)rx.st.frags,
			 (unsigned long long)rx.st.linear_bytes,
			 opt.period ? "validated from stream offset 0" :
				      "not validated (no -v)");
	}
	tap_result(n > 0 && rx.st.frags > 0 && rx.pat.errors == 0, names[2]);

	/* dontneed_returns_one / dontneed_twice_returns_zero */
	if (ensure_held(&rx, 1, &e) < 0) {
		tap_diag("receive: %s", dm_strerr(&e));
		why = "no token to return";
		skip_rest(names + 3, 3, why);
		goto hold;
	}
	token = rx.held[0];
	dontneed_one(fd, token, &ret);
	tap_diag("%s: token %u", names[3], token);
	expect_ret(names[3], ret, 1);
	unhold(&rx, 0);
	dontneed_one(fd, token, &ret);
	expect_ret(names[4], ret, 0);

	/* dontneed_known_and_unknown: only the known token counts */
	if (ensure_held(&rx, 1, &e) < 0) {
		tap_diag("receive: %s", dm_strerr(&e));
		tap_skip_test(names[5], "no token to return");
		goto hold;
	}
	two[0].token_start = rx.held[0];
	two[0].token_count = 1;
	two[1].token_start = UNKNOWN_TOKEN;
	two[1].token_count = 1;
	expect_ret(names[5], dontneed(fd, two, sizeof(two)), 1);
	unhold(&rx, 0);

hold:
	/* hold_tokens: keep receiving without returning anything */
	if (dm_set_rcvtimeo(fd, opt.stall, &e) < 0) {
		tap_diag("%s: %s", names[6], dm_strerr(&e));
		tap_result(false, names[6]);
	} else {
		for (;;) {
			if (opt.hold_limit && rx.held_bytes >= opt.hold_limit) {
				why = "hold limit (-H) reached";
				n = 0;
				break;
			}
			n = dm_rx_once(&rx, &e);
			if (n > 0 || n == -EINTR)
				continue;
			why = n == -EAGAIN ? "flow stalled (dma-buf exhausted?)" :
					     "EOF";
			break;
		}
		if (n < 0 && n != -EAGAIN) {
			tap_diag("%s: %s", names[6], dm_strerr(&e));
			tap_result(false, names[6]);
		} else {
			tap_diag("%s: holding %zu tokens (%llu bytes, dma-buf %zu) after %llu bytes: %s",
				 names[6], rx.nheld,
				 (unsigned long long)rx.held_bytes, s.ubuf.size,
				 (unsigned long long)rx.st.bytes, why);
			tap_result(rx.nheld > 0 && rx.pat.errors == 0, names[6]);
		}
	}

	/* close_with_held_tokens: the binding itself stays; with -U it is
	 * unbound first, while the socket holds the tokens, and the queue
	 * goes back to host memory
	 */
	if (opt.unbind_hold) {
		dm_nl_close(&s.netdev);
		tap_diag("%s: unbound binding %u, holding %zu tokens for %u s",
			 names[7], s.binding_id, rx.nheld, opt.unbind_hold);
		sleep(opt.unbind_hold);
	}
	ret = close(fd);
	if (ret < 0)
		tap_diag("%s: close: %s", names[7], strerror(errno));
	tap_diag("%s: closed the socket holding %zu tokens", names[7], rx.nheld);
	if (opt.unbind_hold &&
	    dm_nl_open(&s.netdev, NETDEV_FAMILY_NAME, NETDEV_FAMILY_VERSION,
		       &e) < 0) {
		tap_diag("%s: %s", names[7], dm_strerr(&e));
		ret = -1;
	} else if (dm_queue_get(&s.netdev, s.ifindex, s.first_queue,
				NETDEV_QUEUE_TYPE_RX, &qi, &e) < 0) {
		tap_diag("%s: %s", names[7], dm_strerr(&e));
		ret = -1;
	} else if (opt.unbind_hold && qi.has_dmabuf) {
		tap_diag("%s: queue %u still reports dmabuf %u after the unbind",
			 names[7], s.first_queue, qi.dmabuf);
		ret = -1;
	} else if (!opt.unbind_hold &&
		   (!qi.has_dmabuf || qi.dmabuf != s.binding_id)) {
		tap_diag("%s: queue %u no longer reports binding %u", names[7],
			 s.first_queue, s.binding_id);
		ret = -1;
	}
	tap_result(ret == 0, names[7]);
	dm_rx_free(&rx);

	if (opt.wait) {
		tap_diag("keeping binding %u for %u s", s.binding_id, opt.wait);
		sleep(opt.wait);
	}

	/* tokens_released_after_close */
	if (opt.reconnect)
		test_reconnect(lfd, &s, &cfg);
	else
		tap_skip_test(names[8], "no second connection requested (-r)");

	close(lfd);
	dm_rx_teardown(&s);
	return;

setup_failed:
	tap_diag("flow_setup: %s", dm_strerr(&e));
	tap_result(false, names[0]);
	skip_rest(names + 1, NUM_FLOW_TESTS - 1, "setup failed");
	dm_rx_teardown(&s);
}

/* ---- main -------------------------------------------------------------- */

static void parse_args(int argc, char **argv)
{
	unsigned long v;
	size_t sz;
	int c;

	while ((c = getopt(argc, argv, "f:s:p:t:q:d:v:nH:S:T:w:U:rh")) != -1) {
		switch (c) {
		case 'f':
			opt.ifname = optarg;
			break;
		case 's':
			opt.addr = optarg;
			break;
		case 'p':
			if (dm_parse_uint(optarg, 1, 65535, &v) < 0)
				goto bad;
			opt.port = v;
			break;
		case 't':
			if (dm_parse_uint(optarg, 0, 65535, &v) < 0)
				goto bad;
			opt.first_queue = v;
			break;
		case 'q':
			if (dm_parse_uint(optarg, 1, DM_BIND_MAX_QUEUES, &v) < 0)
				goto bad;
			opt.num_queues = v;
			break;
		case 'd':
			if (dm_parse_size(optarg, &opt.dmabuf_size) < 0 ||
			    !opt.dmabuf_size)
				goto bad;
			break;
		case 'v':
			if (dm_parse_uint(optarg, 0, DM_PATTERN_MAX_PERIOD, &v) < 0)
				goto bad;
			opt.period = v;
			break;
		case 'n':
			opt.skip_nic_config = true;
			break;
		case 'H':
			if (dm_parse_size(optarg, &sz) < 0)
				goto bad;
			opt.hold_limit = sz;
			break;
		case 'S':
			if (dm_parse_uint(optarg, 1, 3600, &v) < 0)
				goto bad;
			opt.stall = v;
			break;
		case 'T':
			if (dm_parse_uint(optarg, 1, 86400, &v) < 0)
				goto bad;
			opt.timeout = v;
			break;
		case 'w':
			if (dm_parse_uint(optarg, 0, 86400, &v) < 0)
				goto bad;
			opt.wait = v;
			break;
		case 'U':
			if (dm_parse_uint(optarg, 1, 86400, &v) < 0)
				goto bad;
			opt.unbind_hold = v;
			break;
		case 'r':
			opt.reconnect = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "devmem_recv: see -h\n");
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "devmem_recv: unexpected argument '%s'\n",
			argv[optind]);
		exit(2);
	}
	if (opt.unbind_hold && opt.reconnect) {
		fprintf(stderr, "devmem_recv: -U unbinds, -r needs the binding: pick one\n");
		exit(2);
	}
	return;
bad:
	fprintf(stderr, "devmem_recv: invalid value '%s' for -%c\n", optarg, c);
	exit(2);
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	tap_plan(NUM_TESTS);
	test_dontneed_args();
	test_flow();
	return tap_finish();
}
