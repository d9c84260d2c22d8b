/* SPDX-License-Identifier: GPL-2.0 */
/*
 * page_pool memory providers: a page_pool created for an RX queue that has
 * a memory provider installed takes its buffers from the provider instead
 * of the page allocator.  Drivers do not learn which memory they got; they
 * use the page_pool netmem API (page_pool_alloc_netmem(), netmem_dma_addr(),
 * skb_add_rx_frag_netmem()) and must never touch the payload.
 *
 * The ops table has mainline's shape (include/net/page_pool/
 * memory_provider.h, 6.15).  Linux 6.1 has no queue management API, so the
 * queue restart is one driver op (struct netdev_queue_mgmt_ops) instead of
 * mainline's mem_alloc/mem_free/start/stop.
 */
#ifndef _NET_NETMEM_PROVIDER_H
#define _NET_NETMEM_PROVIDER_H

#include <linux/types.h>
#include <net/netmem.h>

struct page_pool;
struct sk_buff;
struct net_device;
struct netdev_rx_queue;
struct netlink_ext_ack;

/**
 * struct memory_provider_ops - a page_pool memory provider
 * @alloc_netmems: return one netmem for @pool (a net_iov with pp, pp_magic
 *	and pp_ref_count == 1 set through net_mp_niov_set_page_pool()), or 0
 *	when the provider is exhausted.  Called in the driver's refill
 *	context (softirq or process), must not sleep.  The page_pool core
 *	accounts the allocation (pages_state_hold_cnt).
 * @release_netmem: take back a netmem whose last reference was dropped.
 *	Any context.  Return true if the page_pool should put_page() it
 *	(never for a net_iov).
 * @init: called from page_pool_init() under rtnl; may reject the pool's
 *	parameters with a negative errno.
 * @destroy: called when the pool is freed (after every netmem came back).
 * @nl_fill: add the provider's netlink attributes for a queue (@rxq set)
 *	or a page_pool (@rxq NULL) to @rsp.
 * @uninstall: the device is being unregistered with the provider still
 *	installed on @rxq; forget the queue.  rtnl held.
 */
struct memory_provider_ops {
	netmem_ref (*alloc_netmems)(struct page_pool *pool, gfp_t gfp);
	bool (*release_netmem)(struct page_pool *pool, netmem_ref netmem);
	int (*init)(struct page_pool *pool);
	void (*destroy)(struct page_pool *pool);
	int (*nl_fill)(void *mp_priv, struct sk_buff *rsp,
		       struct netdev_rx_queue *rxq);
	void (*uninstall)(void *mp_priv, struct netdev_rx_queue *rxq);
};

/**
 * struct pp_memory_provider_params - a provider installed on an RX queue
 * @mp_priv: the provider's state (for devmem: the binding)
 * @mp_ops: the provider's ops, NULL when no provider is installed
 */
struct pp_memory_provider_params {
	void *mp_priv;
	const struct memory_provider_ops *mp_ops;
};

/**
 * struct netdev_queue_mgmt_ops - what a driver offers to restart RX queues
 * @ndo_queue_restart: rebuild RX queue @idx so that the page_pool it
 *	creates picks up the queue's current memory provider parameters
 *	(struct netdev_rx_queue.mp_params).  Called under rtnl.  A device
 *	that is down only needs to remember nothing: its next open creates
 *	the pool.  Returns 0 or a negative errno (the queue must then still
 *	work with the parameters it had before).
 */
struct netdev_queue_mgmt_ops {
	int (*ndo_queue_restart)(struct net_device *dev, unsigned int idx,
				 struct netlink_ext_ack *extack);
};

#ifdef CONFIG_NET_DEVMEM
int net_mp_open_rxq(struct net_device *dev, unsigned int rxq_idx,
		    const struct pp_memory_provider_params *p,
		    struct netlink_ext_ack *extack);
void net_mp_close_rxq(struct net_device *dev, unsigned int rxq_idx,
		      const struct pp_memory_provider_params *old);
void net_mp_niov_set_page_pool(struct page_pool *pool, struct net_iov *niov);
void net_mp_niov_clear_page_pool(struct net_iov *niov);
void dev_memory_provider_uninstall(struct net_device *dev);
bool dev_has_memory_provider(const struct net_device *dev);
u32 dev_get_min_mp_channel_count(const struct net_device *dev);
void net_mp_rxq_provider_failed(struct net_device *dev, unsigned int rxq_idx,
				int err);
#else
/* Without NET_DEVMEM no provider can be installed: nothing to do */
static inline void dev_memory_provider_uninstall(struct net_device *dev)
{
}

static inline bool dev_has_memory_provider(const struct net_device *dev)
{
	return false;
}

static inline u32 dev_get_min_mp_channel_count(const struct net_device *dev)
{
	return 0;
}

static inline void net_mp_rxq_provider_failed(struct net_device *dev,
					      unsigned int rxq_idx, int err)
{
}
#endif

#endif /* _NET_NETMEM_PROVIDER_H */
