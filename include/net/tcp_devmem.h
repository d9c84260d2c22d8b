/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device memory TCP, receive side: recvmsg(MSG_SOCK_DEVMEM) and the
 * per-socket store of the tokens it hands out (net/ipv4/tcp_devmem.c).
 *
 * See Documentation/networking/devmem.rst.
 */
#ifndef _NET_TCP_DEVMEM_H
#define _NET_TCP_DEVMEM_H

#include <linux/errno.h>
#include <linux/sockptr.h>
#include <linux/types.h>

struct msghdr;
struct sk_buff;
struct sock;

#ifdef CONFIG_NET_DEVMEM
void tcp_devmem_init_sock(struct sock *sk);
void tcp_devmem_release_tokens(struct sock *sk);
int tcp_recvmsg_dmabuf(struct sock *sk, const struct sk_buff *skb,
		       u32 offset, struct msghdr *msg, int remaining_len);
int sock_devmem_dontneed(struct sock *sk, sockptr_t optval,
			 unsigned int optlen);
#else
static inline void tcp_devmem_init_sock(struct sock *sk)
{
}

static inline void tcp_devmem_release_tokens(struct sock *sk)
{
}

static inline int tcp_recvmsg_dmabuf(struct sock *sk,
				     const struct sk_buff *skb, u32 offset,
				     struct msghdr *msg, int remaining_len)
{
	return -ENODEV;
}

static inline int sock_devmem_dontneed(struct sock *sk, sockptr_t optval,
				       unsigned int optlen)
{
	return -ENOPROTOOPT;
}
#endif

#endif /* _NET_TCP_DEVMEM_H */
