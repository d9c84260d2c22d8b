// SPDX-License-Identifier: GPL-2.0
/*
 * devmem_peer - a hostile peer for the devmem TCP reliability tests.
 *
 * A devmem TCP receiver must survive whatever the other end does, and so
 * must a devmem TCP sender.  Each mode misbehaves in one way the VM
 * selftests want covered; the data is always the suite's test stream
 * (bytes 1,2,3,4,5,6,0 repeating, as ncdevmem -v 7 validates).
 *
 *   rst       connect, send BYTES, then close with SO_LINGER {1, 0}: the
 *             connection is reset while the receiver still has devmem skbs
 *             queued (and maybe tokens held) for it.
 *   small     a small-segment flood: TCP_NODELAY writes of CHUNK bytes
 *             (default 1), optionally with a small MSS: a frag of a few
 *             bytes per segment in the receiver's dma-buf.
 *   tinymss   bulk writes, but TCP_MAXSEG set before connect (down to the
 *             minimum, 88): the receiver's NIC splits the headers off a
 *             flood of tiny payloads.
 *   sink      a plain receiver that reads nothing for a while after the
 *             accept: its window closes and a devmem sender sits in
 *             zero-window probing, holding its dma-buf skbs all that time;
 *             then it reads (and validates) everything to EOF.
 *   synflood  raw IPv4 SYNs from random source ports: the listener's SYN
 *             queue fills (SYN cookies, SYN-ACK retransmissions) while a
 *             devmem flow is set up or running.
 *   frames    frames on a devmem-bound RX queue that are not TCP or cannot
 *             be split: UDP and ICMP echo with large payloads, IPv4
 *             fragments (out of order, some never complete), a non-IP
 *             ethertype, malformed IPv4 headers.  They must end up in host
 *             memory or be dropped, never be handed out as dma-buf frags.
 *
 * Every mode ends with one line on stdout:
 *   devmem_peer: summary mode=MODE status=ok|fail key=value ... seconds=S
 * with the keys: rst bytes writes unacked reset; small and tinymss bytes
 * writes mss data_segs_out retrans received; sink bytes validation_errors
 * validated rcvbuf held_bytes zero_window_ms fin_during_hold; synflood
 * packets pps; frames udp icmp frag_datagrams fragments frag_incomplete
 * nonip malformed frames bytes.
 * Exit: 0 ok, 1 failure (the reason on stderr), 2 usage error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/ether.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/icmp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/ip.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <linux/types.h>
#include <linux/udp.h>

#define PERIOD		7	/* the stream: 1,2,3,4,5,6,0 */
#define BUF_SIZE	65536	/* bulk writes and reads */
#define MAX_REPORTED	10	/* validation errors printed */
#define SUITE_MTU	9000	/* no frame is larger */
#define FRAG_DGRAM	20000	/* the fragmented UDP datagram, with header */
#define ETH_P_LOCAL_EXP	0x88b5	/* IEEE 802 local experimental 1 */
#define IP_FLAG_DF	0x4000
#define IP_FLAG_MF	0x2000
#define DISCARD_PORT	9
#define NSEC		1000000000ULL
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The one summary line: printf() checks the format. */
#define SUMMARY(ok, fmt, ...)						\
	printf("devmem_peer: summary mode=%s status=%s " fmt " seconds=%.3f\n", \
	       mode_names[opt.mode], (ok) ? "ok" : "fail", __VA_ARGS__,	\
	       (now_ns() - start_ns) / 1e9)

#define USAGE_ERROR(fmt, ...)						\
	do {								\
		fprintf(stderr, "devmem_peer: " fmt " (see -h)\n",	\
			##__VA_ARGS__);					\
		exit(2);						\
	} while (0)

enum { MODE_RST, MODE_SMALL, MODE_TINYMSS, MODE_SINK, MODE_SYNFLOOD, MODE_FRAMES };

static const char *const mode_names[] = {
	"rst", "small", "tinymss", "sink", "synflood", "frames",
};

static struct {
	int mode;					/* -m */
	const char *addr, *ifname, *src;		/* -d, -i, -S */
	bool listen, ipv6, validate;			/* -l, -6, -v */
	const struct ether_addr *dst_mac;		/* -D */
	bool have_bytes;
	__u64 bytes, rcvbuf, chunk, port, mss;		/* -N, -R, -c, -p, -M */
	__u64 timeout, zero_window, seconds, rate, count; /* -T, -z, -t, -r, -n */
} opt = {
	.mode = -1,
	.port = 5201,
	.chunk = 1,
	.count = 100,
};

static __u8 pattern[BUF_SIZE + PERIOD];	/* from stream offset 0 */
static __u8 buf[BUF_SIZE];
/* frame[] starts 2 bytes into a word: the IP header is aligned */
static union {
	__u32 align;
	__u8 bytes[2 + ETH_HLEN + SUITE_MTU];
} frame_buf;
static __u8 *const frame = frame_buf.bytes + 2;
static __u64 start_ns, rand_state;
static atomic_int timed_out;

static void help(void)
{
	printf("Usage: devmem_peer -m rst -d ADDR [-p PORT] -N BYTES\n"
	       "       devmem_peer -m small -d ADDR [-p PORT] -N BYTES [-c CHUNK] [-M MSS]\n"
	       "       devmem_peer -m tinymss -d ADDR [-p PORT] -N BYTES -M MSS\n"
	       "       devmem_peer -m sink -l [-p PORT] [-6] [-d ADDR] [-R RCVBUF] [-z SECONDS]\n"
	       "                   [-N BYTES] [-v]\n"
	       "       devmem_peer -m synflood -i IFNAME [-S SRC] -d ADDR [-p PORT] -t SECONDS\n"
	       "                   [-r RATE]\n"
	       "       devmem_peer -m frames -i IFNAME -D DSTMAC -d ADDR [-n COUNT]\n"
	       "\n"
	       "A peer that misbehaves toward a devmem TCP receiver or sender (see the\n"
	       "comment atop devmem_peer.c).  The data is the stream 1,2,3,4,5,6,0\n"
	       "repeating (ncdevmem -v 7); BYTES and RCVBUF take a K, M or G suffix.\n"
	       "\n"
	       "  -c CHUNK    small: bytes per write (default 1)\n"
	       "  -M MSS      small, tinymss: TCP_MAXSEG before connect (>= 88)\n"
	       "  -z SECONDS  sink: read nothing for SECONDS after the accept\n"
	       "  -v          sink: validate the pattern; -N: expect exactly BYTES\n"
	       "  -r RATE     synflood: at most RATE SYNs a second (default no limit)\n"
	       "  -n COUNT    frames: how many of each kind (default 100)\n"
	       "  -p PORT     TCP port (default 5201)\n"
	       "  -T SECONDS  overall timeout (default 120, plus -t or -z)\n"
	       "\n"
	       "Prints \"devmem_peer: summary mode=MODE status=ok|fail ...\".\n"
	       "Exit: 0 ok, 1 failure, 2 bad arguments.\n");
}

/* ---- helpers ------------------------------------------------------------ */

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

static __u64 now_ms(void)
{
	return now_ns() / 1000000;
}

/* xorshift64: random enough for ports, sizes and sequence numbers */
static __u32 rnd(void)
{
	rand_state ^= rand_state << 13;
	rand_state ^= rand_state >> 7;
	rand_state ^= rand_state << 17;
	return rand_state >> 32;
}

/* A size in [min, max]: min first, then max, then random ones. */
static size_t pick_size(unsigned int i, size_t min, size_t max)
{
	if (i == 0 || max <= min)
		return min;
	return i == 1 ? max : min + rnd() % (max - min + 1);
}

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	alarm(1);	/* again, should a blocking call start just after */
}

/* Report a failed call, return -1.  Only the timeout causes EINTR. */
static int perr(const char *what)
{
	if (timed_out)
		fprintf(stderr, "devmem_peer: %s: timed out after %llu s (-T)\n",
			what, opt.timeout);
	else
		fprintf(stderr, "devmem_peer: %s: %s\n", what, strerror(errno));
	return -1;
}

/* A numeric IPv4 or IPv6 address and @port. */
static int parse_addr(const char *s, unsigned int port,
		      struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST }, *ai;

	if (getaddrinfo(s, NULL, &hints, &ai))
		return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	/* sin_port and sin6_port are at the same offset */
	((struct sockaddr_in *)ss)->sin_port = htons(port);
	return 0;
}

/* ---- checksums (RFC 1071) ----------------------------------------------- */

static __u32 csum_add(__u32 sum, const void *data, size_t len)
{
	const __u8 *p = data;

	for (; len > 1; len -= 2, p += 2)
		sum += p[0] << 8 | p[1];
	if (len)
		sum += p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* The value of the checksum field (network byte order). */
static __u16 csum_fold(__u32 sum)
{
	return htons(~csum_add(sum, NULL, 0) & 0xffff);
}

/* The TCP or UDP checksum of @len bytes at @data, with the pseudo header. */
static __u16 csum_l4(__u32 saddr, __u32 daddr, __u8 proto, const void *data,
		     size_t len)
{
	__u32 sum = csum_add(proto + len, &saddr, 4);

	sum = csum_add(sum, &daddr, 4);
	return csum_fold(csum_add(sum, data, len));
}

/* An IPv4 header (no options) for @payload bytes, checksum included. */
static void ip_fill(struct iphdr *ip, __u32 saddr, __u32 daddr, __u8 proto,
		    size_t payload, __u16 id, __u16 frag)
{
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(sizeof(*ip) + payload);
	ip->id = htons(id);
	ip->frag_off = htons(frag);
	ip->ttl = 64;
	ip->protocol = proto;
	ip->saddr = saddr;
	ip->daddr = daddr;
	ip->check = csum_fold(csum_add(0, ip, sizeof(*ip)));
}

/* ---- TCP senders: rst, small, tinymss ----------------------------------- */

static int tcp_connect(int mss, bool nodelay)
{
	struct sockaddr_storage ss;
	int fd, one = 1;
	socklen_t len;

	parse_addr(opt.addr, opt.port, &ss, &len);	/* checked already */
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return perr("socket");
	if (mss && setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss))) {
		perr("setsockopt(TCP_MAXSEG)");
	} else if (nodelay && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
					 sizeof(one))) {
		perr("setsockopt(TCP_NODELAY)");
	} else if (connect(fd, (struct sockaddr *)&ss, len)) {
		perr("connect");
	} else {
		fprintf(stderr, "devmem_peer: connected to %s port %llu\n",
			opt.addr, opt.port);
		return fd;
	}
	close(fd);
	return -1;
}

/* Send the pattern up to stream offset @total, in writes of @chunk. */
static int send_pattern(int fd, __u64 total, size_t chunk, __u64 *sent,
			__u64 *writes)
{
	size_t len;
	ssize_t n;

	while (*sent < total) {
		len = total - *sent < chunk ? total - *sent : chunk;
		n = send(fd, pattern + *sent % PERIOD, len, MSG_NOSIGNAL);
		if (n < 0)
			return perr("send");
		*sent += n;
		(*writes)++;
	}
	return 0;
}

static int mode_rst(void)
{
	struct linger lin = { .l_onoff = 1, .l_linger = 0 };
	__u64 sent = 0, writes = 0;
	int fd, unacked = -1, ret = -1;

	fd = tcp_connect(0, false);
	if (fd < 0)
		goto out;
	if (send_pattern(fd, opt.bytes, BUF_SIZE, &sent, &writes) < 0)
		goto out_close;
	/* what the receiver had not acknowledged yet when the RST went */
	if (ioctl(fd, SIOCOUTQ, &unacked) < 0)
		unacked = -1;
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin)))
		perr("setsockopt(SO_LINGER)");
	else
		ret = 0;
out_close:
	close(fd);	/* with l_linger 0: a RST, not a FIN */
out:
	SUMMARY(!ret, "bytes=%llu writes=%llu unacked=%d reset=%d",
		sent, writes, unacked, !ret);
	return ret;
}

/* small and tinymss: many small writes or a tiny MSS, then a clean end */
static int mode_stream(void)
{
	bool small = opt.mode == MODE_SMALL;
	__u64 sent = 0, writes = 0, rcvd = 0;
	int fd, mss = -1, ret = -1;
	struct tcp_info ti = {};
	socklen_t len;
	ssize_t n;

	fd = tcp_connect(opt.mss, small);
	if (fd < 0)
		goto out;
	len = sizeof(mss);
	getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, &len);
	if (send_pattern(fd, opt.bytes, small ? opt.chunk : BUF_SIZE, &sent,
			 &writes) < 0)
		goto out_close;
	if (shutdown(fd, SHUT_WR)) {
		perr("shutdown");
		goto out_close;
	}
	/* the peer's EOF: it has all the data; drop what it may send */
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		rcvd += n;
	if (n < 0)
		perr("recv (waiting for the peer's EOF)");
	else
		ret = 0;
out_close:
	len = sizeof(ti);
	getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len);
	close(fd);
out:
	SUMMARY(!ret,
		"bytes=%llu writes=%llu mss=%d data_segs_out=%u retrans=%u received=%llu",
		sent, writes, mss, ti.tcpi_data_segs_out, ti.tcpi_total_retrans,
		rcvd);
	return ret;
}

/* ---- sink: a receiver that keeps its window closed ---------------------- */

static int sink_accept(void)
{
	const char *any = opt.ipv6 ? "::" : "0.0.0.0";
	int lfd, fd = -1, one = 1, rcvbuf = opt.rcvbuf;
	char host[INET6_ADDRSTRLEN] = "?";
	struct sockaddr_storage ss;
	socklen_t len;

	parse_addr(opt.addr ?: any, opt.port, &ss, &len);
	lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return perr("socket");
	/* SO_RCVBUF before listen(): the accepted socket inherits it */
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))) {
		perr("setsockopt(SO_REUSEADDR)");
	} else if (rcvbuf && setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
					sizeof(rcvbuf))) {
		perr("setsockopt(SO_RCVBUF)");
	} else if (bind(lfd, (struct sockaddr *)&ss, len)) {
		perr("bind");
	} else if (listen(lfd, 1)) {
		perr("listen");
	} else {
		len = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		if (fd < 0)
			perr("accept");
	}
	close(lfd);
	if (fd >= 0) {
		getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host),
			    NULL, 0, NI_NUMERICHOST);
		fprintf(stderr, "devmem_peer: connection from %s\n", host);
	}
	return fd;
}

/*
 * Read nothing for -z seconds.  The receive queue grows until the window
 * is closed; from its last growth on the sender can only probe.  Returns
 * how long that lasted (ms): until the hold ends, or until the peer's FIN
 * or RST (after which nothing could have grown the queue anyway).
 */
static __u64 hold_window(int fd, int *queued, bool *fin)
{
	struct pollfd pfd = { .fd = fd, .events = POLLRDHUP };
	__u64 end = now_ms() + opt.zero_window * 1000;
	__u64 last_growth = now_ms(), stop = 0, now;
	int inq;

	while (!timed_out && (now = now_ms()) < end) {
		if (poll(&pfd, 1, end - now < 100 ? end - now : 100) > 0) {
			*fin = true;
			stop = now_ms();
			pfd.fd = -1;	/* from now on poll() just sleeps */
		}
		/* nothing follows a FIN: it came with the last growth */
		if (!ioctl(fd, SIOCINQ, &inq) && inq > *queued) {
			*queued = inq;
			last_growth = *fin ? stop : now_ms();
		}
	}
	if (!*fin)
		stop = now_ms();
	return *queued ? stop - last_growth : 0;
}

/* Check @n bytes received at stream offset @off; returns the bad ones. */
static __u64 validate(const __u8 *p, size_t n, __u64 off, __u64 errors)
{
	__u64 bad = 0;
	size_t i;

	if (!memcmp(p, pattern + off % PERIOD, n))
		return 0;
	for (i = 0; i < n; i++) {
		if (p[i] == pattern[(off + i) % PERIOD])
			continue;
		if (errors + bad++ < MAX_REPORTED)
			fprintf(stderr, "devmem_peer: offset %llu: 0x%02x, expected 0x%02x\n",
				off + i, p[i], pattern[(off + i) % PERIOD]);
	}
	return bad;
}

static int mode_sink(void)
{
	__u64 bytes = 0, errors = 0, closed_ms = 0;
	int fd, queued = 0, rcvbuf = -1;
	socklen_t len = sizeof(rcvbuf);
	bool fin = false, ok = false;
	ssize_t n = 0;

	fd = sink_accept();
	if (fd < 0)
		goto out;
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len);
	if (opt.zero_window) {
		fprintf(stderr, "devmem_peer: SO_RCVBUF %d, reading nothing for %llu s\n",
			rcvbuf, opt.zero_window);
		closed_ms = hold_window(fd, &queued, &fin);
		fprintf(stderr, "devmem_peer: %d bytes queued, window closed for %llu ms%s\n",
			queued, closed_ms,
			fin ? " (the peer ended the stream meanwhile)" : "");
	}
	while (!timed_out && (n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		if (opt.validate)
			errors += validate(buf, n, bytes, errors);
		bytes += n;
	}
	if (timed_out || n < 0) {
		perr("recv");
		goto out_close;
	}
	ok = !errors;
	if (errors)
		fprintf(stderr, "devmem_peer: %llu bytes differ from the pattern\n",
			errors);
	if (opt.have_bytes && bytes != opt.bytes) {
		fprintf(stderr, "devmem_peer: received %llu bytes, expected %llu\n",
			bytes, opt.bytes);
		ok = false;
	}
out_close:
	close(fd);
out:
	SUMMARY(ok,
		"bytes=%llu validation_errors=%llu validated=%d rcvbuf=%d held_bytes=%d zero_window_ms=%llu fin_during_hold=%d",
		bytes, errors, opt.validate, rcvbuf, queued, closed_ms, fin);
	return ok ? 0 : -1;
}

/* ---- raw senders: synflood, frames -------------------------------------- */

struct ifinfo {
	int index;
	unsigned int mtu;
	__u8 mac[ETH_ALEN];
	__u32 addr;		/* network byte order */
};

static int get_ifinfo(const char *ifname, struct ifinfo *ifi)
{
	static const struct {
		unsigned long req;
		const char *name;
	} reqs[] = {
		{ SIOCGIFINDEX, "SIOCGIFINDEX" },
		{ SIOCGIFMTU, "SIOCGIFMTU" },
		{ SIOCGIFHWADDR, "SIOCGIFHWADDR" },
		{ SIOCGIFADDR, "SIOCGIFADDR (no IPv4 address?)" },
	};
	struct ifreq ifr[ARRAY_SIZE(reqs)] = {};
	unsigned int i;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return perr("socket");
	for (i = 0; i < ARRAY_SIZE(reqs); i++) {
		snprintf(ifr[i].ifr_name, IFNAMSIZ, "%s", ifname);
		ifr[i].ifr_addr.sa_family = AF_INET;
		if (ioctl(fd, reqs[i].req, &ifr[i])) {
			fprintf(stderr, "devmem_peer: %s: %s: %s\n", ifname,
				reqs[i].name, strerror(errno));
			close(fd);
			return -1;
		}
	}
	close(fd);
	ifi->index = ifr[0].ifr_ifindex;
	ifi->mtu = ifr[1].ifr_mtu;
	memcpy(ifi->mac, ifr[2].ifr_hwaddr.sa_data, ETH_ALEN);
	ifi->addr = ((struct sockaddr_in *)&ifr[3].ifr_addr)->sin_addr.s_addr;
	return 0;
}

/* A SYN as Linux sends one: MSS, SACK permitted, window scale. */
struct syn_packet {
	struct iphdr ip;
	struct tcphdr tcp;
	__u8 opts[12];
};

static_assert(sizeof(struct syn_packet) == 52, "a SYN has no padding");

static int mode_synflood(void)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	__u64 packets = 0, t0, end, due;
	size_t tcp_len = sizeof(struct tcphdr) + 12;
	struct syn_packet p = {};
	struct ifinfo ifi;
	struct timespec ts;
	int fd = -1, ret = -1;
	__u32 saddr, daddr;

	inet_pton(AF_INET, opt.addr, &daddr);	/* checked already */
	dst.sin_addr.s_addr = daddr;
	if (opt.src)
		inet_pton(AF_INET, opt.src, &saddr);
	else if (get_ifinfo(opt.ifname, &ifi) < 0)
		goto out;
	else
		saddr = ifi.addr;
	/* IPPROTO_RAW: we write the IP header (IP_HDRINCL is implied) */
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0) {
		perr("socket(SOCK_RAW, IPPROTO_RAW)");
		goto out;
	}
	if (opt.ifname && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE,
				     opt.ifname, strlen(opt.ifname))) {
		perr("setsockopt(SO_BINDTODEVICE)");
		goto out;
	}
	p.tcp.dest = htons(opt.port);
	p.tcp.doff = tcp_len / 4;
	p.tcp.syn = 1;
	p.tcp.window = htons(64240);
	memcpy(p.opts, "\x02\x04\x23\x00"	/* MSS 8960 */
	       "\x01\x01\x04\x02"		/* NOP, NOP, SACK permitted */
	       "\x01\x03\x03\x07", 12);		/* NOP, window scale 7 */

	t0 = now_ns();
	end = t0 + opt.seconds * NSEC;
	while (!timed_out && now_ns() < end) {
		if (opt.rate) {
			due = t0 + packets * NSEC / opt.rate;
			if (due >= end)
				break;
			ts.tv_sec = due / NSEC;
			ts.tv_nsec = due % NSEC;
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					NULL);
		}
		p.tcp.source = htons(1024 + rnd() % (65536 - 1024));
		p.tcp.seq = htonl(rnd());
		p.tcp.check = 0;
		p.tcp.check = csum_l4(saddr, daddr, IPPROTO_TCP, &p.tcp,
				      tcp_len);
		ip_fill(&p.ip, saddr, daddr, IPPROTO_TCP, tcp_len, rnd(),
			IP_FLAG_DF);
		/* a full device queue drops silently (no IP_RECVERR) */
		if (sendto(fd, &p, sizeof(p), 0, (struct sockaddr *)&dst,
			   sizeof(dst)) == sizeof(p)) {
			packets++;
		} else if (errno != EINTR) {	/* EINTR: the timeout */
			perr("sendto");
			goto out;
		}
	}
	ret = timed_out ? perr("synflood") : 0;
out:
	if (fd >= 0)
		close(fd);
	SUMMARY(!ret, "packets=%llu pps=%.0f", packets,
		packets * 1e9 / (now_ns() - start_ns));
	return ret;
}

/* frames: the socket, the addresses, and what was sent of each kind */
static struct {
	int fd;
	struct ifinfo ifi;
	__u32 daddr;
	__u16 ip_id;
	__u64 udp, icmp, frag_dgrams, frags, frag_incomplete, nonip,
	      malformed, frames, bytes;
} fx = { .fd = -1 };

/* The Ethernet header into frame[]; returns where its payload goes. */
static void *eth_start(__u16 proto)
{
	struct ethhdr *eth = (struct ethhdr *)frame;

	memcpy(eth->h_dest, opt.dst_mac, ETH_ALEN);
	memcpy(eth->h_source, fx.ifi.mac, ETH_ALEN);
	eth->h_proto = htons(proto);
	return frame + ETH_HLEN;
}

/* Send frame[] with @len bytes of Ethernet payload. */
static int xmit(size_t len)
{
	unsigned int tries = 0;

	while (timed_out || send(fx.fd, frame, ETH_HLEN + len, 0) < 0) {
		if (timed_out || errno != ENOBUFS || ++tries == 1000)
			return perr("send (AF_PACKET)");
		usleep(1000);	/* the device queue is full */
	}
	fx.frames++;
	fx.bytes += ETH_HLEN + len;
	return 0;
}

/* A UDP datagram of @payload pattern bytes to the discard port. */
static size_t build_udp(size_t payload)
{
	struct iphdr *ip = eth_start(ETH_P_IP);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	size_t len = sizeof(*udp) + payload;

	udp->source = htons(40000 + fx.ip_id % 1000);
	udp->dest = htons(DISCARD_PORT);
	udp->len = htons(len);
	udp->check = 0;
	memcpy(udp + 1, pattern, payload);
	udp->check = csum_l4(fx.ifi.addr, fx.daddr, IPPROTO_UDP, udp, len) ?:
		     0xffff;
	ip_fill(ip, fx.ifi.addr, fx.daddr, IPPROTO_UDP, len, fx.ip_id++, 0);
	return sizeof(*ip) + len;
}

static int send_echo(unsigned int i, size_t payload)
{
	struct iphdr *ip = eth_start(ETH_P_IP);
	struct icmphdr *icmp = (struct icmphdr *)(ip + 1);
	size_t len = sizeof(*icmp) + payload;

	memset(icmp, 0, sizeof(*icmp));
	icmp->type = ICMP_ECHO;
	icmp->un.echo.id = htons(getpid());
	icmp->un.echo.sequence = htons(i);
	memcpy(icmp + 1, pattern, payload);
	icmp->checksum = csum_fold(csum_add(0, icmp, len));
	ip_fill(ip, fx.ifi.addr, fx.daddr, IPPROTO_ICMP, len, fx.ip_id++, 0);
	return xmit(sizeof(*ip) + len);
}

/*
 * A FRAG_DGRAM-byte UDP datagram in fragments that fit the MTU.  Odd
 * datagrams go last fragment first; every fourth one lacks a fragment
 * (the first, a middle or the last one in turn), so that its reassembly
 * never completes.
 */
static int send_fragmented(unsigned int i)
{
	static struct {
		struct udphdr udp;
		__u8 data[FRAG_DGRAM - sizeof(struct udphdr)];
	} dgram;
	struct udphdr *udp = &dgram.udp;
	size_t off, len, fsize = (fx.ifi.mtu - sizeof(struct iphdr)) & ~7UL;
	unsigned int f, k, nfrags = (FRAG_DGRAM + fsize - 1) / fsize;
	unsigned int skip = i % 4 == 3 ? i / 4 % nfrags : nfrags;
	__u16 id = fx.ip_id++;
	struct iphdr *ip;

	udp->source = htons(41000 + i % 1000);
	udp->dest = htons(DISCARD_PORT);
	udp->len = htons(FRAG_DGRAM);
	udp->check = 0;
	memcpy(dgram.data, pattern, sizeof(dgram.data));
	udp->check = csum_l4(fx.ifi.addr, fx.daddr, IPPROTO_UDP, &dgram,
			     FRAG_DGRAM) ?: 0xffff;
	for (k = 0; k < nfrags; k++) {
		f = i % 2 ? nfrags - 1 - k : k;
		if (f == skip)
			continue;
		off = f * fsize;
		len = FRAG_DGRAM - off < fsize ? FRAG_DGRAM - off : fsize;
		ip = eth_start(ETH_P_IP);
		memcpy(ip + 1, (__u8 *)&dgram + off, len);
		ip_fill(ip, fx.ifi.addr, fx.daddr, IPPROTO_UDP, len, id,
			off / 8 | (f < nfrags - 1 ? IP_FLAG_MF : 0));
		if (xmit(sizeof(*ip) + len) < 0)
			return -1;
		fx.frags++;
	}
	fx.frag_dgrams++;
	fx.frag_incomplete += skip < nfrags;
	return 0;
}

/*
 * Broken IPv4 headers on a 1000-byte UDP datagram, in turn: a wrong header
 * checksum; a total length beyond the end of the frame; a header length
 * below 5 words; a total length shorter than the header.
 */
static int send_malformed(unsigned int i)
{
	size_t len = build_udp(1000);
	struct iphdr *ip = (struct iphdr *)(frame + ETH_HLEN);

	if (i % 4 == 0) {
		ip->check ^= htons(0x5a5a);
		return xmit(len);
	}
	if (i % 4 == 1)
		len /= 2;
	else if (i % 4 == 2)
		ip->ihl = i / 4 % 5;
	else
		ip->tot_len = htons(16);
	ip->check = 0;
	ip->check = csum_fold(csum_add(0, ip, sizeof(*ip)));
	return xmit(len);
}

static int mode_frames(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	unsigned int i, mtu;
	size_t max_ip, len;
	int ret = -1;

	inet_pton(AF_INET, opt.addr, &fx.daddr);	/* checked already */
	if (get_ifinfo(opt.ifname, &fx.ifi) < 0)
		goto out;
	mtu = fx.ifi.mtu < SUITE_MTU ? fx.ifi.mtu : SUITE_MTU;
	if (mtu < 1028) {
		fprintf(stderr, "devmem_peer: %s: MTU %u is below 1028\n",
			opt.ifname, mtu);
		goto out;
	}
	fx.ifi.mtu = mtu;
	max_ip = mtu - 28 < 8000 ? mtu - 28 : 8000;	/* IP + UDP/ICMP */
	fx.ip_id = rnd();
	/* protocol 0: this socket only transmits */
	fx.fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fx.fd < 0) {
		perr("socket(AF_PACKET)");
		goto out;
	}
	sll.sll_ifindex = fx.ifi.index;
	if (bind(fx.fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perr("bind(AF_PACKET)");
		goto out;
	}
	for (i = 0; i < opt.count; i++, fx.udp++)
		if (xmit(build_udp(pick_size(i, 1000, max_ip))) < 0)
			goto out;
	for (i = 0; i < opt.count; i++, fx.icmp++)
		if (send_echo(i, pick_size(i, 1000, max_ip)) < 0)
			goto out;
	for (i = 0; i < opt.count; i++)
		if (send_fragmented(i) < 0)
			goto out;
	for (i = 0; i < opt.count; i++, fx.nonip++) {
		len = pick_size(i, 60, mtu);
		memcpy(eth_start(ETH_P_LOCAL_EXP), pattern, len);
		if (xmit(len) < 0)
			goto out;
	}
	for (i = 0; i < opt.count; i++, fx.malformed++)
		if (send_malformed(i) < 0)
			goto out;
	ret = 0;
out:
	if (fx.fd >= 0)
		close(fx.fd);
	SUMMARY(!ret,
		"udp=%llu icmp=%llu frag_datagrams=%llu fragments=%llu frag_incomplete=%llu nonip=%llu malformed=%llu frames=%llu bytes=%llu",
		fx.udp, fx.icmp, fx.frag_dgrams, fx.frags, fx.frag_incomplete,
		fx.nonip, fx.malformed, fx.frames, fx.bytes);
	return ret;
}

/* ---- main --------------------------------------------------------------- */

/* The numeric options: where they go, their range, a K/M/G suffix. */
static const struct {
	char c;
	bool suffix;
	__u64 *val;
	__u64 min, max;
} num_opts[] = {
	{ 'N', true, &opt.bytes, 0, ~0ULL },
	{ 'R', true, &opt.rcvbuf, 1, 1 << 30 },
	{ 'c', false, &opt.chunk, 1, BUF_SIZE },
	{ 'p', false, &opt.port, 1, 65535 },
	{ 'M', false, &opt.mss, 1, 65535 },
	{ 'T', false, &opt.timeout, 1, 86400 },
	{ 'z', false, &opt.zero_window, 0, 86400 },
	{ 't', false, &opt.seconds, 1, 86400 },
	{ 'r', false, &opt.rate, 1, 100000000 },
	{ 'n', false, &opt.count, 1, 1000000 },
};

static void parse_num_opt(int c, const char *s)
{
	static const char units[] = "kKmMgG";
	unsigned int i, shift = 0;
	const char *unit;
	char *end;
	__u64 v;

	for (i = 0; i < ARRAY_SIZE(num_opts) && num_opts[i].c != c; i++)
		;
	if (i == ARRAY_SIZE(num_opts))
		USAGE_ERROR("bad option");
	errno = 0;
	v = strtoull(s, &end, 0);
	unit = *end && num_opts[i].suffix ? strchr(units, *end) : NULL;
	if (unit) {
		shift = 10 * (1 + (unit - units) / 2);
		end++;
	}
	if (errno || end == s || *s == '-' || *end ||
	    v > num_opts[i].max >> shift || v << shift < num_opts[i].min)
		USAGE_ERROR("invalid value '%s' for -%c", s, c);
	*num_opts[i].val = v << shift;
}

static void check_args(bool have_timeout)
{
	const char *m = mode_names[opt.mode];
	bool sink = opt.mode == MODE_SINK;
	struct sockaddr_storage ss;
	struct in_addr in4;
	socklen_t len;

	if (opt.listen != sink)
		USAGE_ERROR("-l goes with -m sink, and only there");
	if (!sink && !opt.addr)
		USAGE_ERROR("-m %s needs -d ADDR", m);
	if (opt.addr && parse_addr(opt.addr, opt.port, &ss, &len))
		USAGE_ERROR("bad address '%s'", opt.addr);
	if (opt.mode >= MODE_SYNFLOOD && inet_pton(AF_INET, opt.addr, &in4) != 1)
		USAGE_ERROR("-m %s needs an IPv4 address", m);
	if (opt.src && (opt.mode != MODE_SYNFLOOD ||
			inet_pton(AF_INET, opt.src, &in4) != 1))
		USAGE_ERROR("-S takes an IPv4 address, with -m synflood");
	if (opt.mode <= MODE_TINYMSS && !opt.bytes)
		USAGE_ERROR("-m %s needs -N BYTES", m);
	if (opt.mode == MODE_TINYMSS && !opt.mss)
		USAGE_ERROR("-m tinymss needs -M MSS");
	if (opt.mode == MODE_SYNFLOOD && (!opt.seconds || !(opt.ifname || opt.src)))
		USAGE_ERROR("-m synflood needs -t SECONDS, and -i IFNAME or -S SRC");
	if (opt.mode == MODE_FRAMES && (!opt.ifname || !opt.dst_mac))
		USAGE_ERROR("-m frames needs -i IFNAME and -D DSTMAC");
	if (!have_timeout)
		opt.timeout = 120 + opt.seconds + opt.zero_window;
}

static void parse_args(int argc, char **argv)
{
	bool have_timeout = false;
	unsigned int i;
	int c;

	while ((c = getopt(argc, argv, "m:d:i:S:D:l6vN:R:c:p:M:T:z:t:r:n:h")) != -1) {
		switch (c) {
		case 'm':
			for (i = 0; i < ARRAY_SIZE(mode_names); i++)
				if (!strcmp(optarg, mode_names[i]))
					opt.mode = i;
			if (opt.mode < 0)
				USAGE_ERROR("unknown mode '%s'", optarg);
			break;
		case 'd':
			opt.addr = optarg;
			break;
		case 'i':
			opt.ifname = optarg;
			break;
		case 'S':
			opt.src = optarg;
			break;
		case 'D':
			opt.dst_mac = ether_aton(optarg);	/* static */
			if (!opt.dst_mac)
				USAGE_ERROR("bad MAC address '%s'", optarg);
			break;
		case 'l':
			opt.listen = true;
			break;
		case '6':
			opt.ipv6 = true;
			break;
		case 'v':
			opt.validate = true;
			break;
		case 'h':
			help();
			exit(0);
		default:
			parse_num_opt(c, optarg);
			opt.have_bytes |= c == 'N';
			have_timeout |= c == 'T';
		}
	}
	if (optind < argc)
		USAGE_ERROR("unexpected argument '%s'", argv[optind]);
	if (opt.mode < 0)
		USAGE_ERROR("no mode (-m)");
	check_args(have_timeout);
}

int main(int argc, char **argv)
{
	static int (*const run[])(void) = {
		mode_rst, mode_stream, mode_stream, mode_sink, mode_synflood,
		mode_frames,
	};
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	unsigned int i;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGALRM, &sa, NULL);
	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (i % PERIOD + 1) % PERIOD;
	start_ns = now_ns();
	rand_state = (start_ns ^ ((__u64)getpid() << 32)) | 1;
	alarm(opt.timeout);
	return run[opt.mode]() ? 1 : 0;
}
