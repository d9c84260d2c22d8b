/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devmem_tx.h - transmit-side helpers shared by ncdevmem (client mode) and
 * the devmem selftests (devmem_send): filling a dma-buf with the validation
 * pattern, connecting a TCP socket for devmem TX, sendmsg() with the
 * SCM_DEVMEM_DMABUF cmsg (mainline 6.16 semantics), and MSG_ZEROCOPY
 * completion tracking.  Error conventions as in devmem_nl.h.
 *
 * Devmem TX (mainline): the socket needs SO_ZEROCOPY, each send is
 * sendmsg(MSG_ZEROCOPY) with one SOL_SOCKET/SCM_DEVMEM_DMABUF cmsg whose
 * payload is a bare __u32 bind-tx id, and every iov_base is a byte offset
 * into the dma-buf (not a pointer).  A dma-buf range may be reused only
 * after the MSG_ERRQUEUE completion covering its send.
 */
#ifndef DEVMEM_TX_H
#define DEVMEM_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "devmem_nl.h"

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY		60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY		0x4000000
#endif

#define DM_TX_MAX_IOV		1024	/* iovecs per sendmsg (mainline MAX_IOV) */
#define DM_TX_DEFAULT_PERIOD	7	/* 1,2,3,4,5,6,0 */

/*
 * Fill the whole dma-buf @fd of @size bytes with the pattern of @period
 * (byte k = (k % period + 1) % period, the stream dm_pattern_check()
 * expects), starting at phase 0; CPU access is bracketed with
 * DMA_BUF_IOCTL_SYNC START/END|WRITE.
 */
int dm_dmabuf_fill_pattern(int fd, size_t size, unsigned int period,
			   struct dm_err *e);

/*
 * TCP connect to @server:@port (numeric IPv4/IPv6).  @ifname (may be NULL):
 * SO_BINDTODEVICE; @client (may be NULL): bind to that source address;
 * @zerocopy: SO_ZEROCOPY=1.  Returns the connected fd or -errno.
 */
int dm_tx_connect(const char *server, unsigned int port, const char *client,
		  const char *ifname, bool zerocopy, struct dm_err *e);

/* One devmem sendmsg; the fields let tests build broken requests. */
struct dm_tx_req {
	uint32_t dmabuf_id;	/* cmsg payload */
	bool no_cmsg;		/* leave the SCM_DEVMEM_DMABUF cmsg out */
	size_t cmsg_len;	/* payload bytes; 0 = sizeof(__u32) (valid) */
	int flags;		/* sendmsg flags, normally MSG_ZEROCOPY */
	uint64_t offset;	/* dma-buf offset of the first byte */
	size_t len;		/* bytes */
	size_t chunk;		/* iov size; 0 = one iov */
};

/*
 * sendmsg() @r on @fd.  Returns the bytes the kernel accepted (may be
 * short) or -errno (-E2BIG if @r needs more than DM_TX_MAX_IOV iovecs).
 */
ssize_t dm_tx_send(int fd, const struct dm_tx_req *r, struct dm_err *e);

/* One MSG_ERRQUEUE zerocopy notification: sends lo..hi completed. */
struct dm_zc_notif {
	uint32_t lo, hi;	/* ee_info, ee_data */
	bool copied;		/* SO_EE_CODE_ZEROCOPY_COPIED */
};

/*
 * Read one notification from @fd's error queue without blocking.
 * Returns 1 (got one), 0 (queue empty) or -errno; -EPROTO for anything but
 * a zerocopy notification with ee_errno 0 (@e says what arrived).
 */
int dm_zc_read(int fd, struct dm_zc_notif *n, struct dm_err *e);
/* poll(POLLERR) for up to @timeout_ms: 1 readable, 0 timeout, -errno. */
int dm_zc_poll(int fd, int timeout_ms, struct dm_err *e);

/*
 * Completion tracker for a stream of zerocopy sends.  Send number i is the
 * i-th successful sendmsg(MSG_ZEROCOPY) of the socket (the kernel's
 * zerocopy counter starts at 0 for every socket); dm_zc_sent() records
 * each one in order.  "Retired" sends are the completed prefix: the
 * dma-buf bytes of retired sends may be reused.
 */
#define DM_ZC_RING		65536	/* max sends outstanding */

struct dm_zc {
	uint32_t next;		/* counter of the next send */
	uint32_t head;		/* oldest send not retired */
	uint32_t *len;		/* [DM_ZC_RING] bytes of each outstanding send */
	uint8_t *done;		/* [DM_ZC_RING] completion seen */
	uint64_t inflight;	/* bytes of sends head..next-1 */
	uint64_t sends;		/* recorded sends */
	uint64_t completions;	/* distinct sends completed */
	uint64_t notifications;	/* error-queue messages read */
	uint64_t copied;	/* notifications with ZEROCOPY_COPIED */
};

int dm_zc_init(struct dm_zc *z, struct dm_err *e);
void dm_zc_free(struct dm_zc *z);
static inline bool dm_zc_full(const struct dm_zc *z)
{
	return z->next - z->head >= DM_ZC_RING;
}
static inline uint64_t dm_zc_outstanding(const struct dm_zc *z)
{
	return z->sends - z->completions;
}
/* Record a successful send of @len bytes (-ENOSPC if dm_zc_full()). */
int dm_zc_sent(struct dm_zc *z, size_t len, struct dm_err *e);
/*
 * Wait up to @timeout_ms (0: just drain) for notifications and account
 * them.  Returns the number of sends newly completed, or -errno:
 * -EPROTO (not a clean zerocopy notification, or a range outside the
 * outstanding sends), -EMEDIUMTYPE (the kernel copied the data:
 * SO_EE_CODE_ZEROCOPY_COPIED; devmem must never be copied).
 */
int dm_zc_reap(int fd, struct dm_zc *z, int timeout_ms, struct dm_err *e);
/* Reap until every recorded send completed; -ETIMEDOUT after @timeout_ms. */
int dm_zc_wait_all(int fd, struct dm_zc *z, int timeout_ms, struct dm_err *e);

#endif /* DEVMEM_TX_H */
