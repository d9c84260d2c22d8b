// SPDX-License-Identifier: GPL-2.0
/*
 * devmem_fuzz - a netlink fuzzer for the "netdev" generic netlink family.
 *
 * Usage: devmem_fuzz -f IFNAME [-n MESSAGES] [-s SEED] [-q QUEUE]
 *
 * Run as root in the network namespace of IFNAME (ip netns exec), with
 * /dev/udmabuf, and debugfs mounted for the dma-buf count.  RX queue QUEUE
 * (-q, default 0) of IFNAME may be bound by another process for the whole
 * run: the fuzzer must not disturb that binding.  Output: kselftest TAP.
 *
 * MESSAGES (default 100000) messages of the family come from a seeded PRNG
 * (the seed is printed; -s SEED replays a run):
 *  - a third: valid requests (bind-rx, bind-tx, queue-get do and dump)
 *    broken by up to three mutations: dropped, duplicated, retyped,
 *    resized and unknown attributes, NLA_F_* flag bits, bad nla_len, bad
 *    nests (garbage inside, bad inner lengths, nests of nests), huge queue
 *    lists, odd ifindexes, queue ids and types, fds that are not our
 *    dma-buf (stale, memfd, /dev/null, pipe, socket, eventfd, directory),
 *    unknown commands, genl version and reserved field, nlmsg flags, and an
 *    nlmsg_len that disagrees with the datagram;
 *  - a third: random attributes (sizes, types, nests) with such values;
 *  - the rest: random bytes after a valid nlmsghdr and genlmsghdr.
 * Each message is sent with send() on a NETLINK_GENERIC socket of our own,
 * and its answers are read up to their end (an NLMSG_ERROR, a dump's
 * NLMSG_DONE, ...); when no answer may come, a NLMSG_NOOP request with
 * NLM_F_ACK follows the message and its ACK ends the wait.
 *
 * Asserted for every message (failures of the fuzz_* test points):
 *  (a) a request that lacks a required attribute, or whose fd is not our
 *      udmabuf, never succeeds; what genetlink rejects by itself gets its
 *      errno: EINVAL (no room for the genl header; reserved field set;
 *      nlmsg flags beyond REQUEST, ACK, ECHO and DUMP), EOPNOTSUPP
 *      (unknown command, dump of a bind command), EPERM (bind-rx without
 *      CAP_NET_ADMIN);
 *  (b) bind-rx never takes the queue another process holds, and queue-get
 *      keeps reporting that process's binding;
 *  (c) answers are well-formed: nlmsghdr framing, our portid and seq,
 *      NLMSG_ERROR and NLMSG_DONE errors in (-4096, 0], family messages
 *      made of whole attributes; a message the kernel must drop gets no
 *      answer, a request always gets one;
 *  (d) no answer is waited for longer than 2 s.
 * The socket, and with it every binding it made, is closed and reopened
 * every 256 messages and after each successful bind.
 *
 * TAP points: fuzz_root; fuzz_unprivileged (MESSAGES/4 as uid nobody);
 * family_answers_after (queue-get of QUEUE reports the binding it had at
 * the start, or none, and the dump lists the same RX queues);
 * nothing_left (the debugfs dma-buf count returns to its start value
 * within 5 s; SKIP without debugfs).  Exit status as tap_finish().
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/types.h>

#include "devmem_nl.h"
#include "tap.h"
#include "unpriv.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

#define NUM_TESTS	4
#define MSG_MAX		32768	/* largest message we send */
#define RBUF_SIZE	131072	/* an error ACK quotes up to MSG_MAX bytes */
#define GENL_HLEN	(NLMSG_HDRLEN + GENL_HDRLEN)	/* attributes start */
#define MAX_ATTRS	8192	/* > (MSG_MAX - GENL_HLEN) / NLA_HDRLEN */
#define TYPE_MAX	0x3fff	/* the largest type under NLA_TYPE_MASK */
#define REPLY_MS	2000
#define REOPEN_EVERY	256
#define SETTLE_MS	5000
#define MAX_REPORTS	20	/* failures described per run */
#define RX_BIND_BUDGET	8	/* bind-rx of a free queue restarts the NIC */
#define DMABUF_SIZE	(1024 * 1024)
#define BUFINFO		"/sys/kernel/debug/dma_buf/bufinfo"
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NLH		((struct nlmsghdr *)mb)
#define GENL		((struct genlmsghdr *)(mb + NLMSG_HDRLEN))
#define ATTR(off)	((struct nlattr *)(mb + (off)))

/*
 * fds for the fd attribute: our udmabuf, a never used and a closed number
 * (the next fuzz socket takes it), and other kinds of files
 */
enum { FD_DMABUF, FD_STALE, FD_CLOSED, FD_MEMFD, FD_NULL, FD_PIPE_R,
	FD_PIPE_W, FD_SOCKET, FD_EVENTFD, FD_DIR, NFDS };
/* Kinds of interesting values; vals[k][0] is the valid one */
enum { V_IFINDEX, V_FD, V_QID, V_QTYPE, NVALS };

static struct {
	const char *ifname;		/* -f */
	unsigned long nmsgs;		/* -n */
	__u64 seed;			/* -s */
	unsigned int queue;		/* -q: another process may hold it */
	__u32 ifindex;
	unsigned int nrxq;		/* RX queues of IFNAME */
	__u32 held;			/* binding on -q at the start, or 0 */
	__u16 family;
	struct dm_udmabuf ubuf;
	int fd[NFDS];
	__u32 vals[NVALS][NFDS + 2];
	unsigned int nvals[NVALS];
	bool unpriv;			/* we are the uid nobody child */
	const char *who;
} ctx = { .nmsgs = 100000, .who = "root" };

/* Outcomes are counted per bucket: the command, or not processed */
enum { B_QGET, B_QDUMP, B_BIND_RX, B_BIND_TX, B_OTHER, B_IGNORED, NBUCKETS };

static const char *const bucket_names[NBUCKETS] = {
	"queue-get", "queue-get dump", "bind-rx", "bind-tx",
	"other cmd or short", "not processed",
};

static const char *const kind_names[] = { "template", "structured", "random" };

#define OUT_BIG		256	/* outcomes: 0 success, 1..255 errno, */
#define OUT_NONE	257	/* errno above 255, no answer */

struct stats {
	__u32 out[NBUCKETS][OUT_NONE + 1];
	__u32 kinds[3];
	__u32 msgs, failures, binds_rx, binds_tx, sockets, timeouts;
};

/* What the kernel must do with the message: analyse() */
struct verdict {
	bool framed;		/* 16 <= nlmsg_len <= datagram: it is parsed */
	bool request;		/* and NLM_F_REQUEST: an answer must come */
	bool quiet;		/* no answer may come: exchange() sends a NOOP */
	int bucket;
	int want;		/* the errno genetlink must answer, or 0 */
	const char *must_fail;	/* why it cannot succeed, or NULL */
};

/* What came back: exchange() */
struct answer {
	bool got, noop_acked, err, ack0, data, multi, done, bind_ok;
	int errnum, done_err, bind_cmd;
	__u32 bind_id;
};

/* The u32 attributes of a family message (queue and dmabuf types) */
struct u32s {
	__u32 val[NETDEV_A_QUEUE_MAX + 1];
	bool has[NETDEV_A_QUEUE_MAX + 1];
};

struct fz_sock {
	int fd;
	__u32 portid, seq;
};

/* RX queue -q: its binding (queue-get do) and the dump's RX queues */
struct qstate {
	long binding;		/* binding id, 0 none, -1 unknown */
	unsigned int nrx;	/* RX queues of IFNAME listed by the dump */
	bool listed;		/* the dump lists queue -q */
};

static struct stats root_stats, unpriv_stats;
static __u64 msg_words[MSG_MAX / 8 + 1];	/* aligned for the headers */
static __u8 *const mb = (__u8 *)msg_words;	/* the message */
static size_t mlen;				/* its size */
static __u64 rbuf_words[RBUF_SIZE / 8];
static __u8 *const rbuf = (__u8 *)rbuf_words;	/* answers */
static size_t offs[MAX_ATTRS];			/* scan_attrs() */
static __u64 rng;

/* The message being fuzzed, for failure reports */
static struct {
	unsigned long idx;
	int kind;
	bool described;
	struct stats *st;
} cur;

/* ---- helpers ------------------------------------------------------------- */

/* splitmix64 */
static __u64 rnd64(void)
{
	__u64 z;

	rng += 0x9e3779b97f4a7c15ULL;
	z = rng;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u32 rnd(__u32 n)
{
	return n ? rnd64() % n : 0;
}

static bool one_in(__u32 n)
{
	return rnd(n) == 0;
}

static void fill_random(__u8 *p, size_t n)
{
	__u64 r = 0;
	size_t i;

	for (i = 0; i < n; i++, r >>= 8) {
		if (!(i % sizeof(r)))
			r = rnd64();
		p[i] = r;
	}
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* A failure: described (with the message's first bytes) up to MAX_REPORTS */
static void fail(const char *fmt, ...)
{
	char text[256], hex[3 * 40 + 1] = "";
	size_t i;
	va_list ap;

	if (++cur.st->failures > MAX_REPORTS)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	tap_diag("%s: message %lu (%s): %s", ctx.who, cur.idx,
		 kind_names[cur.kind], text);
	if (cur.described)
		return;
	cur.described = true;
	for (i = 0; i < mlen && i < 40; i++)
		snprintf(hex + 3 * i, 4, "%02x ", mb[i]);
	tap_diag("%s:   %zu bytes: %s%s", ctx.who, mlen, hex,
		 mlen > 40 ? "..." : "");
}

/* ---- attributes ---------------------------------------------------------- */

/* nla_ok() of the kernel: a whole attribute at @off of @base, before @end */
static bool attr_ok(const __u8 *base, size_t off, size_t end)
{
	const struct nlattr *a = (const void *)(base + off);

	return off + NLA_HDRLEN <= end && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= end - off;
}

/**
 * scan_attrs() - find attributes as the kernel's nla_for_each_attr() does
 * @base: message
 * @start: offset of the first attribute
 * @end: offset where the attributes end
 * @stop: if not NULL, where the walk stopped (@end if they fill the range)
 *
 * Return: how many attributes were found; offs[] has their offsets (the
 * first MAX_ATTRS: all of them in a message of ours).
 */
static unsigned int scan_attrs(const __u8 *base, size_t start, size_t end,
			       size_t *stop)
{
	unsigned int n = 0;
	size_t off = start;

	while (attr_ok(base, off, end)) {
		if (n < MAX_ATTRS)
			offs[n++] = off;
		off += NLA_ALIGN(((const struct nlattr *)(base + off))->nla_len);
	}
	if (stop)
		*stop = off;
	return n;
}

/* The top-level attribute of @type that the kernel's parser keeps: the last */
static size_t find_attr(size_t end, unsigned int type)
{
	unsigned int i, n = scan_attrs(mb, GENL_HLEN, end, NULL);
	size_t found = 0;

	for (i = 0; i < n; i++)
		if ((ATTR(offs[i])->nla_type & NLA_TYPE_MASK) == type)
			found = offs[i];
	return found;
}

/* Bytes the attribute at @off spans: padded length, within the message */
static size_t attr_span(size_t off)
{
	size_t n = NLA_ALIGN(ATTR(off)->nla_len);

	return n < mlen - off ? n : mlen - off;
}

static bool msg_insert(size_t off, size_t n)
{
	if (n > MSG_MAX - mlen)
		return false;
	memmove(mb + off + n, mb + off, mlen - off);
	mlen += n;
	return true;
}

static void msg_delete(size_t off, size_t n)
{
	memmove(mb + off, mb + off + n, mlen - off - n);
	mlen -= n;
}

static void put_header(__u8 cmd, __u16 flags)
{
	memset(mb, 0, GENL_HLEN);
	NLH->nlmsg_type = ctx.family;
	NLH->nlmsg_flags = flags;
	GENL->cmd = cmd;
	GENL->version = NETDEV_FAMILY_VERSION;
	mlen = GENL_HLEN;
}

/* Append an attribute; returns its offset, 0 if it does not fit */
static size_t put_attr(unsigned int type, const void *data, size_t len)
{
	size_t off = mlen;

	if (NLA_HDRLEN + NLA_ALIGN(len) > MSG_MAX - mlen)
		return 0;
	ATTR(off)->nla_len = NLA_HDRLEN + len;
	ATTR(off)->nla_type = type;
	if (len)
		memcpy(mb + off + NLA_HDRLEN, data, len);
	memset(mb + off + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	mlen += NLA_HDRLEN + NLA_ALIGN(len);
	return off;
}

static void put_u32(unsigned int type, __u32 v)
{
	put_attr(type, &v, sizeof(v));
}

/* Replace the payload of the attribute at @off by @len bytes of @data */
static void set_payload(size_t off, const void *data, size_t len)
{
	size_t old = attr_span(off), new = NLA_HDRLEN + NLA_ALIGN(len);

	if (new > old && !msg_insert(off + old, new - old))
		return;
	if (new < old)
		msg_delete(off + new, old - new);
	if (len)
		memcpy(mb + off + NLA_HDRLEN, data, len);
	memset(mb + off + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	ATTR(off)->nla_len = NLA_HDRLEN + len;
}

/* ---- values -------------------------------------------------------------- */

/* A value of kind @k; @how: 2 the valid one, 1 mostly the valid one, 0 any */
static __u32 pick(int k, int how)
{
	if (how == 2 || (how == 1 && rnd(4)))
		return ctx.vals[k][0];
	return one_in(8) ? (__u32)rnd64() : ctx.vals[k][rnd(ctx.nvals[k])];
}

/* A value for attribute @type of @cmd (@nested: in a queue nest) */
static __u32 value_for(int cmd, bool nested, unsigned int type, int how)
{
	static const __u8 queue[4] = {
		[NETDEV_A_QUEUE_ID] = V_QID + 1,
		[NETDEV_A_QUEUE_IFINDEX] = V_IFINDEX + 1,
		[NETDEV_A_QUEUE_TYPE] = V_QTYPE + 1,
	};
	static const __u8 dmabuf[4] = {
		[NETDEV_A_DMABUF_IFINDEX] = V_IFINDEX + 1,
		[NETDEV_A_DMABUF_FD] = V_FD + 1,
	};
	const __u8 *map = nested || cmd == NETDEV_CMD_QUEUE_GET ? queue : dmabuf;

	type &= NLA_TYPE_MASK;
	if (type < 4 && map[type])
		return pick(map[type] - 1, how);
	return pick(rnd(NVALS), 0);
}

/* Mostly unknown or not implemented commands */
static __u8 odd_cmd(void)
{
	const __u8 c[] = { 0, NETDEV_CMD_MAX + 1 + rnd(8), 255,
			   1 + rnd(NETDEV_CMD_MAX), rnd(256) };

	return c[rnd(ARRAY_SIZE(c))];
}

/* Unknown (0, above the maximum), answer-only, or known attribute types */
static unsigned int odd_type(void)
{
	const unsigned int t[] = { 0, NETDEV_A_DMABUF_MAX + 1 + rnd(8),
				   NETDEV_A_DMABUF_ID, TYPE_MAX,
				   1 + rnd(NETDEV_A_DMABUF_MAX),
				   rnd(TYPE_MAX + 1) };

	return t[rnd(ARRAY_SIZE(t))];
}

static __u16 odd_flags(void)
{
	__u16 f = rnd(16) ? NLM_F_REQUEST : 0;

	f |= rnd(4) ? NLM_F_ACK : 0;
	f |= one_in(4) ? NLM_F_DUMP : 0;
	f |= one_in(16) ? NLM_F_ECHO : 0;
	return f | (one_in(8) ? (__u16)rnd64() : 0);
}

/* ---- generation ---------------------------------------------------------- */

static const __u8 known_cmds[] = {
	NETDEV_CMD_QUEUE_GET, NETDEV_CMD_BIND_RX, NETDEV_CMD_BIND_TX,
};

/* @n queue nests of bind-rx; @how as pick(), and 0 may leave ID or TYPE out */
static void put_queues(unsigned int n, int how)
{
	size_t nest;

	while (n-- && mlen + 24 <= MSG_MAX) {
		nest = put_attr(NETDEV_A_DMABUF_QUEUES | NLA_F_NESTED, NULL, 0);
		if (how || rnd(8))
			put_u32(NETDEV_A_QUEUE_ID, pick(V_QID, how));
		if (how || rnd(8))
			put_u32(NETDEV_A_QUEUE_TYPE, pick(V_QTYPE, how));
		ATTR(nest)->nla_len = mlen - nest;
	}
}

/* A valid request, mostly with valid values */
static void build_template(void)
{
	__u16 flags = NLM_F_REQUEST | (rnd(8) ? NLM_F_ACK : 0);
	unsigned int nq = one_in(4) ? 1 + rnd(4) : 1;
	bool first = one_in(2);

	switch (rnd(4)) {
	case 0:
		put_header(NETDEV_CMD_QUEUE_GET, flags);
		put_u32(NETDEV_A_QUEUE_IFINDEX, pick(V_IFINDEX, 1));
		put_u32(NETDEV_A_QUEUE_TYPE, pick(V_QTYPE, 1));
		put_u32(NETDEV_A_QUEUE_ID, pick(V_QID, 1));
		break;
	case 1:
		put_header(NETDEV_CMD_QUEUE_GET, flags | NLM_F_DUMP);
		if (first)
			put_u32(NETDEV_A_QUEUE_IFINDEX, pick(V_IFINDEX, 1));
		break;
	case 2:
		put_header(NETDEV_CMD_BIND_RX, flags);
		if (one_in(48))
			nq = 100 + rnd(3000);	/* up to MSG_MAX */
		if (first)
			put_queues(nq, 1 + one_in(2));
		put_u32(NETDEV_A_DMABUF_IFINDEX, pick(V_IFINDEX, 1));
		put_u32(NETDEV_A_DMABUF_FD, pick(V_FD, 1));
		if (!first)
			put_queues(nq, 1 + one_in(2));
		break;
	default:
		put_header(NETDEV_CMD_BIND_TX, flags);
		put_u32(NETDEV_A_DMABUF_FD, pick(V_FD, 1));
		put_u32(NETDEV_A_DMABUF_IFINDEX, pick(V_IFINDEX, 1));
	}
}

/* A random attribute: size, type, flags, nests of up to 3 levels */
static void put_random_attr(int cmd, int depth)
{
	const size_t sizes[] = { 1, 2, 4, 4, 8, 0, 3 + rnd(13) };
	unsigned int type = one_in(8) ? odd_type() : rnd(6);
	__u8 p[16];
	__u32 v;
	size_t n;

	type |= one_in(16) ? NLA_F_NET_BYTEORDER : 0;
	switch (rnd(4)) {
	case 0:		/* a nest */
		if (depth == 0 && one_in(2)) {
			put_queues(1, 0);
			break;
		}
		n = put_attr(type | (rnd(4) ? NLA_F_NESTED : 0), NULL, 0);
		for (v = rnd(5); v && depth < 3; v--)
			put_random_attr(cmd, depth + 1);
		if (n)
			ATTR(n)->nla_len = mlen - n;
		break;
	case 1:		/* a string, with or without its NUL */
		n = snprintf((char *)p, sizeof(p), "%s",
			     one_in(2) ? ctx.ifname : "lo");
		put_attr(type, p, n + one_in(2));
		break;
	default:	/* a number or random bytes */
		n = sizes[rnd(ARRAY_SIZE(sizes))];
		fill_random(p, n);
		v = value_for(cmd, depth > 0, type, 0);
		memcpy(p, &v, n < sizeof(v) ? n : sizeof(v));
		put_attr(type, p, n);
	}
}

/*
 * break_nest() - treat the attribute at @off as a nest and break it:
 * garbage at the start or end of its payload, a bad length for the first
 * inner attribute, its payload wrapped in more nests, or no payload.  Its
 * span stays consistent: what follows it does not move.
 */
static void break_nest(size_t off)
{
	size_t plen = ATTR(off)->nla_len - NLA_HDRLEN, k;
	size_t at = one_in(2) ? off + NLA_HDRLEN : off + attr_span(off);
	unsigned int lv;

	switch (rnd(4)) {
	case 0:
		k = NLA_ALIGN(1 + rnd(32));
		if (!msg_insert(at, k))
			return;
		fill_random(mb + at, k);
		ATTR(off)->nla_len = at == off + NLA_HDRLEN ?
				     NLA_HDRLEN + k + plen : at + k - off;
		break;
	case 1:
		if (plen >= NLA_HDRLEN)
			ATTR(off + NLA_HDRLEN)->nla_len = one_in(2) ?
				rnd(NLA_HDRLEN) : plen + NLA_HDRLEN + rnd(32);
		break;
	case 2:
		for (lv = one_in(4) ? 2 + rnd(7) : 1; lv; lv--) {
			if (!msg_insert(off + NLA_HDRLEN, NLA_HDRLEN))
				return;
			ATTR(off + NLA_HDRLEN)->nla_len = ATTR(off)->nla_len;
			ATTR(off + NLA_HDRLEN)->nla_type = NLA_F_NESTED |
				(one_in(2) ? NETDEV_A_DMABUF_QUEUES : odd_type());
			ATTR(off)->nla_len += NLA_HDRLEN;
		}
		break;
	default:
		set_payload(off, NULL, 0);
	}
}

enum { M_DROP, M_DUP, M_RETYPE, M_FLAG_BITS, M_NLA_LEN, M_RESIZE, M_NEST,
	M_UNKNOWN, M_QUEUES, M_VALUE, M_FLIP, M_CMD, M_VERSION, M_HDR_FLAGS,
	M_NLMSG_LEN, NMUT };

/*
 * mutate_once() - apply one random mutation to a random top-level
 * attribute, the genl header or the nlmsghdr (the nlmsg_len mutation
 * only sets *@bad_len, for finalize())
 */
static void mutate_once(bool *bad_len)
{
	unsigned int n = scan_attrs(mb, GENL_HLEN, mlen, NULL);
	size_t a = n ? offs[rnd(n)] : 0, span = a ? attr_span(a) : 0, at;
	__u16 len = a ? ATTR(a)->nla_len : 0;
	__u32 v = value_for(GENL->cmd, false, a ? ATTR(a)->nla_type : 0, 0);
	__u8 p[IF_NAMESIZE + 1];

	switch (rnd(NMUT)) {
	case M_DROP:
		msg_delete(a, span);	/* nothing if there is no attribute */
		break;
	case M_DUP:		/* after it or at the end, maybe re-valued */
		at = one_in(2) ? a + span : mlen;
		if (!a || span > 512 || !msg_insert(at, span))
			break;
		memcpy(mb + at, mb + a, span);
		if (one_in(2) && span >= NLA_HDRLEN + sizeof(v))
			memcpy(mb + at + NLA_HDRLEN, &v, sizeof(v));
		break;
	case M_RETYPE:
		if (a)
			ATTR(a)->nla_type = odd_type() |
					    (ATTR(a)->nla_type & ~NLA_TYPE_MASK);
		break;
	case M_FLAG_BITS:
		if (a)
			ATTR(a)->nla_type ^= one_in(2) ? NLA_F_NESTED :
					     NLA_F_NET_BYTEORDER;
		break;
	case M_NLA_LEN: {	/* 0, < header, empty, past the end, short, long */
		const __u16 l[] = { 0, 1 + rnd(NLA_HDRLEN - 1), NLA_HDRLEN,
				    mlen - a + 1 + rnd(64),
				    NLA_HDRLEN + rnd(len - NLA_HDRLEN + 1),
				    len + NLA_HDRLEN + rnd(32) };

		if (a)
			ATTR(a)->nla_len = l[rnd(ARRAY_SIZE(l))];
		break;
	}
	case M_RESIZE: {	/* u8, u16, u64, flag, string, random bytes */
		const size_t sizes[] = { 1, 2, 8, 0, 0, 3 + rnd(13) };

		n = sizes[rnd(ARRAY_SIZE(sizes))];
		fill_random(p, sizeof(p));
		memcpy(p, &v, sizeof(v));
		if (!n && one_in(2))
			n = snprintf((char *)p, sizeof(p), "%s", ctx.ifname) + 1;
		if (a)
			set_payload(a, p, n);
		break;
	}
	case M_NEST:
		if (a)
			break_nest(a);
		break;
	case M_UNKNOWN:
		n = rnd(17);
		fill_random(p, n);
		put_attr(odd_type() | (one_in(4) ? NLA_F_NESTED : 0) |
			 (one_in(4) ? NLA_F_NET_BYTEORDER : 0), p, n);
		break;
	case M_QUEUES:		/* sometimes hundreds or thousands */
		put_queues(one_in(4) ? 100 + rnd(3000) : 1 + rnd(16),
			   1 + one_in(2));
		break;
	case M_VALUE:
		if (a && len >= NLA_HDRLEN + sizeof(v))
			memcpy(mb + a + NLA_HDRLEN, &v, sizeof(v));
		break;
	case M_FLIP:
		for (n = 1 + rnd(4); n && mlen > GENL_HLEN; n--)
			mb[GENL_HLEN + rnd(mlen - GENL_HLEN)] ^= 1 + rnd(255);
		break;
	case M_CMD:
		GENL->cmd = odd_cmd();
		break;
	case M_VERSION:
		if (one_in(4))
			GENL->reserved = 1 + rnd(0xffff);
		else
			GENL->version = one_in(2) ? 0 : rnd(256);
		break;
	case M_HDR_FLAGS:
		NLH->nlmsg_pid = one_in(4) ? rnd64() : 0;
		NLH->nlmsg_flags ^= one_in(2) ? NLM_F_ACK : one_in(2) ?
				    NLM_F_DUMP : odd_flags();
		break;
	default:
		*bad_len = true;
	}
}

/*
 * finalize() - set nlmsg_len: the size, or with @bad_len shorter than the
 * attributes, than a header or a genl header, or longer than the datagram.
 * The kernel takes what follows a short message for the next message: that
 * one gets an nlmsg_len for which the kernel drops it.
 */
static void finalize(bool bad_len)
{
	const __u32 lens[] = { GENL_HLEN + rnd(mlen - GENL_HLEN + 1) - 1,
			       rnd(NLMSG_HDRLEN), NLMSG_HDRLEN + rnd(GENL_HDRLEN),
			       mlen + 1 + rnd(64) };
	__u32 len = bad_len ? lens[rnd(ARRAY_SIZE(lens))] : mlen;
	__u32 drop = 0xffffffff;

	NLH->nlmsg_len = len;
	if (len >= NLMSG_HDRLEN && NLMSG_ALIGN(len) + NLMSG_HDRLEN <= mlen)
		memcpy(mb + NLMSG_ALIGN(len), &drop, sizeof(drop));
}

/*
 * generate() - the next message into mb/mlen: a mutated template, random
 * attributes, or random bytes after the headers.  Once RX_BIND_BUDGET
 * bind-rx succeeded on a free queue, bind-rx gets the stale fd.
 *
 * Return: the message's kind (kind_names[]).
 */
static int generate(const struct stats *st)
{
	bool bad_len = false;
	int kind = rnd(3), n;

	if (kind == 0) {
		build_template();
		for (n = one_in(8) ? 0 : 1 + rnd(3); n; n--)
			mutate_once(&bad_len);
	} else if (kind == 1) {
		put_header(one_in(5) ? odd_cmd() : known_cmds[rnd(3)],
			   odd_flags());
		GENL->version = one_in(8) ? rnd(256) : GENL->version;
		for (n = rnd(8); n; n--)
			put_random_attr(GENL->cmd, 0);
		if (one_in(4))
			mutate_once(&bad_len);
	} else {
		put_header(rnd(4) ? known_cmds[rnd(3)] : odd_cmd(),
			   rnd(4) ? NLM_F_REQUEST | NLM_F_ACK : odd_flags());
		n = one_in(8) ? rnd(4096) : rnd(256);
		fill_random(mb + mlen, n);
		mlen += n;
	}
	if (!ctx.held && st->binds_rx >= RX_BIND_BUDGET &&
	    GENL->cmd == NETDEV_CMD_BIND_RX)
		for (n = scan_attrs(mb, GENL_HLEN, mlen, NULL); n--;)
			if ((ATTR(offs[n])->nla_type & NLA_TYPE_MASK) ==
			    NETDEV_A_DMABUF_FD && ATTR(offs[n])->nla_len >= 8)
				memcpy(mb + offs[n] + NLA_HDRLEN,
				       &ctx.fd[FD_STALE], 4);
	finalize(bad_len);
	return kind;
}

/* ---- expectations and answers -------------------------------------------- */

/*
 * analyse() - what the kernel must do with the message, from its final
 * bytes, in the order of netlink_rcv_skb(), genl_family_rcv_msg() (6.1)
 * and the family's doit checks.  Attributes are looked up as the parser
 * keeps them (the last of a type); a message it rejects fails anyway.
 */
static void analyse(struct verdict *v)
{
	__u32 len = NLH->nlmsg_len, fd = 0xffffffff;
	__u16 f = NLH->nlmsg_flags;
	bool dump = (f & NLM_F_DUMP) == NLM_F_DUMP;
	int cmd = GENL->cmd;
	size_t a;

	memset(v, 0, sizeof(*v));
	v->framed = len >= NLMSG_HDRLEN && len <= mlen;
	v->request = v->framed && (f & NLM_F_REQUEST);
	v->bucket = v->request ? B_OTHER : B_IGNORED;
	v->quiet = !v->request && !(v->framed && (f & NLM_F_ACK));
	if (!v->request || len < GENL_HLEN) {
		v->want = v->request ? EINVAL : 0;
		return;
	}
	if (cmd == NETDEV_CMD_QUEUE_GET)
		v->bucket = dump ? B_QDUMP : B_QGET;
	else if (cmd == NETDEV_CMD_BIND_RX || cmd == NETDEV_CMD_BIND_TX)
		v->bucket = cmd == NETDEV_CMD_BIND_RX ? B_BIND_RX : B_BIND_TX;
	if (dump)
		f &= ~NLM_F_DUMP;
	if (GENL->reserved || (f & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)))
		v->want = EINVAL;	/* genl_header_check() */
	else if (v->bucket == B_OTHER)
		v->want = EOPNOTSUPP;	/* no such operation */
	else if (v->bucket == B_BIND_RX && ctx.unpriv)
		v->want = EPERM;	/* GENL_ADMIN_PERM */
	else if (dump && v->bucket != B_QDUMP)
		v->want = EOPNOTSUPP;	/* no dumpit */
	if (v->want || v->bucket == B_QDUMP)
		return;
	if (v->bucket == B_QGET) {
		if (!find_attr(len, NETDEV_A_QUEUE_ID) ||
		    !find_attr(len, NETDEV_A_QUEUE_TYPE) ||
		    !find_attr(len, NETDEV_A_QUEUE_IFINDEX))
			v->must_fail = "queue-get without id, type or ifindex";
		return;
	}
	a = find_attr(len, NETDEV_A_DMABUF_FD);
	if (a && ATTR(a)->nla_len >= NLA_HDRLEN + sizeof(fd))
		memcpy(&fd, mb + a + NLA_HDRLEN, sizeof(fd));
	if (!find_attr(len, NETDEV_A_DMABUF_IFINDEX) ||
	    (cmd == NETDEV_CMD_BIND_RX && !find_attr(len, NETDEV_A_DMABUF_QUEUES)))
		v->must_fail = "bind without ifindex or queues";
	else if ((int)fd != ctx.fd[FD_DMABUF])
		v->must_fail = "bind without our dma-buf's fd";
}

/* The u32 attributes of family message @h; false if they do not fill it */
static bool get_u32s(const struct nlmsghdr *h, struct u32s *u)
{
	const struct nlattr *a;
	unsigned int i, n, t;
	size_t stop = 0;

	memset(u, 0, sizeof(*u));
	n = h->nlmsg_len < GENL_HLEN ? 0 :
	    scan_attrs((const __u8 *)h, GENL_HLEN, h->nlmsg_len, &stop);
	for (i = 0; i < n; i++) {
		a = (const void *)((const __u8 *)h + offs[i]);
		t = a->nla_type & NLA_TYPE_MASK;
		if (t <= NETDEV_A_QUEUE_MAX && a->nla_len == NLA_HDRLEN + 4) {
			u->has[t] = true;
			memcpy(&u->val[t], a + 1, sizeof(u->val[t]));
		}
	}
	return stop == h->nlmsg_len;
}

/* A family message answering ours: well-formed and consistent */
static void check_data(const struct nlmsghdr *h, struct answer *a)
{
	const struct genlmsghdr *g = NLMSG_DATA(h);
	struct u32s u;

	a->data = true;
	if (!get_u32s(h, &u) || g->version != NETDEV_FAMILY_VERSION ||
	    g->reserved) {
		fail("malformed family message of %u bytes", h->nlmsg_len);
	} else if (g->cmd == NETDEV_CMD_QUEUE_GET) {
		a->multi |= !!(h->nlmsg_flags & NLM_F_MULTI);
		if (!u.has[NETDEV_A_QUEUE_ID] || !u.has[NETDEV_A_QUEUE_TYPE] ||
		    !u.has[NETDEV_A_QUEUE_IFINDEX])
			fail("queue-get answer without id, type or ifindex");
		else if (ctx.held &&
			 u.val[NETDEV_A_QUEUE_IFINDEX] == ctx.ifindex &&
			 u.val[NETDEV_A_QUEUE_TYPE] == NETDEV_QUEUE_TYPE_RX &&
			 u.val[NETDEV_A_QUEUE_ID] == ctx.queue &&
			 u.val[NETDEV_A_QUEUE_DMABUF] != ctx.held)
			fail("queue-get: RX queue %u reports binding %u, not %u",
			     ctx.queue, u.val[NETDEV_A_QUEUE_DMABUF], ctx.held);
	} else if (g->cmd != NETDEV_CMD_BIND_RX &&
		   g->cmd != NETDEV_CMD_BIND_TX) {
		fail("family message with command %u", g->cmd);
	} else if (!u.val[NETDEV_A_DMABUF_ID]) {
		fail("bind answer without a binding id");
	} else {
		a->bind_ok = true;
		a->bind_cmd = g->cmd;
		a->bind_id = u.val[NETDEV_A_DMABUF_ID];
	}
}

/* One message of an answer datagram (@seq: ours, @nseq: the NOOP's) */
static void check_answer(const struct fz_sock *s, const struct nlmsghdr *h,
			 __u32 seq, __u32 nseq, struct answer *a)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	bool error = h->nlmsg_type == NLMSG_ERROR;
	int err = 0;

	if (h->nlmsg_pid != s->portid)
		fail("answer to portid %u, ours is %u", h->nlmsg_pid, s->portid);
	if (h->nlmsg_seq != seq && h->nlmsg_seq != nseq) {
		fail("answer with seq %u, ours is %u", h->nlmsg_seq, seq);
		return;
	}
	if (h->nlmsg_type == ctx.family && h->nlmsg_seq == seq) {
		a->got = true;
		check_data(h, a);
		return;
	}
	if ((!error && h->nlmsg_type != NLMSG_DONE) ||
	    h->nlmsg_len < NLMSG_LENGTH(error ? sizeof(*e) : sizeof(err))) {
		fail("answer of type %u, %u bytes, seq %u", h->nlmsg_type,
		     h->nlmsg_len, h->nlmsg_seq);
		return;
	}
	memcpy(&err, NLMSG_DATA(h), sizeof(err));
	if (err > 0 || err <= -4096) {
		fail("answer of type %u with error %d", h->nlmsg_type, err);
	} else if (h->nlmsg_seq == nseq) {
		if (!error || err)
			fail("NOOP answered by type %u, error %d",
			     h->nlmsg_type, err);
		a->noop_acked = true;
	} else if (!error) {
		a->got = true;
		a->done = true;
		a->done_err = -err;
	} else {
		if (e->msg.nlmsg_seq != seq)
			fail("NLMSG_ERROR quotes seq %u", e->msg.nlmsg_seq);
		a->got = true;
		a->err |= !!err;
		a->ack0 |= !err;
		a->errnum = err ? -err : a->errnum;
	}
}

/* Whether every answer to the message has come */
static bool answered(const struct verdict *v, const struct answer *a)
{
	if (v->quiet)
		return a->noop_acked;
	if (a->multi)
		return a->done;
	return a->err || a->ack0 || a->done ||
	       (a->data && !(NLH->nlmsg_flags & NLM_F_ACK));
}

/*
 * exchange() - send the message and read its answers into @a.  The kernel
 * answers in send(), in order (a dump goes on in recv()), and the end of
 * an answer is recognisable: an NLMSG_ERROR, an NLMSG_DONE, or without
 * NLM_F_ACK a family message.  When no answer may come at all, a NLMSG_NOOP
 * request with NLM_F_ACK follows the message, and its ACK ends the wait.
 *
 * Return: 0, or -1 if the exchange broke off (reported; the socket is out
 * of step).
 */
static int exchange(struct fz_sock *s, const struct verdict *v,
		    struct answer *a)
{
	struct nlmsghdr noop = { .nlmsg_len = NLMSG_HDRLEN,
				 .nlmsg_type = NLMSG_NOOP,
				 .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK };
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	__u32 seq = ++s->seq;
	struct nlmsghdr *h;
	size_t off;
	ssize_t n;

	memset(a, 0, sizeof(*a));
	noop.nlmsg_seq = ++s->seq;
	NLH->nlmsg_seq = seq;
	if (send(s->fd, mb, mlen, 0) != (ssize_t)mlen ||
	    (v->quiet &&
	     send(s->fd, &noop, sizeof(noop), 0) != (ssize_t)sizeof(noop))) {
		fail("send: %s", strerror(errno));
		return -1;
	}
	while (!answered(v, a)) {
		n = recv(s->fd, rbuf, RBUF_SIZE, MSG_TRUNC | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (poll(&pfd, 1, REPLY_MS) == 0) {
				cur.st->timeouts++;
				fail("no answer within %d ms", REPLY_MS);
				return -1;
			}
			continue;
		}
		if (n < 0 || n > RBUF_SIZE) {
			fail("recv: %zd, %s", n, strerror(n < 0 ? errno : 0));
			return -1;
		}
		for (off = 0; off < (size_t)n; off += NLMSG_ALIGN(h->nlmsg_len)) {
			h = (struct nlmsghdr *)(rbuf + off);
			if (n - off < NLMSG_HDRLEN ||
			    h->nlmsg_len < NLMSG_HDRLEN ||
			    h->nlmsg_len > n - off) {
				fail("malformed datagram: message at %zu of %zd",
				     off, n);
				break;
			}
			check_answer(s, h, seq, noop.nlmsg_seq, a);
		}
	}
	return 0;
}

/* ---- state outside the fuzz socket --------------------------------------- */

static int qdump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct qstate *q = data;
	struct u32s u;

	get_u32s(nlh, &u);
	if (u.val[NETDEV_A_QUEUE_IFINDEX] == ctx.ifindex &&
	    u.has[NETDEV_A_QUEUE_ID] && u.has[NETDEV_A_QUEUE_TYPE] &&
	    u.val[NETDEV_A_QUEUE_TYPE] == NETDEV_QUEUE_TYPE_RX) {
		q->nrx++;
		q->listed |= u.val[NETDEV_A_QUEUE_ID] == ctx.queue;
	}
	return MNL_CB_OK;
}

/* RX queue -q of IFNAME by queue-get do, and the dump, on a new socket */
static int queue_state(struct qstate *q, struct dm_err *e)
{
	__u64 buf[64];
	struct dm_queue_info qi;
	struct nlmsghdr *nlh;
	struct dm_nl nl;
	int ret;

	memset(q, 0, sizeof(*q));
	q->binding = -1;
	ret = dm_nl_open(&nl, NETDEV_FAMILY_NAME, NETDEV_FAMILY_VERSION, e);
	if (!ret)
		ret = dm_queue_get(&nl, ctx.ifindex, ctx.queue,
				   NETDEV_QUEUE_TYPE_RX, &qi, e);
	if (!ret) {
		q->binding = qi.has_dmabuf ? (long)qi.dmabuf : 0;
		nlh = dm_nl_req(&nl, buf, NETDEV_CMD_QUEUE_GET, NLM_F_DUMP);
		ret = dm_nl_talk(&nl, nlh, qdump_cb, q, "queue-get dump", e);
	}
	dm_nl_close(&nl);
	return ret;
}

/* Number of dma-bufs alive (dma-buf debugfs), or -1 */
static int dmabuf_count(void)
{
	FILE *f = fopen(BUFINFO, "re");
	char line[256];
	int n = -1;

	while (f && n < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "Total %d objects", &n) != 1)
			n = -1;
	if (f)
		fclose(f);
	return n;
}

/* ---- the fuzz loop ------------------------------------------------------- */

/* Count the outcome of the message and check it against its verdict */
static void judge(const struct verdict *v, const struct answer *a,
		  struct stats *st)
{
	int out = a->err ? a->errnum : a->done ? a->done_err : a->got ? 0 : -1;
	bool ack = NLH->nlmsg_flags & NLM_F_ACK;
	struct qstate q = { .binding = -1 };
	struct dm_err e;

	st->out[v->bucket][out < 0 ? OUT_NONE : out > 255 ? OUT_BIG : out]++;
	if (!v->framed && a->got)
		fail("answer to a message the kernel must drop");
	else if (v->framed && !v->request &&
		 (ack ? !a->ack0 || a->err || a->data || a->done : a->got))
		fail("not a request: expected %s", ack ? "an ACK" : "silence");
	else if (v->request && !a->got)
		fail("no answer to a request");
	else if (v->want && out != v->want)
		fail("expected %s, got %s", dm_errno_name(v->want),
		     out ? dm_errno_name(out) : "success");
	else if (v->must_fail && !out)
		fail("succeeded: %s", v->must_fail);
	if (!a->bind_ok || a->bind_cmd == NETDEV_CMD_BIND_TX) {
		st->binds_tx += a->bind_ok;
		return;
	}
	st->binds_rx++;
	if (ctx.unpriv)
		fail("bind-rx succeeded as uid nobody (binding %u)", a->bind_id);
	else if (ctx.held && (queue_state(&q, &e) || q.binding != ctx.held))
		fail("bind-rx gave binding %u; RX queue %u reports %ld, not %u",
		     a->bind_id, ctx.queue, q.binding, ctx.held);
}

/* A new fuzz socket; ACK formats vary with @gen (extack, capped ACKs) */
static int sock_open(struct fz_sock *s, unsigned int gen)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int ext = gen % 4 != 3, cap = gen % 3 == 0;
	socklen_t sl = sizeof(sa);

	s->seq = gen << 16;
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0 ||
	    setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &ext, sizeof(ext)) ||
	    setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &cap, sizeof(cap)) ||
	    bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(s->fd, (struct sockaddr *)&sa, &sl))
		return -errno;
	s->portid = sa.nl_pid;
	return 0;
}

/**
 * fuzz_run() - send @n generated messages and check every answer
 * @n: number of messages
 * @seed: PRNG seed
 * @st: outcome counts and failures
 *
 * One socket at a time: replaced every REOPEN_EVERY messages, after a
 * successful bind (which drops the binding) and after a broken exchange.
 */
static void fuzz_run(unsigned long n, __u64 seed, struct stats *st)
{
	struct fz_sock s = { .fd = -1 };
	unsigned int gen = 0;
	bool reopen = true;
	struct verdict v;
	struct answer a;

	rng = seed;
	cur.st = st;
	for (cur.idx = 0; cur.idx < n; cur.idx++, st->msgs++) {
		if (reopen || !(cur.idx % REOPEN_EVERY)) {
			if (s.fd >= 0)
				close(s.fd);
			st->sockets++;
			if (sock_open(&s, gen++) < 0) {
				fail("netlink socket: %s", strerror(errno));
				break;
			}
		}
		cur.described = false;
		cur.kind = generate(st);
		st->kinds[cur.kind]++;
		analyse(&v);
		reopen = exchange(&s, &v, &a) < 0;
		if (reopen)
			st->out[v.bucket][OUT_NONE]++;
		else
			judge(&v, &a, st);
		reopen |= a.bind_ok;
	}
	if (s.fd >= 0)
		close(s.fd);
}

static void print_stats(const char *who, const struct stats *st, long ms)
{
	char line[1024];
	int b, o, n;

	tap_diag("%s: %u messages in %ld.%ld s (%u template, %u structured, %u random),",
		 who, st->msgs, ms / 1000, ms % 1000 / 100, st->kinds[0],
		 st->kinds[1], st->kinds[2]);
	tap_diag("%s: %u sockets, %u bind-rx and %u bind-tx bindings, %u timeouts, %u failures%s",
		 who, st->sockets, st->binds_rx, st->binds_tx, st->timeouts,
		 st->failures, st->failures > MAX_REPORTS ? " (not all shown)" : "");
	for (b = 0; b < NBUCKETS; b++) {
		for (n = 0, o = 0; o <= OUT_NONE && n < (int)sizeof(line) - 64; o++)
			if (st->out[b][o])
				n += snprintf(line + n, sizeof(line) - n, " %s %u",
					      o == OUT_NONE ? "no-answer" :
					      o == OUT_BIG ? "errno>255" :
					      o ? dm_errno_name(o) : "ok",
					      st->out[b][o]);
		if (n)
			tap_diag("%s %s:%s", who, bucket_names[b], line);
	}
}

/* ---- test points and main ------------------------------------------------ */

/*
 * test_unprivileged() - MESSAGES/4 from a child that dropped to uid and gid
 * nobody (as dm_run_unprivileged()); it inherits our fds, the dma-buf's
 * included, and sends its counts back through a pipe.
 */
static void test_unprivileged(void)
{
	const char *name = "fuzz_unprivileged";
	unsigned long n = ctx.nmsgs / 4 ?: 1;
	struct stats *st = &unpriv_stats;
	int pfd[2] = { -1, -1 }, status = 0;
	long t0 = now_ms();
	size_t got = 0;
	ssize_t r = 1;
	pid_t pid;

	fflush(stdout);
	pid = pipe2(pfd, O_CLOEXEC) ? -1 : fork();
	if (pid == 0) {
		ctx.who = "nobody";
		ctx.unpriv = true;
		if (setgroups(0, NULL) ||
		    setresgid(DM_NOBODY, DM_NOBODY, DM_NOBODY) ||
		    setresuid(DM_NOBODY, DM_NOBODY, DM_NOBODY))
			_exit(3);
		fuzz_run(n, ctx.seed ^ 0x5eed0b0dULL, st);
		fflush(stdout);
		_exit(write(pfd[1], st, sizeof(*st)) != (ssize_t)sizeof(*st));
	}
	close(pfd[1]);
	while (pid > 0 && got < sizeof(*st) && r > 0) {
		r = read(pfd[0], (char *)st + got, sizeof(*st) - got);
		got += r > 0 ? r : 0;
	}
	close(pfd[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 3) {
		tap_skip_test(name, "cannot drop privileges to uid %d",
			      DM_NOBODY);
	} else if (got != sizeof(*st)) {
		tap_diag("%s: no report from the child (pid %d, status 0x%x)",
			 name, pid, status);
		tap_result(false, name);
	} else {
		print_stats("nobody", st, now_ms() - t0);
		tap_result(!st->failures && st->msgs == n, name);
	}
}

/* queue-get still answers, with the binding of the start, after the runs */
static void test_answers_after(const struct qstate *before)
{
	const char *name = "family_answers_after";
	long end = now_ms() + SETTLE_MS;
	struct qstate q;
	struct dm_err e;
	bool ok;
	int ret;

	for (;;) {
		ret = queue_state(&q, &e);
		ok = !ret && q.binding == before->binding && q.listed &&
		     q.nrx == before->nrx;
		if (ok || now_ms() > end)
			break;
		usleep(50000);
	}
	if (ret)
		tap_diag("%s: %s", name, dm_strerr(&e));
	tap_diag("%s: RX queue %u binding %ld (was %ld), in the dump: %s, %u RX queues (were %u)",
		 name, ctx.queue, q.binding, before->binding,
		 q.listed ? "yes" : "no", q.nrx, before->nrx);
	tap_result(ok, name);
}

static void test_nothing_left(int base)
{
	const char *name = "nothing_left";
	long end = now_ms() + SETTLE_MS;
	int n;

	if (base < 0) {
		tap_skip_test(name, "no %s (debugfs not mounted?)", BUFINFO);
		return;
	}
	while ((n = dmabuf_count()) != base && now_ms() < end)
		usleep(50000);
	tap_diag("%s: %d dma-bufs alive, %d at the start", name, n, base);
	tap_result(n == base, name);
}

/* Our fds for the fd attribute (ctx.fd) */
static void setup_fds(void)
{
	int p[2] = { -1, -1 };

	ctx.fd[FD_DMABUF] = ctx.ubuf.fd;
	ctx.fd[FD_MEMFD] = memfd_create("devmem_fuzz", MFD_CLOEXEC);
	if (ftruncate(ctx.fd[FD_MEMFD], DMABUF_SIZE) || pipe2(p, O_CLOEXEC))
		tap_diag("memfd or pipe: %s", strerror(errno));
	ctx.fd[FD_NULL] = open("/dev/null", O_RDWR | O_CLOEXEC);
	ctx.fd[FD_PIPE_R] = p[0];
	ctx.fd[FD_PIPE_W] = p[1];
	ctx.fd[FD_SOCKET] = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ctx.fd[FD_EVENTFD] = eventfd(0, EFD_CLOEXEC);
	ctx.fd[FD_DIR] = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ctx.fd[FD_CLOSED] = dup(ctx.fd[FD_NULL]);
	close(ctx.fd[FD_CLOSED]);
	for (ctx.fd[FD_STALE] = 1000; fcntl(ctx.fd[FD_STALE], F_GETFD) >= 0;)
		ctx.fd[FD_STALE]++;
}

/*
 * setup_values() - the interesting values (ctx.vals): ifindexes (ours, 0,
 * lo, another device, absent ones), our fds, queue ids (@bind_queue, -q,
 * 0, out of range) and queue types
 */
static void setup_values(__u32 lo, __u32 other, __u32 absent,
			 __u32 bind_queue)
{
	const __u32 v[NVALS][NFDS + 2] = {
		{ ctx.ifindex, 0, lo, other, absent, 0x7fffffff, 0xffffffff },
		{ [NFDS] = 0xffffffff, 0x7fffffff },
		{ bind_queue, ctx.queue, 0, ctx.nrxq, ctx.nrxq + 1, 0xffff,
		  0xffffffff },
		{ NETDEV_QUEUE_TYPE_RX, NETDEV_QUEUE_TYPE_TX, 2, 0xffffffff },
	};
	const unsigned int n[NVALS] = { 7, NFDS + 2, 7, 4 };
	int k;

	memcpy(ctx.vals, v, sizeof(v));
	memcpy(ctx.nvals, n, sizeof(n));
	for (k = 0; k < NFDS; k++)
		ctx.vals[V_FD][k] = ctx.fd[k];
}

/* Set ctx.vals: find lo, another device and an absent ifindex */
static void setup_ifindexes(void)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	__u32 lo = if_nametoindex("lo"), other = 0, max = 0;

	for (i = ifs; i && i->if_index; i++) {
		max = i->if_index > max ? i->if_index : max;
		if (!other && i->if_index != ctx.ifindex && i->if_index != lo)
			other = i->if_index;
	}
	if (ifs)
		if_freenameindex(ifs);
	/* the valid bind-rx: a queue other than -q if there is one */
	setup_values(lo, other ?: max + 1001, max + 1000,
		     ctx.nrxq < 2 ? ctx.queue : !ctx.queue);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: devmem_fuzz -f IFNAME [-n MESSAGES] [-s SEED] [-q QUEUE]\n"
		"Fuzz the netdev generic netlink family (kselftest TAP): MESSAGES\n"
		"(default 100000) as root, a quarter as many as uid nobody, from\n"
		"PRNG seed SEED (default: from the clock); RX queue QUEUE (default 0)\n"
		"of IFNAME may be held by another process.  Run as root in IFNAME's\n"
		"netns, with /dev/udmabuf and debugfs.  Exit: 0 pass, 1 fail, 4 skip.\n");
}

static void parse_args(int argc, char **argv)
{
	unsigned long v;
	char *end;
	int c;

	ctx.seed = (__u64)time(NULL) * 1000003ULL ^ getpid();
	while ((c = getopt(argc, argv, "f:n:s:q:h")) != -1) {
		switch (c) {
		case 'f':
			ctx.ifname = optarg;
			break;
		case 'n':
			if (dm_parse_uint(optarg, 1, 1000000000, &ctx.nmsgs))
				goto bad;
			break;
		case 's':
			errno = 0;
			ctx.seed = strtoull(optarg, &end, 0);
			if (errno || *end || end == optarg)
				goto bad;
			break;
		case 'q':
			if (dm_parse_uint(optarg, 0, 65535, &v))
				goto bad;
			ctx.queue = v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind == argc && ctx.ifname)
		return;
	usage(stderr);
	exit(2);
bad:
	fprintf(stderr, "devmem_fuzz: invalid value '%s' for -%c\n", optarg, c);
	exit(2);
}

int main(int argc, char **argv)
{
	struct qstate before;
	struct dm_err e;
	struct dm_nl nl;
	int base, i;
	long t0;

	parse_args(argc, argv);
	tap_plan(NUM_TESTS);
	ctx.ifindex = if_nametoindex(ctx.ifname);
	if (!ctx.ifindex)
		tap_bail_out("interface %s: %s", ctx.ifname, strerror(errno));
	if (dm_nl_open(&nl, NETDEV_FAMILY_NAME, NETDEV_FAMILY_VERSION, &e) < 0)
		tap_bail_out("%s", dm_strerr(&e));
	ctx.family = nl.family_id;
	dm_nl_close(&nl);
	if (queue_state(&before, &e) < 0)
		tap_bail_out("%s RX queue %u: %s", ctx.ifname, ctx.queue,
			     dm_strerr(&e));
	if (!before.listed)
		tap_bail_out("the queue-get dump does not list %s RX queue %u (down?)",
			     ctx.ifname, ctx.queue);
	ctx.held = before.binding;
	ctx.nrxq = before.nrx;
	base = dmabuf_count();
	if (dm_udmabuf_create(&ctx.ubuf, DMABUF_SIZE, false, &e) < 0)
		tap_bail_out("%s", dm_strerr(&e));
	setup_fds();
	setup_ifindexes();
	tap_diag("seed %llu (replay: -s %llu), %lu messages", ctx.seed,
		 ctx.seed, ctx.nmsgs);
	tap_diag("%s ifindex %u: %u RX queues, queue %u bound to %u (0: none)",
		 ctx.ifname, ctx.ifindex, ctx.nrxq, ctx.queue, ctx.held);

	t0 = now_ms();
	fuzz_run(ctx.nmsgs, ctx.seed, &root_stats);
	print_stats("root", &root_stats, now_ms() - t0);
	tap_result(!root_stats.failures && root_stats.msgs == ctx.nmsgs,
		   "fuzz_root");
	test_unprivileged();

	for (i = FD_MEMFD; i < NFDS; i++)
		if (ctx.fd[i] >= 0)
			close(ctx.fd[i]);
	dm_udmabuf_destroy(&ctx.ubuf);
	test_answers_after(&before);
	test_nothing_left(base);
	return tap_finish();
}
