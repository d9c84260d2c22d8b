/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device memory TCP: what the rest of the stack (TCP, the socket layer,
 * drivers) needs to know about dma-buf bindings.  The binding itself is
 * private to net/core/devmem.c (net/core/devmem.h).
 *
 * See Documentation/networking/devmem.rst.
 */
#ifndef _NET_DEVMEM_H
#define _NET_DEVMEM_H

#include <linux/types.h>
#include <net/netmem.h>

struct net_devmem_dmabuf_binding;
struct net_device;
struct sk_buff;
struct sock;

#ifdef CONFIG_NET_DEVMEM
bool net_is_devmem_iov(const struct net_iov *niov);
u32 net_devmem_iov_binding_id(const struct net_iov *niov);
struct net_device *net_devmem_iov_binding_dev(const struct net_iov *niov);
struct net_devmem_dmabuf_binding *
net_devmem_get_binding(struct sock *sk, unsigned int dmabuf_id);
struct net_iov *
net_devmem_get_niov_at(struct net_devmem_dmabuf_binding *binding,
		       size_t offset, size_t *niov_off, size_t *size);
void net_devmem_dmabuf_binding_put(struct net_devmem_dmabuf_binding *binding);
int net_devmem_tx_skb_err(struct sock *sk, const struct sk_buff *skb);
#else
static inline bool net_is_devmem_iov(const struct net_iov *niov)
{
	return false;
}

static inline u32 net_devmem_iov_binding_id(const struct net_iov *niov)
{
	return 0;
}

static inline struct net_device *
net_devmem_iov_binding_dev(const struct net_iov *niov)
{
	return NULL;
}

static inline struct net_devmem_dmabuf_binding *
net_devmem_get_binding(struct sock *sk, unsigned int dmabuf_id)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline struct net_iov *
net_devmem_get_niov_at(struct net_devmem_dmabuf_binding *binding,
		       size_t offset, size_t *niov_off, size_t *size)
{
	return NULL;
}

static inline void
net_devmem_dmabuf_binding_put(struct net_devmem_dmabuf_binding *binding)
{
}

static inline int net_devmem_tx_skb_err(struct sock *sk,
					const struct sk_buff *skb)
{
	return 0;
}
#endif

#endif /* _NET_DEVMEM_H */
