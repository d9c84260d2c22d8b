// SPDX-License-Identifier: GPL-2.0
/*
 * devmem_stress - concurrency and lifecycle checks of devmem TCP bindings.
 *
 * -o binders: several threads bind and unbind the NIC's RX queue (bind-rx,
 *    held for a few milliseconds, then the netlink socket is closed) and
 *    bind-tx the same device, while one TCP connection streams the
 *    validation pattern into the queue.  The receiver reads with
 *    recvmsg(MSG_SOCK_DEVMEM) and gives every token back at once: payload
 *    comes as plain data while the queue is unbound (validated against
 *    the pattern) and as SCM_DEVMEM_DMABUF frags of whichever binding
 *    held the queue (counted; their dma-bufs belong to the threads).
 *    Checked: every bind-rx either binds or fails with EEXIST (another
 *    thread holds the queue), queue-get reports the holder's
 *    binding while it holds it, bind-tx always binds, the stream arrives
 *    whole, and the queue is unbound at the end.
 * -o fdclose: bind-rx, then close the dma-buf fd (the memfd behind the
 *    udmabuf is closed as soon as the udmabuf exists): the binding keeps
 *    the dma-buf; one connection is received and validated through the
 *    mapping made before the close.  Without the fd there is no
 *    DMA_BUF_IOCTL_SYNC: udmabuf's CPU access sync only flushes CPU caches,
 *    a no-op for the coherent DMA of the test VM.
 * -o fdclose-tx: fill a dma-buf with the pattern, bind-tx, close the fd,
 *    then send the whole dma-buf over one connection (the receiver, e.g.
 *    a plain netcat, validates it).
 *
 * Usage: devmem_stress -o MODE -f IFNAME -s ADDR [-p PORT] [-j THREADS]
 *                      [-t SECONDS] [-N BYTES] [-d SIZE]
 * Output: kselftest TAP, ending with "# N passed, N failed, N skipped".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "devmem_nl.h"
#include "devmem_rx.h"
#include "devmem_tx.h"
#include "tap.h"

#define MAX_THREADS		16
#define SINK_TIMEOUT_S		60
#define ACCEPT_TIMEOUT_MS	60000
#define TX_SEND_SIZE		(64UL << 10)
#define TX_TIMEOUT_MS		30000
/*
 * A binder holds the queue 2-4 s: a bind restarts the queue, and e1000e's
 * watchdog reports the link up again within 2 s, so data flows into the
 * dma-buf for a while.  After an unbind it pauses up to 0.5 s (data into
 * host memory); after EEXIST it retries in 10-30 ms.
 */
#define HOLD_MIN_US		2000000
#define HOLD_RAND_US		2000000
#define PAUSE_RAND_US		500000
#define RETRY_MIN_US		10000
#define RETRY_RAND_US		20000

enum mode { MODE_NONE, MODE_BINDERS, MODE_FDCLOSE, MODE_FDCLOSE_TX };

static struct {
	enum mode mode;		/* -o */
	const char *ifname;	/* -f */
	int ifindex;
	const char *addr;	/* -s */
	unsigned int port;	/* -p */
	unsigned int threads;	/* -j */
	unsigned int seconds;	/* -t */
	uint64_t bytes;		/* -N: bytes the peer sends (0: unchecked) */
	size_t dmabuf_size;	/* -d */
} opt = {
	.port = 5201,
	.threads = 4,
	.seconds = 20,
	.dmabuf_size = 4UL << 20,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: devmem_stress -o binders|fdclose|fdclose-tx -f IFNAME -s ADDR [-p PORT]\n"
		"                     [-j THREADS] [-t SECONDS] [-N BYTES] [-d SIZE]\n"
		"\n"
		"  -o binders     THREADS threads bind/unbind RX queue 0 and bind-tx IFNAME\n"
		"                 for SECONDS (or until the stream ends) while one\n"
		"                 connection to ADDR:PORT streams the ncdevmem -v 7 pattern\n"
		"  -o fdclose     bind-rx, close the dma-buf fd, receive one validated\n"
		"                 connection of BYTES\n"
		"  -o fdclose-tx  bind-tx a dma-buf filled with the pattern, close its fd,\n"
		"                 send all of it to ADDR:PORT\n"
		"  -j THREADS     binder threads (default 4, at most %d)\n"
		"  -t SECONDS     how long the binders run at most (default 20)\n"
		"  -N BYTES       bytes the peer sends (checked when given)\n"
		"  -d SIZE        dma-buf size (default 4M)\n"
		"\n"
		"Exit: 0 pass, 1 fail, 2 usage.\n", MAX_THREADS);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- binders ------------------------------------------------------------ */

static atomic_bool binders_stop;

struct binder {
	pthread_t thread;
	unsigned int idx;
	unsigned int seed;
	struct dm_udmabuf ubuf;
	uint64_t rx_bound, rx_busy, tx_bound, rounds;
	unsigned int unexpected;	/* outcomes that must not happen */
	char first_problem[512];	/* the first of them */
};

static __attribute__((format(printf, 2, 3)))
void binder_problem(struct binder *b, const char *fmt, ...)
{
	va_list ap;

	if (!b->unexpected++) {
		va_start(ap, fmt);
		vsnprintf(b->first_problem, sizeof(b->first_problem), fmt, ap);
		va_end(ap);
	}
}

/* The holder of a binding must see it in queue-get. */
static void binder_check_queue(struct binder *b, struct dm_nl *nl,
			       uint32_t id)
{
	struct dm_queue_info qi;
	struct dm_err e;

	if (dm_queue_get(nl, opt.ifindex, 0, NETDEV_QUEUE_TYPE_RX, &qi,
			 &e) < 0) {
		binder_problem(b, "queue-get while bound: %s (%s)",
			       dm_errno_name(e.code), e.what);
		return;
	}
	if (!qi.has_dmabuf || qi.dmabuf != id)
		binder_problem(b, "queue-get reports %s%u while binding %u holds the queue",
			       qi.has_dmabuf ? "binding " : "no binding ",
			       qi.has_dmabuf ? qi.dmabuf : 0, id);
}

/*
 * One binder thread: until told to stop, open a netdev socket, try to
 * bind RX queue 0 (hold it and check queue-get; EEXIST, as mainline, when
 * another binding has it), bind-tx every other round, and close the
 * socket (which unbinds both).
 */
static void *binder_main(void *arg)
{
	struct binder *b = arg;

	while (!atomic_load(&binders_stop)) {
		struct dm_nl nl;
		struct dm_err e;
		uint32_t id;
		int ret;

		b->rounds++;
		if (dm_nl_open(&nl, NETDEV_FAMILY_NAME, NETDEV_FAMILY_VERSION,
			       &e) < 0) {
			binder_problem(b, "open netdev socket: %s (%s; kernel: %s)",
				       dm_errno_name(e.code), e.what, e.extack);
			break;
		}
		ret = dm_bind_rx(&nl, opt.ifindex, b->ubuf.fd, 0, 1, &id, &e);
		if (!ret) {
			b->rx_bound++;
			binder_check_queue(b, &nl, id);
			usleep(HOLD_MIN_US + rand_r(&b->seed) % HOLD_RAND_US);
			binder_check_queue(b, &nl, id);
		} else if (ret == -EEXIST) {
			b->rx_busy++;
			usleep(RETRY_MIN_US + rand_r(&b->seed) % RETRY_RAND_US);
		} else {
			binder_problem(b, "bind-rx: %s (%s; kernel: %s)",
				       dm_errno_name(e.code), e.what, e.extack);
		}
		if (b->rounds % 2) {
			ret = dm_bind_tx(&nl, opt.ifindex, b->ubuf.fd, &id, &e);
			if (!ret)
				b->tx_bound++;
			else
				binder_problem(b, "bind-tx: %s (%s; kernel: %s)",
					       dm_errno_name(e.code), e.what,
					       e.extack);
		}
		dm_nl_close(&nl);
		/* let the queue run unbound for a moment too */
		usleep(rand_r(&b->seed) % PAUSE_RAND_US);
	}
	return NULL;
}

struct sink_stats {
	uint64_t bytes, linear, dmabuf, frags, errors;	/* linear: host memory */
	int err;			/* errno that ended the stream early */
	char what[256];
};

/*
 * Read one connection to EOF with recvmsg(MSG_SOCK_DEVMEM), returning
 * every token at once; linear bytes are validated at their stream
 * offsets, dma-buf frags are counted (their dma-buf is not ours).
 */
static void sink(int fd, struct sink_stats *st)
{
	static uint8_t ctrl[DM_RX_CTRL_SIZE];
	struct dm_tokens toks = { 0 };
	struct dm_pattern pat;
	struct dm_err e;
	uint8_t *iobuf;

	memset(st, 0, sizeof(*st));
	iobuf = malloc(DM_RX_IOV_SIZE);
	if (!iobuf || dm_pattern_init(&pat, 7, &e) < 0) {
		st->err = ENOMEM;
		snprintf(st->what, sizeof(st->what), "allocating buffers");
		free(iobuf);
		return;
	}
	dm_set_rcvtimeo(fd, SINK_TIMEOUT_S, &e);
	for (;;) {
		struct iovec iov = { iobuf, DM_RX_IOV_SIZE };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctrl, .msg_controllen = sizeof(ctrl),
		};
		size_t lin_off = 0;
		struct cmsghdr *cm;
		ssize_t n;

		n = recvmsg(fd, &msg, MSG_SOCK_DEVMEM);
		if (n > 0 && !CMSG_FIRSTHDR(&msg)) {
			/* readable skbs: plain data, as without the flag */
			st->bytes += n;
			st->linear += n;
			st->errors += dm_pattern_check(&pat, iobuf, n, "host");
			continue;
		}
		if (n <= 0) {
			if (n < 0) {
				st->err = errno;
				snprintf(st->what, sizeof(st->what),
					 "recvmsg(MSG_SOCK_DEVMEM) after %llu bytes",
					 (unsigned long long)st->bytes);
			}
			break;
		}
		if (msg.msg_flags & MSG_CTRUNC) {
			st->err = EMSGSIZE;
			snprintf(st->what, sizeof(st->what),
				 "control data truncated (tokens lost)");
			break;
		}
		st->bytes += n;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			struct dmabuf_cmsg dc;

			if (cm->cmsg_level != SOL_SOCKET ||
			    cm->cmsg_len < CMSG_LEN(sizeof(dc)))
				continue;
			memcpy(&dc, CMSG_DATA(cm), sizeof(dc));
			if (cm->cmsg_type == SCM_DEVMEM_LINEAR) {
				if (lin_off + dc.frag_size > (size_t)n)
					break;
				st->errors += dm_pattern_check(&pat, iobuf + lin_off,
							       dc.frag_size, "head");
				lin_off += dc.frag_size;
				st->linear += dc.frag_size;
			} else if (cm->cmsg_type == SCM_DEVMEM_DMABUF) {
				pat.pos += dc.frag_size;
				st->dmabuf += dc.frag_size;
				st->frags++;
				if (dm_tokens_add(fd, &toks, dc.frag_token, &e) < 0) {
					st->err = e.code;
					snprintf(st->what, sizeof(st->what), "%s", e.what);
				}
			}
		}
		if (!st->err && dm_tokens_flush(fd, &toks, &e) < 0) {
			st->err = e.code;
			snprintf(st->what, sizeof(st->what), "%s", e.what);
		}
		if (st->err)
			break;
	}
	dm_pattern_free(&pat);
	free(iobuf);
}

struct sink_arg {
	int fd;
	struct sink_stats st;
	atomic_bool done;
};

static void *sink_main(void *arg)
{
	struct sink_arg *s = arg;

	sink(s->fd, &s->st);
	atomic_store(&s->done, true);
	return NULL;
}

static void mode_binders(void)
{
	struct binder b[MAX_THREADS] = { 0 };
	struct sink_arg sa = { .fd = -1 };
	struct sockaddr_storage peer;
	uint64_t rx_bound = 0, rx_busy = 0, tx_bound = 0, rounds = 0, t0;
	unsigned int i, started = 0, unexpected = 0;
	struct dm_queue_info qi;
	pthread_t sink_thread;
	const char *problem = NULL;
	struct dm_err e;
	struct dm_nl nl;
	int lfd;

	tap_plan(4);
	for (i = 0; i < opt.threads; i++)
		b[i].ubuf.fd = -1;
	for (i = 0; i < opt.threads; i++) {
		b[i].idx = i;
		b[i].seed = 0x5eed + i;
		if (dm_udmabuf_create(&b[i].ubuf, opt.dmabuf_size, false, &e) < 0) {
			tap_diag("thread %u: %s", i, dm_strerr(&e));
			goto out_free;
		}
	}
	lfd = dm_listen(opt.addr, opt.port, &e);
	if (lfd < 0) {
		tap_diag("%s", dm_strerr(&e));
		goto out_free;
	}
	sa.fd = dm_accept(lfd, ACCEPT_TIMEOUT_MS, &peer, &e);
	close(lfd);
	if (sa.fd < 0) {
		tap_diag("%s", dm_strerr(&e));
		goto out_free;
	}
	if (pthread_create(&sink_thread, NULL, sink_main, &sa)) {
		tap_diag("pthread_create failed");
		goto out_fd;
	}
	for (i = 0; i < opt.threads; i++) {
		if (pthread_create(&b[i].thread, NULL, binder_main, &b[i]))
			break;
		started++;
	}
	t0 = now_ms();
	while (!atomic_load(&sa.done) && now_ms() - t0 < opt.seconds * 1000ULL)
		usleep(100000);
	atomic_store(&binders_stop, true);
	for (i = 0; i < started; i++) {
		pthread_join(b[i].thread, NULL);
		rx_bound += b[i].rx_bound;
		rx_busy += b[i].rx_busy;
		tx_bound += b[i].tx_bound;
		rounds += b[i].rounds;
		unexpected += b[i].unexpected;
		if (b[i].unexpected && !problem)
			problem = b[i].first_problem;
	}
	tap_diag("%u binder threads for %.1f s: %llu rounds, bind-rx bound %llu, EEXIST %llu; bind-tx bound %llu; unexpected %u",
		 started, (now_ms() - t0) / 1000.0,
		 (unsigned long long)rounds, (unsigned long long)rx_bound,
		 (unsigned long long)rx_busy, (unsigned long long)tx_bound,
		 unexpected);
	if (problem)
		tap_diag("first unexpected outcome: %s", problem);
	tap_result(started == opt.threads && !unexpected && rx_bound && tx_bound,
		   "binders_bind_or_ebusy");

	pthread_join(sink_thread, NULL);
	tap_diag("stream: %llu bytes (%llu in host memory, validated: %llu errors; %llu in %llu dma-buf frags)%s%s",
		 (unsigned long long)sa.st.bytes,
		 (unsigned long long)sa.st.linear,
		 (unsigned long long)sa.st.errors,
		 (unsigned long long)sa.st.dmabuf,
		 (unsigned long long)sa.st.frags,
		 sa.st.err ? "; ended by " : "", sa.st.err ? sa.st.what : "");
	if (sa.st.err)
		tap_diag("error: %s", strerror(sa.st.err));
	tap_result(!sa.st.err && !sa.st.errors &&
		   (!opt.bytes || sa.st.bytes == opt.bytes),
		   "stream_whole_across_rebinds");
	tap_result(sa.st.frags > 0 && sa.st.linear > 0,
		   "stream_saw_bound_and_unbound_queue");

	if (dm_nl_open(&nl, NETDEV_FAMILY_NAME, NETDEV_FAMILY_VERSION, &e) < 0 ||
	    dm_queue_get(&nl, opt.ifindex, 0, NETDEV_QUEUE_TYPE_RX, &qi, &e) < 0) {
		tap_diag("%s", dm_strerr(&e));
		tap_result(false, "queue_unbound_after");
	} else {
		if (qi.has_dmabuf)
			tap_diag("queue 0 still bound to binding %u", qi.dmabuf);
		tap_result(!qi.has_dmabuf, "queue_unbound_after");
	}
	if (dm_nl_is_open(&nl))
		dm_nl_close(&nl);
out_fd:
	close(sa.fd);
out_free:
	for (i = 0; i < opt.threads; i++)
		dm_udmabuf_destroy(&b[i].ubuf);
}

/* ---- the dma-buf fd closed while bound ----------------------------------- */

static void mode_fdclose(void)
{
	struct dm_rx_setup s = {
		.ifname = opt.ifname,
		.num_queues = 1,
		.dmabuf_size = opt.dmabuf_size,
		.map = true,
	};
	struct dm_queue_info qi = { 0 };
	struct dm_rx rx = { .fd = -1 };
	struct sockaddr_storage peer;
	struct dm_rx_cfg cfg;
	struct dm_err e;
	int lfd, fd;
	ssize_t n;

	tap_plan(2);
	if (dm_rx_setup(&s, &e) < 0) {
		tap_diag("%s", dm_strerr(&e));
		return;
	}
	close(s.ubuf.fd);
	s.ubuf.fd = -1;
	if (dm_queue_get(&s.netdev, s.ifindex, 0, NETDEV_QUEUE_TYPE_RX, &qi,
			 &e) < 0)
		tap_diag("%s", dm_strerr(&e));
	tap_result(qi.has_dmabuf && qi.dmabuf == s.binding_id,
		   "bound_after_dmabuf_fd_closed");

	lfd = dm_listen(opt.addr, opt.port, &e);
	fd = lfd < 0 ? lfd : dm_accept(lfd, ACCEPT_TIMEOUT_MS, &peer, &e);
	if (lfd >= 0)
		close(lfd);
	cfg = (struct dm_rx_cfg) {
		.dmabuf_id = s.binding_id,
		.dmabuf_fd = -1,	/* closed: no DMA_BUF_IOCTL_SYNC */
		.map = s.ubuf.map,
		.map_size = s.ubuf.size,
		.period = 7,
		.max_errors = 100,
		.fail_on_linear = true,
	};
	if (fd < 0 || dm_rx_init(&rx, fd, &cfg, &e) < 0) {
		tap_diag("%s", dm_strerr(&e));
		tap_result(false, "rx_validated_after_dmabuf_fd_closed");
		goto out;
	}
	dm_set_rcvtimeo(fd, SINK_TIMEOUT_S, &e);
	while ((n = dm_rx_once(&rx, &e)) > 0)
		;
	if (n < 0)
		tap_diag("%s", dm_strerr(&e));
	tap_diag("received %llu bytes, %llu into the dma-buf, %llu validation errors",
		 (unsigned long long)rx.st.bytes,
		 (unsigned long long)rx.st.dmabuf_bytes,
		 (unsigned long long)rx.pat.errors);
	tap_result(!n && !rx.pat.errors && rx.st.bytes &&
		   rx.st.dmabuf_bytes == rx.st.bytes &&
		   (!opt.bytes || rx.st.bytes == opt.bytes),
		   "rx_validated_after_dmabuf_fd_closed");
	dm_rx_free(&rx);
out:
	if (fd >= 0)
		close(fd);
	dm_rx_teardown(&s);
}

static void mode_fdclose_tx(void)
{
	struct dm_udmabuf u;
	uint64_t off = 0;
	struct dm_zc zc;
	struct dm_err e;
	struct dm_nl nl;
	uint32_t id;
	int fd = -1;
	bool ok = false;

	tap_plan(1);
	if (dm_udmabuf_create(&u, opt.dmabuf_size, false, &e) < 0 ||
	    dm_dmabuf_fill_pattern(u.fd, u.size, 7, &e) < 0) {
		tap_diag("%s", dm_strerr(&e));
		return;
	}
	if (dm_nl_open(&nl, NETDEV_FAMILY_NAME, NETDEV_FAMILY_VERSION, &e) < 0)
		goto fail;
	if (dm_bind_tx(&nl, opt.ifindex, u.fd, &id, &e) < 0)
		goto fail_nl;
	close(u.fd);
	u.fd = -1;
	if (dm_zc_init(&zc, &e) < 0)
		goto fail_nl;
	fd = dm_tx_connect(opt.addr, opt.port, NULL, opt.ifname, true, &e);
	if (fd < 0)
		goto fail_zc;
	while (off < u.size) {
		struct dm_tx_req r = {
			.dmabuf_id = id,
			.flags = MSG_ZEROCOPY,
			.offset = off,
			.len = u.size - off < TX_SEND_SIZE ? u.size - off : TX_SEND_SIZE,
		};
		ssize_t n = dm_tx_send(fd, &r, &e);

		if (n < 0 || dm_zc_sent(&zc, n, &e) < 0 ||
		    dm_zc_reap(fd, &zc, 0, &e) < 0)
			goto fail_sock;
		off += n;
	}
	if (dm_zc_wait_all(fd, &zc, TX_TIMEOUT_MS, &e) < 0)
		goto fail_sock;
	shutdown(fd, SHUT_WR);
	ok = true;
	tap_diag("sent %llu bytes in %llu sends, all completed, after the dma-buf fd was closed",
		 (unsigned long long)off, (unsigned long long)zc.sends);
fail_sock:
	close(fd);
fail_zc:
	dm_zc_free(&zc);
fail_nl:
	dm_nl_close(&nl);
fail:
	if (!ok)
		tap_diag("%s", dm_strerr(&e));
	tap_result(ok, "tx_after_dmabuf_fd_closed");
	dm_udmabuf_destroy(&u);
}

static void parse_args(int argc, char **argv)
{
	unsigned long v;
	size_t sz;
	int c;

	while ((c = getopt(argc, argv, "o:f:s:p:j:t:N:d:h")) != -1) {
		switch (c) {
		case 'o':
			if (!strcmp(optarg, "binders"))
				opt.mode = MODE_BINDERS;
			else if (!strcmp(optarg, "fdclose"))
				opt.mode = MODE_FDCLOSE;
			else if (!strcmp(optarg, "fdclose-tx"))
				opt.mode = MODE_FDCLOSE_TX;
			else
				goto bad;
			break;
		case 'f':
			opt.ifname = optarg;
			break;
		case 's':
			opt.addr = optarg;
			break;
		case 'p':
			if (dm_parse_uint(optarg, 1, 65535, &v))
				goto bad;
			opt.port = v;
			break;
		case 'j':
			if (dm_parse_uint(optarg, 1, MAX_THREADS, &v))
				goto bad;
			opt.threads = v;
			break;
		case 't':
			if (dm_parse_uint(optarg, 1, 3600, &v))
				goto bad;
			opt.seconds = v;
			break;
		case 'N':
			if (dm_parse_size(optarg, &sz))
				goto bad;
			opt.bytes = sz;
			break;
		case 'd':
			if (dm_parse_size(optarg, &sz) || !sz)
				goto bad;
			opt.dmabuf_size = sz;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			goto bad;
		}
	}
	if (opt.mode == MODE_NONE || !opt.ifname || !opt.addr)
		goto bad;
	opt.ifindex = if_nametoindex(opt.ifname);
	if (!opt.ifindex) {
		fprintf(stderr, "devmem_stress: no interface %s\n", opt.ifname);
		exit(2);
	}
	return;
bad:
	usage(stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);
	switch (opt.mode) {
	case MODE_BINDERS:
		mode_binders();
		break;
	case MODE_FDCLOSE:
		mode_fdclose();
		break;
	case MODE_FDCLOSE_TX:
		mode_fdclose_tx();
		break;
	default:
		break;
	}
	return tap_finish();
}
