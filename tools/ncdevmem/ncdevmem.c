// SPDX-License-Identifier: GPL-2.0
/*
 * ncdevmem - a netcat for device memory TCP (devmem TCP).
 *
 * Server (RX) mode (-l):
 *   1. create a udmabuf and map it read-only,
 *   2. make sure header split (ethtool tcp-data-split) is enabled,
 *   3. bind the dma-buf to the RX queue(s) over the netdev generic netlink
 *      family (the netlink socket stays open: closing it unbinds),
 *   4. accept one TCP connection and recvmsg(MSG_SOCK_DEVMEM) until EOF,
 *      checking every SCM_DEVMEM_DMABUF / SCM_DEVMEM_LINEAR cmsg, optionally
 *      validating the bytes against the 1..N-1,0 pattern, and returning the
 *      tokens with SO_DEVMEM_DONTNEED,
 *   5. print one key=value summary line on stdout, undo 1-3.
 *
 * Client (TX) mode (no -l; mainline 6.16 devmem TX):
 *   1. create a udmabuf and fill it with the 1..N-1,0 pattern (phase 0),
 *   2. bind it for TX on the interface (netdev bind-tx),
 *   3. connect with SO_BINDTODEVICE(IFNAME) and SO_ZEROCOPY=1,
 *   4. send -N bytes with sendmsg(MSG_ZEROCOPY) + an SCM_DEVMEM_DMABUF cmsg
 *      (iov_base = dma-buf offset), wrapping around the buffer so that the
 *      stream phase stays continuous (the wrap point is the largest
 *      multiple of the period in the buffer), never reusing a range before
 *      its zerocopy completion arrived on MSG_ERRQUEUE,
 *   5. wait for every completion and print a summary line.
 *
 * The command line follows mainline's ncdevmem where it makes sense, e.g.
 *   server: ncdevmem -l -f eth1 -s 192.0.2.1 -p 5201 -v 7
 *   client: ncdevmem -f eth1 -s 192.0.2.1 -p 5201 -v 7 -z 4096 -N 1G
 * or, with a non-devmem client,
 *   client: yes $(echo -e \\x01\\x02\\x03\\x04\\x05\\x06) | tr \\n \\0 |
 *           head -c 1G | nc 192.0.2.1 5201
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "devmem_nl.h"
#include "devmem_rx.h"
#include "devmem_tx.h"

#define EXIT_USAGE		2
#define DEFAULT_PORT		5201
#define MAX_VALIDATION_ERRORS	20	/* as mainline: stop after this many */
#define TX_MAX_SEND		(1UL << 20)	/* bytes per sendmsg */
#define TX_DEFAULT_TIMEOUT	10	/* s without progress / completions */

struct opts {
	bool listen;
	const char *server;	/* -s */
	const char *client;	/* -c */
	unsigned int port;	/* -p */
	const char *ifname;	/* -f */
	unsigned int period;	/* -v */
	unsigned int num_queues; /* -q */
	unsigned int first_queue; /* -t */
	size_t dmabuf_size;	/* -d */
	bool fail_on_linear;	/* -L */
	bool skip_nic_config;	/* -n */
	unsigned int timeout;	/* -T */
	bool verbose;		/* -V */
	size_t chunk;		/* -z: TX iov size, 0 = one iov per send */
	bool has_nbytes;
	uint64_t nbytes;	/* -N: TX bytes (default: the dma-buf size) */
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ncdevmem -l -f IFNAME [-s SERVER_IP] [-c CLIENT_IP] [-p PORT]\n"
		"                [-v PERIOD] [-q NUM_QUEUES] [-t FIRST_QUEUE] [-d SIZE]\n"
		"                [-L] [-n] [-T SECONDS] [-V]\n"
		"       ncdevmem -f IFNAME -s SERVER_IP [-p PORT] [-c CLIENT_IP] [-z CHUNK]\n"
		"                [-N BYTES] [-v PERIOD] [-d SIZE] [-T SECONDS]\n"
		"\n"
		"Server: receive one TCP connection into a dma-buf bound to RX queues of\n"
		"IFNAME (devmem TCP) and print a key=value summary line at EOF.\n"
		"Client: send the validation pattern from a dma-buf bound for TX on IFNAME\n"
		"(devmem TCP TX, MSG_ZEROCOPY) to SERVER_IP:PORT and print a summary line.\n"
		"\n"
		"  -l            server (receive) mode; without it: client (transmit) mode\n"
		"  -f IFNAME     interface to bind (required)\n"
		"  -s SERVER_IP  server: address to listen on, IPv4 or IPv6 (default: any)\n"
		"                client: address to connect to (required)\n"
		"  -c CLIENT_IP  server: accept only a connection from this address\n"
		"                client: source address to bind to\n"
		"  -p PORT       TCP port (default %d)\n"
		"  -v PERIOD     validate the stream 1,2,..,PERIOD-1,0 repeating\n"
		"                (7 for `yes $(echo -e \\\\x01..\\\\x06) | tr \\\\n \\\\0`); 0 = off\n"
		"                client: the pattern sent (default 7)\n"
		"  -q NUM        number of RX queues to bind (default 1)\n"
		"  -t QUEUE      first RX queue to bind (default 0)\n"
		"  -d SIZE       dma-buf size, page multiple, k/M/G suffixes (default 64M)\n"
		"  -L            fail if payload lands in host memory (SCM_DEVMEM_LINEAR)\n"
		"  -n            do not touch the NIC config (tcp-data-split)\n"
		"  -T SECONDS    server: fail if no connection or no data arrives for SECONDS\n"
		"                client: fail if no completion arrives for SECONDS (default %d)\n"
		"  -V            print every cmsg\n"
		"  -z CHUNK      client: split each send into iovecs of CHUNK bytes (<= %d\n"
		"                per sendmsg); default one iovec per send\n"
		"  -N BYTES      client: bytes to send, k/M/G suffixes (default: the dma-buf\n"
		"                size); may exceed the dma-buf, which is then reused\n"
		"  -h, --help    this text\n"
		"\n"
		"Summary (stdout): ncdevmem: summary status=ok|fail bytes= dmabuf_bytes=\n"
		"  linear_bytes= frags= tokens_returned= dontneed_calls= seconds= MBps=\n"
		"  validation_errors= validate_period= peer=     (MBps: 10^6 bytes/s)\n"
		"Client summary: ncdevmem: summary status=ok|fail mode=tx bytes= sends=\n"
		"  completions= seconds= MBps=   (completions: completed sendmsg calls)\n"
		"Exit status: 0 success, 1 failure, 2 usage error.\n",
		DEFAULT_PORT, TX_DEFAULT_TIMEOUT, DM_TX_MAX_IOV);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	size_t sz;
	int c;

	memset(o, 0, sizeof(*o));
	o->port = DEFAULT_PORT;
	o->num_queues = 1;
	o->dmabuf_size = DM_DEFAULT_DMABUF_SIZE;

	while ((c = getopt_long(argc, argv, "Lls:c:p:v:q:t:f:z:nd:T:VhN:",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o->listen = true;
			break;
		case 's':
			o->server = optarg;
			break;
		case 'c':
			o->client = optarg;
			break;
		case 'f':
			o->ifname = optarg;
			break;
		case 'p':
			if (dm_parse_uint(optarg, 1, 65535, &v) < 0)
				goto bad;
			o->port = v;
			break;
		case 'v':
			if (dm_parse_uint(optarg, 0, DM_PATTERN_MAX_PERIOD, &v) < 0)
				goto bad;
			o->period = v;
			break;
		case 'q':
			if (dm_parse_uint(optarg, 1, DM_BIND_MAX_QUEUES, &v) < 0)
				goto bad;
			o->num_queues = v;
			break;
		case 't':
			if (dm_parse_uint(optarg, 0, 65535, &v) < 0)
				goto bad;
			o->first_queue = v;
			break;
		case 'd':
			if (dm_parse_size(optarg, &o->dmabuf_size) < 0 ||
			    !o->dmabuf_size)
				goto bad;
			break;
		case 'z':
			if (dm_parse_size(optarg, &o->chunk) < 0 || !o->chunk)
				goto bad;
			break;
		case 'N':
			if (dm_parse_size(optarg, &sz) < 0)
				goto bad;
			o->nbytes = sz;
			o->has_nbytes = true;
			break;
		case 'L':
			o->fail_on_linear = true;
			break;
		case 'n':
			o->skip_nic_config = true;
			break;
		case 'T':
			if (dm_parse_uint(optarg, 1, 86400, &v) < 0)
				goto bad;
			o->timeout = v;
			break;
		case 'V':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "ncdevmem: see --help\n");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ncdevmem: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "ncdevmem: invalid value '%s' for -%c (see --help)\n",
		optarg, c);
	return -1;
}

static double elapsed(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) +
	       (now.tv_nsec - start->tv_nsec) / 1e9;
}

static void print_summary(const struct dm_rx *rx, bool ok, double secs,
			  const struct opts *o, const char *peer)
{
	printf("ncdevmem: summary status=%s bytes=%llu dmabuf_bytes=%llu linear_bytes=%llu frags=%llu tokens_returned=%llu dontneed_calls=%llu seconds=%.3f MBps=%.2f validation_errors=%llu validate_period=%u peer=%s\n",
	       ok ? "ok" : "fail",
	       (unsigned long long)rx->st.bytes,
	       (unsigned long long)rx->st.dmabuf_bytes,
	       (unsigned long long)rx->st.linear_bytes,
	       (unsigned long long)rx->st.frags,
	       (unsigned long long)rx->toks.returned,
	       (unsigned long long)rx->toks.calls,
	       secs, secs > 0 ? rx->st.bytes / 1e6 / secs : 0.0,
	       (unsigned long long)rx->pat.errors, o->period, peer);
	fflush(stdout);
}

/* Receive until EOF; returns 0 or -errno with @e filled. */
static int receive(struct dm_rx *rx, struct dm_err *e)
{
	ssize_t n;

	for (;;) {
		n = dm_rx_once(rx, e);
		if (n > 0)
			continue;
		if (n == 0)
			return 0;
		if (n == -EINTR && !stop_signal)
			continue;
		if (stop_signal)
			return dm_fail(e, EINTR, "interrupted by signal %d",
				       (int)stop_signal);
		return n;
	}
}

static int do_server(const struct opts *o)
{
	struct dm_rx_setup s = {
		.ifname = o->ifname,
		.first_queue = o->first_queue,
		.num_queues = o->num_queues,
		.dmabuf_size = o->dmabuf_size,
		.map = true,
		.skip_nic_config = o->skip_nic_config,
	};
	struct sockaddr_storage peer;
	struct dm_rx_cfg cfg;
	struct timespec start;
	char peer_str[64];
	struct dm_rx rx;
	struct dm_err e;
	int lfd = -1, fd = -1;
	int ret;

	ret = dm_rx_setup(&s, &e);
	if (ret < 0) {
		fprintf(stderr, "ncdevmem: setup: %s\n", dm_strerr(&e));
		return 1;
	}
	fprintf(stderr, "ncdevmem: bound %zu-byte dma-buf to %s (ifindex %d) rx queues %u-%u: binding id %u\n",
		s.ubuf.size, s.ifname, s.ifindex, s.first_queue,
		s.first_queue + s.num_queues - 1, s.binding_id);

	ret = 1;
	lfd = dm_listen(o->server, o->port, &e);
	if (lfd < 0) {
		fprintf(stderr, "ncdevmem: listen: %s\n", dm_strerr(&e));
		goto out_teardown;
	}
	fprintf(stderr, "ncdevmem: listening on %s port %u\n",
		o->server ? o->server : "any address", o->port);

	fd = -EINTR;
	while (!stop_signal) {
		fd = dm_accept(lfd, o->timeout ? (int)o->timeout * 1000 : -1,
			       &peer, &e);
		if (fd != -EINTR)
			break;
	}
	if (fd < 0) {
		fprintf(stderr, "ncdevmem: accept: %s\n", stop_signal ?
			"interrupted by signal" : dm_strerr(&e));
		goto out_listen;
	}
	snprintf(peer_str, sizeof(peer_str), "%s", dm_addr_str(&peer));
	fprintf(stderr, "ncdevmem: connection from %s\n", peer_str);
	if (o->client && !dm_addr_equal(&peer, o->client)) {
		fprintf(stderr, "ncdevmem: accept: connection from %s, expected client %s (-c)\n",
			peer_str, o->client);
		goto out_conn;
	}
	if (o->timeout && dm_set_rcvtimeo(fd, o->timeout, &e) < 0) {
		fprintf(stderr, "ncdevmem: %s\n", dm_strerr(&e));
		goto out_conn;
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.dmabuf_id = s.binding_id;
	cfg.dmabuf_fd = s.ubuf.fd;
	cfg.map = s.ubuf.map;
	cfg.map_size = s.ubuf.size;
	cfg.period = o->period;
	cfg.max_errors = MAX_VALIDATION_ERRORS;
	cfg.fail_on_linear = o->fail_on_linear;
	cfg.verbose = o->verbose;
	if (dm_rx_init(&rx, fd, &cfg, &e) < 0) {
		fprintf(stderr, "ncdevmem: %s\n", dm_strerr(&e));
		goto out_conn;
	}

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (receive(&rx, &e) < 0) {
		fprintf(stderr, "ncdevmem: receive: %s\n", dm_strerr(&e));
	} else if (rx.pat.errors) {
		fprintf(stderr, "ncdevmem: receive: validation: %llu mismatched bytes\n",
			(unsigned long long)rx.pat.errors);
	} else if (rx.toks.returned != rx.st.frags) {
		fprintf(stderr, "ncdevmem: receive: returned %llu of %llu frags\n",
			(unsigned long long)rx.toks.returned,
			(unsigned long long)rx.st.frags);
	} else {
		ret = 0;
	}
	print_summary(&rx, ret == 0, elapsed(&start), o, peer_str);
	dm_rx_free(&rx);
out_conn:
	close(fd);
out_listen:
	close(lfd);
out_teardown:
	dm_rx_teardown(&s);
	return ret;
}

static void print_tx_summary(bool ok, uint64_t bytes, const struct dm_zc *zc,
			     double secs)
{
	printf("ncdevmem: summary status=%s mode=tx bytes=%llu sends=%llu completions=%llu seconds=%.3f MBps=%.2f\n",
	       ok ? "ok" : "fail", (unsigned long long)bytes,
	       (unsigned long long)zc->sends,
	       (unsigned long long)zc->completions,
	       secs, secs > 0 ? bytes / 1e6 / secs : 0.0);
	fflush(stdout);
}

/*
 * Send @total bytes of the pattern; the stream byte at offset k comes from
 * dma-buf offset k % @ring (@ring is a multiple of the period, so the phase
 * is continuous).  In-flight bytes never exceed @ring: a range is reused
 * only after its send completed.
 */
static int transmit(int fd, uint32_t id, size_t ring, uint64_t total,
		    const struct opts *o, int timeout_ms, struct dm_zc *zc,
		    uint64_t *sent, struct dm_err *e)
{
	size_t max_send = TX_MAX_SEND;
	struct dm_tx_req req = {
		.dmabuf_id = id,
		.flags = MSG_ZEROCOPY,
		.chunk = o->chunk,
	};
	uint64_t off, len;
	ssize_t n;
	int ret;

	if (o->chunk) {
		size_t niov = TX_MAX_SEND / o->chunk;

		if (niov < 1)
			niov = 1;
		if (niov > DM_TX_MAX_IOV)
			niov = DM_TX_MAX_IOV;
		max_send = niov * o->chunk;
	}

	while (*sent < total) {
		if (stop_signal)
			return dm_fail(e, EINTR, "interrupted by signal %d",
				       (int)stop_signal);
		ret = dm_zc_reap(fd, zc, 0, e);
		if (ret < 0)
			return ret;
		if (zc->inflight >= ring || dm_zc_full(zc)) {
			/* the whole buffer is in flight: wait for completions */
			ret = dm_zc_reap(fd, zc, timeout_ms, e);
			if (ret < 0)
				return ret;
			if (ret == 0 && !stop_signal)
				return dm_fail(e, ETIMEDOUT,
					       "no zerocopy completion within %d ms (%llu bytes in flight)",
					       timeout_ms,
					       (unsigned long long)zc->inflight);
			continue;
		}
		off = *sent % ring;
		len = total - *sent;
		if (len > ring - off)
			len = ring - off;
		if (len > ring - zc->inflight)
			len = ring - zc->inflight;
		if (len > max_send)
			len = max_send;

		req.offset = off;
		req.len = len;
		n = dm_tx_send(fd, &req, e);
		if (n == -ENOBUFS) {
			/* optmem full of notifications: reap, then retry */
			ret = dm_zc_reap(fd, zc, timeout_ms, e);
			if (ret < 0)
				return ret;
			if (ret == 0)
				return dm_fail(e, ENOBUFS,
					       "sendmsg: ENOBUFS and no completion within %d ms",
					       timeout_ms);
			continue;
		}
		if (n < 0)
			return n;
		ret = dm_zc_sent(zc, n, e);
		if (ret < 0)
			return ret;
		/* A short send (a signal, or an error that ended a send
		 * blocked for buffer space) goes on from where it stopped;
		 * the next sendmsg() reports the error, if any.
		 */
		*sent += n;
	}
	return 0;
}

static int do_client(const struct opts *o)
{
	unsigned int period = o->period ? o->period : DM_TX_DEFAULT_PERIOD;
	int timeout_ms = (o->timeout ? o->timeout : TX_DEFAULT_TIMEOUT) * 1000;
	struct dm_udmabuf ubuf = { .fd = -1 };
	struct dm_nl nl = { 0 };
	struct timespec start;
	uint64_t total, sent = 0;
	struct dm_zc zc;
	struct dm_err e;
	int ifindex, fd = -1, ret = 1;
	uint32_t id = 0;
	size_t ring;

	if (dm_zc_init(&zc, &e) < 0) {
		fprintf(stderr, "ncdevmem: %s\n", dm_strerr(&e));
		return 1;
	}
	ifindex = if_nametoindex(o->ifname);
	if (!ifindex) {
		fprintf(stderr, "ncdevmem: interface %s: %s\n", o->ifname,
			strerror(errno));
		goto out_zc;
	}
	if (dm_udmabuf_create(&ubuf, o->dmabuf_size, false, &e) < 0 ||
	    dm_dmabuf_fill_pattern(ubuf.fd, ubuf.size, period, &e) < 0) {
		fprintf(stderr, "ncdevmem: dma-buf: %s\n", dm_strerr(&e));
		goto out_buf;
	}
	ring = ubuf.size - ubuf.size % period;
	if (dm_nl_open(&nl, NETDEV_FAMILY_NAME, NETDEV_FAMILY_VERSION, &e) < 0 ||
	    dm_bind_tx(&nl, ifindex, ubuf.fd, &id, &e) < 0) {
		fprintf(stderr, "ncdevmem: setup: %s\n", dm_strerr(&e));
		goto out_nl;
	}
	fprintf(stderr, "ncdevmem: bound %zu-byte dma-buf for TX on %s (ifindex %d): binding id %u\n",
		ubuf.size, o->ifname, ifindex, id);

	fd = dm_tx_connect(o->server, o->port, o->client, o->ifname, true, &e);
	if (fd < 0) {
		fprintf(stderr, "ncdevmem: %s\n", dm_strerr(&e));
		goto out_nl;
	}
	total = o->has_nbytes ? o->nbytes : ubuf.size;
	fprintf(stderr, "ncdevmem: connected to %s port %u; sending %llu bytes (period %u, %s)\n",
		o->server, o->port, (unsigned long long)total, period,
		o->chunk ? "chunked iovs" : "one iov per send");

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (transmit(fd, id, ring, total, o, timeout_ms, &zc, &sent, &e) < 0)
		fprintf(stderr, "ncdevmem: send: %s\n", dm_strerr(&e));
	else if (dm_zc_wait_all(fd, &zc, timeout_ms, &e) < 0)
		fprintf(stderr, "ncdevmem: completions: %s\n", dm_strerr(&e));
	else
		ret = 0;
	if (ret && zc.copied)
		fprintf(stderr, "ncdevmem: the kernel copied the payload instead of sending from the dma-buf (SO_EE_CODE_ZEROCOPY_COPIED)\n");
	print_tx_summary(ret == 0, sent, &zc, elapsed(&start));
	close(fd);
out_nl:
	if (dm_nl_is_open(&nl))
		dm_nl_close(&nl);	/* unbinds */
out_buf:
	dm_udmabuf_destroy(&ubuf);
out_zc:
	dm_zc_free(&zc);
	return ret;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct opts o;

	if (parse_opts(argc, argv, &o) < 0)
		return EXIT_USAGE;
	if (!o.ifname) {
		fprintf(stderr, "ncdevmem: -f IFNAME is required (see --help)\n");
		return EXIT_USAGE;
	}
	if (!o.listen && !o.server) {
		fprintf(stderr, "ncdevmem: client mode needs -s SERVER_IP (or -l for server mode)\n");
		return EXIT_USAGE;
	}

	/* No SA_RESTART: a signal interrupts accept/recvmsg so we clean up. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	return o.listen ? do_server(&o) : do_client(&o);
}
