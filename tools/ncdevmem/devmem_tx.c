// SPDX-License-Identifier: GPL-2.0
/*
 * devmem_tx.c - transmit-side helpers for devmem TCP tools: pattern fill,
 * connect, devmem sendmsg and MSG_ZEROCOPY completion tracking.  See
 * devmem_tx.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/errqueue.h>

#include "devmem_rx.h"
#include "devmem_tx.h"

#ifndef SO_EE_ORIGIN_ZEROCOPY
#define SO_EE_ORIGIN_ZEROCOPY		5
#endif
#ifndef SO_EE_CODE_ZEROCOPY_COPIED
#define SO_EE_CODE_ZEROCOPY_COPIED	1
#endif

/* ---- dma-buf contents -------------------------------------------------- */

int dm_dmabuf_fill_pattern(int fd, size_t size, unsigned int period,
			   struct dm_err *e)
{
	uint8_t *map;
	size_t i, n;
	int ret;

	if (!period || period > DM_PATTERN_MAX_PERIOD)
		return dm_fail(e, EINVAL, "pattern period %u not in 1..%d",
			       period, DM_PATTERN_MAX_PERIOD);
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return dm_fail(e, errno, "mmap(dma-buf, %zu bytes, read-write)",
			       size);
	ret = dm_dmabuf_sync_write(fd, true, e);
	if (ret < 0)
		goto out_unmap;
	/* one period by hand, then double the filled prefix */
	n = size < period ? size : period;
	for (i = 0; i < n; i++)
		map[i] = (i % period + 1) % period;
	while (n < size) {
		size_t c = n <= size - n ? n : size - n;

		memcpy(map + n, map, c);
		n += c;
	}
	ret = dm_dmabuf_sync_write(fd, false, e);
out_unmap:
	munmap(map, size);
	return ret;
}

/* ---- sockets ----------------------------------------------------------- */

int dm_tx_connect(const char *server, unsigned int port, const char *client,
		  const char *ifname, bool zerocopy, struct dm_err *e)
{
	struct sockaddr_storage ss, cs;
	socklen_t len, clen;
	int one = 1;
	int fd, ret;

	ret = dm_parse_addr(server, port, &ss, &len, e);
	if (ret < 0)
		return ret;
	if (client) {
		ret = dm_parse_addr(client, 0, &cs, &clen, e);
		if (ret < 0)
			return ret;
		if (cs.ss_family != ss.ss_family)
			return dm_fail(e, EINVAL,
				       "client address %s and server address %s are of different families",
				       client, server);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return dm_fail(e, errno, "socket(SOCK_STREAM)");
	if (ifname && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
				 strlen(ifname) + 1) < 0) {
		ret = dm_fail(e, errno, "setsockopt(SO_BINDTODEVICE, %s)", ifname);
		goto err;
	}
	if (zerocopy && setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one,
				   sizeof(one)) < 0) {
		ret = dm_fail(e, errno, "setsockopt(SO_ZEROCOPY, 1)");
		goto err;
	}
	if (client) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&cs, clen) < 0) {
			ret = dm_fail(e, errno, "bind %s", client);
			goto err;
		}
	}
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		ret = dm_fail(e, errno, "connect %s%s%s", dm_addr_str(&ss),
			      ifname ? " via " : "", ifname ? ifname : "");
		goto err;
	}
	return fd;
err:
	close(fd);
	return ret;
}

/* ---- devmem sendmsg ---------------------------------------------------- */

ssize_t dm_tx_send(int fd, const struct dm_tx_req *r, struct dm_err *e)
{
	static struct iovec iov[DM_TX_MAX_IOV];
	union {
		char buf[CMSG_SPACE(64)];
		struct cmsghdr align;
	} ctrl;
	size_t plen = r->cmsg_len ? r->cmsg_len : sizeof(uint32_t);
	struct msghdr msg = { 0 };
	struct cmsghdr *cm;
	size_t niov, i, off;
	ssize_t n;

	if (plen > 64)
		return dm_fail(e, EINVAL, "cmsg payload of %zu bytes too big", plen);
	if (r->chunk && r->len > r->chunk)
		niov = (r->len + r->chunk - 1) / r->chunk;
	else
		niov = 1;
	if (niov > DM_TX_MAX_IOV)
		return dm_fail(e, E2BIG, "send of %zu bytes in %zu-byte iovs needs %zu > %d iovecs",
			       r->len, r->chunk, niov, DM_TX_MAX_IOV);
	for (i = 0, off = 0; i < niov; i++) {
		size_t l = r->len - off;

		if (r->chunk && l > r->chunk)
			l = r->chunk;
		/* iov_base is an offset into the dma-buf, not a pointer */
		iov[i].iov_base = (void *)(uintptr_t)(r->offset + off);
		iov[i].iov_len = l;
		off += l;
	}
	msg.msg_iov = iov;
	msg.msg_iovlen = niov;
	if (!r->no_cmsg) {
		memset(&ctrl, 0, sizeof(ctrl));
		msg.msg_control = ctrl.buf;
		msg.msg_controllen = CMSG_SPACE(plen);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_DEVMEM_DMABUF;
		cm->cmsg_len = CMSG_LEN(plen);
		memcpy(CMSG_DATA(cm), &r->dmabuf_id, sizeof(r->dmabuf_id));
	}
	n = sendmsg(fd, &msg, r->flags);
	if (n < 0)
		return dm_fail(e, errno,
			       "sendmsg(dmabuf id %u, offset %llu, %zu bytes, %zu iovs, flags %#x)",
			       r->dmabuf_id, (unsigned long long)r->offset,
			       r->len, niov, (unsigned int)r->flags);
	return n;
}

/* ---- completions ------------------------------------------------------- */

int dm_zc_poll(int fd, int timeout_ms, struct dm_err *e)
{
	struct pollfd pfd = { .fd = fd, .events = 0 };	/* POLLERR is implicit */
	int ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return dm_fail(e, errno, "poll(POLLERR)");
	if (ret > 0 && (pfd.revents & POLLERR))
		return 1;
	if (ret > 0)		/* POLLHUP: poll would not block; don't spin */
		usleep(1000);
	return 0;
}

int dm_zc_read(int fd, struct dm_zc_notif *n, struct dm_err *e)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct sock_extended_err) +
				    sizeof(struct sockaddr_in6)) + 64];
		struct cmsghdr align;
	} ctrl;
	struct msghdr msg = {
		.msg_control = ctrl.buf,
		.msg_controllen = sizeof(ctrl.buf),
	};
	struct sock_extended_err *serr = NULL;
	struct cmsghdr *cm;

	if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return dm_fail(e, errno, "recvmsg(MSG_ERRQUEUE)");
	}
	if (msg.msg_flags & MSG_CTRUNC)
		return dm_fail(e, EPROTO, "error queue: control data truncated");
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if ((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) ||
		    (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR)) {
			serr = (struct sock_extended_err *)CMSG_DATA(cm);
			break;
		}
	}
	if (!serr)
		return dm_fail(e, EPROTO, "error queue: message without IP(V6)_RECVERR cmsg");
	if (serr->ee_origin != SO_EE_ORIGIN_ZEROCOPY)
		return dm_fail(e, EPROTO,
			       "error queue: origin %u (not zerocopy), errno %u (%s)",
			       serr->ee_origin, serr->ee_errno,
			       strerror(serr->ee_errno));
	if (serr->ee_errno != 0)
		return dm_fail(e, EPROTO,
			       "error queue: zerocopy notification with errno %u (%s)",
			       serr->ee_errno, strerror(serr->ee_errno));
	n->lo = serr->ee_info;
	n->hi = serr->ee_data;
	n->copied = serr->ee_code & SO_EE_CODE_ZEROCOPY_COPIED;
	return 1;
}

int dm_zc_init(struct dm_zc *z, struct dm_err *e)
{
	memset(z, 0, sizeof(*z));
	z->len = calloc(DM_ZC_RING, sizeof(*z->len));
	z->done = calloc(DM_ZC_RING, sizeof(*z->done));
	if (!z->len || !z->done) {
		dm_zc_free(z);
		return dm_fail(e, ENOMEM, "malloc(zerocopy tracker)");
	}
	return 0;
}

void dm_zc_free(struct dm_zc *z)
{
	free(z->len);
	free(z->done);
	z->len = NULL;
	z->done = NULL;
}

int dm_zc_sent(struct dm_zc *z, size_t len, struct dm_err *e)
{
	if (dm_zc_full(z))
		return dm_fail(e, ENOSPC, "more than %d zerocopy sends outstanding",
			       DM_ZC_RING);
	if (len > UINT32_MAX)
		return dm_fail(e, EOVERFLOW, "send of %zu bytes", len);
	z->len[z->next % DM_ZC_RING] = len;
	z->done[z->next % DM_ZC_RING] = 0;
	z->next++;
	z->sends++;
	z->inflight += len;
	return 0;
}

/* Account one notification; returns the sends it newly completed. */
static int dm_zc_account(struct dm_zc *z, const struct dm_zc_notif *n,
			 struct dm_err *e)
{
	uint32_t c, cnt = n->hi - n->lo + 1;
	int fresh = 0;

	z->notifications++;
	if (n->copied) {
		z->copied++;
		return dm_fail(e, EMEDIUMTYPE,
			       "zerocopy completion %u..%u has SO_EE_CODE_ZEROCOPY_COPIED: the kernel copied devmem data",
			       n->lo, n->hi);
	}
	if (n->lo - z->head >= z->next - z->head ||
	    n->hi - z->head >= z->next - z->head || cnt > z->next - z->head)
		return dm_fail(e, EPROTO,
			       "zerocopy completion %u..%u outside the outstanding sends %u..%u",
			       n->lo, n->hi, z->head, z->next - 1);
	for (c = n->lo; ; c++) {
		uint8_t *d = &z->done[c % DM_ZC_RING];

		if (!*d) {
			*d = 1;
			fresh++;
			z->completions++;
		}
		if (c == n->hi)
			break;
	}
	while (z->head != z->next && z->done[z->head % DM_ZC_RING]) {
		z->done[z->head % DM_ZC_RING] = 0;
		z->inflight -= z->len[z->head % DM_ZC_RING];
		z->head++;
	}
	return fresh;
}

static int dm_zc_drain(int fd, struct dm_zc *z, struct dm_err *e)
{
	struct dm_zc_notif n;
	int ret, total = 0;

	for (;;) {
		ret = dm_zc_read(fd, &n, e);
		if (ret <= 0)
			return ret < 0 ? ret : total;
		ret = dm_zc_account(z, &n, e);
		if (ret < 0)
			return ret;
		total += ret;
	}
}

int dm_zc_reap(int fd, struct dm_zc *z, int timeout_ms, struct dm_err *e)
{
	int ret;

	ret = dm_zc_drain(fd, z, e);
	if (ret != 0 || timeout_ms == 0)
		return ret;
	ret = dm_zc_poll(fd, timeout_ms, e);
	if (ret <= 0)
		return ret;
	return dm_zc_drain(fd, z, e);
}

static long dm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

int dm_zc_wait_all(int fd, struct dm_zc *z, int timeout_ms, struct dm_err *e)
{
	long end = dm_now_ms() + timeout_ms;
	long left;
	int ret;

	while (dm_zc_outstanding(z)) {
		left = end - dm_now_ms();
		if (left <= 0)
			return dm_fail(e, ETIMEDOUT,
				       "%llu of %llu zerocopy sends not completed after %d ms (sends %u..%u)",
				       (unsigned long long)dm_zc_outstanding(z),
				       (unsigned long long)z->sends, timeout_ms,
				       z->head, z->next - 1);
		ret = dm_zc_reap(fd, z, left, e);
		if (ret < 0)
			return ret;
	}
	return 0;
}
