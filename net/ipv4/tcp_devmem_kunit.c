// SPDX-License-Identifier: GPL-2.0
/* KUnit tests for the receive side of devmem TCP: recvmsg(MSG_SOCK_DEVMEM)
 * through tcp_recvmsg_locked() and tcp_recvmsg_dmabuf(), SO_DEVMEM_DONTNEED
 * and the release of outstanding tokens when the socket is destroyed.
 *
 * No NIC is needed: skbs with net_iov frags are queued by hand on an
 * unconnected kernel TCP socket.  The net_iovs belong to a fake binding and
 * to a plain page_pool; each keeps one extra reference held by the test, so
 * that the pool's memory provider path is never entered and the test can
 * check that every reference taken (skb frags, tokens) is dropped again.
 */

#include <kunit/test.h>
#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/socket.h>
#include <linux/tcp.h>
#include <linux/uio.h>
#include <net/net_namespace.h>
#include <net/netmem.h>
#include <net/page_pool.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "../core/devmem.h"

#define TDM_NIOVS	4
#define TDM_BASE	0x40000UL	/* offset of the fake chunk in the dma-buf */
#define TDM_ID		1234U		/* fake binding id */
#define TDM_LINEAR	10		/* linear payload bytes per skb */

struct tdm_ctx {
	struct net_devmem_dmabuf_binding binding;
	struct dmabuf_genpool_chunk_owner owner;
	struct net_iov niovs[TDM_NIOVS];
	struct page_pool *pool;
	struct socket *sock;
	u8 linear[TDM_LINEAR];
};

struct tdm_frag {
	int niov;
	u32 off;
	u32 size;
};

struct tdm_rx {
	int ret;
	int n_linear;
	u32 linear_bytes;
	int n_dmabuf;
	struct dmabuf_cmsg dmabuf[16];
	int other;
	int msg_flags;
	u8 data[64];
};

static int tdm_init(struct kunit *test)
{
	struct page_pool_params pp = {
		.order = 0,
		.pool_size = 16,
		.nid = NUMA_NO_NODE,
	};
	struct tdm_ctx *ctx;
	struct sock *sk;
	int i, err;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);

	ctx->pool = page_pool_create(&pp);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx->pool));
	test->priv = ctx;

	ctx->binding.id = TDM_ID;
	ctx->owner.binding = &ctx->binding;
	ctx->owner.area.niovs = ctx->niovs;
	ctx->owner.area.num_niovs = TDM_NIOVS;
	ctx->owner.area.base_virtual = TDM_BASE;
	for (i = 0; i < TDM_NIOVS; i++) {
		ctx->niovs[i].owner = &ctx->owner.area;
		ctx->niovs[i].type = NET_IOV_DMABUF;
		ctx->niovs[i].pp = ctx->pool;
		/* the test's own reference: never let the pool release it */
		atomic_long_set(&ctx->niovs[i].pp_ref_count, 1);
	}
	for (i = 0; i < TDM_LINEAR; i++)
		ctx->linear[i] = 'a' + i;

	err = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &ctx->sock);
	KUNIT_ASSERT_EQ(test, err, 0);

	/* The socket stays unconnected (TCP_CLOSE, so it never sends).  Give
	 * it a receive window and an MSS so that tcp_cleanup_rbuf() does not
	 * try to compute a window from nothing.
	 */
	sk = ctx->sock->sk;
	lock_sock(sk);
	tcp_sk(sk)->rcv_wnd = 1 << 20;
	inet_csk(sk)->icsk_ack.rcv_mss = TCP_MSS_DEFAULT;
	release_sock(sk);
	return 0;
}

static long tdm_refs(struct tdm_ctx *ctx, int i)
{
	return atomic_long_read(&ctx->niovs[i].pp_ref_count);
}

static void tdm_exit(struct kunit *test)
{
	struct tdm_ctx *ctx = test->priv;
	int i;

	if (!ctx)
		return;
	if (ctx->sock)
		sock_release(ctx->sock);
	/* every skb frag and token reference must have been dropped */
	for (i = 0; i < TDM_NIOVS; i++)
		KUNIT_EXPECT_EQ(test, tdm_refs(ctx, i), 1L);
	page_pool_destroy(ctx->pool);
}

static struct sk_buff *tdm_skb(struct tdm_ctx *ctx, int linear,
			       const struct tdm_frag *frags, int nr_frags)
{
	struct sk_buff *skb;
	int i;

	skb = alloc_skb(128, GFP_KERNEL);
	if (!skb)
		return NULL;
	skb_put_data(skb, ctx->linear, linear);
	for (i = 0; i < nr_frags; i++) {
		netmem_ref netmem = net_iov_to_netmem(&ctx->niovs[frags[i].niov]);

		get_netmem(netmem);	/* the frag's reference */
		skb_add_rx_frag_netmem(skb, i, netmem, frags[i].off,
				       frags[i].size, PAGE_SIZE);
	}
	return skb;
}

/* Queue @skb on the socket as the next in-sequence data. */
static void tdm_queue(struct tdm_ctx *ctx, struct sk_buff *skb)
{
	struct sock *sk = ctx->sock->sk;
	struct tcp_sock *tp = tcp_sk(sk);

	lock_sock(sk);
	memset(skb->cb, 0, sizeof(skb->cb));
	TCP_SKB_CB(skb)->seq = tp->rcv_nxt;
	TCP_SKB_CB(skb)->end_seq = tp->rcv_nxt + skb->len;
	__skb_queue_tail(&sk->sk_receive_queue, skb);
	WRITE_ONCE(tp->rcv_nxt, TCP_SKB_CB(skb)->end_seq);
	release_sock(sk);
}

/* recvmsg() @len bytes (device memory bytes count too, only linear ones
 * land in the buffer) with a control buffer of @ctl_len bytes, and sort
 * the cmsgs that came back.
 */
static void tdm_recv(struct tdm_ctx *ctx, struct tdm_rx *rx, size_t ctl_len,
		     size_t len, int flags)
{
	struct msghdr msg = {};
	struct cmsghdr *cmsg;
	struct kvec kvec;
	void *ctl = NULL;

	memset(rx, 0, sizeof(*rx));
	kvec.iov_len = len;
	kvec.iov_base = kzalloc(len, GFP_KERNEL);
	if (ctl_len)
		ctl = kzalloc(ctl_len, GFP_KERNEL);
	if (!kvec.iov_base || (ctl_len && !ctl)) {
		rx->ret = -ENOMEM;
		goto out_free;
	}
	msg.msg_control = ctl;
	msg.msg_controllen = ctl_len;

	rx->ret = kernel_recvmsg(ctx->sock, &msg, &kvec, 1, len,
				 flags | MSG_DONTWAIT);
	rx->msg_flags = msg.msg_flags;
	memcpy(rx->data, kvec.iov_base, min(len, sizeof(rx->data)));

	/* the cmsgs written are those before the advanced msg_control */
	msg.msg_control = ctl;
	msg.msg_controllen = ctl_len - msg.msg_controllen;
	for_each_cmsghdr(cmsg, &msg) {
		struct dmabuf_cmsg *dc = CMSG_DATA(cmsg);

		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_len != CMSG_LEN(sizeof(*dc))) {
			rx->other++;
		} else if (cmsg->cmsg_type == SCM_DEVMEM_LINEAR) {
			rx->n_linear++;
			rx->linear_bytes += dc->frag_size;
		} else if (cmsg->cmsg_type == SCM_DEVMEM_DMABUF &&
			   rx->n_dmabuf < ARRAY_SIZE(rx->dmabuf)) {
			rx->dmabuf[rx->n_dmabuf++] = *dc;
		} else {
			rx->other++;
		}
	}
out_free:
	kfree(ctl);
	kfree(kvec.iov_base);
}

static int tdm_dontneed(struct tdm_ctx *ctx, const struct dmabuf_token *tok,
			int n)
{
	return sock_setsockopt(ctx->sock, SOL_SOCKET, SO_DEVMEM_DONTNEED,
			       KERNEL_SOCKPTR((void *)tok),
			       n * sizeof(*tok));
}

static int tdm_dontneed_all(struct tdm_ctx *ctx, const struct tdm_rx *rx)
{
	struct dmabuf_token tok[16];
	int i;

	for (i = 0; i < rx->n_dmabuf; i++) {
		tok[i].token_start = rx->dmabuf[i].frag_token;
		tok[i].token_count = 1;
	}
	return tdm_dontneed(ctx, tok, rx->n_dmabuf);
}

static const struct tdm_frag tdm_frags3[] = {
	{ .niov = 0, .off = 0, .size = PAGE_SIZE },
	{ .niov = 1, .off = 100, .size = 200 },
	{ .niov = 2, .off = 0, .size = 1000 },
};

#define TDM_LEN3	(TDM_LINEAR + PAGE_SIZE + 200 + 1000)
#define TDM_CTL_BIG	4096
#define TDM_CMSG_SPACE	CMSG_SPACE(sizeof(struct dmabuf_cmsg))

/* Linear bytes + three frags: one LINEAR and three DMABUF cmsgs. */
static void tdm_test_basic(struct kunit *test)
{
	struct tdm_ctx *ctx = test->priv;
	struct dmabuf_token tok;
	struct tdm_rx rx;
	int i;

	tdm_queue(ctx, tdm_skb(ctx, TDM_LINEAR, tdm_frags3, 3));
	KUNIT_EXPECT_EQ(test, tdm_refs(ctx, 0), 2L);

	tdm_recv(ctx, &rx, TDM_CTL_BIG, 65536, MSG_SOCK_DEVMEM);
	KUNIT_ASSERT_EQ(test, rx.ret, (int)TDM_LEN3);
	KUNIT_EXPECT_EQ(test, rx.n_linear, 1);
	KUNIT_EXPECT_EQ(test, rx.linear_bytes, (u32)TDM_LINEAR);
	KUNIT_EXPECT_EQ(test, memcmp(rx.data, ctx->linear, TDM_LINEAR), 0);
	KUNIT_EXPECT_EQ(test, rx.other, 0);
	KUNIT_EXPECT_FALSE(test, rx.msg_flags & MSG_CTRUNC);
	KUNIT_ASSERT_EQ(test, rx.n_dmabuf, 3);
	for (i = 0; i < 3; i++) {
		const struct tdm_frag *f = &tdm_frags3[i];
		struct dmabuf_cmsg *dc = &rx.dmabuf[i];

		KUNIT_EXPECT_EQ(test, dc->frag_offset,
				(u64)(TDM_BASE + f->niov * PAGE_SIZE + f->off));
		KUNIT_EXPECT_EQ(test, dc->frag_size, f->size);
		KUNIT_EXPECT_EQ(test, dc->dmabuf_id, TDM_ID);
		KUNIT_EXPECT_EQ(test, dc->flags, 0U);
		KUNIT_EXPECT_NE(test, dc->frag_token, 0U);
		KUNIT_EXPECT_LE(test, dc->frag_token, (u32)INT_MAX);
	}
	KUNIT_EXPECT_NE(test, rx.dmabuf[0].frag_token, rx.dmabuf[1].frag_token);
	KUNIT_EXPECT_NE(test, rx.dmabuf[1].frag_token, rx.dmabuf[2].frag_token);

	/* the skb is gone, each token holds its net_iov */
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, tdm_refs(ctx, i), 2L);

	/* give one back twice: counted once */
	tok.token_start = rx.dmabuf[1].frag_token;
	tok.token_count = 1;
	KUNIT_EXPECT_EQ(test, tdm_dontneed(ctx, &tok, 1), 1);
	KUNIT_EXPECT_EQ(test, tdm_dontneed(ctx, &tok, 1), 0);
	KUNIT_EXPECT_EQ(test, tdm_refs(ctx, 1), 1L);

	/* a range over all three, including the freed one */
	tok.token_start = min(rx.dmabuf[0].frag_token, rx.dmabuf[2].frag_token);
	tok.token_count = max(rx.dmabuf[0].frag_token,
			      rx.dmabuf[2].frag_token) - tok.token_start + 1;
	KUNIT_EXPECT_EQ(test, tdm_dontneed(ctx, &tok, 1), 2);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, tdm_refs(ctx, i), 1L);

	/* nothing left */
	tdm_recv(ctx, &rx, TDM_CTL_BIG, 65536, MSG_SOCK_DEVMEM);
	KUNIT_EXPECT_EQ(test, rx.ret, -ENOTCONN);
}

/* Without MSG_SOCK_DEVMEM device memory is an error, never bytes. */
static void tdm_test_no_flag(struct kunit *test)
{
	struct tdm_ctx *ctx = test->priv;
	struct tdm_rx rx;

	tdm_queue(ctx, tdm_skb(ctx, TDM_LINEAR, tdm_frags3, 3));

	tdm_recv(ctx, &rx, TDM_CTL_BIG, 65536, 0);
	KUNIT_EXPECT_EQ(test, rx.ret, -EFAULT);
	tdm_recv(ctx, &rx, TDM_CTL_BIG, 65536, MSG_PEEK);
	KUNIT_EXPECT_EQ(test, rx.ret, -EFAULT);
	KUNIT_EXPECT_EQ(test, rx.n_linear + rx.n_dmabuf + rx.other, 0);
	KUNIT_EXPECT_EQ(test, tdm_refs(ctx, 0), 2L);

	/* MSG_TRUNC discards it without touching it or taking tokens */
	tdm_recv(ctx, &rx, 0, 65536, MSG_TRUNC);
	KUNIT_EXPECT_EQ(test, rx.ret, (int)TDM_LEN3);
	KUNIT_EXPECT_EQ(test, tdm_refs(ctx, 0), 1L);
	KUNIT_EXPECT_EQ(test, tdm_refs(ctx, 2), 1L);
}

/* A full control buffer stops reception; no token is lost. */
static void tdm_test_cmsg_space(struct kunit *test)
{
	struct tdm_ctx *ctx = test->priv;
	struct tdm_rx rx;

	tdm_queue(ctx, tdm_skb(ctx, TDM_LINEAR, tdm_frags3, 3));

	/* no control buffer, or too small for one cmsg: nothing consumed */
	tdm_recv(ctx, &rx, 0, 65536, MSG_SOCK_DEVMEM);
	KUNIT_EXPECT_EQ(test, rx.ret, -EFAULT);
	tdm_recv(ctx, &rx, CMSG_LEN(sizeof(struct dmabuf_cmsg)) - 1, 65536,
		 MSG_SOCK_DEVMEM);
	KUNIT_EXPECT_EQ(test, rx.ret, -EFAULT);
	KUNIT_EXPECT_EQ(test, tdm_refs(ctx, 0), 2L);

	/* room for LINEAR + one DMABUF, and a half: stops after frag 0 */
	tdm_recv(ctx, &rx, 2 * TDM_CMSG_SPACE + TDM_CMSG_SPACE / 2, 65536,
		 MSG_SOCK_DEVMEM);
	KUNIT_EXPECT_EQ(test, rx.ret, (int)(TDM_LINEAR + PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, rx.n_linear, 1);
	KUNIT_EXPECT_EQ(test, rx.n_dmabuf, 1);
	KUNIT_EXPECT_FALSE(test, rx.msg_flags & MSG_CTRUNC);
	KUNIT_EXPECT_EQ(test, tdm_refs(ctx, 0), 3L);	/* skb + token */
	KUNIT_EXPECT_EQ(test, tdm_refs(ctx, 1), 2L);	/* skb only */
	KUNIT_EXPECT_EQ(test, tdm_dontneed_all(ctx, &rx), 1);

	/* exactly one cmsg: the rest of the frag of niov 1, then stop */
	tdm_recv(ctx, &rx, TDM_CMSG_SPACE, 150, MSG_SOCK_DEVMEM);
	KUNIT_EXPECT_EQ(test, rx.ret, 150);
	KUNIT_ASSERT_EQ(test, rx.n_dmabuf, 1);
	KUNIT_EXPECT_EQ(test, rx.dmabuf[0].frag_offset,
			(u64)(TDM_BASE + PAGE_SIZE + 100));
	KUNIT_EXPECT_EQ(test, tdm_dontneed_all(ctx, &rx), 1);

	/* the rest: remaining 50 bytes of frag 1 and all of frag 2 */
	tdm_recv(ctx, &rx, TDM_CTL_BIG, 65536, MSG_SOCK_DEVMEM);
	KUNIT_EXPECT_EQ(test, rx.ret, 50 + 1000);
	KUNIT_EXPECT_EQ(test, rx.n_linear, 0);
	KUNIT_ASSERT_EQ(test, rx.n_dmabuf, 2);
	KUNIT_EXPECT_EQ(test, rx.dmabuf[0].frag_offset,
			(u64)(TDM_BASE + PAGE_SIZE + 250));
	KUNIT_EXPECT_EQ(test, rx.dmabuf[0].frag_size, 50U);
	KUNIT_EXPECT_EQ(test, tdm_dontneed_all(ctx, &rx), 2);
}

/* MSG_PEEK hands out tokens of their own; close releases what is left. */
static void tdm_test_peek_and_close(struct kunit *test)
{
	struct tdm_ctx *ctx = test->priv;
	struct tdm_rx rx;

	tdm_queue(ctx, tdm_skb(ctx, 0, tdm_frags3, 3));

	tdm_recv(ctx, &rx, TDM_CTL_BIG, 65536, MSG_SOCK_DEVMEM | MSG_PEEK);
	KUNIT_EXPECT_EQ(test, rx.ret, (int)(TDM_LEN3 - TDM_LINEAR));
	KUNIT_EXPECT_EQ(test, rx.n_linear, 0);
	KUNIT_EXPECT_EQ(test, rx.n_dmabuf, 3);
	KUNIT_EXPECT_EQ(test, tdm_refs(ctx, 0), 3L);	/* skb + token */

	tdm_recv(ctx, &rx, TDM_CTL_BIG, 65536, MSG_SOCK_DEVMEM);
	KUNIT_EXPECT_EQ(test, rx.ret, (int)(TDM_LEN3 - TDM_LINEAR));
	KUNIT_EXPECT_EQ(test, tdm_refs(ctx, 0), 3L);	/* two tokens */

	/* six tokens outstanding: tdm_exit() closes the socket and checks */
}

/* Host memory and device memory are never returned by the same call. */
static void tdm_test_mixed(struct kunit *test)
{
	struct tdm_ctx *ctx = test->priv;
	struct sk_buff *skb;
	struct tdm_rx rx;

	skb = alloc_skb(128, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_put_data(skb, "plain", 5);
	tdm_queue(ctx, skb);
	tdm_queue(ctx, tdm_skb(ctx, 0, tdm_frags3, 1));
	skb = alloc_skb(128, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_put_data(skb, "again", 5);
	tdm_queue(ctx, skb);

	tdm_recv(ctx, &rx, TDM_CTL_BIG, 65536, MSG_SOCK_DEVMEM);
	KUNIT_EXPECT_EQ(test, rx.ret, 5);
	KUNIT_EXPECT_EQ(test, memcmp(rx.data, "plain", 5), 0);
	KUNIT_EXPECT_EQ(test, rx.n_dmabuf + rx.n_linear, 0);

	tdm_recv(ctx, &rx, TDM_CTL_BIG, 65536, MSG_SOCK_DEVMEM);
	KUNIT_EXPECT_EQ(test, rx.ret, (int)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, rx.n_dmabuf, 1);
	KUNIT_EXPECT_EQ(test, tdm_dontneed_all(ctx, &rx), 1);

	tdm_recv(ctx, &rx, TDM_CTL_BIG, 65536, 0);
	KUNIT_EXPECT_EQ(test, rx.ret, 5);
	KUNIT_EXPECT_EQ(test, memcmp(rx.data, "again", 5), 0);
}

/* frag_list skbs (GRO) are followed. */
static void tdm_test_frag_list(struct kunit *test)
{
	static const struct tdm_frag tail[] = {
		{ .niov = 3, .off = 8, .size = 512 },
	};
	struct tdm_ctx *ctx = test->priv;
	struct sk_buff *head, *member;
	struct tdm_rx rx;

	head = tdm_skb(ctx, 0, tdm_frags3, 2);
	member = tdm_skb(ctx, 0, tail, 1);
	KUNIT_ASSERT_NOT_NULL(test, head);
	KUNIT_ASSERT_NOT_NULL(test, member);
	skb_shinfo(head)->frag_list = member;
	head->len += member->len;
	head->data_len += member->len;
	head->truesize += member->truesize;
	tdm_queue(ctx, head);

	/* start inside the second frag of the head */
	tdm_recv(ctx, &rx, TDM_CTL_BIG, PAGE_SIZE + 50, MSG_SOCK_DEVMEM);
	KUNIT_EXPECT_EQ(test, rx.ret, (int)PAGE_SIZE + 50);
	KUNIT_EXPECT_EQ(test, tdm_dontneed_all(ctx, &rx), 2);

	tdm_recv(ctx, &rx, TDM_CTL_BIG, 65536, MSG_SOCK_DEVMEM);
	KUNIT_EXPECT_EQ(test, rx.ret, 150 + 512);
	KUNIT_ASSERT_EQ(test, rx.n_dmabuf, 2);
	KUNIT_EXPECT_EQ(test, rx.dmabuf[0].frag_offset,
			(u64)(TDM_BASE + PAGE_SIZE + 150));
	KUNIT_EXPECT_EQ(test, rx.dmabuf[1].frag_offset,
			(u64)(TDM_BASE + 3 * PAGE_SIZE + 8));
	KUNIT_EXPECT_EQ(test, rx.dmabuf[1].frag_size, 512U);
	KUNIT_EXPECT_EQ(test, tdm_dontneed_all(ctx, &rx), 2);
}

/* A frag_list skb with a frag_list of its own (GRO never builds one) is
 * refused, not walked recursively: the bytes before it are handed out,
 * then recvmsg() fails with EFAULT and nothing more is consumed; every
 * reference comes back when the socket is closed.
 */
static void tdm_test_nested_frag_list(struct kunit *test)
{
	static const struct tdm_frag one[] = {
		{ .niov = 3, .off = 0, .size = 64 },
	};
	struct tdm_ctx *ctx = test->priv;
	struct sk_buff *skb[4];
	struct tdm_rx rx;
	int i;

	for (i = 0; i < ARRAY_SIZE(skb); i++) {
		skb[i] = tdm_skb(ctx, 0, one, 1);
		KUNIT_ASSERT_NOT_NULL(test, skb[i]);
	}
	/* skb[0] -> frag_list skb[1] -> frag_list skb[2] -> frag_list skb[3] */
	for (i = ARRAY_SIZE(skb) - 1; i > 0; i--) {
		skb_shinfo(skb[i - 1])->frag_list = skb[i];
		skb[i - 1]->len += skb[i]->len;
		skb[i - 1]->data_len += skb[i]->len;
		skb[i - 1]->truesize += skb[i]->truesize;
	}
	tdm_queue(ctx, skb[0]);
	KUNIT_EXPECT_EQ(test, tdm_refs(ctx, 3), 5L);

	tdm_recv(ctx, &rx, TDM_CTL_BIG, 65536, MSG_SOCK_DEVMEM);
	KUNIT_EXPECT_EQ(test, rx.ret, 64);
	KUNIT_ASSERT_EQ(test, rx.n_dmabuf, 1);
	KUNIT_EXPECT_EQ(test, tdm_dontneed_all(ctx, &rx), 1);

	tdm_recv(ctx, &rx, TDM_CTL_BIG, 65536, MSG_SOCK_DEVMEM);
	KUNIT_EXPECT_EQ(test, rx.ret, -EFAULT);
	KUNIT_EXPECT_EQ(test, rx.n_dmabuf, 0);
	KUNIT_EXPECT_EQ(test, tdm_refs(ctx, 3), 5L);
	/* tdm_exit(): closing the socket frees the chain, refs back to 1 */
}

/* SO_DEVMEM_DONTNEED argument checks and limits. */
static void tdm_test_dontneed_args(struct kunit *test)
{
	struct tdm_ctx *ctx = test->priv;
	struct dmabuf_token *tok;
	struct socket *udp;
	struct tdm_rx rx;
	int i, err;

	tok = kunit_kcalloc(test, 129, sizeof(*tok), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tok);
	tok[0].token_count = 1;
	KUNIT_EXPECT_EQ(test, sock_setsockopt(ctx->sock, SOL_SOCKET,
					      SO_DEVMEM_DONTNEED,
					      KERNEL_SOCKPTR(tok), 12),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tdm_dontneed(ctx, tok, 129), -EINVAL);
	KUNIT_EXPECT_EQ(test, tdm_dontneed(ctx, tok, 128), 0);

	err = sock_create_kern(&init_net, AF_INET, SOCK_DGRAM, IPPROTO_UDP,
			       &udp);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, sock_setsockopt(udp, SOL_SOCKET,
					      SO_DEVMEM_DONTNEED,
					      KERNEL_SOCKPTR(tok), 8),
			-EBADF);
	sock_release(udp);

	/* at most 1024 ids are looked at: a token behind them survives */
	tdm_queue(ctx, tdm_skb(ctx, 0, tdm_frags3, 1));
	tdm_recv(ctx, &rx, TDM_CTL_BIG, 65536, MSG_SOCK_DEVMEM);
	KUNIT_ASSERT_EQ(test, rx.n_dmabuf, 1);
	tok[0].token_start = 0x10000;	/* never handed out here */
	tok[0].token_count = 1024;
	tok[1].token_start = rx.dmabuf[0].frag_token;
	tok[1].token_count = 1;
	KUNIT_EXPECT_EQ(test, tdm_dontneed(ctx, tok, 2), 0);
	KUNIT_EXPECT_EQ(test, tdm_refs(ctx, 0), 2L);
	/* ids beyond 31 bits are never handed out */
	for (i = 0; i < 2; i++) {
		tok[i].token_start = 0x80000000U;
		tok[i].token_count = 0xffffffffU;
	}
	tok[2].token_start = rx.dmabuf[0].frag_token;
	tok[2].token_count = 1;
	KUNIT_EXPECT_EQ(test, tdm_dontneed(ctx, tok, 3), 0);
	KUNIT_EXPECT_EQ(test, tdm_dontneed(ctx, &tok[2], 1), 1);
}

static struct kunit_case tcp_devmem_test_cases[] = {
	KUNIT_CASE(tdm_test_basic),
	KUNIT_CASE(tdm_test_no_flag),
	KUNIT_CASE(tdm_test_cmsg_space),
	KUNIT_CASE(tdm_test_peek_and_close),
	KUNIT_CASE(tdm_test_mixed),
	KUNIT_CASE(tdm_test_frag_list),
	KUNIT_CASE(tdm_test_nested_frag_list),
	KUNIT_CASE(tdm_test_dontneed_args),
	{}
};

static struct kunit_suite tcp_devmem_test_suite = {
	.name = "tcp_devmem",
	.init = tdm_init,
	.exit = tdm_exit,
	.test_cases = tcp_devmem_test_cases,
};

kunit_test_suite(tcp_devmem_test_suite);

MODULE_DESCRIPTION("KUnit tests for the devmem TCP receive path");
MODULE_LICENSE("GPL");
