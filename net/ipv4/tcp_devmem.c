// SPDX-License-Identifier: GPL-2.0
/* Device memory TCP, receive side.
 *
 * When a NIC splits headers from payload and writes the payload into a
 * dma-buf bound to one of its RX queues (net/core/devmem.c), the TCP
 * socket's receive queue holds "unreadable" skbs: their frags are net_iovs,
 * chunks of device memory the CPU must not touch.  recvmsg() with
 * MSG_SOCK_DEVMEM does not copy such payload.  It tells user space where it
 * is, one SCM_DEVMEM_DMABUF control message per frag, and hands out a
 * token for each of them.  Until user space gives the token back with
 * setsockopt(SO_DEVMEM_DONTNEED), or the socket is destroyed, the token
 * keeps one page_pool reference on the net_iov so that the NIC cannot
 * reuse the memory while the application is still reading it.
 *
 * Tokens live in an xarray in struct tcp_sock: index = token, entry = the
 * netmem_ref whose reference the token owns.  Tokens are inserted by
 * recvmsg (socket lock held) and erased by SO_DEVMEM_DONTNEED (socket lock
 * not held) and at socket destruction (possibly in softirq context), so
 * every access goes through the xarray's own lock taken with BHs disabled.
 *
 * Behaviour (errnos, limits, cmsg layout) follows mainline Linux 6.12; see
 * Documentation/networking/devmem.rst.
 */

#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/sockptr.h>
#include <linux/tcp.h>
#include <linux/uio.h>
#include <linux/xarray.h>
#include <net/devmem.h>
#include <net/netmem.h>
#include <net/sock.h>
#include <net/tcp_devmem.h>

/* SO_DEVMEM_DONTNEED limits, as in mainline: at most this many struct
 * dmabuf_token per call, and at most this many token ids looked at per call
 * (the call returns early once it has looked at that many).
 */
#define TCP_DEVMEM_DONTNEED_MAX_TOKENS	128
#define TCP_DEVMEM_DONTNEED_MAX_FRAGS	1024

/* netmems released per drop of the token store lock in SO_DEVMEM_DONTNEED */
#define TCP_DEVMEM_PUT_BATCH		16

/* State of one tcp_recvmsg_dmabuf() call. */
struct tcp_devmem_rx {
	struct sock *sk;
	struct msghdr *msg;
	int remaining;		/* bytes still to be handed out */
	int done;		/* bytes handed out (copied or tokenized) */
};

static struct xarray *tcp_devmem_tokens(struct sock *sk)
{
	return &tcp_sk(sk)->devmem_tokens;
}

static void *tcp_devmem_netmem_to_entry(netmem_ref netmem)
{
	return (void *)(__force unsigned long)netmem;
}

static netmem_ref tcp_devmem_entry_to_netmem(void *entry)
{
	return (__force netmem_ref)(unsigned long)entry;
}

/**
 * tcp_devmem_init_sock() - initialise a TCP socket's device memory tokens
 * @sk: the socket, a tcp_sock
 *
 * Called from tcp_init_sock() for new sockets and from
 * tcp_create_openreq_child() for children, which start as a byte copy of
 * their listener and must not share its token store.  Token ids start at 1
 * and are at most INT_MAX.
 *
 * Context: any; the store must not be in use.
 */
void tcp_devmem_init_sock(struct sock *sk)
{
	xa_init_flags(tcp_devmem_tokens(sk), XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_BH);
}

/**
 * tcp_devmem_release_tokens() - release every token a socket still holds
 * @sk: the socket, a tcp_sock, being closed or destroyed
 *
 * Drops the net_iov reference of each outstanding token, so that the
 * memory goes back to its page_pool, and frees the store.  Safe to call
 * more than once.  Mainline releases tokens when the socket is destroyed;
 * this port releases them already when the user closes it (__tcp_close()),
 * because an orphaned socket can wait in FIN_WAIT for ACKs that the NIC
 * cannot receive while the tokens pin every buffer of the dma-buf.
 *
 * Context: from __tcp_close() (socket locked, last reference to the file
 * gone) and from the protocol's destroy callback (tcp_v4_destroy_sock(),
 * also used by IPv6), process or softirq context; nothing else may use the
 * store any more.
 */
void tcp_devmem_release_tokens(struct sock *sk)
{
	struct xarray *tokens = tcp_devmem_tokens(sk);
	unsigned long index;
	void *entry;

	xa_for_each(tokens, index, entry)
		put_netmem(tcp_devmem_entry_to_netmem(entry));
	xa_destroy(tokens);
}

/* Hand out @len bytes of the net_iov frag @frag, starting @frag_off bytes
 * into it: take a token holding a reference on the net_iov and write the
 * SCM_DEVMEM_DMABUF cmsg that carries it.  Either both happen or neither:
 * a token user space never learnt of would pin the memory until close.
 *
 * Return: 0, -ENODEV for a frag that is not device memory, -ENOMEM or
 * -EBUSY (no token ids left) from the token store, or the error of
 * put_cmsg_notrunc() (-ETOOSMALL, -EFAULT).
 */
static int tcp_devmem_put_frag(struct tcp_devmem_rx *rx,
			       const skb_frag_t *frag, u32 frag_off, u32 len)
{
	struct xarray *tokens = tcp_devmem_tokens(rx->sk);
	struct dmabuf_cmsg dmabuf_cmsg = {};
	struct net_iov *niov;
	netmem_ref netmem;
	u32 token;
	int err;

	if (!skb_frag_is_net_iov(frag)) {
		net_err_ratelimited("tcp: devmem: readable frag in an unreadable skb\n");
		return -ENODEV;
	}
	niov = skb_frag_net_iov(frag);
	if (!net_is_devmem_iov(niov))
		return -ENODEV;

	netmem = skb_frag_netmem(frag);
	/* The skb holds a reference on the net_iov; the token takes its own. */
	get_netmem(netmem);
	err = xa_alloc_bh(tokens, &token, tcp_devmem_netmem_to_entry(netmem),
			  xa_limit_31b, GFP_KERNEL_ACCOUNT);
	if (err)
		goto err_put_netmem;

	dmabuf_cmsg.frag_offset = net_iov_virtual_addr(niov) +
				  skb_frag_off(frag) + frag_off;
	dmabuf_cmsg.frag_size = len;
	dmabuf_cmsg.frag_token = token;
	dmabuf_cmsg.dmabuf_id = net_devmem_iov_binding_id(niov);

	err = put_cmsg_notrunc(rx->msg, SOL_SOCKET, SCM_DEVMEM_DMABUF,
			       sizeof(dmabuf_cmsg), &dmabuf_cmsg);
	if (err)
		goto err_erase_token;

	return 0;

err_erase_token:
	/* SO_DEVMEM_DONTNEED does not take the socket lock: a caller that
	 * guessed the token may have released it (and its reference) already.
	 * Whoever erases the entry drops the reference.
	 */
	if (!xa_erase_bh(tokens, token))
		return err;
err_put_netmem:
	put_netmem(netmem);
	return err;
}

/* Copy @len bytes of linear (host memory) payload to the iovec and report
 * them with an SCM_DEVMEM_LINEAR cmsg.  On failure nothing is reported and
 * the iovec is rewound.
 *
 * Return: 0, -EFAULT, or the error of put_cmsg_notrunc().
 */
static int tcp_devmem_put_linear(struct tcp_devmem_rx *rx, const void *data,
				 u32 len)
{
	struct dmabuf_cmsg dmabuf_cmsg = {};
	size_t copied;
	int err;

	copied = copy_to_iter(data, len, &rx->msg->msg_iter);
	if (copied != len) {
		err = -EFAULT;
		goto err_revert;
	}

	dmabuf_cmsg.frag_size = len;
	err = put_cmsg_notrunc(rx->msg, SOL_SOCKET, SCM_DEVMEM_LINEAR,
			       sizeof(dmabuf_cmsg), &dmabuf_cmsg);
	if (err)
		goto err_revert;

	return 0;

err_revert:
	iov_iter_revert(&rx->msg->msg_iter, copied);
	return err;
}

/* Hand out the payload of one skb, its linear part and its frags (not its
 * frag_list), from @offset on until rx->remaining is 0.
 *
 * Return: 0 when rx->remaining reached 0 or @skb was handed out up to the
 * end of its frags; a negative errno otherwise, rx->done and rx->remaining
 * then account for what was handed out before the failure.
 */
static int tcp_devmem_rx_frags(struct tcp_devmem_rx *rx,
			       const struct sk_buff *skb, u32 offset)
{
	u32 start, end, copy;
	int i, err;

	start = skb_headlen(skb);
	if (offset < start) {
		copy = min_t(u32, start - offset, rx->remaining);
		err = tcp_devmem_put_linear(rx, skb->data + offset, copy);
		if (err)
			return err;
		offset += copy;
		rx->done += copy;
		rx->remaining -= copy;
		if (!rx->remaining)
			return 0;
	}

	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		const skb_frag_t *frag = &skb_shinfo(skb)->frags[i];

		end = start + skb_frag_size(frag);
		if (offset < end) {
			copy = min_t(u32, end - offset, rx->remaining);
			err = tcp_devmem_put_frag(rx, frag, offset - start,
						  copy);
			if (err)
				return err;
			offset += copy;
			rx->done += copy;
			rx->remaining -= copy;
			if (!rx->remaining)
				return 0;
		}
		start = end;
	}

	return 0;
}

/* Hand out the payload of @skb from @offset on: its own linear part and
 * frags, then those of each skb on its frag_list, in the order
 * skb_copy_datagram_iter() walks them, until rx->remaining is 0.
 *
 * GRO builds frag_lists one level deep; a frag_list skb with a frag_list
 * of its own is refused rather than walked recursively (the depth of such
 * a chain would be bounded only by the kernel stack).
 *
 * Return: 0 when rx->remaining reached 0 or @skb was handed out up to its
 * end; -EFAULT for a nested frag_list, or the error of
 * tcp_devmem_rx_frags(); rx->done and rx->remaining then account for what
 * was handed out before the failure.
 */
static int tcp_devmem_rx_skb(struct tcp_devmem_rx *rx,
			     const struct sk_buff *skb, u32 offset)
{
	const struct sk_buff *frag_skb;
	u32 start, end;
	int i, err;

	err = tcp_devmem_rx_frags(rx, skb, offset);
	if (err || !rx->remaining)
		return err;

	/* the frag_list starts after the linear part and the frags */
	start = skb_headlen(skb);
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++)
		start += skb_frag_size(&skb_shinfo(skb)->frags[i]);

	skb_walk_frags(skb, frag_skb) {
		end = start + frag_skb->len;
		if (offset < end) {
			if (unlikely(skb_has_frag_list(frag_skb))) {
				net_err_ratelimited("tcp: devmem: nested frag_list\n");
				return -EFAULT;
			}
			err = tcp_devmem_rx_frags(rx, frag_skb,
						  offset > start ?
						  offset - start : 0);
			if (err || !rx->remaining)
				return err;
			offset = end;
		}
		start = end;
	}

	return 0;
}

/**
 * tcp_recvmsg_dmabuf() - receive device memory payload of an skb
 * @sk: the TCP socket, locked by the caller
 * @skb: an unreadable skb of @sk's receive queue
 * @offset: offset in @skb of the first byte to receive
 * @msg: the message being received; cmsgs and the iovec are filled
 * @remaining_len: bytes to receive, at most @skb->len - @offset
 *
 * What tcp_recvmsg_locked() does for an unreadable skb when the reader
 * passed MSG_SOCK_DEVMEM, as in mainline Linux 6.12:
 *
 * - linear (host memory) payload, present when the NIC did not split at
 *   the header boundary, is copied to the iovec and reported by one
 *   SCM_DEVMEM_LINEAR cmsg (struct dmabuf_cmsg, only frag_size set) per
 *   skb;
 * - each device memory frag (or part of one) is reported by an
 *   SCM_DEVMEM_DMABUF cmsg: frag_offset = offset of the bytes in the
 *   dma-buf, frag_size, frag_token, dmabuf_id = binding id, flags 0; the
 *   token holds one page_pool reference on the frag's net_iov until it is
 *   given back with SO_DEVMEM_DONTNEED or the socket is destroyed;
 * - the skbs of the frag_list are followed (one level deep, as GRO
 *   builds them; a nested frag_list is refused with -EFAULT).
 *
 * Reception stops at the first piece that cannot be handed out completely:
 * a cmsg that does not fit in the control buffer (nothing is truncated and
 * no token is lost: the token of that piece is taken back), a frag that is
 * not device memory, a failure of the token store or a fault.  The bytes
 * handed out before it are consumed and the rest stays queued.
 *
 * Context: process context, socket locked; may sleep.
 * Return: the number of bytes handed out (> 0), or, when nothing could be,
 * a negative errno: -ENODEV (@skb is readable, or a frag is not device
 * memory), -ETOOSMALL (the control buffer has no room for the first cmsg;
 * kernel internal, the caller reports -EFAULT), -EFAULT, -ENOMEM, -EBUSY
 * (the socket has 2^31 - 1 tokens outstanding).
 */
int tcp_recvmsg_dmabuf(struct sock *sk, const struct sk_buff *skb,
		       u32 offset, struct msghdr *msg, int remaining_len)
{
	struct tcp_devmem_rx rx = {
		.sk = sk,
		.msg = msg,
		.remaining = remaining_len,
	};
	int err;

	if (skb_frags_readable(skb))
		return -ENODEV;

	err = tcp_devmem_rx_skb(&rx, skb, offset);
	if (!err && rx.remaining)
		err = -EFAULT;	/* skb shorter than the caller said */

	return rx.done ?: err;
}

/* Release the references of @netmems[0 .. @n - 1], whose tokens were just
 * erased.
 */
static void tcp_devmem_put_netmems(const netmem_ref *netmems, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		put_netmem(netmems[i]);
}

/**
 * sock_devmem_dontneed() - SO_DEVMEM_DONTNEED: give device memory tokens back
 * @sk: the socket
 * @optval: array of struct dmabuf_token
 * @optlen: size of @optval in bytes
 *
 * Releases every token in [token_start, token_start + token_count) of each
 * struct dmabuf_token, dropping the net_iov reference the token held.
 * Tokens the socket does not hold (never handed out, already released) are
 * skipped.  As in mainline, at most 1024 token ids are looked at per call
 * (counting skipped ones); the call then returns early, and the caller
 * finds out from the return value.
 *
 * Context: process context, called from sk_setsockopt() before the socket
 * lock is taken (as in mainline); the token store's lock serialises it
 * against recvmsg and other callers.
 * Return: the number of tokens released (>= 0, the value setsockopt()
 * returns); -EBADF if @sk is not a TCP socket; -EINVAL if @optlen is not a
 * multiple of sizeof(struct dmabuf_token) or exceeds 128 of them; -ENOMEM;
 * -EFAULT if @optval cannot be read.
 */
int sock_devmem_dontneed(struct sock *sk, sockptr_t optval,
			 unsigned int optlen)
{
	netmem_ref netmems[TCP_DEVMEM_PUT_BATCH];
	unsigned int num_tokens, i, n = 0;
	struct dmabuf_token *tokens;
	unsigned int looked_at = 0;
	struct xarray *store;
	int ret = 0;

	if (!sk_is_tcp(sk))
		return -EBADF;

	if (optlen % sizeof(*tokens) ||
	    optlen > sizeof(*tokens) * TCP_DEVMEM_DONTNEED_MAX_TOKENS)
		return -EINVAL;

	num_tokens = optlen / sizeof(*tokens);
	tokens = kvmalloc_array(num_tokens, sizeof(*tokens), GFP_KERNEL);
	if (!tokens)
		return -ENOMEM;

	if (copy_from_sockptr(tokens, optval, optlen)) {
		ret = -EFAULT;
		goto out_free_tokens;
	}

	store = tcp_devmem_tokens(sk);
	xa_lock_bh(store);
	for (i = 0; i < num_tokens; i++) {
		u64 id = tokens[i].token_start;
		u64 last = id + tokens[i].token_count;

		for (; id < last; id++) {
			void *entry;

			if (looked_at++ == TCP_DEVMEM_DONTNEED_MAX_FRAGS)
				goto out_unlock;
			if (id > INT_MAX)	/* never handed out */
				continue;

			entry = __xa_erase(store, id);
			if (!entry)
				continue;

			netmems[n++] = tcp_devmem_entry_to_netmem(entry);
			ret++;
			if (n == ARRAY_SIZE(netmems)) {
				xa_unlock_bh(store);
				tcp_devmem_put_netmems(netmems, n);
				n = 0;
				xa_lock_bh(store);
			}
		}
	}
out_unlock:
	xa_unlock_bh(store);
	tcp_devmem_put_netmems(netmems, n);
out_free_tokens:
	kvfree(tokens);
	return ret;
}
