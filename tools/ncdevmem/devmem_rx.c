// SPDX-License-Identifier: GPL-2.0
/*
 * devmem_rx.c - data-plane helpers for devmem TCP tools: listen/accept,
 * the validation pattern, SO_DEVMEM_DONTNEED batching and the devmem
 * receiver.  See devmem_rx.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/time.h>

#include "devmem_rx.h"

/* ---- sockets ----------------------------------------------------------- */

int dm_parse_addr(const char *addr, unsigned int port,
		  struct sockaddr_storage *ss, socklen_t *len, struct dm_err *e)
{
	struct addrinfo hints = {
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
		.ai_socktype = SOCK_STREAM,
	};
	struct addrinfo *res;
	char portstr[16];
	int ret;

	snprintf(portstr, sizeof(portstr), "%u", port);
	ret = getaddrinfo(addr, portstr, &hints, &res);
	if (ret)
		return dm_fail(e, EINVAL,
			       "address \"%s\" is not an IPv4 or IPv6 address (%s)",
			       addr, gai_strerror(ret));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int dm_listen(const char *addr, unsigned int port, struct dm_err *e)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = 0;
	int one = 1, zero = 0;
	int fd, ret;

	if (addr) {
		ret = dm_parse_addr(addr, port, &ss, &len, e);
		if (ret < 0)
			return ret;
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_any;
		sin6->sin6_port = htons(port);
		len = sizeof(*sin6);
		fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
		if (fd >= 0) {
			/* dual stack: IPv4 peers arrive as v4-mapped */
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
				   sizeof(zero));
		} else if (errno == EAFNOSUPPORT) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

			memset(&ss, 0, sizeof(ss));
			sin->sin_family = AF_INET;
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
			sin->sin_port = htons(port);
			len = sizeof(*sin);
			fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
				    IPPROTO_TCP);
		}
	}
	if (fd < 0)
		return dm_fail(e, errno, "socket(SOCK_STREAM)");

	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
		ret = dm_fail(e, errno, "setsockopt(SO_REUSEADDR)");
		goto err;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		ret = dm_fail(e, errno, "bind %s", dm_addr_str(&ss));
		goto err;
	}
	if (listen(fd, 1) < 0) {
		ret = dm_fail(e, errno, "listen %s", dm_addr_str(&ss));
		goto err;
	}
	return fd;
err:
	close(fd);
	return ret;
}

int dm_accept(int lfd, int timeout_ms, struct sockaddr_storage *peer,
	      struct dm_err *e)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	socklen_t len = sizeof(*peer);
	int fd, ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return dm_fail(e, errno, "poll(listening socket)");
	if (ret == 0)
		return dm_fail(e, ETIMEDOUT, "accept: no connection within %.3g s",
			       timeout_ms / 1000.0);
	memset(peer, 0, sizeof(*peer));
	fd = accept4(lfd, (struct sockaddr *)peer, &len, SOCK_CLOEXEC);
	if (fd < 0)
		return dm_fail(e, errno, "accept");
	return fd;
}

const char *dm_addr_str(const struct sockaddr_storage *ss)
{
	static char buf[INET6_ADDRSTRLEN + 16];
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		snprintf(buf, sizeof(buf), "%s:%u", a, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		snprintf(buf, sizeof(buf), "[%s]:%u", a, ntohs(sin6->sin6_port));
	} else {
		snprintf(buf, sizeof(buf), "(family %d)", ss->ss_family);
	}
	return buf;
}

bool dm_addr_equal(const struct sockaddr_storage *peer, const char *addr)
{
	const struct sockaddr_in6 *p6 = (const void *)peer;
	const struct sockaddr_in *p4 = (const void *)peer;
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, addr, &a4) == 1) {
		if (peer->ss_family == AF_INET)
			return p4->sin_addr.s_addr == a4.s_addr;
		return peer->ss_family == AF_INET6 &&
		       IN6_IS_ADDR_V4MAPPED(&p6->sin6_addr) &&
		       !memcmp(&p6->sin6_addr.s6_addr[12], &a4, 4);
	}
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return peer->ss_family == AF_INET6 &&
		       !memcmp(&p6->sin6_addr, &a6, sizeof(a6));
	return false;
}

int dm_set_rcvtimeo(int fd, unsigned int seconds, struct dm_err *e)
{
	struct timeval tv = { .tv_sec = seconds };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return dm_fail(e, errno, "setsockopt(SO_RCVTIMEO)");
	return 0;
}

/* ---- validation pattern ------------------------------------------------ */

#define DM_PATTERN_CHUNK	65536

int dm_pattern_init(struct dm_pattern *p, unsigned int period,
		    struct dm_err *e)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->max_report = 10;
	if (!period)
		return 0;
	if (period > DM_PATTERN_MAX_PERIOD)
		return dm_fail(e, EINVAL, "validation period %u is above %d",
			       period, DM_PATTERN_MAX_PERIOD);
	p->period = period;
	p->ref_len = DM_PATTERN_CHUNK + period;
	p->ref = malloc(p->ref_len);
	if (!p->ref)
		return dm_fail(e, ENOMEM, "malloc(validation pattern)");
	for (i = 0; i < p->ref_len; i++)
		p->ref[i] = (i % period + 1) % period;
	return 0;
}

void dm_pattern_free(struct dm_pattern *p)
{
	free(p->ref);
	p->ref = NULL;
}

uint64_t dm_pattern_check(struct dm_pattern *p, const uint8_t *buf,
			  size_t len, const char *where)
{
	uint64_t bad = 0;
	size_t done = 0;

	if (!p->period)
		return 0;
	while (done < len) {
		size_t n = len - done < DM_PATTERN_CHUNK ? len - done :
							   DM_PATTERN_CHUNK;
		const uint8_t *ref = p->ref + p->pos % p->period;
		size_t i;

		if (memcmp(buf + done, ref, n)) {
			for (i = 0; i < n; i++) {
				if (buf[done + i] == ref[i])
					continue;
				bad++;
				if (p->reported++ < p->max_report)
					fprintf(stderr,
						"%s: validation error at stream offset %llu (%s + %zu): expected 0x%02x, got 0x%02x\n",
						program_invocation_short_name,
						(unsigned long long)(p->pos + i),
						where, done + i, ref[i],
						buf[done + i]);
			}
		}
		p->pos += n;
		done += n;
	}
	p->errors += bad;
	return bad;
}

/* ---- SO_DEVMEM_DONTNEED batching --------------------------------------- */

int dm_tokens_flush(int fd, struct dm_tokens *t, struct dm_err *e)
{
	int ret;

	if (!t->ntok)
		return 0;
	ret = setsockopt(fd, SOL_SOCKET, SO_DEVMEM_DONTNEED, t->tok,
			 t->ntok * sizeof(t->tok[0]));
	if (ret < 0)
		return dm_fail(e, errno,
			       "setsockopt(SO_DEVMEM_DONTNEED, %u ranges, %u frags)",
			       t->ntok, t->nfrags);
	t->calls++;
	if ((unsigned int)ret != t->nfrags)
		return dm_fail(e, EPROTO,
			       "setsockopt(SO_DEVMEM_DONTNEED) freed %d frags, expected %u",
			       ret, t->nfrags);
	t->returned += ret;
	t->ntok = 0;
	t->nfrags = 0;
	return 0;
}

int dm_tokens_add(int fd, struct dm_tokens *t, uint32_t token,
		  struct dm_err *e)
{
	struct dmabuf_token *last;
	int ret;

	if (t->nfrags >= DM_DONTNEED_MAX_FRAGS) {
		ret = dm_tokens_flush(fd, t, e);
		if (ret < 0)
			return ret;
	}
	last = t->ntok ? &t->tok[t->ntok - 1] : NULL;
	if (last && last->token_start + last->token_count == token) {
		last->token_count++;
		t->nfrags++;
		return 0;
	}
	if (t->ntok == DM_DONTNEED_MAX_TOKENS) {
		ret = dm_tokens_flush(fd, t, e);
		if (ret < 0)
			return ret;
	}
	t->tok[t->ntok].token_start = token;
	t->tok[t->ntok].token_count = 1;
	t->ntok++;
	t->nfrags++;
	return 0;
}

/* ---- receiver ---------------------------------------------------------- */

int dm_rx_init(struct dm_rx *rx, int fd, const struct dm_rx_cfg *cfg,
	       struct dm_err *e)
{
	int ret;

	memset(rx, 0, sizeof(*rx));
	rx->fd = fd;
	rx->cfg = *cfg;
	if (cfg->period && !cfg->map)
		return dm_fail(e, EINVAL, "validation needs the dma-buf mapped");
	ret = dm_pattern_init(&rx->pat, cfg->period, e);
	if (ret < 0)
		return ret;
	rx->iolen = DM_RX_IOV_SIZE;
	rx->ctrllen = DM_RX_CTRL_SIZE;
	rx->iobuf = malloc(rx->iolen);
	rx->ctrl = malloc(rx->ctrllen);
	if (!rx->iobuf || !rx->ctrl) {
		dm_rx_free(rx);
		return dm_fail(e, ENOMEM, "malloc(receive buffers)");
	}
	return 0;
}

void dm_rx_free(struct dm_rx *rx)
{
	dm_pattern_free(&rx->pat);
	free(rx->iobuf);
	free(rx->ctrl);
	free(rx->held);
	rx->iobuf = NULL;
	rx->ctrl = NULL;
	rx->held = NULL;
	rx->nheld = 0;
	rx->held_cap = 0;
}

static int dm_rx_hold(struct dm_rx *rx, uint32_t token, struct dm_err *e)
{
	if (rx->nheld == rx->held_cap) {
		size_t cap = rx->held_cap ? rx->held_cap * 2 : 4096;
		uint32_t *p = realloc(rx->held, cap * sizeof(*p));

		if (!p)
			return dm_fail(e, ENOMEM, "realloc(held tokens)");
		rx->held = p;
		rx->held_cap = cap;
	}
	rx->held[rx->nheld++] = token;
	return 0;
}

static int dm_rx_linear(struct dm_rx *rx, const struct dmabuf_cmsg *dc,
			size_t *lin_off, ssize_t n, struct dm_err *e)
{
	if (rx->cfg.verbose)
		fprintf(stderr, "%s: linear: size=%u\n",
			program_invocation_short_name, dc->frag_size);
	if (dc->frag_size > (size_t)n - *lin_off)
		return dm_fail(e, EPROTO,
			       "SCM_DEVMEM_LINEAR of %u bytes overruns the %zd bytes received",
			       dc->frag_size, n);
	dm_pattern_check(&rx->pat, rx->iobuf + *lin_off, dc->frag_size,
			 "linear");
	*lin_off += dc->frag_size;
	rx->st.linear_bytes += dc->frag_size;
	if (rx->cfg.fail_on_linear)
		return dm_fail(e, ENOTSUP,
			       "SCM_DEVMEM_LINEAR: %u payload bytes landed in host memory (-L)",
			       dc->frag_size);
	return 0;
}

static int dm_rx_frag(struct dm_rx *rx, const struct dmabuf_cmsg *dc,
		      struct dm_err *e)
{
	char where[48];

	if (rx->cfg.verbose)
		fprintf(stderr, "%s: frag: offset=%llu size=%u token=%u id=%u\n",
			program_invocation_short_name,
			(unsigned long long)dc->frag_offset, dc->frag_size,
			dc->frag_token, dc->dmabuf_id);
	if (dc->dmabuf_id != rx->cfg.dmabuf_id)
		return dm_fail(e, EPROTO,
			       "flow steering error: frag in dma-buf binding %u, expected %u",
			       dc->dmabuf_id, rx->cfg.dmabuf_id);
	if (rx->cfg.map_size &&
	    (dc->frag_offset > rx->cfg.map_size ||
	     dc->frag_size > rx->cfg.map_size - dc->frag_offset))
		return dm_fail(e, EPROTO,
			       "frag [%llu, +%u) lies outside the %zu-byte dma-buf",
			       (unsigned long long)dc->frag_offset,
			       dc->frag_size, rx->cfg.map_size);
	if (rx->pat.period) {
		snprintf(where, sizeof(where), "dma-buf offset %llu",
			 (unsigned long long)dc->frag_offset);
		dm_pattern_check(&rx->pat, rx->cfg.map + dc->frag_offset,
				 dc->frag_size, where);
	}
	rx->st.frags++;
	rx->st.dmabuf_bytes += dc->frag_size;
	if (rx->cfg.hold_tokens) {
		rx->held_bytes += dc->frag_size;
		return dm_rx_hold(rx, dc->frag_token, e);
	}
	return dm_tokens_add(rx->fd, &rx->toks, dc->frag_token, e);
}

ssize_t dm_rx_once(struct dm_rx *rx, struct dm_err *e)
{
	struct iovec iov = { .iov_base = rx->iobuf, .iov_len = rx->iolen };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = rx->ctrl,
		.msg_controllen = rx->ctrllen,
	};
	bool synced = false;
	uint64_t accounted = 0;
	unsigned int ncmsg = 0;
	size_t lin_off = 0;
	struct cmsghdr *cm;
	ssize_t n;
	int ret = 0;

	n = recvmsg(rx->fd, &msg, MSG_SOCK_DEVMEM);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return dm_fail(e, EAGAIN,
				       "recvmsg(MSG_SOCK_DEVMEM): no data within the receive timeout");
		if (errno == EFAULT)
			return dm_fail(e, EFAULT,
				       "recvmsg(MSG_SOCK_DEVMEM): kernel could not deliver devmem data");
		return dm_fail(e, errno, "recvmsg(MSG_SOCK_DEVMEM)");
	}
	if (n == 0)
		return 0;
	rx->st.recvmsgs++;
	if (msg.msg_flags & MSG_CTRUNC)
		return dm_fail(e, EMSGSIZE,
			       "recvmsg: control data truncated (MSG_CTRUNC), tokens lost");

	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		struct dmabuf_cmsg dc;

		if (cm->cmsg_level != SOL_SOCKET ||
		    (cm->cmsg_type != SCM_DEVMEM_DMABUF &&
		     cm->cmsg_type != SCM_DEVMEM_LINEAR)) {
			ret = dm_fail(e, EPROTO,
				      "recvmsg: unexpected cmsg level %d type %d",
				      cm->cmsg_level, cm->cmsg_type);
			break;
		}
		if (cm->cmsg_len < CMSG_LEN(sizeof(dc))) {
			ret = dm_fail(e, EPROTO,
				      "recvmsg: devmem cmsg of %zu bytes is too short",
				      (size_t)cm->cmsg_len);
			break;
		}
		memcpy(&dc, CMSG_DATA(cm), sizeof(dc));
		ncmsg++;
		accounted += dc.frag_size;

		if (cm->cmsg_type == SCM_DEVMEM_LINEAR) {
			ret = dm_rx_linear(rx, &dc, &lin_off, n, e);
		} else {
			if (rx->pat.period && !synced &&
			    rx->cfg.dmabuf_fd >= 0) {
				ret = dm_dmabuf_sync_read(rx->cfg.dmabuf_fd,
							  true, e);
				if (ret < 0)
					break;
				synced = true;
			}
			ret = dm_rx_frag(rx, &dc, e);
		}
		if (ret < 0)
			break;
	}
	if (synced) {
		struct dm_err sync_err;

		if (dm_dmabuf_sync_read(rx->cfg.dmabuf_fd, false, &sync_err) < 0 &&
		    ret == 0) {
			*e = sync_err;
			ret = -sync_err.code;
		}
	}
	if (ret < 0)
		return ret;

	if (ncmsg == 0)
		return dm_fail(e, EPROTO,
			       "flow steering error: %zd bytes arrived without devmem cmsgs (payload on an unbound queue, or not split)",
			       n);
	if (accounted != (uint64_t)n)
		return dm_fail(e, EPROTO,
			       "recvmsg returned %zd bytes but its cmsgs account for %llu",
			       n, (unsigned long long)accounted);
	rx->st.bytes += n;

	if (!rx->cfg.hold_tokens) {
		ret = dm_tokens_flush(rx->fd, &rx->toks, e);
		if (ret < 0)
			return ret;
	}
	if (rx->cfg.max_errors && rx->pat.errors > rx->cfg.max_errors)
		return dm_fail(e, EILSEQ,
			       "validation: %llu mismatched bytes (more than %u)",
			       (unsigned long long)rx->pat.errors,
			       rx->cfg.max_errors);
	return n;
}
