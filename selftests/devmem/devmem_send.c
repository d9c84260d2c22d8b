// SPDX-License-Identifier: GPL-2.0
/*
 * devmem_send - devmem TCP transmit checks (mainline 6.16 semantics).
 *
 * Binds a udmabuf for TX on IFNAME (netdev bind-tx), connects one TCP
 * socket (SO_BINDTODEVICE IFNAME, SO_ZEROCOPY) to a plain listener that the
 * caller runs (e.g. `nc -l -p PORT >/dev/null`) and checks that
 * sendmsg(MSG_ZEROCOPY) with an SCM_DEVMEM_DMABUF cmsg is refused with the
 * mainline errno for every malformed request, that bind-tx needs no
 * privilege but a netmem-TX capable device, that a valid chunked send
 * goes out and its zerocopy completion arrives (also with a packet tap on
 * the device, which must not see the payload), and that a binding unbound
 * with a send in flight stays alive until that send completes.
 *
 * Usage: devmem_send -f IFNAME -s SERVER_IP [-p PORT] [-F IFNAME2] [-P PLAIN]
 *                    [-d SIZE] [-T SECONDS]
 * Output: kselftest TAP, ending with "# N passed, N failed, N skipped".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <signal.h>
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
#include "unpriv.h"

#define NUM_TESTS		22
#define UNKNOWN_ID		0x7ffffff0u
#define GOOD_LEN		(64UL << 10)
#define UNBIND_LEN		(1UL << 20)	/* sent from a binding then unbound */
#define GOOD_CHUNK		4096
#define TAP_MARKER		"devmem-tap-marker"

static struct {
	const char *ifname;	/* -f: devmem TX capable */
	int ifindex;
	const char *server;	/* -s */
	unsigned int port;	/* -p */
	const char *ifname2;	/* -F: second devmem TX capable device */
	const char *plain;	/* -P: device without netmem TX */
	size_t dmabuf_size;	/* -d */
	unsigned int timeout;	/* -T */
	struct dm_udmabuf ubuf;
	struct dm_nl nl;	/* owns the TX binding */
	uint32_t id;
	int fd;			/* the connection */
	uint32_t zc_next;	/* kernel zerocopy counter of the next send */
} ctx = {
	.port = 5201,
	.dmabuf_size = 16UL << 20,
	.timeout = 5,
	.fd = -1,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: devmem_send -f IFNAME -s SERVER_IP [-p PORT] [-F IFNAME2] [-P PLAIN]\n"
		"                   [-d SIZE] [-T SECONDS]\n"
		"\n"
		"devmem TCP transmit checks (kselftest TAP on stdout).\n"
		"\n"
		"  -f IFNAME     devmem-TX capable interface (required); SERVER_IP must\n"
		"                be reached through it\n"
		"  -s SERVER_IP  a plain TCP listener (e.g. `nc -l -p PORT >/dev/null`)\n"
		"  -p PORT       its port (default 5201)\n"
		"  -F IFNAME2    a second devmem-TX capable interface: its binding used\n"
		"                on IFNAME's socket must give ENODEV; skipped without it\n"
		"  -P PLAIN      an interface without netmem TX (veth): bind-tx must give\n"
		"                EOPNOTSUPP; skipped without it\n"
		"  -d SIZE       dma-buf size (default 16M)\n"
		"  -T SECONDS    completion timeout (default 5)\n"
		"  -h            this text\n"
		"\n"
		"Needs root (bind-rx for the RX-binding case), /dev/udmabuf.\n"
		"Exit: 0 pass, 1 fail, 4 all skipped.\n");
}

/* ---- helpers ----------------------------------------------------------- */

/* A valid one-page send from offset 0; cases break a copy. */
static struct dm_tx_req good_req(void)
{
	struct dm_tx_req r = {
		.dmabuf_id = ctx.id,
		.flags = MSG_ZEROCOPY,
		.offset = 0,
		.len = 4096,
	};

	return r;
}

static ssize_t try_send_on(int fd, const struct dm_tx_req *r,
			   struct dm_err *e)
{
	ssize_t n = dm_tx_send(fd, r, e);

	if (n > 0 && (r->flags & MSG_ZEROCOPY) && fd == ctx.fd)
		ctx.zc_next++;	/* a zerocopy send that went out */
	return n;
}

static ssize_t try_send(const struct dm_tx_req *r, struct dm_err *e)
{
	return try_send_on(ctx.fd, r, e);
}

/* The send on @fd must fail with @err. */
static void expect_send_on(const char *name, int fd,
			   const struct dm_tx_req *r, int err)
{
	struct dm_err e;
	ssize_t n = try_send_on(fd, r, &e);

	if (n >= 0) {
		tap_diag("%s: sendmsg returned %zd, expected %s", name, n,
			 dm_errno_name(err));
		tap_result(false, name);
	} else if (-n != err) {
		tap_diag("%s: expected %s, got %s: %s", name,
			 dm_errno_name(err), dm_errno_name(-n), dm_strerr(&e));
		tap_result(false, name);
	} else {
		tap_diag("%s: %s", name, dm_errno_name(err));
		tap_result(true, name);
	}
}

/* The send on the test connection must fail with @err. */
static void expect_send(const char *name, const struct dm_tx_req *r, int err)
{
	expect_send_on(name, ctx.fd, r, err);
}

/* bind-tx on a new netlink socket kept in @nl (closing it unbinds). */
static int bind_tx_on(struct dm_nl *nl, const char *ifname, uint32_t *id,
		      struct dm_err *e)
{
	int ifindex = if_nametoindex(ifname);
	int ret;

	if (!ifindex)
		return dm_fail(e, errno, "interface %s", ifname);
	ret = dm_nl_open(nl, NETDEV_FAMILY_NAME, NETDEV_FAMILY_VERSION, e);
	if (ret < 0)
		return ret;
	ret = dm_bind_tx(nl, ifindex, ctx.ubuf.fd, id, e);
	if (ret < 0)
		dm_nl_close(nl);
	return ret;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* ---- tests ------------------------------------------------------------- */

static void test_flags(void)
{
	struct dm_tx_req r = good_req();
	int zero = 0, one = 1;

	/* send_without_so_zerocopy */
	if (setsockopt(ctx.fd, SOL_SOCKET, SO_ZEROCOPY, &zero, sizeof(zero)) < 0) {
		tap_skip_test("send_without_so_zerocopy",
			      "setsockopt(SO_ZEROCOPY, 0): %s", strerror(errno));
	} else {
		expect_send("send_without_so_zerocopy", &r, EINVAL);
		if (setsockopt(ctx.fd, SOL_SOCKET, SO_ZEROCOPY, &one,
			       sizeof(one)) < 0)
			tap_bail_out("setsockopt(SO_ZEROCOPY, 1): %s",
				     strerror(errno));
	}

	r.flags = 0;
	expect_send("send_without_msg_zerocopy", &r, EINVAL);

	r = good_req();
	r.dmabuf_id = UNKNOWN_ID;
	expect_send("send_unknown_dmabuf_id", &r, EINVAL);
}

static void test_rx_binding(void)
{
	const char *name = "send_rx_binding_id";
	struct dm_udmabuf rxbuf;
	struct dm_tx_req r;
	struct dm_nl nl;
	struct dm_err e;
	uint32_t rxid;

	if (dm_udmabuf_create(&rxbuf, 4UL << 20, false, &e) < 0) {
		tap_skip_test(name, "%s", dm_strerr(&e));
		return;
	}
	if (dm_nl_open(&nl, NETDEV_FAMILY_NAME, NETDEV_FAMILY_VERSION, &e) < 0) {
		tap_skip_test(name, "%s", dm_strerr(&e));
		goto out_buf;
	}
	if (dm_bind_rx(&nl, ctx.ifindex, rxbuf.fd, 0, 1, &rxid, &e) < 0) {
		tap_skip_test(name, "bind-rx on %s queue 0: %s", ctx.ifname,
			      dm_strerr(&e));
		goto out_nl;
	}
	r = good_req();
	r.dmabuf_id = rxid;
	expect_send(name, &r, EINVAL);
out_nl:
	dm_nl_close(&nl);
out_buf:
	dm_udmabuf_destroy(&rxbuf);
}

static void test_ranges(void)
{
	struct dm_tx_req r = good_req();

	r.offset = ctx.ubuf.size;
	expect_send("send_offset_beyond_dmabuf", &r, EFAULT);

	/*
	 * Runs 512 bytes past the end; 1 KiB fits in the first skb even
	 * without TSO, so nothing is sent before the fault.
	 */
	r.offset = ctx.ubuf.size - 512;
	r.len = 1024;
	expect_send("send_len_past_dmabuf_end", &r, EFAULT);

	r = good_req();
	r.cmsg_len = 8;	/* id + 4 bytes: the kernel wants exactly a __u32 */
	expect_send("send_cmsg_wrong_len", &r, EINVAL);
}

static void test_other_device(void)
{
	const char *name = "send_binding_other_device";
	struct dm_tx_req r;
	struct dm_nl nl;
	struct dm_err e;
	uint32_t id;

	if (!ctx.ifname2) {
		tap_skip_test(name, "no second devmem-TX interface (-F)");
		return;
	}
	if (bind_tx_on(&nl, ctx.ifname2, &id, &e) < 0) {
		tap_skip_test(name, "bind-tx on %s: %s", ctx.ifname2,
			      dm_strerr(&e));
		return;
	}
	r = good_req();
	r.dmabuf_id = id;
	expect_send(name, &r, ENODEV);
	dm_nl_close(&nl);
}

/*
 * A TCP connection over loopback: an in-process listener on 127.0.0.1 and
 * a client socket with SO_ZEROCOPY (no SO_BINDTODEVICE).  Returns the
 * client fd, with the listener and accepted fds in @lfd / @afd (close all
 * three), or -errno with @e set.
 */
static int loopback_conn(int *lfd, int *afd, struct dm_err *e)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(sin);
	int fd;

	*afd = -1;
	*lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	if (*lfd < 0)
		return dm_fail(e, errno, "loopback listener");
	if (bind(*lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(*lfd, 1) < 0 ||
	    getsockname(*lfd, (struct sockaddr *)&sin, &len) < 0) {
		fd = dm_fail(e, errno, "loopback listener");
		goto err;
	}
	fd = dm_tx_connect("127.0.0.1", ntohs(sin.sin_port), NULL, NULL, true,
			   e);
	if (fd < 0)
		goto err;
	*afd = accept(*lfd, NULL, NULL);
	if (*afd < 0) {
		close(fd);
		fd = dm_fail(e, errno, "accept on 127.0.0.1");
		goto err;
	}
	return fd;
err:
	close(*lfd);
	*lfd = -1;
	return fd;
}

static void close_conn(int fd, int lfd, int afd)
{
	close(afd);
	close(fd);
	close(lfd);
}

/*
 * A connection over loopback: the route's device is lo, not the binding's,
 * so the send fails with ENODEV (mainline's check of the route's device)
 * and nothing is looped back.
 */
static void test_loopback(void)
{
	const char *name = "send_loopback_route";
	struct dm_tx_req r = good_req();
	int fd, lfd, afd;
	struct dm_err e;

	fd = loopback_conn(&lfd, &afd, &e);
	if (fd < 0) {
		tap_skip_test(name, "%s", dm_strerr(&e));
		return;
	}
	expect_send_on(name, fd, &r, ENODEV);
	close_conn(fd, lfd, afd);
}

/*
 * In a child running as nobody, on a loopback connection: a send naming
 * root's binding (ctx.id) must fail with EPERM, one naming the child's own
 * binding gets past that check to the route's ENODEV.
 */
static void send_as_nobody(void *arg, struct dm_unpriv_result *res)
{
	struct dm_tx_req r = good_req();
	int fd, lfd, afd, mine;
	struct dm_nl nl;
	ssize_t n;

	(void)arg;
	fd = loopback_conn(&lfd, &afd, &res->e);
	if (fd < 0) {
		res->ret = fd;
		return;
	}
	n = dm_tx_send(fd, &r, &res->e);	/* root's binding */
	res->ret = n < 0 ? n : 0;
	mine = bind_tx_on(&nl, ctx.ifname, &r.dmabuf_id, &res->e);
	if (mine < 0) {
		res->ret2 = mine;
	} else {
		struct dm_err e2;

		n = dm_tx_send(fd, &r, &e2);	/* its own */
		res->ret2 = n < 0 ? n : 0;
		dm_nl_close(&nl);
	}
	close_conn(fd, lfd, afd);
}

static void test_other_user(void)
{
	const char *n1 = "send_other_users_binding", *n2 = "send_own_binding_as_nobody";
	struct dm_unpriv_result r = { 0 };
	struct dm_err e;

	if (dm_run_unprivileged(send_as_nobody, NULL, &r, &e) < 0) {
		tap_skip_test(n1, "%s", dm_strerr(&e));
		tap_skip_test(n2, "%s", dm_strerr(&e));
		return;
	}
	tap_diag("%s: %s", n1, r.ret < 0 ? dm_errno_name(-r.ret) : "sent");
	tap_result(r.ret == -EPERM, n1);
	tap_diag("%s: %s (the route is lo)", n2,
		 r.ret2 < 0 ? dm_errno_name(-r.ret2) : "sent");
	tap_result(r.ret2 == -ENODEV, n2);
}

static void test_plain_device(void)
{
	const char *name = "bind_tx_no_netmem_tx";
	struct dm_nl nl;
	struct dm_err e;
	uint32_t id;
	int ret;

	if (!ctx.plain) {
		tap_skip_test(name, "no interface without netmem TX (-P)");
		return;
	}
	ret = bind_tx_on(&nl, ctx.plain, &id, &e);
	if (ret == 0) {
		tap_diag("%s: bind-tx on %s succeeded (id %u), expected EOPNOTSUPP",
			 name, ctx.plain, id);
		dm_nl_close(&nl);
		tap_result(false, name);
	} else if (ret != -EOPNOTSUPP) {
		tap_diag("%s: expected EOPNOTSUPP, got %s", name, dm_strerr(&e));
		tap_result(false, name);
	} else {
		tap_diag("%s: EOPNOTSUPP%s%s", name,
			 e.extack[0] ? ", kernel: " : "", e.extack);
		tap_result(true, name);
	}
}

static void bind_tx_as_nobody(void *arg, struct dm_unpriv_result *res)
{
	struct dm_nl nl;

	(void)arg;
	/* the dma-buf fd is inherited from the parent */
	res->ret = bind_tx_on(&nl, ctx.ifname, &res->id, &res->e);
	if (res->ret == 0)
		dm_nl_close(&nl);
}

/* bind-tx has no admin-perm flag in mainline: nobody may bind. */
static void test_unprivileged(void)
{
	const char *name = "bind_tx_unprivileged";
	struct dm_unpriv_result r = { 0 };
	struct dm_err e;

	if (dm_run_unprivileged(bind_tx_as_nobody, NULL, &r, &e) < 0) {
		tap_skip_test(name, "%s", dm_strerr(&e));
		return;
	}
	if (r.ret < 0)
		tap_diag("%s: %s", name, dm_strerr(&r.e));
	else
		tap_diag("%s: uid %d got binding id %u", name, DM_NOBODY, r.id);
	tap_result(r.ret == 0 && r.id > 0, name);
}

/*
 * Wait up to the -T timeout for the completion of zerocopy send @mine; a
 * completion with the "copied" flag is a failure (devmem is never copied).
 */
static bool wait_completion(const char *name, uint32_t mine)
{
	struct dm_zc_notif n;
	struct dm_err e;
	bool got = false;
	long end;
	int ret = 0;

	end = now_ms() + ctx.timeout * 1000L;
	while (!got) {
		long left = end - now_ms();

		if (left <= 0) {
			tap_diag("%s: no completion for send %u within %u s",
				 name, mine, ctx.timeout);
			break;
		}
		ret = dm_zc_poll(ctx.fd, left, &e);
		if (ret < 0)
			break;
		while (!got && (ret = dm_zc_read(ctx.fd, &n, &e)) > 0) {
			tap_diag("%s: completion %u..%u%s",
				 name, n.lo, n.hi, n.copied ? " (COPIED)" : "");
			if (n.copied) {
				dm_err_set(&e, EMEDIUMTYPE,
					   "the kernel copied devmem data (SO_EE_CODE_ZEROCOPY_COPIED)");
				ret = -EMEDIUMTYPE;
				break;
			}
			got = mine - n.lo <= n.hi - n.lo;
		}
		if (ret < 0)
			break;
	}
	if (ret < 0)
		tap_diag("%s: %s", name, dm_strerr(&e));
	return got && ret >= 0;
}

static void test_good_send(void)
{
	struct dm_tx_req r = good_req();
	struct dm_zc_notif n;
	uint32_t mine;
	struct dm_err e;
	ssize_t sent;
	int ret;

	/* drop notifications of earlier (partially) successful sends */
	while ((ret = dm_zc_read(ctx.fd, &n, &e)) > 0)
		;
	if (ret < 0)
		tap_diag("send_64k_chunked: stale error-queue entry: %s",
			 dm_strerr(&e));

	r.len = GOOD_LEN;
	r.chunk = GOOD_CHUNK;
	mine = ctx.zc_next;
	sent = try_send(&r, &e);
	if (sent < 0)
		tap_diag("send_64k_chunked: %s", dm_strerr(&e));
	else
		tap_diag("send_64k_chunked: %zd of %lu bytes in %d-byte iovs, zerocopy send %u",
			 sent, GOOD_LEN, GOOD_CHUNK, mine);
	tap_result(sent == (ssize_t)GOOD_LEN, "send_64k_chunked");
	if (sent <= 0) {
		tap_skip_test("send_64k_completion", "the send failed");
		return;
	}

	tap_result(wait_completion("send_64k_completion", mine),
		   "send_64k_completion");
}

/*
 * A packet tap (AF_PACKET, ETH_P_ALL) on the device while a devmem send
 * goes out: the send still completes by reference (not copied), and the
 * tap gets none of the payload, since handing it a copy would need the CPU
 * to read device memory (it sees the headers at most).  A plain send right
 * after must reach the tap whole, so the tap is known to work.
 */
static void test_packet_tap(void)
{
	const char *n1 = "send_with_packet_tap", *n2 = "packet_tap_sees_no_payload";
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = ctx.ifindex,
	};
	static unsigned char frame[65536];
	size_t frames = 0, flow = 0, payload = 0;
	bool seen_marker = false;
	long end;
	struct dm_tx_req r = good_req();
	struct dm_zc_notif zn;
	struct dm_err e;
	uint32_t mine;
	ssize_t sent;
	int tap;

	tap = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (tap < 0 || bind(tap, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		tap_skip_test(n1, "AF_PACKET tap on %s: %s", ctx.ifname,
			      strerror(errno));
		tap_skip_test(n2, "no tap");
		if (tap >= 0)
			close(tap);
		return;
	}
	while (dm_zc_read(ctx.fd, &zn, &e) > 0)
		;

	r.len = GOOD_LEN;
	r.chunk = GOOD_CHUNK;
	mine = ctx.zc_next;
	sent = try_send(&r, &e);
	if (sent != (ssize_t)GOOD_LEN) {
		tap_diag("%s: sent %zd of %lu bytes%s%s", n1, sent, GOOD_LEN,
			 sent < 0 ? ": " : "", sent < 0 ? dm_strerr(&e) : "");
		tap_result(false, n1);
		tap_skip_test(n2, "the send failed");
		close(tap);
		return;
	}
	tap_result(wait_completion(n1, mine), n1);

	/* A plain send after it: the tap must see this one, payload and all */
	if (send(ctx.fd, TAP_MARKER, strlen(TAP_MARKER), 0) !=
	    (ssize_t)strlen(TAP_MARKER)) {
		tap_diag("%s: plain send: %s", n2, strerror(errno));
		tap_result(false, n2);
		close(tap);
		return;
	}

	end = now_ms() + 2000;
	while (!seen_marker && now_ms() < end) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		const struct iphdr *ip;
		const struct tcphdr *th;
		size_t hdrs;
		ssize_t len;

		len = recvfrom(tap, frame, sizeof(frame), MSG_DONTWAIT,
			       (struct sockaddr *)&from, &fl);
		if (len < 0) {
			usleep(10000);
			continue;
		}
		if (from.sll_pkttype != PACKET_OUTGOING)
			continue;
		frames++;
		ip = (const struct iphdr *)(frame + ETH_HLEN);
		if (len < ETH_HLEN + (ssize_t)sizeof(*ip) ||
		    ntohs(from.sll_protocol) != ETH_P_IP ||
		    ip->protocol != IPPROTO_TCP)
			continue;
		th = (const struct tcphdr *)((const unsigned char *)ip + ip->ihl * 4);
		if ((const unsigned char *)(th + 1) > frame + len ||
		    ntohs(th->dest) != ctx.port)
			continue;
		flow++;
		hdrs = ETH_HLEN + ip->ihl * 4 + th->doff * 4;
		if ((size_t)len <= hdrs)
			continue;
		if ((size_t)len - hdrs == strlen(TAP_MARKER) &&
		    !memcmp(frame + hdrs, TAP_MARKER, strlen(TAP_MARKER)))
			seen_marker = true;
		else
			payload += len - hdrs;
	}
	close(tap);
	tap_diag("%s: %zu outgoing frames, %zu of the connection, %zu devmem payload bytes captured, plain send %s",
		 n2, frames, flow, payload, seen_marker ? "seen" : "NOT seen");
	tap_result(payload == 0 && seen_marker, n2);
}

/*
 * A binding unbound (its netlink socket closed) while a send from it is
 * still in flight: the data still goes out and completes (each frag holds
 * a reference on the binding, so nothing is unmapped under the NIC), and a
 * later send naming the gone binding fails with EINVAL.
 */
static void test_unbind_in_flight(void)
{
	const char *n1 = "unbind_in_flight_send", *n2 = "unbind_in_flight_completes",
		   *n3 = "send_after_unbind";
	struct dm_tx_req r = good_req();
	struct dm_nl nl;
	struct dm_err e;
	uint32_t id, mine;
	ssize_t sent;

	if (bind_tx_on(&nl, ctx.ifname, &id, &e) < 0) {
		tap_diag("%s: bind-tx: %s", n1, dm_strerr(&e));
		tap_result(false, n1);
		tap_skip_test(n2, "bind-tx failed");
		tap_skip_test(n3, "bind-tx failed");
		return;
	}
	r.dmabuf_id = id;
	r.len = UNBIND_LEN;
	r.chunk = GOOD_CHUNK;
	mine = ctx.zc_next;
	sent = try_send(&r, &e);
	dm_nl_close(&nl);	/* unbind now, with the data in flight */
	if (sent < 0)
		tap_diag("%s: %s", n1, dm_strerr(&e));
	else
		tap_diag("%s: %zd bytes from binding %u, then unbound it", n1,
			 sent, id);
	tap_result(sent > 0, n1);
	if (sent > 0)
		tap_result(wait_completion(n2, mine), n2);
	else
		tap_skip_test(n2, "the send failed");

	r.len = GOOD_LEN;
	expect_send(n3, &r, EINVAL);
}

/*
 * TCP-MD5 on the connection: its signature would hash the payload, so a
 * devmem send fails with EOPNOTSUPP.  Runs last, and deletes the key
 * again: the unsigned peer drops signed segments.
 */
static void test_md5(void)
{
	const char *name = "send_tcp_md5_refused";
	struct tcp_md5sig md5 = { .tcpm_keylen = 8 };
	socklen_t len = sizeof(md5.tcpm_addr);
	struct dm_tx_req r = good_req();

	if (getpeername(ctx.fd, (struct sockaddr *)&md5.tcpm_addr, &len) < 0) {
		tap_skip_test(name, "getpeername: %s", strerror(errno));
		return;
	}
	memcpy(md5.tcpm_key, "devmem-k", 8);
	if (setsockopt(ctx.fd, IPPROTO_TCP, TCP_MD5SIG, &md5, sizeof(md5)) < 0) {
		tap_skip_test(name, "TCP_MD5SIG: %s (no TCP-MD5 in this kernel?)",
			      strerror(errno));
		return;
	}
	expect_send(name, &r, EOPNOTSUPP);

	/* unsigned again, so that the connection can close cleanly */
	md5.tcpm_keylen = 0;
	if (setsockopt(ctx.fd, IPPROTO_TCP, TCP_MD5SIG, &md5, sizeof(md5)) < 0)
		tap_diag("%s: deleting the key: %s", name, strerror(errno));
}

/* ---- main -------------------------------------------------------------- */

static int parse_opts(int argc, char **argv)
{
	unsigned long v;
	int c;

	while ((c = getopt(argc, argv, "f:s:p:F:P:d:T:h")) != -1) {
		switch (c) {
		case 'f':
			ctx.ifname = optarg;
			break;
		case 's':
			ctx.server = optarg;
			break;
		case 'p':
			if (dm_parse_uint(optarg, 1, 65535, &v) < 0)
				goto bad;
			ctx.port = v;
			break;
		case 'F':
			ctx.ifname2 = optarg;
			break;
		case 'P':
			ctx.plain = optarg;
			break;
		case 'd':
			if (dm_parse_size(optarg, &ctx.dmabuf_size) < 0 ||
			    ctx.dmabuf_size < 2 * GOOD_LEN)
				goto bad;
			break;
		case 'T':
			if (dm_parse_uint(optarg, 1, 3600, &v) < 0)
				goto bad;
			ctx.timeout = v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (!ctx.ifname || !ctx.server || optind < argc) {
		usage(stderr);
		exit(2);
	}
	return 0;
bad:
	fprintf(stderr, "devmem_send: invalid value '%s' for -%c\n", optarg, c);
	exit(2);
}

int main(int argc, char **argv)
{
	static const char * const rest[] = {
		"send_without_so_zerocopy", "send_without_msg_zerocopy",
		"send_unknown_dmabuf_id", "send_rx_binding_id",
		"send_offset_beyond_dmabuf", "send_len_past_dmabuf_end",
		"send_cmsg_wrong_len", "send_binding_other_device",
		"send_loopback_route", "send_other_users_binding",
		"send_own_binding_as_nobody",
		"bind_tx_no_netmem_tx", "bind_tx_unprivileged",
		"send_64k_chunked", "send_64k_completion",
		"send_with_packet_tap", "packet_tap_sees_no_payload",
		"unbind_in_flight_send", "unbind_in_flight_completes",
		"send_after_unbind", "send_tcp_md5_refused",
	};
	struct dm_err e;
	size_t i;
	int ret;

	parse_opts(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	tap_plan(NUM_TESTS);

	ctx.ifindex = if_nametoindex(ctx.ifname);
	if (!ctx.ifindex)
		tap_bail_out("interface %s: %s", ctx.ifname, strerror(errno));
	if (dm_udmabuf_create(&ctx.ubuf, ctx.dmabuf_size, false, &e) < 0 ||
	    dm_dmabuf_fill_pattern(ctx.ubuf.fd, ctx.ubuf.size,
				   DM_TX_DEFAULT_PERIOD, &e) < 0)
		tap_bail_out("dma-buf: %s", dm_strerr(&e));

	/* bind_tx_ok */
	ret = bind_tx_on(&ctx.nl, ctx.ifname, &ctx.id, &e);
	if (ret < 0)
		tap_diag("bind_tx_ok: %s", dm_strerr(&e));
	else
		tap_diag("bind_tx_ok: %s bound for TX, binding id %u",
			 ctx.ifname, ctx.id);
	tap_result(ret == 0 && ctx.id > 0, "bind_tx_ok");
	if (ret < 0 || ctx.id == 0) {
		for (i = 0; i < sizeof(rest) / sizeof(rest[0]); i++)
			tap_skip_test(rest[i], "bind-tx failed");
		goto out;
	}

	ctx.fd = dm_tx_connect(ctx.server, ctx.port, NULL, ctx.ifname, true, &e);
	if (ctx.fd < 0)
		tap_bail_out("%s", dm_strerr(&e));

	test_flags();
	test_rx_binding();
	test_ranges();
	test_other_device();
	test_loopback();
	test_other_user();
	test_plain_device();
	test_unprivileged();
	test_good_send();
	test_packet_tap();
	test_unbind_in_flight();
	test_md5();

	close(ctx.fd);
out:
	if (dm_nl_is_open(&ctx.nl))
		dm_nl_close(&ctx.nl);
	dm_udmabuf_destroy(&ctx.ubuf);
	return tap_finish();
}
