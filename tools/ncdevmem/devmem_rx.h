/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devmem_rx.h - data-plane helpers shared by ncdevmem and the devmem
 * selftests: TCP listen/accept, the validation pattern, SO_DEVMEM_DONTNEED
 * batching and a devmem receiver (recvmsg(MSG_SOCK_DEVMEM) + cmsg walk).
 * Error conventions as in devmem_nl.h.
 */
#ifndef DEVMEM_RX_H
#define DEVMEM_RX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "devmem_nl.h"

/* ---- sockets ----------------------------------------------------------- */

/* Numeric IPv4/IPv6 @addr and @port into @ss (EINVAL if not numeric). */
int dm_parse_addr(const char *addr, unsigned int port,
		  struct sockaddr_storage *ss, socklen_t *len, struct dm_err *e);
/*
 * Listen on @addr (IPv4 or IPv6 literal; NULL = any, dual stack) and @port.
 * Returns the listening fd or -errno.
 */
int dm_listen(const char *addr, unsigned int port, struct dm_err *e);
/*
 * Accept one connection, waiting at most @timeout_ms (< 0: forever).
 * -EINTR if a signal arrived, -ETIMEDOUT on timeout.
 */
int dm_accept(int lfd, int timeout_ms, struct sockaddr_storage *peer,
	      struct dm_err *e);
/* "192.0.2.1:5201" or "[2001:db8::1]:5201"; static buffer. */
const char *dm_addr_str(const struct sockaddr_storage *ss);
/* Does @peer have the address @addr (v4-mapped IPv6 matches IPv4)? */
bool dm_addr_equal(const struct sockaddr_storage *peer, const char *addr);
/* SO_RCVTIMEO; 0 = no timeout. */
int dm_set_rcvtimeo(int fd, unsigned int seconds, struct dm_err *e);

/* ---- validation pattern ------------------------------------------------ */

/*
 * The stream 1, 2, ..., period-1, 0, 1, 2, ... (what
 * `yes $(echo -e \\x01\\x02\\x03\\x04\\x05\\x06) | tr \\n \\0` sends for
 * period 7).  Byte k of the stream is (k % period + 1) % period.
 */
struct dm_pattern {
	unsigned int period;	/* 0: validation off */
	uint64_t pos;		/* stream offset of the next byte */
	uint64_t errors;
	unsigned int reported;	/* mismatches printed so far */
	unsigned int max_report;
	uint8_t *ref;		/* the pattern, repeated, for memcmp */
	size_t ref_len;
};

#define DM_PATTERN_MAX_PERIOD	256

int dm_pattern_init(struct dm_pattern *p, unsigned int period,
		    struct dm_err *e);
void dm_pattern_free(struct dm_pattern *p);
/*
 * Check @len bytes that continue the stream; returns the number of
 * mismatches in them (the first max_report are printed on stderr with
 * @where, e.g. "dmabuf" or "linear").
 */
uint64_t dm_pattern_check(struct dm_pattern *p, const uint8_t *buf,
			  size_t len, const char *where);

/* ---- SO_DEVMEM_DONTNEED batching --------------------------------------- */

struct dm_tokens {
	struct dmabuf_token tok[DM_DONTNEED_MAX_TOKENS];
	unsigned int ntok;	/* ranges in tok[] */
	unsigned int nfrags;	/* frags covered by tok[] */
	uint64_t returned;	/* frags freed by the kernel, in total */
	uint64_t calls;		/* setsockopt calls */
};

/*
 * Queue @token for return (adjacent tokens are merged into one range);
 * flushes first when a call would exceed 128 ranges or 1024 frags.
 */
int dm_tokens_add(int fd, struct dm_tokens *t, uint32_t token,
		  struct dm_err *e);
/* SO_DEVMEM_DONTNEED for everything queued; the kernel must free them all. */
int dm_tokens_flush(int fd, struct dm_tokens *t, struct dm_err *e);

/* ---- receiver ---------------------------------------------------------- */

struct dm_rx_cfg {
	uint32_t dmabuf_id;	/* expected binding id in every frag */
	int dmabuf_fd;		/* for DMA_BUF_IOCTL_SYNC; < 0: no sync (fd closed) */
	const uint8_t *map;	/* dma-buf mapping (needed if period > 0) */
	size_t map_size;
	unsigned int period;	/* validation period, 0 = off */
	unsigned int max_errors; /* fail after more mismatches; 0 = never */
	bool fail_on_linear;	/* SCM_DEVMEM_LINEAR is an error (-L) */
	bool hold_tokens;	/* keep tokens in held[] instead of returning */
	bool verbose;		/* print every cmsg on stderr */
};

struct dm_rx_stats {
	uint64_t bytes;		/* all payload bytes received */
	uint64_t dmabuf_bytes;	/* via SCM_DEVMEM_DMABUF */
	uint64_t linear_bytes;	/* via SCM_DEVMEM_LINEAR */
	uint64_t frags;		/* SCM_DEVMEM_DMABUF cmsgs */
	uint64_t recvmsgs;	/* successful recvmsg calls */
};

struct dm_rx {
	int fd;
	struct dm_rx_cfg cfg;
	struct dm_rx_stats st;
	struct dm_pattern pat;
	struct dm_tokens toks;
	uint32_t *held;		/* hold_tokens: tokens not returned yet */
	size_t nheld, held_cap;
	uint64_t held_bytes;
	uint8_t *iobuf;		/* receives the linear part */
	size_t iolen;
	uint8_t *ctrl;
	size_t ctrllen;
};

#define DM_RX_IOV_SIZE	(1UL << 20)
#define DM_RX_CTRL_SIZE	(160UL << 10)	/* ~4000 cmsgs */

int dm_rx_init(struct dm_rx *rx, int fd, const struct dm_rx_cfg *cfg,
	       struct dm_err *e);
void dm_rx_free(struct dm_rx *rx);
/*
 * One recvmsg(MSG_SOCK_DEVMEM): check every cmsg (binding id, bounds, byte
 * accounting), validate the bytes in stream order, then return the tokens
 * (or hold them).  Returns the bytes received, 0 at EOF or -errno:
 *   -EINTR / -EAGAIN  recvmsg was interrupted / timed out (SO_RCVTIMEO)
 *   -EPROTO           data without devmem cmsgs, a foreign binding id,
 *                     a frag outside the dma-buf, or inconsistent sizes
 *   -EILSEQ           more than max_errors validation mismatches
 *   -EMSGSIZE         control data truncated (MSG_CTRUNC)
 *   -ENOTSUP          SCM_DEVMEM_LINEAR with fail_on_linear
 *   other             recvmsg / setsockopt / ioctl errno
 */
ssize_t dm_rx_once(struct dm_rx *rx, struct dm_err *e);

#endif /* DEVMEM_RX_H */
